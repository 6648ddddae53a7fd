/* SMTP destination helpers beyond the transport table (transport_smtp). */
#ifndef KA_SMTP_H
#define KA_SMTP_H

#include "transport.h"

/* Log in to the SMTP remote behind C (a connection from transport_smtp's
 * connect) without sending anything: for check-config. Returns 0 or a
 * negative KA_* code (KA_PERMANENT: wrong password, untrusted certificate). */
int smtp_probe(struct tconn *c, char *err);

/* TMPL with {name}, {route} and {shipment_ids} replaced from INFO and control
 * characters turned into spaces. Returns a new string. */
char *smtp_expand(const char *tmpl, const struct send_info *info);

/* The attachment's content type: .csv → text/csv; .edi, .x12, .856 or an
 * ISA header → application/EDI-X12; else application/octet-stream. */
const char *smtp_content_type(const char *name, const char *local_path);

#endif
