/* IMAP client on libcurl (see imap.h).
 *
 * Every command is a CURLOPT_CUSTOMREQUEST on the server's root URL, so
 * libcurl never selects a mailbox by itself: this file sends SELECT and the
 * UID commands and parses the answers. libcurl hands every response line of
 * a custom command to the header callback, literal data included and with
 * its line ends intact, so the concatenated lines are the exact byte stream
 * of the response; a FETCH literal {N} is cut out of it by its length.
 * Limits of that approach, checked rather than assumed: a response line
 * longer than the receive buffer (RECV_BUFFER) would be clipped by libcurl,
 * which shows up as a literal shorter than announced and is reported. */
#include "imap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "../common.h"
#include "mailcfg.h"
#include "transport.h"

#define RECV_BUFFER (512L * 1024)              /* CURLOPT_BUFFERSIZE (libcurl's maximum) */
#define DEFAULT_MAX_MESSAGE (25UL * 1024 * 1024)
#define RESP_SLACK (64 * 1024)                  /* protocol lines around a literal */
#define RESP_MAX (64UL * 1024 * 1024)           /* any other response */

const char *const imap_keys[] = {
	"url", "tls", "user", "password_file", "ca_file", "connect_timeout",
	"max_message_bytes", NULL,
};

static const struct mail_proto imap_proto = { "IMAP", "imaps", "imap", 1 };

/* Response bytes of the command in progress. */
struct resp {
	char *p;
	size_t n, cap;
	size_t limit;   /* bytes kept at most; the rest is counted and dropped */
	int overflow;
};

struct imap_conn {
	CURL *h;
	struct mailcfg cfg;
	const struct logger *lg;
	char *root;                 /* "imaps://host:port/" */
	char *selected;             /* mailbox selected on the current connection */
	uint32_t uidvalidity;       /* of SELECTED */
	int has_move, has_uidplus;
	int reconnected;            /* the last command ran on a new connection */
	unsigned long commands;
	size_t max_message_bytes;
	struct resp resp;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
	struct resp *r = ud;
	size_t len = size * nitems;
	if (r->overflow || r->n + len > r->limit) {
		r->overflow = 1;
		return len;
	}
	if (r->n + len + 1 > r->cap) {
		while (r->n + len + 1 > r->cap)
			r->cap = r->cap ? r->cap * 2 : 64 * 1024;
		r->p = xrealloc(r->p, r->cap);
	}
	memcpy(r->p + r->n, buf, len);
	r->n += len;
	r->p[r->n] = '\0';
	return len;
}

/* Untagged lines also arrive as "body": the header stream has them all. */
static size_t on_body(char *buf, size_t size, size_t nitems, void *ud)
{
	return size * nitems;
}

/* Counts the command lines sent (login included); nothing is logged, so the
 * AUTHENTICATE line with the secret never leaves this function. */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	struct imap_conn *c = ud;
	if (type == CURLINFO_HEADER_OUT)
		c->commands++;
	return 0;
}

/* The server's words in the tagged NO or BAD line of the response, into
 * BUF. libcurl closes the connection after a failed command, so the LOGOUT
 * exchange may follow that line: search for it rather than take the last. */
static const char *failure_line(const struct resp *r, char *buf, size_t len)
{
	snprintf(buf, len, "(no reason given)");
	for (const char *p = r->p; p && *p; ) {
		size_t n = strcspn(p, "\r\n");
		const char *sp = memchr(p, ' ', n);
		if (p[0] == 'A' && sp && (!strncmp(sp, " NO ", 4) || !strncmp(sp, " BAD ", 5)))
			snprintf(buf, len, "%.*s", (int)(n - (size_t)(sp + 1 - p)), sp + 1);
		p += n;
		p += strspn(p, "\r\n");
	}
	return buf;
}

/* Send CMD (a full IMAP command without tag) and collect its response.
 * A NO or BAD answer is KA_ERR with the server's words in err, or KA_NOENT
 * when the server says the mailbox does not exist (TRYCREATE, NONEXISTENT). */
