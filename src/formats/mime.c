/* Payloads out of an e-mail message with GMime 3 (see mime.h for the contract).
 *
 * GMime facts this file relies on (docs/email.md, shared NOTES):
 *  - g_mime_part_get_filename() already decodes RFC 2231 (continuations) and
 *    RFC 2047 names, but returns them as the sender wrote them, so the naming
 *    policy is always applied on top;
 *  - message/rfc822 parts are walked by hand (g_mime_message_foreach does not
 *    descend into them);
 *  - a multipart whose boundary never appears parses to zero children with
 *    only a warning, so that case is detected here and reported. */
#include "autoconfig.h"
#include "mime.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <gmime/gmime.h>

#include "../common.h"
#include "../log.h"

#define DEFAULT_DEPTH 16
/* GMime compares each line that starts with "--" with every boundary open
 * around it: 1,000 nested multiparts and 2 million such lines (24 MB) took
 * 50 s. Counting boundary parameters first bounds that work. */
#define MAX_BOUNDARIES 128
#define NAME_MAX_BYTES 200
#define EXT_MAX_BYTES 16

/* One extraction in progress. */
struct walk {
	const struct mime_limits *lim;
	int max_depth;
	struct mime_payloads *out;
	int unnamed;            /* unnamed payloads seen so far, for attachment-N */
	char *err;
	char warning[256];      /* first parser problem that makes the message broken */
};

void mime_init(void)
{
	g_mime_init();
}

void mime_shutdown(void)
{
	g_mime_shutdown();
}

void mime_payloads_release(struct mime_payloads *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].sent_name);
		free(p->v[i].content_type);
		free(p->v[i].part_path);
		free(p->v[i].data);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

const char *mime_ext_for_type(const char *ct)
{
	if (!strcasecmp(ct, "text/csv") || !strcasecmp(ct, "application/csv"))
		return "csv";
	if (!strcasecmp(ct, "application/edi-x12"))
		return "edi";
	if (!strncasecmp(ct, "text/", 5))
		return "txt";
	return "bin";
}

/* Where the extension of NAME starts (at its '.'), or the end of NAME. A dot
 * at the start is not an extension. */
static const char *ext_start(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name || strlen(dot) > EXT_MAX_BYTES + 1)
		return name + strlen(name);
	return dot;
}

/* Cut NAME (in place) to at most NAME_MAX_BYTES, keeping its extension and
 * never splitting a UTF-8 sequence. */
static void cap_length(char *name)
{
	size_t len = strlen(name);
	if (len <= NAME_MAX_BYTES)
		return;
	const char *ext = ext_start(name);
	size_t elen = strlen(ext);
	size_t keep = NAME_MAX_BYTES - elen;
	while (keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80)
		keep--;
	memmove(name + keep, ext, elen + 1);
}

char *mime_safe_name(const char *raw)
{
	const char *base = raw;
	for (const char *p = raw; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	char *s = xmalloc(strlen(base) + 1);
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)base; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			s[o++] = '_';
		} else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
			s[o++] = '_';  /* a C1 control character, U+0080..U+009F */
			p++;
		} else {
			s[o++] = (char)*p;
		}
	}
	s[o] = '\0';
	size_t skip = strspn(s, ". ");
	memmove(s, s + skip, o - skip + 1);
	if (!*s) {
		free(s);
		return NULL;
	}
	cap_length(s);
	return s;
}

static int name_taken(const struct mime_payloads *out, const char *name)
{
	for (size_t i = 0; i < out->n; i++)
		if (strcasecmp(out->v[i].name, name) == 0)
			return 1;
	return 0;
}

/* NAME, or NAME-2.EXT, NAME-3.EXT ... : the first not yet used in OUT. Takes
 * ownership of NAME. */
static char *unique_name(const struct mime_payloads *out, char *name)
{
	if (!name_taken(out, name))
		return name;
	const char *ext = ext_start(name);
	int stem = (int)(ext - name);
	for (int k = 2;; k++) {
		char *cand = xasprintf("%.*s-%d%s", stem, name, k, ext);
		if (!name_taken(out, cand)) {
			free(name);
			return cand;
		}
		free(cand);
	}
}

