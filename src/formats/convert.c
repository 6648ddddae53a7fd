/* The conversions (see convert.h): their table, conv_open checking the
 * file before any body is made (the format's validation, then every row
 * against the conversion), and conv_next building one body at a time
 * from a source of canonical rows (convert_group.c, convert_x12.c). */
#include "convert.h"
#include "convert_int.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common.h"
#include "kargo_fields.h"

enum conv_kind { CK_RAW, CK_JSON, CK_NDJSON, CK_CSV, CK_DOCS, CK_UNIFIED };

/* What a conversion reads: a bit per source format. */
#define FROM_ES 1u    /* expected-shipment (and its profiles) */
#define FROM_EOS 2u   /* eos-csv (and its profiles) */
#define FROM_X12 4u   /* x12-856 */
#define FROM_ANY 8u   /* raw: any file */

static const struct conv_def {
	const char *name;
	enum conv_kind kind;
	const char *content_type;
	unsigned from;
	const char *from_text;
} convs[] = {
	{ "raw", CK_RAW, NULL, FROM_ANY, "any format" },
	{ "json", CK_JSON, "application/json", FROM_ES | FROM_EOS | FROM_X12,
	  "expected-shipment, eos-csv or x12-856" },
	{ "ndjson", CK_NDJSON, "application/x-ndjson", FROM_ES | FROM_EOS | FROM_X12,
	  "expected-shipment, eos-csv or x12-856" },
	{ "csv", CK_CSV, "text/csv", FROM_X12, "x12-856" },
	{ "kargo-documents", CK_DOCS, "application/json", FROM_ES | FROM_X12,
	  "expected-shipment or x12-856" },
	{ "kargo-unified", CK_UNIFIED, "application/json", FROM_ES | FROM_EOS | FROM_X12,
	  "expected-shipment, eos-csv (unit = row) or x12-856" },
};

struct conv {
	const struct conv_def *def;
	const struct route_api *api;
	char *path;
	int fd;
	unsigned from;
	struct rsrc *src;
	int64_t rows;            /* rows given so far */
	int done, header_done;
};

static const struct conv_def *conv_def(const char *to)
{
	for (size_t i = 0; to && i < ARRAY_SIZE(convs); i++)
		if (strcmp(convs[i].name, to) == 0)
			return &convs[i];
	return NULL;
}

int conv_known(const char *to)
{
	return conv_def(to) != NULL;
}

/* unit = row (kargo-unified: a request a row); shipment when not set. */
static int by_row(const struct route_api *api)
{
	return api->unit && strcmp(api->unit, "row") == 0;
}

/* The source bit of a resolved format. */
static unsigned from_bit(const struct format_spec *spec)
{
	return spec->ops == &format_expected_shipment ? FROM_ES
	       : spec->ops == &format_eos_csv ? FROM_EOS
	       : spec->ops == &format_x12_856 ? FROM_X12 : 0;
}

/* Whether DEF reads FROM with the settings API (NULL: any unit): 0, or -1
 * with a sentence naming FORMAT in err. */
static int def_takes(const struct conv_def *def, unsigned from, const char *format,
		     const struct route_api *api, char *err)
{
	if ((def->from & FROM_ANY) || (def->from & from)) {
		if (!(def->kind == CK_UNIFIED && from == FROM_EOS && api &&
		      !by_row(api)))
			return 0;
		snprintf(err, ERRLEN, "an eos-csv file converts to kargo-unified with unit = row "
			 "only (it has no orders)");
		return -1;
	}
	snprintf(err, ERRLEN, "format %s does not convert to %s (it takes %s)", format, def->name,
		 def->from_text);
	return -1;
}

int conv_allowed(const struct formats *f, const char *format, const char *to, char *err)
{
	const struct conv_def *def = conv_def(to);
	struct format_spec spec;
	if (!def) {
		snprintf(err, ERRLEN, "unknown conversion '%s' (known: raw, json, ndjson, csv, "
			 "kargo-documents, kargo-unified)", to ? to : "");
		return -1;
	}
	if (strcmp(format, "auto") == 0 || (def->from & FROM_ANY))
		return 0;   /* auto: known per file */
	if (format_resolve(f, format, -1, &spec) != 0) {
		snprintf(err, ERRLEN, "unknown format '%s'", format);
		return -1;
	}
	return def_takes(def, from_bit(&spec), format, NULL, err);
}