static int run(struct imap_conn *c, const char *cmd, size_t limit, char *err)
{
	c->resp.n = 0;
	c->resp.overflow = 0;
	c->resp.limit = limit ? limit : RESP_MAX;
	c->errbuf[0] = '\0';
	CURLcode rc = curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, cmd);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c->h);
	long connects = 0;
	curl_easy_getinfo(c->h, CURLINFO_NUM_CONNECTS, &connects);
	/* A new connection has nothing selected; libcurl drops the connection
	 * after a failed command, so the next one starts unselected too. */
	if (connects > 0 || rc != CURLE_OK) {
		free(c->selected);
		c->selected = NULL;
	}
	c->reconnected = connects > 0;
	if (rc == CURLE_OK)
		return 0;
	char verb[32];
	snprintf(verb, sizeof(verb), "%.*s", (int)strcspn(cmd, " "), cmd);
	if (!strcmp(verb, "UID"))
		snprintf(verb, sizeof(verb), "UID %.*s", (int)strcspn(cmd + 4, " "), cmd + 4);
	if (rc != CURLE_QUOTE_ERROR) {
		char doing[64];
		snprintf(doing, sizeof(doing), "%s", verb);
		return mailcfg_curl_error(&c->cfg, &imap_proto, rc, c->errbuf, doing, err);
	}
	char said[300];
	failure_line(&c->resp, said, sizeof(said));
	snprintf(err, ERRLEN, "IMAP server %s answered %s to %s", c->cfg.host, said, verb);
	if (strstr(said, "[TRYCREATE]") || strstr(said, "[NONEXISTENT]"))
		return KA_NOENT;
	return KA_ERR;
}

/* ", ", quoted-string form of an ASCII mailbox name, or NULL (err filled). */
static char *quote_mailbox(const char *name, char *err)
{
	size_t n = strlen(name);
	if (n == 0 || n > 512) {
		snprintf(err, ERRLEN, "mailbox name '%s' is empty or too long", name);
		return NULL;
	}
	char *q = xmalloc(2 * n + 3), *o = q;
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f) {
			snprintf(err, ERRLEN, "mailbox name '%s' has control or non-ASCII characters "
				 "(not supported)", name);
			free(q);
			return NULL;
		}
		if (*p == '"' || *p == '\\')
			*o++ = '\\';
		*o++ = (char)*p;
	}
	*o++ = '"';
	*o = '\0';
	return q;
}

/* Whether the last CAPABILITY list in the response has word CAP. */
static int has_capability(const struct resp *r, const char *cap)
{
	const char *line = NULL;
	for (const char *p = r->p; p && (p = strstr(p, "CAPABILITY ")); p++)
		line = p;
	if (!line)
		return 0;
	size_t len = strlen(cap), end = strcspn(line, "\r\n]");
	for (const char *p = line; (p = strstr(p, cap)) && p < line + end; p++)
		if (p[-1] == ' ' && (p[len] == ' ' || p[len] == '\r' || p[len] == '\n' || p[len] == ']'))
			return 1;
	return 0;
}

static int do_select(struct imap_conn *c, const char *mailbox, char *err)
{
	char *q = quote_mailbox(mailbox, err);
	if (!q)
		return KA_PERMANENT;
	char *cmd = xasprintf("SELECT %s", q);
	free(c->selected);
	c->selected = NULL;
	int rc = run(c, cmd, 0, err);
	if (rc == KA_ERR || rc == KA_NOENT) {
		snprintf(err, ERRLEN, "IMAP server %s has no mailbox '%s' (or it cannot be "
			 "selected)", c->cfg.host, mailbox);
		rc = KA_PERMANENT;
	}
	const char *v = rc == 0 ? strstr(c->resp.p, "[UIDVALIDITY ") : NULL;
	if (rc == 0 && !v) {
		snprintf(err, ERRLEN, "IMAP server %s sent no UIDVALIDITY for '%s'", c->cfg.host,
			 mailbox);
		rc = KA_ERR;
	}
	if (rc == 0) {
		c->uidvalidity = (uint32_t)strtoul(v + 13, NULL, 10);
		c->selected = xstrdup(mailbox);
	}
	free(cmd);
	free(q);
	return rc;
}

