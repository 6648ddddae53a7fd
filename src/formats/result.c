/* The parse result: building it while a parser runs, and writing it out as
 * JSON (manifest, `validate --json`) or as the human-readable error report. */
#include "format.h"
#include "format_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "../common.h"

void rbuild_init(struct rbuild *rb, struct parse_result *res)
{
	memset(rb, 0, sizeof(*rb));
	memset(res, 0, sizeof(*res));
	rb->res = res;
}

/* Final figures: validity and the distinct counts. */
void rbuild_finish(struct rbuild *rb)
{
	struct parse_result *res = rb->res;
	res->valid = res->nerrors == 0;
	res->shipments_total = rb->ids.n;
	if (rb->ids.approx)
		rbuild_warning(rb, "more than %d distinct shipment ids: the count is an upper bound",
			       RESULT_DISTINCT_CAP);
	if (rb->pallets.n > res->pallets)
		res->pallets = rb->pallets.n;
	if (rb->pallets.approx)
		rbuild_warning(rb, "more than %d distinct SSCCs: the pallet count is an upper bound",
			       RESULT_DISTINCT_CAP);
	fpcount_release(&rb->ids);
	fpcount_release(&rb->pallets);
}

int fpcount_add(struct fpcount *c, uint64_t fp)
{
	if (fpset_has(&c->set, fp))
		return 0;
	if (c->set.n < RESULT_DISTINCT_CAP)
		fpset_add(&c->set, fp);
	else
		c->approx = 1;
	c->n++;
	return 1;
}

void fpcount_release(struct fpcount *c)
{
	fpset_release(&c->set);
}