const char *conv_content_type(const char *to, const struct route_api *api)
{
	const struct conv_def *def = conv_def(to);
	if (!def)
		return NULL;
	if (def->content_type)
		return def->content_type;
	return api->content_type ? api->content_type : "application/octet-stream";
}

/* A row checked against a Kargo conversion (conv_open's pass). */
static int check_kargo(void *ctx, const struct crow *r, char *err)
{
	const struct conv *c = ctx;
	return kdoc_check(c->api, r, c->path, err);
}

/* The format's own validation: the file's first error as "PATH:LINE: ...". */
static int conv_validate(const struct formats *f, const char *format, const char *path,
			 char *err)
{
	struct parse_result res;
	int ret = format_parse_path(f, format, path, NULL, &res, err);
	if (ret != 0)
		return ret;
	if (!res.valid && res.nerrors_kept && res.errors[0].line > 0)
		snprintf(err, ERRLEN, "%s:%lld: %s", path, (long long)res.errors[0].line,
			 res.errors[0].msg);
	else if (!res.valid)
		snprintf(err, ERRLEN, "%s: %s", path, res.nerrors_kept ? res.errors[0].msg
			 : "the file is not valid");
	ret = res.valid ? 0 : KA_INVALID;
	parse_result_release(&res);
	return ret;
}

/* An X12 856 read through once (every item checked), then opened again. */
static int x12_open_checked(struct conv *c, char *err)
{
	struct rsrc *s;
	struct crow r;
	int ret = x12src_open(c->fd, c->path, &s, err);
	if (ret != 0)
		return ret;
	while ((ret = s->next(s, &r, err)) == 1)
		if ((c->def->kind == CK_DOCS || c->def->kind == CK_UNIFIED) &&
		    check_kargo(c, &r, err) != 0) {
			ret = KA_INVALID;
			break;
		}
	s->close(s);
	return ret != 0 ? ret : x12src_open(c->fd, c->path, &c->src, err);
}

/* The source of rows for C, every row checked first. */
static int conv_source(struct conv *c, const struct formats *f, const char *format, char *err)
{
	struct format_spec spec;
	char why[ERRLEN];
	enum conv_kind k = c->def->kind;
	int grouped = k == CK_DOCS || (k == CK_UNIFIED && !by_row(c->api));
	if (format_resolve(f, format, c->fd, &spec) != 0) {
		snprintf(err, ERRLEN, "%s: unknown format '%s'", c->path, format);
		return KA_INVALID;
	}
	c->from = from_bit(&spec);
	if (def_takes(c->def, c->from, spec.name, c->api, why) != 0) {
		snprintf(err, ERRLEN, "%s: %.400s", c->path, why);
		return KA_INVALID;
	}
	int ret = conv_validate(f, spec.name, c->path, err);
	if (ret != 0)
		return ret;
	if (c->from == FROM_X12)
		return x12_open_checked(c, err);
	return csvsrc_open(&spec, c->fd, c->path, grouped,
			   k == CK_DOCS || k == CK_UNIFIED ? check_kargo : NULL, c, &c->src, err);
}

int conv_open(const struct formats *f, const char *format, const char *path, const char *to,
	      const struct route_api *api, struct conv **out, char *err)
{
	const struct conv_def *def = conv_def(to);
	*out = NULL;
	if (!def) {
		snprintf(err, ERRLEN, "unknown conversion '%s'", to ? to : "");
		return KA_INVALID;
	}
	if ((def->kind == CK_DOCS || def->kind == CK_UNIFIED) && !api->business) {
		snprintf(err, ERRLEN, "%s needs the route's business = (Kargo's business slug)", to);
		return KA_INVALID;
	}
	struct conv *c = xcalloc(1, sizeof(*c));
	c->def = def;
	c->api = api;
	c->path = xstrdup(path);
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0) {
		snprintf(err, ERRLEN, "%s: %s", path, strerror(errno));
		int ret = errno == ENOENT ? KA_NOENT : KA_ERR;
		conv_close(c);
		return ret;
	}
	if (def->kind != CK_RAW) {
		int ret = conv_source(c, f, format, err);
		if (ret != 0) {
			conv_close(c);
			return ret;
		}
	}
	*out = c;
	return 0;
}

/* JSON J (stolen) as OUT's body. */
static int body_json(json_t *j, struct conv_body *out, const char *path, char *err)
{
	out->body = j ? json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
	json_decref(j);
	if (!out->body) {
		snprintf(err, ERRLEN, "%s: the request body could not be made (out of memory?)", path);
		return KA_ERR;
	}
	out->len = strlen(out->body);
	return 1;
}