int imap_select(struct imap_conn *c, const char *mailbox, uint32_t *uidvalidity, char *err)
{
	int rc = do_select(c, mailbox, err);
	if (rc == 0)
		*uidvalidity = c->uidvalidity;
	return rc;
}

/* Run a command that needs MAILBOX selected. If the server had dropped the
 * connection, libcurl reconnected and nothing is selected: select again
 * (refusing if UIDVALIDITY changed meanwhile) and retry once. */
static int run_selected(struct imap_conn *c, const char *mailbox, const char *cmd,
			size_t limit, char *err)
{
	if (!c->selected || strcmp(c->selected, mailbox) != 0) {
		int rc = do_select(c, mailbox, err);
		if (rc != 0)
			return rc;
	}
	uint32_t before = c->uidvalidity;
	int rc = run(c, cmd, limit, err);
	if (rc != KA_ERR || !c->reconnected)
		return rc;
	rc = do_select(c, mailbox, err);
	if (rc != 0)
		return rc;
	if (c->uidvalidity != before) {
		snprintf(err, ERRLEN, "UIDVALIDITY of '%s' changed from %" PRIu32 " to %" PRIu32
			 " while connected; the mailbox must be re-scanned", mailbox, before,
			 c->uidvalidity);
		return KA_TRANSIENT;
	}
	return run(c, cmd, limit, err);
}

static void uids_add(struct imap_uids *u, uint32_t v)
{
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 256;
		u->v = xrealloc(u->v, u->cap * sizeof(*u->v));
	}
	u->v[u->n++] = v;
}

void imap_uids_release(struct imap_uids *u)
{
	free(u->v);
	memset(u, 0, sizeof(*u));
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int imap_uids_after(struct imap_conn *c, const char *mailbox, uint32_t last_uid,
		    struct imap_uids *out, char *err)
{
	if (last_uid == UINT32_MAX)
		return 0;
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "UID SEARCH UID %" PRIu32 ":*", last_uid + 1);
	int rc = run_selected(c, mailbox, cmd, 0, err);
	if (rc != 0)
		return rc;
	size_t first = out->n;
	/* "n:*" also matches the highest UID when it is below n: filter. */
	for (const char *p = c->resp.p; p && (p = strstr(p, "* SEARCH")); ) {
		p += 8;
		while (*p == ' ') {
			char *end;
			unsigned long v = strtoul(p + 1, &end, 10);
			if (end == p + 1)
				break;
			if (v > last_uid && v <= UINT32_MAX)
				uids_add(out, (uint32_t)v);
			p = end;
		}
	}
	if (out->n > first)
		qsort(out->v + first, out->n - first, sizeof(*out->v), cmp_u32);
	return 0;
}

/* Locate the BODY[] literal of UID's FETCH response in R: *start and *len. */
static int find_literal(const struct resp *r, uint32_t uid, size_t *start, size_t *len)
{
	for (const char *p = r->p; p && (p = strstr(p, "BODY[] ")); p++) {
		const char *bol = p;
		while (bol > r->p && bol[-1] != '\n')
			bol--;
		char want[32];
		snprintf(want, sizeof(want), "UID %" PRIu32 " ", uid);
		const char *u = strstr(bol, want);
		if (strncmp(bol, "* ", 2) != 0 || !u || u > p)
			continue;
		if (!strncmp(p + 7, "NIL", 3) || !strncmp(p + 7, "\"\"", 2)) {
			*start = 0;
			*len = 0;
			return 0;
		}
		char *end;
		unsigned long long n = strtoull(p + 8, &end, 10);
		if (p[7] != '{' || strncmp(end, "}\r\n", 3) != 0)
			return -1;
		*start = (size_t)(end + 3 - r->p);
		*len = (size_t)n;
		return 0;
	}
	return -1;
}

