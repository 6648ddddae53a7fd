/* SMTP destination: each file is sent as one message with the file attached
 * (libcurl, curl_mime). Delivery is done when the server accepted the
 * message (250 after DATA). The CURL handle is created on the first send and
 * reused, so one connection carries a cycle's files. */
#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "../checked_read.h"
#include "mailcfg.h"
#include "smtp.h"

#define SUBJECT_MAX 200

static const char *const smtp_keys[] = {
	"url", "tls", "user", "password_file", "ca_file", "connect_timeout",
	"from", "to", "subject", "body", NULL,
};

static const struct mail_proto smtp_proto = { "SMTP", "smtps", "smtp", 0 };

struct tconn {
	struct mailcfg cfg;
	const struct logger *lg;
	char *name;             /* remote name, for messages */
	char *from;
	char **to;
	size_t nto;
	char *subject;          /* template */
	char *body;
	CURL *h;                /* created by the first send */
	char errbuf[CURL_ERROR_SIZE];
};

/* An address is something@something without spaces, brackets or controls. */
static int address_ok(const char *a)
{
	const char *at = strchr(a, '@');
	if (!at || at == a || !at[1])
		return 0;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= ' ' || *p == '<' || *p == '>' || *p == ',' || *p == 0x7f)
			return 0;
	return 1;
}

/* Split "a@x, b@y" into trimmed addresses; returns how many, or -1 with the
 * first bad one in BAD. */
static long split_addresses(const char *s, char ***out, char *bad, size_t badlen)
{
	char *copy = xstrdup(s), *save = NULL;
	char **v = NULL;
	long n = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ' || *t == '\t')
			t++;
		size_t len = strlen(t);
		while (len && (t[len - 1] == ' ' || t[len - 1] == '\t'))
			t[--len] = '\0';
		if (!address_ok(t)) {
			snprintf(bad, badlen, "%s", t);
			for (long i = 0; i < n; i++)
				free(v[i]);
			free(v);
			free(copy);
			return -1;
		}
		v = xrealloc(v, (size_t)(n + 1) * sizeof(*v));
		v[n++] = xstrdup(t);
	}
	free(copy);
	*out = v;
	return n;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void smtp_check_remote(const struct remote_config *rc, const char *file, struct diag *d)
{
	const char *name = rc->sec.name;
	mailcfg_check(rc, &smtp_proto, file, d);
	const char *from = section_get(&rc->sec, "from", NULL);
	if (!from)
		diag_add(d, "%s: [remote %s] from: missing required key", file, name);
	else if (!address_ok(from))
		diag_add(d, "%s: [remote %s] from: '%s' is not an e-mail address", file, name, from);
	const char *to = section_get(&rc->sec, "to", NULL);
	char bad[256], **v = NULL;
	long n = to ? split_addresses(to, &v, bad, sizeof(bad)) : 0;
	if (!to)
		diag_add(d, "%s: [remote %s] to: missing required key", file, name);
	else if (n < 0)
		diag_add(d, "%s: [remote %s] to: '%s' is not an e-mail address", file, name, bad);
	else if (n == 0)
		diag_add(d, "%s: [remote %s] to: no address given", file, name);
	if (n > 0)
		free_list(v, (size_t)n);
	const char *body = section_get(&rc->sec, "body", NULL);
	if (body && strlen(body) > 4000)
		diag_add(d, "%s: [remote %s] body: longer than 4000 bytes", file, name);
}

static int smtp_connect(const struct remote_config *rc, const struct logger *lg,
			struct tconn **out, char *err)
{
	struct tconn *c = xcalloc(1, sizeof(*c));
	c->lg = lg;
	c->name = xstrdup(rc->sec.name);
	int r = mailcfg_load(rc, &smtp_proto, &c->cfg, err);
	if (r != 0)
		goto fail;
	const char *from = section_get(&rc->sec, "from", "");
	const char *to = section_get(&rc->sec, "to", "");
	char bad[256];
	long n = split_addresses(to, &c->to, bad, sizeof(bad));
	if (!address_ok(from) || n <= 0) {
		snprintf(err, ERRLEN, "[remote %s] %s: '%s' is not an e-mail address", c->name,
			 address_ok(from) ? "to" : "from", address_ok(from) ? (n < 0 ? bad : to) : from);
		r = KA_PERMANENT;
		goto fail;
	}
	c->nto = (size_t)n;
	c->from = xstrdup(from);
	c->subject = xstrdup(section_get(&rc->sec, "subject", "{name}"));
	c->body = xstrdup(section_get(&rc->sec, "body", "File {name} from kargo-agent route {route}."));
	*out = c;
	return 0;
fail:
	mailcfg_release(&c->cfg);
	free(c->name);
	free(c);
	return r;
}

