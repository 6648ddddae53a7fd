/* Settings shared by the IMAP and SMTP remotes: url, tls, user,
 * password_file, ca_file, connect_timeout; and libcurl error mapping.
 * The password is read from its file at connect time and is never logged. */
#ifndef KA_MAILCFG_H
#define KA_MAILCFG_H

#include <curl/curl.h>
#include "../config.h"
#include "../diag.h"

struct mail_proto {
	const char *name;        /* "IMAP", "SMTP" for messages */
	const char *secure;      /* "imaps", "smtps": implicit TLS */
	const char *plain;       /* "imap", "smtp": STARTTLS unless tls = none */
	int user_required;
};

struct mailcfg {
	char *url;               /* "imaps://host:port" without a path */
	char *host;              /* for messages */
	int tls_none;            /* tls = none: plain text (loopback tests only) */
	char *user;              /* NULL: no login */
	char *password;          /* contents of password_file; wiped on release */
	char *ca_file;           /* NULL: the system's trusted CAs */
	long connect_timeout;    /* seconds */
};

/* Check the shared keys of [remote NAME] without connecting. */
void mailcfg_check(const struct remote_config *rc, const struct mail_proto *p,
		   const char *file, struct diag *d);

/* Read the settings (and the password file) of RC. Returns 0 or
 * KA_PERMANENT with a message naming the remote and the key. */
int mailcfg_load(const struct remote_config *rc, const struct mail_proto *p,
		 struct mailcfg *out, char *err);
void mailcfg_release(struct mailcfg *m);

/* Set URL-independent options on H: login, TLS (verification always on),
 * timeouts, protocols allowed. Returns a CURLcode. */
CURLcode mailcfg_apply(CURL *h, const struct mailcfg *m, const struct mail_proto *p,
		       char *errbuf);

/* Turn a failed libcurl transfer into a KA_* code and a sentence: wrong
 * password and untrusted certificates are KA_PERMANENT, an unreachable or
 * failing server KA_TRANSIENT. DOING says what was attempted. */
int mailcfg_curl_error(const struct mailcfg *m, const struct mail_proto *p, CURLcode rc,
		       const char *errbuf, const char *doing, char *err);

/* Whether PATH can hold a secret: a regular file that only its owner may
 * read or write; 0, or -1 with the reason in WHY. Every transport that
 * reads a secret file (IMAP, SMTP, HTTPS) checks it with this. */
int mailcfg_secret_ok(const char *path, char *why, size_t whylen);

/* Read a secret (the first line) from PATH, the value of KEY, refusing
 * files readable by group or others; errors start with "KEY: ". */
int mailcfg_read_secret(const char *key, const char *path, char **out, char *err);

#endif