int imap_fetch(struct imap_conn *c, const char *mailbox, uint32_t uid, size_t max_bytes,
	       unsigned char **data, size_t *len, char *err)
{
	*data = NULL;
	*len = 0;
	if (!max_bytes)
		max_bytes = c->max_message_bytes;
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "UID FETCH %" PRIu32 " (BODY.PEEK[])", uid);
	int rc = run_selected(c, mailbox, cmd, max_bytes + RESP_SLACK, err);
	if (rc != 0)
		return rc;
	size_t start, n;
	if (c->resp.overflow) {
		snprintf(err, ERRLEN, "message UID %" PRIu32 " in '%s' is over max_message_bytes "
			 "(%zu bytes)", uid, mailbox, max_bytes);
		return KA_INVALID;
	}
	if (find_literal(&c->resp, uid, &start, &n) != 0) {
		snprintf(err, ERRLEN, "no message with UID %" PRIu32 " in '%s'", uid, mailbox);
		return KA_NOENT;
	}
	if (n > max_bytes) {
		snprintf(err, ERRLEN, "message UID %" PRIu32 " in '%s' is %zu bytes, over "
			 "max_message_bytes (%zu)", uid, mailbox, n, max_bytes);
		return KA_INVALID;
	}
	if (start + n > c->resp.n) {
		snprintf(err, ERRLEN, "message UID %" PRIu32 " in '%s' arrived cut short (%zu of "
			 "%zu bytes; a line longer than %ld bytes?)", uid, mailbox,
			 c->resp.n - start, n, RECV_BUFFER);
		return KA_ERR;
	}
	*data = xmalloc(n ? n : 1);
	memcpy(*data, c->resp.p + start, n);
	*len = n;
	return 0;
}

/* UID STORE +FLAGS.SILENT (FLAG), then UID EXPUNGE when FLAG is \Deleted. */
static int store_flag(struct imap_conn *c, const char *mailbox, uint32_t uid,
		      const char *flag, char *err)
{
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "UID STORE %" PRIu32 " +FLAGS.SILENT (%s)", uid, flag);
	int rc = run_selected(c, mailbox, cmd, 0, err);
	if (rc != 0 || strcmp(flag, "\\Deleted") != 0)
		return rc;
	if (!c->has_uidplus) {
		/* A plain EXPUNGE would also remove other people's \Deleted mail. */
		log_event(c->lg, LOG_WARN, "imap_no_uidplus", "server=%s uid=%" PRIu32
			  " detail=\"message left flagged \\\\Deleted, not expunged\"",
			  c->cfg.host, uid);
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "UID EXPUNGE %" PRIu32, uid);
	return run_selected(c, mailbox, cmd, 0, err);
}

/* UID MOVE or UID COPY (VERB) of UID to FOLDER, creating FOLDER if missing. */
static int copy_or_move(struct imap_conn *c, const char *mailbox, uint32_t uid,
			const char *verb, const char *folder, char *err)
{
	char *q = quote_mailbox(folder, err);
	if (!q)
		return KA_PERMANENT;
	char *cmd = xasprintf("UID %s %" PRIu32 " %s", verb, uid, q);
	int rc = run_selected(c, mailbox, cmd, 0, err);
	if (rc == KA_NOENT) {
		char *create = xasprintf("CREATE %s", q);
		rc = run(c, create, 0, err);
		free(create);
		if (rc == 0)
			rc = run_selected(c, mailbox, cmd, 0, err);
	}
	free(cmd);
	free(q);
	return rc;
}

int imap_finish(struct imap_conn *c, const char *mailbox, uint32_t uid,
		enum imap_action action, const char *folder, char *err)
{
	switch (action) {
	case IMAP_KEEP:
		return 0;
	case IMAP_SEEN:
		return store_flag(c, mailbox, uid, "\\Seen", err);
	case IMAP_DELETE:
		return store_flag(c, mailbox, uid, "\\Deleted", err);
	case IMAP_MOVE:
		if (!folder || !*folder) {
			snprintf(err, ERRLEN, "move needs a folder (after = move:FOLDER)");
			return KA_PERMANENT;
		}
		if (c->has_move)
			return copy_or_move(c, mailbox, uid, "MOVE", folder, err);
		int rc = copy_or_move(c, mailbox, uid, "COPY", folder, err);
		return rc ? rc : store_flag(c, mailbox, uid, "\\Deleted", err);
	}
	snprintf(err, ERRLEN, "unknown after action %d", (int)action);
	return KA_ERR;
}