/* raw: the whole file. */
static int next_raw(struct conv *c, struct conv_body *out, char *err)
{
	struct stat st;
	if (fstat(c->fd, &st) != 0) {
		snprintf(err, ERRLEN, "%s: %s", c->path, strerror(errno));
		return KA_ERR;
	}
	out->body = xmalloc((size_t)st.st_size + 1);
	ssize_t n = pread_full(c->fd, out->body, (size_t)st.st_size, 0);
	if (n < 0) {
		snprintf(err, ERRLEN, "%s: %s", c->path, strerror(errno));
		free(out->body);
		out->body = NULL;
		return KA_ERR;
	}
	out->body[n] = '\0';
	out->len = (size_t)n;
	snprintf(out->key, sizeof(out->key), "file");
	c->done = 1;
	return 1;
}

/* kargo-documents, kargo-unified by shipment: the next shipment's rows. */
static int next_shipment(struct conv *c, struct conv_body *out, char *err)
{
	struct kdoc *d = kdoc_new(c->api, c->def->kind == CK_DOCS);
	struct crow r;
	char *facility = NULL;
	int ret;
	while ((ret = c->src->next(c->src, &r, err)) == 1) {
		if (!facility) {
			facility = xstrdup(kdoc_facility(c->api, &r));
			snprintf(out->key, sizeof(out->key), "shipment %s", crow_get(&r, CF_SHIPMENT_ID));
		}
		c->rows++;
		if (kdoc_add(d, &r, c->path, err) != 0) {
			ret = KA_INVALID;
			break;
		}
		if (r.last)
			break;
	}
	json_t *doc = kdoc_finish(d);
	if (ret == 1 && c->def->kind == CK_UNIFIED)
		doc = unified_body(c->api, facility, doc);
	free(facility);
	if (ret != 1) {
		json_decref(doc);
		c->done = ret == 0;
		return ret;
	}
	return body_json(doc, out, c->path, err);
}

/* csv: R as a CSV line into OUT (the header line first, once). */
static void csv_line(struct conv *c, const struct crow *r, FILE *out)
{
	for (int pass = c->header_done; pass < 2; pass++) {
		int first = 1;
		for (size_t fi = 0; fi < r->sc->nfields; fi++) {
			if (!r->v[fi])
				continue;
			const char *v = pass ? r->v[fi] : r->sc->fields[fi].name;
			if (!first)
				fputc(',', out);
			csv_fwrite(out, v, strlen(v));
			first = 0;
		}
		fputs("\r\n", out);
	}
	c->header_done = 1;
}

/* json, ndjson, csv, kargo-unified by row: the next batch of rows. */
static int next_rows(struct conv *c, struct conv_body *out, char *err)
{
	enum conv_kind k = c->def->kind;
	int64_t first = c->rows + 1, max = k == CK_UNIFIED ? 1 : c->api->batch_rows;
	if (max < 1)
		max = 500;   /* (the config's default; it allows 1 to 100,000) */
	json_t *arr = k == CK_JSON ? json_array() : NULL, *one = NULL;
	FILE *mem = k == CK_NDJSON || k == CK_CSV ? open_memstream(&out->body, &out->len) : NULL;
	struct crow r;
	int ret = 1;
	if ((k == CK_NDJSON || k == CK_CSV) && !mem) {
		snprintf(err, ERRLEN, "%s: open_memstream: %s", c->path, strerror(errno));
		return KA_ERR;
	}
	for (int64_t n = 0; n < max && (ret = c->src->next(c->src, &r, err)) == 1; n++) {
		c->rows++;
		if (k == CK_CSV) {
			csv_line(c, &r, mem);
			continue;
		}
		json_t *o = crow_object(&r);
		if (!o) {
			snprintf(err, ERRLEN, "%s:%lld: the row's values are not UTF-8 text", c->path,
				 (long long)r.line);
			ret = KA_INVALID;
			break;
		}
		if (k == CK_JSON)
			json_array_append_new(arr, o);
		else if (k == CK_UNIFIED)
			one = unified_body(c->api, kdoc_facility(c->api, &r), o);
		else if (json_dumpf(o, mem, JSON_PRESERVE_ORDER | JSON_COMPACT) != 0 ||
			 fputc('\n', mem) == EOF)
			ret = KA_ERR;
		if (k == CK_NDJSON)
			json_decref(o);
	}
	if (ret < 0 || c->rows < first) {
		c->done = ret == 0;
		json_decref(arr);
		json_decref(one);
		if (mem)
			fclose(mem);
		free(out->body);
		out->body = NULL;
		return ret;
	}
	if (c->rows == first)
		snprintf(out->key, sizeof(out->key), "row %lld", (long long)first);
	else
		snprintf(out->key, sizeof(out->key), "rows %lld-%lld", (long long)first,
			 (long long)c->rows);
	if (mem)
		return fclose(mem) == 0 ? 1 : KA_ERR;
	return body_json(arr ? arr : one, out, c->path, err);
}