static void smtp_close(struct tconn *c)
{
	if (!c)
		return;
	if (c->h)
		curl_easy_cleanup(c->h);  /* QUIT */
	mailcfg_release(&c->cfg);
	free_list(c->to, c->nto);
	free(c->name);
	free(c->from);
	free(c->subject);
	free(c->body);
	free(c);
}

const char *smtp_content_type(const char *name, const char *local_path)
{
	const char *dot = strrchr(name, '.');
	if (dot && !strcasecmp(dot, ".csv"))
		return "text/csv";
	if (dot && (!strcasecmp(dot, ".edi") || !strcasecmp(dot, ".x12") || !strcasecmp(dot, ".856")))
		return "application/EDI-X12";
	/* An X12 interchange starts with its ISA header whatever its name. */
	char head[3];
	int fd = local_path ? open(local_path, O_RDONLY | O_CLOEXEC) : -1;
	int isa = fd >= 0 && read(fd, head, 3) == 3 && !memcmp(head, "ISA", 3);
	if (fd >= 0)
		close(fd);
	return isa ? "application/EDI-X12" : "application/octet-stream";
}

/* Append S to the growing string *OUT (length *N), replacing control
 * characters with spaces so a value cannot start a new header. */
static void append_clean(char **out, size_t *n, const char *s)
{
	size_t len = strlen(s);
	*out = xrealloc(*out, *n + len + 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		(*out)[(*n)++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	(*out)[*n] = '\0';
}

char *smtp_expand(const char *tmpl, const struct send_info *info)
{
	char *out = xstrdup("");
	size_t n = 0;
	for (const char *p = tmpl; *p; ) {
		const char *val = NULL;
		size_t skip = 0;
		if (!strncmp(p, "{name}", 6))
			val = info->name, skip = 6;
		else if (!strncmp(p, "{route}", 7))
			val = info->route, skip = 7;
		else if (!strncmp(p, "{shipment_ids}", 14))
			val = info->shipment_ids, skip = 14;
		if (skip) {
			append_clean(&out, &n, val ? val : "");
			p += skip;
		} else {
			char one[2] = { *p++, '\0' };
			append_clean(&out, &n, one);
		}
	}
	return out;
}

/* "Subject: TEXT", as RFC 2047 encoded words when TEXT is not plain ASCII.
 * TEXT is cut to SUBJECT_MAX bytes on a UTF-8 boundary. */
static char *subject_header(const char *text)
{
	size_t len = strlen(text);
	if (len > SUBJECT_MAX) {
		len = SUBJECT_MAX;
		while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
			len--;
	}
	int ascii = 1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			ascii = 0;
	if (ascii)
		return xasprintf("Subject: %.*s", (int)len, text);
	char *h = xstrdup("Subject:");
	for (size_t i = 0; i < len; ) {
		size_t chunk = len - i > 45 ? 45 : len - i;
		while (i + chunk < len && ((unsigned char)text[i + chunk] & 0xC0) == 0x80)
			chunk--;
		unsigned char b64[64];
		EVP_EncodeBlock(b64, (const unsigned char *)text + i, (int)chunk);
		char *next = xasprintf("%s =?UTF-8?B?%s?=", h, b64);
		free(h);
		h = next;
		i += chunk;
	}
	return h;
}

/* The message's header lines: From, To, Subject (SUBJ, expanded), Date,
 * Message-ID. */
static struct curl_slist *make_headers(struct tconn *c, const char *subj)
{
	char *to = xstrdup("To: ");
	for (size_t i = 0; i < c->nto; i++) {
		char *next = xasprintf("%s%s%s", to, i ? ", " : "", c->to[i]);
		free(to);
		to = next;
	}
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "Date: %a, %d %b %Y %H:%M:%S +0000", &tm);
	char *from = xasprintf("From: %s", c->from);
	char *sh = subject_header(subj);
	char *mid = xasprintf("Message-ID: <%016llx.%lld@kargo-agent>",
			      (unsigned long long)random_u64(), (long long)now);
	struct curl_slist *l = NULL;
	const char *lines[] = { from, to, sh, date, mid };
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		struct curl_slist *n = curl_slist_append(l, lines[i]);
		if (!n) {
			curl_slist_free_all(l);
			l = NULL;
			break;
		}
		l = n;
	}
	free(to);
	free(from);
	free(sh);
	free(mid);
	return l;
}

/* The attachment's file name with control characters replaced. */
static char *clean_name(const char *name)
{
	char *s = xstrdup(name);
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '_';
	return s;
}

/* The attachment's bytes as libcurl reads them, checked against the
 * recorded digest: on a mismatch the read fails before the last byte, so
 * the message is never ended and the server discards it. */