int imap_action_parse(const char *s, enum imap_action *action, const char **folder)
{
	*folder = NULL;
	if (!strcmp(s, "keep"))
		*action = IMAP_KEEP;
	else if (!strcmp(s, "seen"))
		*action = IMAP_SEEN;
	else if (!strcmp(s, "delete"))
		*action = IMAP_DELETE;
	else if (!strncmp(s, "move:", 5) && s[5]) {
		*action = IMAP_MOVE;
		*folder = s + 5;
	} else
		return -1;
	return 0;
}

unsigned long imap_count_commands(const struct imap_conn *c)
{
	return c->commands;
}

size_t imap_max_message_bytes(const struct imap_conn *c)
{
	return c->max_message_bytes;
}

void imap_forget_move(struct imap_conn *c)
{
	c->has_move = 0;
}

/* max_message_bytes as a number of bytes, or -1. */
static long long parse_max_bytes(const char *v)
{
	long long n;
	return parse_int_range(v, 1024, 1LL << 30, &n) == 0 ? n : -1;
}

static CURLcode setup_handle(struct imap_conn *c)
{
	CURLcode rc = mailcfg_apply(c->h, &c->cfg, &imap_proto, c->errbuf);
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c->h, opt, val); } while (0)
	SET(CURLOPT_URL, c->root);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, &c->resp);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_DEBUGFUNCTION, on_debug);
	SET(CURLOPT_DEBUGDATA, c);
	SET(CURLOPT_VERBOSE, 1L);   /* only so that on_debug sees the commands */
	SET(CURLOPT_BUFFERSIZE, RECV_BUFFER);
	SET(CURLOPT_MAXAGE_CONN, 3600L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
#undef SET
	return rc;
}

int imap_open(const struct remote_config *rc, const struct logger *lg,
	      struct imap_conn **out, char *err)
{
	*out = NULL;
	struct imap_conn *c = xcalloc(1, sizeof(*c));
	c->lg = lg;
	int r = mailcfg_load(rc, &imap_proto, &c->cfg, err);
	if (r != 0)
		goto fail;
	const char *mb = section_get(&rc->sec, "max_message_bytes", NULL);
	long long maxb = mb ? parse_max_bytes(mb) : (long long)DEFAULT_MAX_MESSAGE;
	if (maxb < 0) {
		snprintf(err, ERRLEN, "[remote %s] max_message_bytes: '%s' is not a size between "
			 "1024 and 1073741824 bytes", rc->sec.name, mb);
		r = KA_PERMANENT;
		goto fail;
	}
	c->max_message_bytes = (size_t)maxb;
	c->root = xasprintf("%s/", c->cfg.url);
	c->h = curl_easy_init();
	CURLcode cc = c->h ? setup_handle(c) : CURLE_FAILED_INIT;
	if (cc != CURLE_OK) {
		snprintf(err, ERRLEN, "cannot set up libcurl for IMAP: %s", curl_easy_strerror(cc));
		r = KA_ERR;
		goto fail;
	}
	/* Logs in, and lists the capabilities a logged-in session has. */
	r = run(c, "CAPABILITY", 0, err);
	if (r != 0)
		goto fail;
	c->has_move = has_capability(&c->resp, "MOVE");
	c->has_uidplus = has_capability(&c->resp, "UIDPLUS");
	log_event(lg, LOG_DEBUG, "imap_connected", "server=%s move=%d uidplus=%d", c->cfg.host,
		  c->has_move, c->has_uidplus);
	*out = c;
	return 0;
fail:
	imap_close(c);
	return r;
}

