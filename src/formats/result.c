/* The parse result: building it while a parser runs, and writing it out as
 * JSON (manifest, `validate --json`) or as the human-readable error report. */
#include "format.h"
#include "format_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "../common.h"
#include "../common_json.h"

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

/* The kept errors: line, class, field, message each. */
static json_t *json_errors(const struct parse_result *res)
{
	json_t *a = kjson_array();
	for (size_t i = 0; i < res->nerrors_kept; i++) {
		const struct parse_error *e = &res->errors[i];
		json_t *o = kjson_object();
		kjson_put(o, "line", kjson_int(e->line));
		kjson_put(o, "class", kjson_text(e->cls));
		kjson_put(o, "field", kjson_text(e->field));
		kjson_put(o, "message", kjson_text(e->msg));
		kjson_add(a, o);
	}
	return a;
}

static json_t *json_strings(char *const *v, size_t n)
{
	json_t *a = kjson_array();
	for (size_t i = 0; i < n; i++)
		kjson_add(a, kjson_text(v[i]));
	return a;
}

/* The fields and their order are what the manifest's readers expect
 * (manifest_sqlite_summary.c reads them with SQLite's JSON functions). */
char *parse_result_json(const struct parse_result *res)
{
	json_t *o = kjson_object();
	kjson_put(o, "format", kjson_text(res->format));
	kjson_put(o, "valid", json_boolean(res->valid));
	kjson_put(o, "rows", kjson_int(res->rows));
	kjson_put(o, "pallets", kjson_int(res->pallets));
	kjson_put(o, "items", kjson_int(res->items));
	kjson_put(o, "shipment_count", kjson_int(res->shipments_total));
	kjson_put(o, "shipment_ids", json_strings(res->shipment_ids, res->nshipments));
	kjson_put(o, "errors", json_errors(res));
	kjson_put(o, "error_count", kjson_int(res->nerrors));
	kjson_put(o, "warnings", json_strings(res->warnings, res->nwarnings));
	char *s = kjson_dump(o);
	json_decref(o);
	return s;
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
