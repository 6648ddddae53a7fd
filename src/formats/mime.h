/* Payloads out of an e-mail message (GMime 3), named safely: names decoded
 * (RFC 2231, RFC 2047), made safe (basename, control characters to '_', no
 * leading dots or spaces), unnamed payloads called attachment-N.EXT, repeated
 * names made unique with -2, -3 before the extension. message/rfc822 parts are descended into; a
 * broken MIME structure is an error with the reason, nothing is guessed.
 *
 * GMime keeps process-wide state: call mime_init() once at start-up (before
 * the first mime_extract, from the main thread) and mime_shutdown() at exit.
 * Both are reference counted by GMime, so nested init/shutdown pairs are safe. */
#ifndef KA_MIME_H
#define KA_MIME_H

#include <stddef.h>

struct mime_payload {
	char *name;           /* safe file name, unique (case-insensitively) in the message */
	char *content_type;   /* "type/subtype", lower case, no parameters */
	char *part_path;      /* IMAP section number: "2", "3.1", "2.2.1" */
	unsigned char *data;  /* decoded bytes (transfer encoding removed, no charset change) */
	size_t len;
	char *sent_name;      /* the name as the sender wrote it when NAME differs (logfmt
			       * quoted, at most 300 bytes), else NULL */
};

struct mime_payloads {
	struct mime_payload *v;
	size_t n, cap;
};

struct mime_limits {
	size_t max_bytes;  /* largest message accepted; 0 means no limit */
	int max_depth;     /* deepest nesting of multiparts and messages; 0 means 16 */
};

void mime_init(void);
void mime_shutdown(void);

/* Parse the LEN bytes of MSG and append every payload to OUT, in message
 * order. Returns 0 (possibly with no payload), or KA_INVALID with the reason
 * in err when the message is over a limit or its MIME structure is broken;
 * OUT is then left empty. */
int mime_extract(const void *msg, size_t len, const struct mime_limits *lim,
		 struct mime_payloads *out, char *err);

void mime_payloads_release(struct mime_payloads *p);

/* The safe form of a decoded file name (basename after the last '/' or '\',
 * control characters replaced with '_', leading dots and spaces stripped,
 * capped at 200 bytes keeping the extension). Returns a new string, or NULL
 * when nothing is left (the part is then treated as unnamed). A name whose
 * RFC 2231 encoding holds %00 is not used at all (GMime would cut it at the
 * NUL: "a.csv%00.exe" would pass for "a.csv"): the part is unnamed. */
char *mime_safe_name(const char *raw);

/* The extension for an unnamed payload of CONTENT_TYPE ("csv", "edi", "txt", "bin"). */
const char *mime_ext_for_type(const char *content_type);

/* Write payload P as file P->name inside the directory DIRFD, refusing to
 * follow symlinks or to replace an existing file (KA_EXISTS). The data is
 * fsynced. Returns 0 or a negative KA_* code with err filled. */
int mime_payload_save(int dirfd, const struct mime_payload *p, char *err);

#endif