void imap_close(struct imap_conn *c)
{
	if (!c)
		return;
	log_event(c->lg, LOG_DEBUG, "imap_closed", "server=%s commands=%lu", c->cfg.host,
		  c->commands);
	if (c->h)
		curl_easy_cleanup(c->h);  /* sends LOGOUT on a live connection */
	mailcfg_release(&c->cfg);
	free(c->root);
	free(c->selected);
	free(c->resp.p);
	free(c);
}

/* --- the transport table entry ------------------------------------------ */

/* An IMAP remote as a mailbox source: the pipeline (discover_mail.c) selects,
 * lists UIDs, fetches and finishes messages through these entries. */
struct tconn {
	struct imap_conn *imap;
};

static void imap_check_remote(const struct remote_config *rc, const char *file, struct diag *d)
{
	mailcfg_check(rc, &imap_proto, file, d);
	const char *mb = section_get(&rc->sec, "max_message_bytes", NULL);
	if (mb && parse_max_bytes(mb) < 0)
		diag_add(d, "%s: [remote %s] max_message_bytes: '%s' is not a size between 1024 "
			 "and 1073741824 bytes", file, rc->sec.name, mb);
}

static int imap_connect(const struct remote_config *rc, const struct logger *lg,
			struct tconn **out, char *err)
{
	struct imap_conn *ic;
	int r = imap_open(rc, lg, &ic, err);
	if (r != 0)
		return r;
	*out = xcalloc(1, sizeof(**out));
	(*out)->imap = ic;
	return 0;
}

struct imap_conn *imap_conn_of(struct tconn *t)
{
	return t ? t->imap : NULL;
}

static void imap_tclose(struct tconn *c)
{
	if (!c)
		return;
	imap_close(c->imap);
	free(c);
}

static int imap_t_select(struct tconn *c, const char *mailbox, uint32_t *uidvalidity,
			 char *err)
{
	return imap_select(c->imap, mailbox, uidvalidity, err);
}

static int imap_t_uids(struct tconn *c, const char *mailbox, uint32_t after_uid,
		       uint32_t **uids, size_t *n, char *err)
{
	struct imap_uids u = { 0 };
	int r = imap_uids_after(c->imap, mailbox, after_uid, &u, err);
	if (r != 0) {
		imap_uids_release(&u);
		return r;
	}
	*uids = u.v;
	*n = u.n;
	return 0;
}

static int imap_t_fetch(struct tconn *c, const char *mailbox, uint32_t uid,
			unsigned char **data, size_t *len, char *err)
{
	return imap_fetch(c->imap, mailbox, uid, 0, data, len, err);
}

static int imap_t_finish(struct tconn *c, const char *mailbox, uint32_t uid,
			 const char *after, char *err)
{
	enum imap_action action;
	const char *folder = NULL;
	if (imap_action_parse(after, &action, &folder) != 0) {
		snprintf(err, ERRLEN, "after = %s: not keep, seen, delete or move:FOLDER", after);
		return KA_PERMANENT;
	}
	return imap_finish(c->imap, mailbox, uid, action, folder, err);
}

static int imap_t_after_valid(const char *after)
{
	enum imap_action action;
	const char *folder;
	return imap_action_parse(after, &action, &folder);
}

/* libcurl's global state: curl_global_init counts its calls and
 * curl_global_cleanup frees only at the last, so smtp.c holds its own
 * reference the same way. */
static int imap_init(char *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
		return 0;
	snprintf(err, ERRLEN, "cannot initialise libcurl");
	return KA_ERR;
}

const struct transport_ops transport_imap = {
	.type = "imap",
	.roles = TR_MAILBOX_SOURCE,
	.init = imap_init,
	.shutdown = curl_global_cleanup,
	.keys = imap_keys,
	.check_remote = imap_check_remote,
	.connect = imap_connect,
	.mailbox_select = imap_t_select,
	.message_uids = imap_t_uids,
	.message_fetch = imap_t_fetch,
	.message_finish = imap_t_finish,
	.after_valid = imap_t_after_valid,
	.close = imap_tclose,
};