void rbuild_error(struct rbuild *rb, int64_t line, const char *cls, const char *field,
		  const char *fmt, ...)
{
	struct parse_result *res = rb->res;
	res->nerrors++;
	if (res->nerrors_kept >= PARSE_MAX_ERRORS)
		return;
	if (!res->errors)
		res->errors = xcalloc(PARSE_MAX_ERRORS, sizeof(*res->errors));
	struct parse_error *e = &res->errors[res->nerrors_kept++];
	e->line = line;
	snprintf(e->cls, sizeof(e->cls), "%s", cls);
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void rbuild_warning(struct rbuild *rb, const char *fmt, ...)
{
	struct parse_result *res = rb->res;
	char *msg;
	va_list ap;
	if (res->nwarnings >= PARSE_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = xstrdup(fmt);
	va_end(ap);
	res->warnings = xrealloc(res->warnings, (res->nwarnings + 1) * sizeof(*res->warnings));
	res->warnings[res->nwarnings++] = msg;
}

void rbuild_shipment(struct rbuild *rb, const char *s, size_t len)
{
	struct parse_result *res = rb->res;
	if (!fpcount_add(&rb->ids, fp_hash(s, len)))
		return;
	if (res->nshipments >= RESULT_MAX_IDS)
		return;
	if (res->nshipments % 64 == 0)
		res->shipment_ids = xrealloc(res->shipment_ids,
					     (res->nshipments + 64) * sizeof(char *));
	res->shipment_ids[res->nshipments++] = xstrndup(s, len);
}

void rbuild_pallet(struct rbuild *rb, const char *sscc, size_t len)
{
	fpcount_add(&rb->pallets, fp_hash(sscc, len));
}

void parse_result_release(struct parse_result *res)
{
	for (size_t i = 0; i < res->nshipments; i++)
		free(res->shipment_ids[i]);
	free(res->shipment_ids);
	for (size_t i = 0; i < res->nwarnings; i++)
		free(res->warnings[i]);
	free(res->warnings);
	free(res->errors);
	memset(res, 0, sizeof(*res));
}

/* A growing string for the JSON writer. */
struct sbuf {
	char *p;
	size_t n, cap;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		while (b->n + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 256;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_fmt(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_fmt(struct sbuf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_put(b, tmp, n < 0 ? 0 : (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A JSON string literal: quotes, backslashes and control characters escaped.
 * Bytes that are not valid UTF-8 become U+FFFD so the output stays valid. */
static void sb_json(struct sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	sb_put(b, "\"", 1);
	while (*p) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			sb_put(b, e, 2);
		} else if (c == '\n') {
			sb_str(b, "\\n");
		} else if (c == '\t') {
			sb_str(b, "\\t");
		} else if (c == '\r') {
			sb_str(b, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			sb_fmt(b, "\\u%04x", c);
		} else if (c >= 0x80) {
			size_t n = 1;
			while (n < 4 && (p[n] & 0xC0) == 0x80)
				n++;
			if (utf8_valid(p, n)) {
				sb_put(b, (const char *)p, n);
				p += n;
				continue;
			}
			sb_str(b, "\\ufffd");
		} else {
			sb_put(b, (const char *)p, 1);
		}
		p++;
	}
	sb_put(b, "\"", 1);
}

static void json_errors(struct sbuf *b, const struct parse_result *res)
{
	sb_str(b, "\"errors\":[");
	for (size_t i = 0; i < res->nerrors_kept; i++) {
		const struct parse_error *e = &res->errors[i];
		sb_fmt(b, "%s{\"line\":%lld,\"class\":", i ? "," : "", (long long)e->line);
		sb_json(b, e->cls);
		sb_str(b, ",\"field\":");
		sb_json(b, e->field);
		sb_str(b, ",\"message\":");
		sb_json(b, e->msg);
		sb_str(b, "}");
	}
	sb_fmt(b, "],\"error_count\":%lld", (long long)res->nerrors);
}

char *parse_result_json(const struct parse_result *res)
{
	struct sbuf b = { 0 };
	sb_str(&b, "{\"format\":");
	sb_json(&b, res->format);
	sb_fmt(&b, ",\"valid\":%s", res->valid ? "true" : "false");
	sb_fmt(&b, ",\"rows\":%lld", (long long)res->rows);
	sb_fmt(&b, ",\"pallets\":%lld", (long long)res->pallets);
	sb_fmt(&b, ",\"items\":%lld", (long long)res->items);
	sb_fmt(&b, ",\"shipment_count\":%lld", (long long)res->shipments_total);
	sb_str(&b, ",\"shipment_ids\":[");
	for (size_t i = 0; i < res->nshipments; i++) {
		if (i)
			sb_str(&b, ",");
		sb_json(&b, res->shipment_ids[i]);
	}
	sb_str(&b, "],");
	json_errors(&b, res);
	sb_str(&b, ",\"warnings\":[");
	for (size_t i = 0; i < res->nwarnings; i++) {
		if (i)
			sb_str(&b, ",");
		sb_json(&b, res->warnings[i]);
	}
	sb_str(&b, "]}");
	return b.p;
}

const char *format_rows_word(const char *format, long long n)
{
	if (strncmp(format, "x12", 3) == 0)
		return plural(n, "transaction", "transactions");
	return plural(n, "row", "rows");
}

void parse_result_report(const struct parse_result *res, const char *name, FILE *out)
{
	long long rows = res->rows, errors = res->nerrors;
	const char *unit = format_rows_word(res->format, rows);
	for (size_t i = 0; i < res->nerrors_kept; i++) {
		const struct parse_error *e = &res->errors[i];
		fprintf(out, "%s:%lld: %s%s%s [%s]\n", name, (long long)e->line, e->field,
			e->field[0] ? ": " : "", e->msg, e->cls);
	}
	if (res->nerrors > (int64_t)res->nerrors_kept) {
		long long more = res->nerrors - (int64_t)res->nerrors_kept;
		fprintf(out, "%s: ... %lld more %s not shown\n", name, more,
			plural(more, "error", "errors"));
	}
	for (size_t i = 0; i < res->nwarnings; i++)
		fprintf(out, "%s: warning: %s\n", name, res->warnings[i]);
	if (res->valid)
		fprintf(out, "%s: valid %s file: %lld %s, %lld %s, %lld %s\n", name,
			res->format, rows, unit, (long long)res->shipments_total,
			plural(res->shipments_total, "shipment", "shipments"), (long long)res->pallets,
			plural(res->pallets, "pallet", "pallets"));
	else
		fprintf(out, "%s: invalid %s file: %lld %s (%lld %s read)\n", name, res->format,
			errors, plural(errors, "error", "errors"), rows, unit);
}
