/* The HTTPS request sink's insides, shared by its files:
 *   https.c         the table: check_remote, connect, close, probe, init
 *   https_config.c  the [remote] keys parsed into struct https_opts
 *   https_auth.c    tokens: the flows (OAuth2, login, files)
 *   https_cache.c   the token cache file kept between runs
 *   https_send.c    send_requests: libcurl's multi interface
 *   https_reply.c   an answer classed, Retry-After read, the reply kept
 *   https_curl.c    libcurl handles' common options, transfer errors
 * Calls go down that list (https_config.c, https_reply.c and https_curl.c
 * at the bottom).
 * Secrets (client secret, password, token) live only in struct tconn,
 * are wiped when it closes, and never reach a log line or an error. */
#ifndef KA_HTTPS_INT_H
#define KA_HTTPS_INT_H

#include <curl/curl.h>
#include <stdint.h>
#include "transport.h"

#define HTTPS_MAX_CONNECTIONS MAX_SESSIONS
#define HTTPS_REPLY_KEEP 4096     /* bytes of an answer kept for tr_reply */
#define HTTPS_RETRY_AFTER_MAX 3600
#define HTTPS_DEFAULT_LIFETIME 3600  /* a token whose reply says no expires_in */

enum https_auth {
	AUTH_NONE = 0,
	AUTH_CLIENT_CREDENTIALS,  /* oauth2-client-credentials */
	AUTH_PASSWORD,            /* oauth2-password */
	AUTH_LOGIN,               /* login: POST {"username", "password"} */
	AUTH_BEARER_FILE,         /* bearer-file: the token is a file's content */
	AUTH_BASIC,               /* basic: user + password_file */
};

/* A [remote NAME] type = https section, checked. */
struct https_opts {
	char *name;
	char *url;                /* base, without a trailing '/' */
	enum https_auth auth;
	char *token_url, *client_id, *client_secret_file, *audience;
	char *user, *password_file, *token_file;
	char *login_url, *token_field;
	char *ca_file;            /* NULL: the system's CAs */
	char *proxy;              /* NULL: none (the environment's *_proxy ignored) */
	long connect_timeout, io_timeout;  /* seconds */
	int connections;          /* requests in flight at most */
	int max_rps;              /* requests started per second; 0: no limit */
	char **headers;           /* "Name: value" */
	size_t nheaders;
	char *token_cache;        /* NULL: no cache file */
};

/* The token in use: one per connection, shared by all its requests. */
struct https_token {
	char *value;              /* NULL: none yet (or the flow has none) */
	int64_t expires;          /* absolute, seconds */
	int64_t refresh_at;       /* fetch another from then on */
	unsigned gen;             /* bumped at each new token: a 401 on an older
				     one only needs the newer, not a new fetch */
};

struct tconn {
	struct https_opts o;
	const struct logger *lg;
	char *secret;             /* client_secret_file's content, or NULL */
	char *password;           /* password_file's content, or NULL */
	struct https_token tok;
	/* Kept from one send_requests to the next, so the connections (in
	 * the multi handle's cache) carry the next file's requests too. */
	CURLM *multi;
	CURL *easy[HTTPS_MAX_CONNECTIONS];
	double next_start_ms;     /* max_requests_per_second: the next start */
};

/* The auth = names, in enum https_auth order. */
extern const char *const https_auth_names[];

/* https_config.c: parse RC into O, every problem added to D as
 * "FILE: [remote NAME] KEY: ...". Returns 0 or -1; O is to be released
 * either way. */
int https_opts_parse(const struct remote_config *rc, const char *file, struct diag *d,
		     struct https_opts *o);
void https_opts_release(struct https_opts *o);

/* https_curl.c: the options every handle of C gets: TLS always verified,
 * ca_file, the proxy (or none), connect timeout, https only, ERRBUF. */
CURLcode https_easy_setup(const struct tconn *c, CURL *h, char *errbuf);
/* Zero S's bytes, then free it. */
void https_wipe(char *s);

/* https_auth.c: make C's token usable: the cached one while it is fresh,
 * else one from the cache file, else one fetched (FRESH: fetched whatever
 * is cached). 0, or KA_PERMANENT (refused: wrong secret, bad reply) or
 * KA_TRANSIENT (no answer, 5xx), err naming the step. Flows without a
 * token (none, basic) return 0 at once. */
int https_token_get(struct tconn *c, int fresh, char *err);
/* The Authorization header for C's current token, or NULL (none, basic).
 * Caller wipes it (https_wipe). */
char *https_auth_header(const struct tconn *c);
/* Read the secret files C's flow needs into C; 0 or KA_PERMANENT. */
int https_secrets_load(struct tconn *c, char *err);

/* https_cache.c: the token cache file (o.token_cache). Load into TOK the
 * token stored for C's identity when it is still fresh: 1, else 0 (absent,
 * unreadable, wrong mode, another identity, stale: all silently ignored).
 * Store writes TOK atomically (temp file, fsync, rename), mode 0600; a
 * failure is logged, never fatal. */
int https_cache_load(const struct tconn *c, struct https_token *tok);
void https_cache_store(const struct tconn *c, const struct https_token *tok);

/* https_send.c: the table's send_requests (transport.h). */
int https_send_requests(struct tconn *c, const struct tr_requests *rq,
			volatile const sig_atomic_t *stop, char *err);

/* https_reply.c: what one answer says. */
struct https_answer {
	long status;              /* 0: none */
	CURLcode cc;
	char body[HTTPS_REPLY_KEEP + 1];  /* the first bytes, NUL-terminated */
	size_t len;               /* bytes in body */
	char correlation_id[256]; /* echoed Correlation-Id, "" when none */
	char retry_after[64];     /* Retry-After as sent, "" when none */
};
void https_answer_reset(struct https_answer *a);
/* libcurl's write and header callbacks filling a struct https_answer. */
size_t https_answer_body(char *data, size_t size, size_t n, void *arg);
size_t https_answer_header(char *data, size_t size, size_t n, void *arg);
/* The class of an answer (status, or cc when there was none). */
enum tr_outcome https_classify(long status, CURLcode cc);
/* Retry-After (seconds or an HTTP date) as seconds from NOW, capped at
 * HTTPS_RETRY_AFTER_MAX; 0 when absent or unreadable. */
int https_retry_after(const char *value, int64_t now);

/* https_curl.c: whether CC is a failure of the destination as a whole
 * (its certificate not trusted, ca_file unreadable): no later request can
 * pass either. */
int https_fatal(CURLcode cc);
/* A sentence for a failed transfer of C to URL, "DOING URL: detail", and
 * its code: KA_PERMANENT for https_fatal ones, else KA_TRANSIENT. */
int https_curl_error(const struct tconn *c, CURLcode cc, const char *errbuf, const char *doing,
		     const char *url, char *err);

#endif