struct attach {
	struct checked_read in;
	int64_t size;       /* libcurl reads this many bytes and no more */
	int ended;          /* the last byte was read (and checked) */
	int rc;             /* why the read failed */
	char err[ERRLEN];
};

static size_t attach_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct attach *at = arg;
	if (at->ended)
		return 0;
	ssize_t n = checked_read(&at->in, buf, size * nitems);
	if (n < 0) {
		snprintf(at->err, ERRLEN, "cannot read %s: %s", at->in.path, strerror(errno));
		at->rc = KA_ERR;
		return CURL_READFUNC_ABORT;
	}
	/* The last byte: check before libcurl has it (it asks no more). */
	if (n == 0 || (at->size >= 0 && at->in.pos >= at->size)) {
		at->ended = 1;
		at->rc = checked_end(&at->in, at->err);
		if (at->rc != 0)
			return CURL_READFUNC_ABORT;
	}
	return (size_t)n;
}

/* libcurl starts a message again (a resent request): only from the start. */
static int attach_seek(void *arg, curl_off_t offset, int origin)
{
	struct attach *at = arg;
	if (origin != SEEK_SET || offset != 0)
		return CURL_SEEKFUNC_CANTSEEK;
	at->ended = 0;
	return checked_rewind(&at->in, at->err) == 0 ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_FAIL;
}

/* The file as a base64 attachment, read through AT. */
static CURLcode attach(curl_mime *m, struct attach *at, const struct send_info *info)
{
	struct stat st;
	at->size = fstat(at->in.fd, &st) == 0 ? (int64_t)st.st_size : -1;
	if (at->size == 0) {  /* libcurl will not read: check the empty copy now */
		at->ended = 1;
		at->rc = checked_end(&at->in, at->err);
	}
	char *fname = clean_name(info->name);
	curl_mimepart *a = curl_mime_addpart(m);
	CURLcode rc = a ? CURLE_OK : CURLE_OUT_OF_MEMORY;
	if (rc == CURLE_OK) rc = curl_mime_data_cb(a, (curl_off_t)at->size, attach_read,
						   attach_seek, NULL, at);
	if (rc == CURLE_OK) rc = curl_mime_filename(a, fname);
	if (rc == CURLE_OK) rc = curl_mime_type(a, smtp_content_type(info->name, at->in.path));
	if (rc == CURLE_OK) rc = curl_mime_encoder(a, "base64");
	free(fname);
	return rc;
}

/* The message body: a short text part TEXT and, with AT, the file as an
 * attachment named INFO's name. */
static curl_mime *make_mime(struct tconn *c, const char *text, struct attach *at,
			    const struct send_info *info)
{
	curl_mime *m = curl_mime_init(c->h);
	if (!m)
		return NULL;
	char *text_crlf = xasprintf("%s\r\n", text);
	curl_mimepart *t = curl_mime_addpart(m);
	CURLcode rc = t ? CURLE_OK : CURLE_OUT_OF_MEMORY;
	if (rc == CURLE_OK) rc = curl_mime_data(t, text_crlf, CURL_ZERO_TERMINATED);
	if (rc == CURLE_OK) rc = curl_mime_type(t, "text/plain; charset=utf-8");
	if (rc == CURLE_OK) rc = curl_mime_encoder(t, "quoted-printable");
	free(text_crlf);
	if (rc == CURLE_OK && at)
		rc = attach(m, at, info);
	if (rc != CURLE_OK) {
		curl_mime_free(m);
		return NULL;
	}
	return m;
}


/* Create the reusable handle: login, TLS, envelope. */
static int ensure_handle(struct tconn *c, char *err)
{
	if (c->h)
		return 0;
	c->h = curl_easy_init();
	CURLcode rc = c->h ? mailcfg_apply(c->h, &c->cfg, &smtp_proto, c->errbuf) : CURLE_FAILED_INIT;
	char *from = xasprintf("<%s>", c->from);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c->h, CURLOPT_URL, c->cfg.url);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c->h, CURLOPT_MAIL_FROM, from);
	free(from);  /* libcurl keeps its own copy of string options */
	if (rc != CURLE_OK) {
		snprintf(err, ERRLEN, "cannot set up libcurl for SMTP: %s", curl_easy_strerror(rc));
		if (c->h)
			curl_easy_cleanup(c->h);
		c->h = NULL;
		return KA_ERR;
	}
	return 0;
}

static struct curl_slist *recipients(struct tconn *c)
{
	struct curl_slist *l = NULL;
	for (size_t i = 0; i < c->nto; i++) {
		char *r = xasprintf("<%s>", c->to[i]);
		struct curl_slist *n = curl_slist_append(l, r);
		free(r);
		if (!n) {
			curl_slist_free_all(l);
			return NULL;
		}
		l = n;
	}
	return l;
}

