/* Conversions: a carried file turned into the bodies of HTTP requests for
 * an API (the route's convert = for a request destination), and the
 * `convert` command's dry run. A conversion reads a spool copy (or any
 * file) and gives its requests one at a time, in an order that depends
 * only on the file's bytes and the settings: request N of a file is the
 * same request whenever it is made, so an interrupted delivery resumes at
 * the first request not acknowledged. Memory stays bounded by the largest
 * request plus, for a CSV file, an index of about 20 bytes a row (and its
 * shipment ids), not the file. Never touches the network or the manifest.
 * conv_open validates the file by its format and checks every row against
 * the conversion first: a file that does not convert fails there, whole. */
#ifndef KA_FORMATS_CONVERT_H
#define KA_FORMATS_CONVERT_H

#include <stddef.h>
#include <stdint.h>
#include "../config.h"
#include "../diag.h"
#include "format.h"

/* One request body. */
struct conv_body {
	char *body;                /* malloc'd; the caller frees it */
	size_t len;
	char key[128];             /* what it carries, for logs and show:
				      "shipment S1", "rows 1-500" */
};

struct conv;

/* The conversions: "raw", "json", "ndjson", "csv", "kargo-documents",
 * "kargo-unified". 1 if TO is one. */
int conv_known(const char *to);
/* Whether a file of FORMAT (a built-in, a profile, or "auto": known only
 * per file) converts to TO: 0, or -1 with a sentence in err. */
int conv_allowed(const struct formats *f, const char *format, const char *to, char *err);
/* The Content-Type of TO's bodies (raw: API->content_type). */
const char *conv_content_type(const char *to, const struct route_api *api);

/* Start converting PATH, of FORMAT (a resolved or "auto" format, or a
 * profile), to TO with the route's settings API. 0, or a negative enum
 * ka_err with err (KA_INVALID: the file does not convert, with the line). */
int conv_open(const struct formats *f, const char *format, const char *path, const char *to,
	      const struct route_api *api, struct conv **out, char *err);
/* The next body: 1 with OUT filled, 0 after the last, or a negative enum
 * ka_err with err ("PATH:LINE: ..." for data that does not convert). */
int conv_next(struct conv *c, struct conv_body *out, char *err);
void conv_close(struct conv *c);

/* What an API's 2xx answer BODY (LEN bytes, maybe cut) to a request of TO
 * says: 0 when it took the request, with the id it gave (Kargo's
 * loggingId) in ID ("" when none); KA_PERMANENT when the answer says it
 * refused it (kargo-unified: success false), with its message in err. */
int conv_reply(const char *to, const char *body, size_t len, char *id, size_t idlen,
	       char *err);

/* Check every route's destinations' convert = against its format; problems
 * go to D as "FILE: [route NAME] convert: ...". Called by
 * formats_check_config. */
void conv_check_config(const struct config *cfg, const struct formats *f, struct diag *d);

#endif