static char *child_path(const char *parent, int index)
{
	return *parent ? xasprintf("%s.%d", parent, index) : xasprintf("%d", index);
}

/* The part's lower-case "type/subtype". */
static char *content_type_of(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *t = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	char *s = xstrdup(t ? t : "application/octet-stream");
	g_free(t);
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/* Types that are payloads even inline and without a name. */
static int is_data_type(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	return ct && (g_mime_content_type_is_type(ct, "text", "csv") ||
		      g_mime_content_type_is_type(ct, "application", "csv") ||
		      g_mime_content_type_is_type(ct, "application", "edi-x12"));
}

/* Say why the message is broken; returns KA_INVALID. */
static int broken(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int broken(struct walk *w, const char *fmt, ...)
{
	char reason[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(w->err, ERRLEN, "message has a broken MIME structure: %s", reason);
	return KA_INVALID;
}

/* The decoded bytes of PART into *DATA and *LEN. */
static int part_bytes(struct walk *w, GMimePart *part, const char *path,
		      unsigned char **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	if (!dw)
		return 0;
	GMimeStream *ms = g_mime_stream_mem_new();
	int rc = 0;
	if (g_mime_data_wrapper_write_to_stream(dw, ms) < 0) {
		rc = broken(w, "part %s cannot be decoded", path);
		goto out;
	}
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
	*len = ba->len;
	*data = xmalloc(ba->len);
	if (ba->len)  /* an empty part may have no buffer at all */
		memcpy(*data, ba->data, ba->len);
out:
	g_object_unref(ms);
	return rc;
}

/* 1 if the parameter list V (a Content-Disposition or Content-Type value)
 * has an RFC 2231 extended name or filename (name*=, filename*0*= ...) whose
 * value holds %00. */
static int param_hides_nul(const char *v)
{
	for (const char *p = v ? strchr(v, ';') : NULL; p; p = strchr(p + 1, ';')) {
		const char *k = p + 1;
		while (*k == ' ' || *k == '\t' || *k == '\r' || *k == '\n')
			k++;
		const char *eq = strchr(k, '='), *end = strchr(k, ';');
		if (!eq || (end && end < eq) || eq == k || eq[-1] != '*')
			continue;
		if (strncasecmp(k, "filename*", 9) && strncasecmp(k, "name*", 5))
			continue;
		size_t vlen = end ? (size_t)(end - eq) : strlen(eq);
		for (size_t i = 0; i + 3 <= vlen; i++)
			if (eq[i] == '%' && eq[i + 1] == '0' && eq[i + 2] == '0')
				return 1;
	}
	return 0;
}

/* The part's name as sent, for the record: logfmt-quoted, with "%00..." at
 * the end when an encoded NUL cut it. */
static char *sent_name_of(const char *raw, int nul)
{
	char q[300];
	char *s = nul ? xasprintf("%s%%00...", raw) : NULL;
	log_quote(s ? s : raw, q, sizeof(q));
	free(s);
	return xstrdup(q);
}

/* A leaf part: a payload if it is named or of a data type, else skipped. */
static int walk_part(struct walk *w, GMimePart *part, const char *path)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	const char *raw = g_mime_part_get_filename(part);
	if (!(raw && *raw) && !is_data_type(obj))
		return 0;
	int nul = raw && (param_hides_nul(g_mime_object_get_header(obj, "Content-Disposition")) ||
			  param_hides_nul(g_mime_object_get_header(obj, "Content-Type")));
	char *ct = content_type_of(obj);
	char *name = raw && *raw && !nul ? mime_safe_name(raw) : NULL;
	if (!name)
		name = xasprintf("attachment-%d.%s", ++w->unnamed, mime_ext_for_type(ct));
	name = unique_name(w->out, name);
	char *sent = raw && (nul || strcmp(raw, name)) ? sent_name_of(raw, nul) : NULL;
	struct mime_payload p = { name, ct, xstrdup(path), NULL, 0, sent };
	int rc = part_bytes(w, part, path, &p.data, &p.len);
	if (w->out->n == w->out->cap) {
		w->out->cap = w->out->cap ? w->out->cap * 2 : 8;
		w->out->v = xrealloc(w->out->v, w->out->cap * sizeof(*w->out->v));
	}
	w->out->v[w->out->n++] = p;  /* owned by OUT even on error, released by the caller */
	return rc;
}

static int walk_object(struct walk *w, GMimeObject *obj, const char *path, int depth);

/* The body of message M, whose parts are numbered under PREFIX. */
static int walk_message(struct walk *w, GMimeMessage *m, const char *prefix, int depth)
{
	GMimeObject *body = g_mime_message_get_mime_part(m);
	if (!body)
		return 0;
	if (GMIME_IS_MULTIPART(body))
		return walk_object(w, body, prefix, depth);
	/* A single-part body is section 1 of its message (RFC 3501 6.4.5). */
	char *p = child_path(prefix, 1);
	int rc = walk_object(w, body, p, depth);
	free(p);
	return rc;
}

static int walk_multipart(struct walk *w, GMimeMultipart *mp, const char *path, int depth)
{
	int n = g_mime_multipart_get_count(mp);
	if (n <= 0) {
		/* Read the parameter, never g_mime_multipart_get_boundary(): with no
		 * boundary that one makes up a new one and re-encodes the header,
		 * and GMime's parameter encoder can loop without end (eating
		 * memory) on hostile parameters (found by fuzz_mime). */
		const char *b = g_mime_object_get_content_type_parameter(GMIME_OBJECT(mp),
									 "boundary");
		char *ct = content_type_of(GMIME_OBJECT(mp));
		const char *where = *path ? "part " : "top-level ";
		int rc = b ? broken(w, "%s%s %.64s has no parts (its boundary \"%.80s\" never appears)",
				    where, path, ct, b)
			   : broken(w, "%s%s %.64s has no boundary parameter", where, path, ct);
		free(ct);
		return rc;
	}
	for (int i = 0; i < n; i++) {
		char *p = child_path(path, i + 1);
		int rc = walk_object(w, g_mime_multipart_get_part(mp, i), p, depth + 1);
		free(p);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Walk OBJ at section PATH, DEPTH levels of multipart or message deep. */
static int walk_object(struct walk *w, GMimeObject *obj, const char *path, int depth)
{
	if (depth > w->max_depth) {
		return broken(w, "part %s is nested deeper than the limit of %d levels", path,
			      w->max_depth);
	}
	if (GMIME_IS_MULTIPART(obj))
		return walk_multipart(w, GMIME_MULTIPART(obj), path, depth);
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (!m)
			return broken(w, "forwarded message at part %s is empty", path);
		return walk_message(w, m, path, depth + 1);
	}
	if (GMIME_IS_PART(obj))
		return walk_part(w, GMIME_PART(obj), path);
	return 0;  /* message/partial and other containers carry no payload */
}

/* Parser problems that mean parts may be missing or misread. */
static void on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
	struct walk *w = data;
	const char *what = NULL;
	switch (code) {
	case GMIME_WARN_TRUNCATED_MESSAGE: what = "the message is truncated"; break;
	case GMIME_WARN_MALFORMED_MULTIPART: what = "a multipart has no parts"; break;
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: what = "a multipart has no boundary"; break;
	case GMIME_CRIT_NESTING_OVERFLOW: what = "parts are nested too deeply"; break;
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: what = "a part has neither headers nor content"; break;
	default: return;
	}
	if (!w->warning[0])
		snprintf(w->warning, sizeof(w->warning), "%s (at byte %lld)", what, (long long)offset);
}

/* How many "boundary=" parameters (any case, blanks before '=') MSG holds:
 * an upper bound on its multiparts. */
static size_t count_boundaries(const char *msg, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i + 9 <= len; i++) {
		if ((msg[i] | 0x20) != 'b' || strncasecmp(msg + i, "boundary", 8) != 0)
			continue;
		size_t j = i + 8;
		while (j < len && (msg[j] == ' ' || msg[j] == '\t'))
			j++;
		n += j < len && msg[j] == '=';
		i = j;
	}
	return n;
}

int mime_extract(const void *msg, size_t len, const struct mime_limits *lim,
		 struct mime_payloads *out, char *err)
{
	size_t nb = count_boundaries(msg, len);
	if (nb > MAX_BOUNDARIES) {
		snprintf(err, ERRLEN, "message has a broken MIME structure: %zu multipart "
			 "boundaries, more than the limit of %d", nb, MAX_BOUNDARIES);
		return KA_INVALID;
	}
	if (lim && lim->max_bytes && len > lim->max_bytes) {
		snprintf(err, ERRLEN, "message is %zu bytes, over the limit of %zu bytes", len,
			 lim->max_bytes);
		return KA_INVALID;
	}
	struct walk w = { .lim = lim, .out = out, .err = err };
	w.max_depth = lim && lim->max_depth > 0 ? lim->max_depth : DEFAULT_DEPTH;
	size_t first = out->n;
	int rc = 0;
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(msg, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(st);
	GMimeParserOptions *opts = g_mime_parser_options_new();
#ifdef GMIME_WARNING_CALLBACK_HAS_NOTIFY
	g_mime_parser_options_set_warning_callback(opts, on_warning, &w, NULL);
#else
	g_mime_parser_options_set_warning_callback(opts, on_warning, &w);
#endif
	GMimeMessage *m = g_mime_parser_construct_message(parser, opts);
	if (!m) {
		snprintf(err, ERRLEN, "message cannot be parsed as MIME: %s",
			 w.warning[0] ? w.warning : "no message headers found");
		rc = KA_INVALID;
		goto out;
	}
	rc = walk_message(&w, m, "", 0);
	if (rc == 0 && w.warning[0]) {
		snprintf(err, ERRLEN, "message has a broken MIME structure: %s", w.warning);
		rc = KA_INVALID;
	}
out:
	if (rc != 0) {
		/* Nothing is guessed out of a broken message: drop what was found. */
		struct mime_payloads tail = { out->v ? out->v + first : NULL, out->n - first, 0 };
		for (size_t i = 0; i < tail.n; i++) {
			free(tail.v[i].name);
			free(tail.v[i].sent_name);
			free(tail.v[i].content_type);
			free(tail.v[i].part_path);
			free(tail.v[i].data);
		}
		out->n = first;
	}
	if (m)
		g_object_unref(m);
	g_mime_parser_options_free(opts);
	g_object_unref(parser);
	g_object_unref(st);
	return rc;
}

int mime_payload_save(int dirfd, const struct mime_payload *p, char *err)
{
	if (!*p->name || strchr(p->name, '/') || !strcmp(p->name, ".") || !strcmp(p->name, "..")) {
		snprintf(err, ERRLEN, "refusing unsafe attachment name '%s'", p->name);
		return KA_INVALID;
	}
	int fd = openat(dirfd, p->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		snprintf(err, ERRLEN, "cannot create %s: %s", p->name, strerror(e));
		return e == EEXIST ? KA_EXISTS : e == ENOSPC ? KA_NOSPACE : KA_ERR;
	}
	int rc = 0;
	if (write_full(fd, p->data, p->len) < 0 || fsync(fd) != 0) {
		int e = errno;
		snprintf(err, ERRLEN, "cannot write %s: %s", p->name, strerror(e));
		rc = e == ENOSPC ? KA_NOSPACE : KA_ERR;
	}
	if (close(fd) != 0 && rc == 0) {
		snprintf(err, ERRLEN, "cannot close %s: %s", p->name, strerror(errno));
		rc = KA_ERR;
	}
	return rc;
}