/* Send one message: SUBJ, TEXT and, with AT, the file attached (INFO names
 * it, and DOING the message in errors). */
static int send_message(struct tconn *c, const char *subj, const char *text,
			struct attach *at, const struct send_info *info, const char *doing,
			char *err)
{
	int r = ensure_handle(c, err);
	if (r != 0)
		return r;
	struct curl_slist *hdrs = make_headers(c, subj), *rcpt = recipients(c);
	curl_mime *mime = make_mime(c, text, at, info);
	CURLcode rc = hdrs && rcpt && mime ? CURLE_OK : CURLE_OUT_OF_MEMORY;
	if (rc == CURLE_OK) rc = curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c->h, CURLOPT_MAIL_RCPT, rcpt);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c->h, CURLOPT_MIMEPOST, mime);
	c->errbuf[0] = '\0';
	if (rc == CURLE_OK && (!at || at->rc == 0))
		rc = curl_easy_perform(c->h);
	if (at && at->rc != 0) {
		/* Our read failed (a corrupt spool copy): the message was cut off. */
		snprintf(err, ERRLEN, "%s", at->err);
		r = at->rc;
	} else if (rc != CURLE_OK) {
		r = mailcfg_curl_error(&c->cfg, &smtp_proto, rc, c->errbuf, doing, err);
		long code = 0;
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
		/* The server's own verdict: 4xx try later, 5xx will not change. */
		if (r == KA_ERR || r == KA_TRANSIENT)
			r = code >= 500 ? KA_PERMANENT : code >= 400 ? KA_TRANSIENT : r;
	} else {
		log_event(c->lg, LOG_DEBUG, "smtp_accepted", "remote=%s rcpts=%zu", c->name, c->nto);
	}
	/* The handle must not keep pointers to what is freed here. */
	curl_easy_setopt(c->h, CURLOPT_MIMEPOST, NULL);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->h, CURLOPT_MAIL_RCPT, NULL);
	curl_mime_free(mime);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(rcpt);
	return r;
}

static int smtp_send(struct tconn *c, const char *local_path, const struct send_info *info,
		     char *err)
{
	struct attach at = { .rc = 0 };
	int r = checked_open(&at.in, local_path, info->sha256, err);
	if (r != 0)
		return r;
	char *subj = smtp_expand(c->subject, info), *text = smtp_expand(c->body, info);
	char doing[300];
	snprintf(doing, sizeof(doing), "sending %s", info->name);
	r = send_message(c, subj, text, &at, info, doing, err);
	free(subj);
	free(text);
	checked_close(&at.in);
	return r;
}

static int smtp_notify(struct tconn *c, const char *subject, const char *text, char *err)
{
	struct send_info none = { "", "", "", "", NULL };
	char *subj = NULL;
	size_t n = 0;
	append_clean(&subj, &n, subject);  /* no header line of its own */
	int r = send_message(c, subj, text, NULL, &none, "sending an alert", err);
	free(subj);
	return r;
}

int smtp_probe(struct tconn *c, char *err)
{
	CURL *h = curl_easy_init();
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc = h ? mailcfg_apply(h, &c->cfg, &smtp_proto, errbuf) : CURLE_FAILED_INIT;
	if (rc == CURLE_OK) rc = curl_easy_setopt(h, CURLOPT_URL, c->cfg.url);
	/* Greeting, EHLO, STARTTLS and AUTH happen in libcurl's connect phase. */
	if (rc == CURLE_OK) rc = curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	if (rc == CURLE_OK) rc = curl_easy_perform(h);
	int r = rc == CURLE_OK ? 0 : mailcfg_curl_error(&c->cfg, &smtp_proto, rc, errbuf, "login", err);
	if (h)
		curl_easy_cleanup(h);
	return r;
}

/* libcurl's global state: curl_global_init counts its calls and
 * curl_global_cleanup frees only at the last, so imap.c holds its own
 * reference the same way. */
static int smtp_init(char *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
		return 0;
	snprintf(err, ERRLEN, "cannot initialise libcurl");
	return KA_ERR;
}

const struct transport_ops transport_smtp = {
	.type = "smtp",
	.roles = TR_MESSAGE_DEST | TR_ALERT,
	.init = smtp_init,
	.shutdown = curl_global_cleanup,
	.keys = smtp_keys,
	.check_remote = smtp_check_remote,
	.connect = smtp_connect,
	.send = smtp_send,
	.probe = smtp_probe,
	.notify = smtp_notify,
	.close = smtp_close,
};