int conv_next(struct conv *c, struct conv_body *out, char *err)
{
	memset(out, 0, sizeof(*out));
	if (c->done)
		return 0;
	switch (c->def->kind) {
	case CK_RAW:
		return next_raw(c, out, err);
	case CK_DOCS:
		return next_shipment(c, out, err);
	case CK_UNIFIED:
		if (!by_row(c->api))
			return next_shipment(c, out, err);
		return next_rows(c, out, err);
	default:
		return next_rows(c, out, err);
	}
}

void conv_close(struct conv *c)
{
	if (!c)
		return;
	if (c->src)
		c->src->close(c->src);
	if (c->fd >= 0)
		close(c->fd);
	free(c->path);
	free(c);
}

/* The string at KEY of OBJ, or NULL. */
static const char *jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* A Unified Endpoint answer: {"data":{"processPayload":{message, success,
 * loggingId}}}, or GraphQL's {"errors":[{"message": ...}]}. */
static int reply_unified(json_t *j, char *id, size_t idlen, char *err)
{
	json_t *errors = json_object_get(j, kargo_f.errors);
	json_t *pp = json_object_get(json_object_get(j, kargo_f.data), kargo_f.process_payload);
	const char *msg;
	if (json_array_size(errors) > 0) {
		msg = jstr(json_array_get(errors, 0), kargo_f.message);
		snprintf(err, ERRLEN, "GraphQL error: %s", msg ? msg : "(no message)");
		return KA_PERMANENT;
	}
	if (pp && json_is_false(json_object_get(pp, kargo_f.success))) {
		msg = jstr(pp, kargo_f.message);
		snprintf(err, ERRLEN, "processPayload refused the payload: %s",
			 msg ? msg : "(no message)");
		return KA_PERMANENT;
	}
	if (jstr(pp, kargo_f.logging_id))
		snprintf(id, idlen, "%s", jstr(pp, kargo_f.logging_id));
	return 0;
}

/* A 2xx answer that cannot be read (cut at its first KiBs, or not JSON)
 * takes the request: the status said so. */
int conv_reply(const char *to, const char *body, size_t len, char *id, size_t idlen,
	       char *err)
{
	const struct conv_def *def = conv_def(to);
	int ret = 0;
	if (idlen)
		id[0] = '\0';
	if (!def || !body || (def->kind != CK_DOCS && def->kind != CK_UNIFIED))
		return 0;
	json_t *j = json_loadb(body, len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return 0;
	}
	if (def->kind == CK_UNIFIED)
		ret = reply_unified(j, id, idlen, err);
	else if (jstr(j, kargo_f.logging_id))
		snprintf(id, idlen, "%s", jstr(j, kargo_f.logging_id));
	json_decref(j);
	return ret;
}

void conv_check_config(const struct config *cfg, const struct formats *f, struct diag *d)
{
	char why[ERRLEN];
	for (size_t i = 0; i < cfg->nroutes; i++) {
		const struct route_config *r = &cfg->routes[i];
		for (size_t k = 0; k < r->ndests; k++) {
			const char *to = r->dests[k].convert;
			const struct conv_def *def = conv_def(to);
			struct format_spec spec;
			if (!to)
				continue;
			if (conv_allowed(f, r->format, to, why) != 0)
				diag_add(d, "%s: [route %s] convert: %s", cfg->path, r->name, why);
			else if ((def->kind == CK_DOCS || def->kind == CK_UNIFIED) && !r->api.business)
				diag_add(d, "%s: [route %s] convert: %s needs business = (Kargo's "
					 "business slug)", cfg->path, r->name, to);
			else if (strcmp(r->format, "auto") != 0 &&
				 format_resolve(f, r->format, -1, &spec) == 0 &&
				 def_takes(def, from_bit(&spec), r->format, &r->api, why) != 0)
				diag_add(d, "%s: [route %s] convert: %s", cfg->path, r->name, why);
		}
	}
}
