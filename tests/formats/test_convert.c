/* The conversions (formats/convert.h) against fixtures in tests/formats/conv:
 * each case's bodies, with their keys, equal NAME.TO.out byte for byte (so
 * field for field), twice over (the same file and settings give the same
 * requests); files that do not convert fail at conv_open with FILE:LINE;
 * conv_reply, conv_allowed and conv_content_type. CONV_UPDATE=1 rewrites
 * the .out files (review them before committing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common.h"
#include "config.h"
#include "formats/convert.h"
#include "formats/format.h"

struct ccase {
	const char *input, *format, *to;
	const char *business, *facility, *strategy, *unit, *direction_map;
	int batch;
	const char *out;        /* expected bodies; NULL: an error */
	const char *error;      /* the error's start, after the directory */
};

static const struct ccase cases[] = {
	{ "conv/es-contiguous.csv", "expected-shipment", "kargo-documents", "acme", NULL, "MERGE",
	  NULL, NULL, 500, "conv/es-contiguous.documents.out", NULL },
	{ "conv/es-noncontiguous.csv", "auto", "kargo-documents", "acme", "F1", NULL, NULL, NULL,
	  500, "conv/es-noncontiguous.documents.out", NULL },
	{ "conv/es-noncontiguous.csv", "auto", "json", NULL, NULL, NULL, NULL, NULL, 4,
	  "conv/es-noncontiguous.json.out", NULL },
	{ "conv/es-noncontiguous.csv", "auto", "ndjson", NULL, NULL, NULL, NULL, NULL, 2,
	  "conv/es-noncontiguous.ndjson.out", NULL },
	{ "conv/es-contiguous.csv", "auto", "kargo-unified", "acme", NULL, NULL, NULL, NULL, 500,
	  "conv/es-contiguous.unified.out", NULL },
	{ "conv/es-contiguous.csv", "auto", "kargo-unified", "acme", "dock-1", NULL, "row", NULL,
	  500, "conv/es-contiguous.unified-row.out", NULL },
	{ "conv/x12-orders.x12", "auto", "kargo-documents", "acme", "F1", NULL, NULL, NULL, 500,
	  "conv/x12-orders.documents.out", NULL },
	{ "conv/x12-orders.x12", "x12-856", "csv", NULL, NULL, NULL, NULL, NULL, 2,
	  "conv/x12-orders.csv.out", NULL },
	{ "data/x12-valid.x12", "auto", "kargo-documents", "acme", "F1", NULL, NULL, NULL, 500,
	  "conv/x12-valid.documents.out", NULL },
	{ "data/x12-multi-groups.x12", "auto", "json", NULL, NULL, NULL, NULL, NULL, 500,
	  "conv/x12-multi-groups.json.out", NULL },
	{ "conv/profile-de.csv", "de", "kargo-documents", "acme", "F1", NULL, NULL, NULL, 500,
	  "conv/profile-de.documents.out", NULL },
	{ "conv/es-bad-unit.csv", "auto", "kargo-documents", "acme", "F1", NULL, NULL, NULL, 500,
	  NULL, "conv/es-bad-unit.csv:3: quantity_unit 'BOX' is not CASE, UNIT or PALLET" },
	{ "conv/es-bad-direction.csv", "auto", "kargo-documents", "acme", "F1", NULL, NULL,
	  "LOADING=OUTBOUND", 500, NULL,
	  "conv/es-bad-direction.csv:3: direction 'UNLOADING' is not in direction_map" },
	{ "conv/es-contiguous.csv", "auto", "kargo-documents", "acme", NULL, NULL, NULL, NULL, 500,
	  NULL, NULL },   /* facility from the column: converts */
	{ "conv/es-bad-unit.csv", "auto", "kargo-unified", "acme", NULL, NULL, NULL, NULL, 500,
	  NULL, "conv/es-bad-unit.csv:2: no facility" },
	{ "conv/es-invalid.csv", "auto", "json", NULL, NULL, NULL, NULL, NULL, 500, NULL,
	  "conv/es-invalid.csv:3: required field 'order_number' is empty" },
	{ "conv/x12-bad-unit.x12", "auto", "kargo-documents", "acme", "F1", NULL, NULL, NULL, 500,
	  NULL, "conv/x12-bad-unit.x12:10: SN103 unit 'BX'" },
	{ "conv/x12-no-sn1.x12", "auto", "json", NULL, NULL, NULL, NULL, NULL, 500, NULL,
	  "conv/x12-no-sn1.x12:8: the item (HL level I) has no SN1 quantity" },
	{ "conv/x12-bad-qty.x12", "auto", "kargo-documents", "acme", "F1", NULL, NULL, NULL, 500,
	  NULL, "conv/x12-bad-qty.x12:10: quantity '2.5' is not a whole number" },
	{ "conv/x12-latin1.x12", "auto", "json", NULL, NULL, NULL, NULL, NULL, 500, NULL,
	  "conv/x12-latin1.x12:10: the item's values are not UTF-8 text" },
	{ "conv/es-contiguous.csv", "auto", "csv", NULL, NULL, NULL, NULL, NULL, 500, NULL,
	  "conv/es-contiguous.csv: format expected-shipment does not convert to csv" },
	{ "data/eos-valid.csv", "auto", "kargo-unified", "acme", "F1", NULL, NULL, NULL, 500,
	  NULL, "data/eos-valid.csv: an eos-csv file converts to kargo-unified with unit = row" },
};

static char *srcpath(const char *rel)
{
	const char *src = getenv("KA_SRCDIR");
	return xasprintf("%s/tests/formats/%s", src ? src : ".", rel);
}

static void api_of(const struct ccase *c, struct route_api *api)
{
	memset(api, 0, sizeof(*api));
	api->business = (char *)c->business;
	api->facility = (char *)c->facility;
	api->update_strategy = (char *)c->strategy;
	api->unit = (char *)(c->unit ? c->unit : "shipment");
	api->direction_map = (char *)(c->direction_map ? c->direction_map
				      : "LOADING=OUTBOUND,UNLOADING=INBOUND");
	api->batch_rows = c->batch;
	api->content_type = (char *)"application/octet-stream";
}

/* Convert case C: its bodies as "=== KEY\nBODY\n" each, or NULL with the
 * error (its path relative to tests/formats) in ERR. */
static char *run_case(const struct formats *f, const struct ccase *c, char *err)
{
	struct route_api api;
	struct conv *cv = NULL;
	struct conv_body b;
	char *path = srcpath(c->input), *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	int ret;
	api_of(c, &api);
	assert_non_null(mem);
	/* (auto would find the profile first: only named formats use it) */
	ret = conv_open(strcmp(c->format, "auto") ? f : NULL, c->format, path, c->to, &api, &cv,
			err);
	while (ret == 0 && (ret = conv_next(cv, &b, err)) == 1) {
		fprintf(mem, "=== %s\n", b.key);
		fwrite(b.body, 1, b.len, mem);
		fputc('\n', mem);
		assert_int_equal(strlen(b.body), b.len);
		free(b.body);
		ret = 0;
	}
	conv_close(cv);
	fclose(mem);
	if (ret != 0) {
		free(out);
		out = NULL;
		assert_int_equal(ret, KA_INVALID);
		const char *src = getenv("KA_SRCDIR");
		char *prefix = xasprintf("%s/tests/formats/", src ? src : ".");
		if (strncmp(err, prefix, strlen(prefix)) == 0)
			memmove(err, err + strlen(prefix), strlen(err + strlen(prefix)) + 1);
		free(prefix);
	}
	free(path);
	return out;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int ch;
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, mem);
	fclose(mem);
	fclose(f);
	return buf;
}

/* A [format de] profile: Latin-1, ';', German headers, dd.mm.yyyy. */
static struct formats *formats_de(void)
{
	static struct kv kv[] = {
		{ (char *)"base", (char *)"expected-shipment" },
		{ (char *)"delimiter", (char *)"semicolon" },
		{ (char *)"charset", (char *)"ISO-8859-1" },
		{ (char *)"aliases", (char *)"shipment_id:Kunde Sendung, order_number:Bestellung, "
		  "scheduled_departure_date:Versanddatum, sku:Artikel, quantity:Menge, "
		  "description:Beschreibung" },
		{ (char *)"date_format", (char *)"%d.%m.%Y" },
	};
	static struct section sec = { (char *)"de", kv, 5 };
	struct config cfg = { .path = (char *)"test.ini", .formats = &sec, .nformats = 1 };
	struct formats *f = NULL;
	struct diag d = { 0 };
	assert_int_equal(formats_load(&cfg, &f, &d), 0);
	diag_release(&d);
	return f;
}

static void test_cases(void **state)
{
	struct formats *f = formats_de();
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ccase *c = &cases[i];
		char err[ERRLEN] = "", err2[ERRLEN] = "";
		char *got = run_case(f, c, err), *again = run_case(f, c, err2);
		print_message("case %zu: %s --to %s\n", i, c->input, c->to);
		if (!c->out && !c->error) {
			assert_non_null(got);
		} else if (!c->out) {
			if (got)
				print_message("converted, expected the error %s\n", c->error);
			assert_null(got);
			if (strncmp(err, c->error, strlen(c->error)) != 0)
				print_message("error: %s\nexpected: %s\n", err, c->error);
			assert_int_equal(strncmp(err, c->error, strlen(c->error)), 0);
		} else {
			char *path = srcpath(c->out), *want;
			if (!got)
				print_message("error: %s\n", err);
			assert_non_null(got);
			if (getenv("CONV_UPDATE")) {
				FILE *o = fopen(path, "wb");
				assert_non_null(o);
				fputs(got, o);
				fclose(o);
			}
			want = slurp(path);
			assert_non_null(want);
			assert_string_equal(got, want);
			assert_string_equal(got, again);   /* deterministic */
			free(want);
			free(path);
		}
		free(got);
		free(again);
	}
	formats_free(f);
}

/* Kargo's answers. */
static void test_reply(void **state)
{
	char id[64], err[ERRLEN];
	const char *ok = "{\"data\":{\"processPayload\":{\"message\":\"ok\",\"success\":true,"
			 "\"loggingId\":\"log-1\"}}}";
	const char *no = "{\"data\":{\"processPayload\":{\"message\":\"bad facility\","
			 "\"success\":false,\"loggingId\":\"log-2\"}}}";
	const char *gql = "{\"errors\":[{\"message\":\"Cannot query field\"}]}";
	(void)state;
	assert_int_equal(conv_reply("kargo-unified", ok, strlen(ok), id, sizeof(id), err), 0);
	assert_string_equal(id, "log-1");
	assert_int_equal(conv_reply("kargo-unified", no, strlen(no), id, sizeof(id), err),
			 KA_PERMANENT);
	assert_non_null(strstr(err, "bad facility"));
	assert_int_equal(conv_reply("kargo-unified", gql, strlen(gql), id, sizeof(id), err),
			 KA_PERMANENT);
	assert_non_null(strstr(err, "Cannot query field"));
	/* cut or not JSON: taken, no id */
	assert_int_equal(conv_reply("kargo-unified", ok, 20, id, sizeof(id), err), 0);
	assert_string_equal(id, "");
	assert_int_equal(conv_reply("kargo-documents", "{\"loggingId\":\"d-9\"}", 19, id,
				    sizeof(id), err), 0);
	assert_string_equal(id, "d-9");
	assert_int_equal(conv_reply("json", "[]", 2, id, sizeof(id), err), 0);
	assert_string_equal(id, "");
}

static void test_allowed(void **state)
{
	char err[ERRLEN];
	struct route_api api = { .content_type = (char *)"text/csv" };
	(void)state;
	assert_int_equal(conv_known("kargo-documents"), 1);
	assert_int_equal(conv_known("xml"), 0);
	assert_int_equal(conv_allowed(NULL, "expected-shipment", "kargo-documents", err), 0);
	assert_int_equal(conv_allowed(NULL, "x12-856", "csv", err), 0);
	assert_int_equal(conv_allowed(NULL, "auto", "kargo-documents", err), 0);
	assert_int_equal(conv_allowed(NULL, "text", "raw", err), 0);
	assert_int_equal(conv_allowed(NULL, "eos-csv", "kargo-documents", err), -1);
	assert_non_null(strstr(err, "eos-csv does not convert to kargo-documents"));
	assert_int_equal(conv_allowed(NULL, "text", "json", err), -1);
	assert_int_equal(conv_allowed(NULL, "x12-856", "xml", err), -1);
	assert_string_equal(conv_content_type("raw", &api), "text/csv");
	api.content_type = NULL;
	assert_string_equal(conv_content_type("raw", &api), "application/octet-stream");
	assert_string_equal(conv_content_type("kargo-unified", &api), "application/json");
	assert_string_equal(conv_content_type("ndjson", &api), "application/x-ndjson");
}

/* check-config: each destination's convert = against the route's format
 * and settings. */
static void test_check_config(void **state)
{
	struct endpoint dests[4] = {
		{ .convert = (char *)"kargo-documents" }, { .convert = NULL },
		{ .convert = (char *)"kargo-unified" }, { .convert = (char *)"csv" },
	};
	struct route_config routes[2] = {
		{ .name = (char *)"eos", .format = (char *)"eos-csv", .dests = dests, .ndests = 3,
		  .api = { .unit = (char *)"shipment", .business = (char *)"acme" } },
		{ .name = (char *)"es", .format = (char *)"expected-shipment", .dests = dests + 3,
		  .ndests = 1, .api = { .unit = (char *)"shipment" } },
	};
	struct config cfg = { .path = (char *)"k.ini", .routes = routes, .nroutes = 2 };
	struct diag d = { 0 };
	(void)state;
	conv_check_config(&cfg, NULL, &d);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.msgs[0], "k.ini: [route eos] convert: format eos-csv does not "
			    "convert to kargo-documents (it takes expected-shipment or x12-856)");
	assert_non_null(strstr(d.msgs[1], "[route eos] convert: an eos-csv file converts to "
			       "kargo-unified with unit = row only"));
	assert_non_null(strstr(d.msgs[2], "[route es] convert: format expected-shipment does "
			       "not convert to csv"));
	diag_release(&d);
	routes[0].api.unit = (char *)"row";
	routes[0].ndests = 1;
	dests[0].convert = (char *)"kargo-unified";
	routes[0].api.business = NULL;
	conv_check_config(&cfg, NULL, &d);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.msgs[0], "k.ini: [route eos] convert: kargo-unified needs "
			    "business = (Kargo's business slug)");
	diag_release(&d);
}

/* Zeroed settings (no unit, no batch_rows): by shipment, 500 rows a batch. */
static void test_zeroed_settings(void **state)
{
	struct route_api api = { .business = (char *)"acme" };
	const char *to[] = { "kargo-unified", "json" };
	int want[] = { 2, 1 };
	char *path = srcpath("conv/es-contiguous.csv"), err[ERRLEN];
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct conv *c = NULL;
		struct conv_body b;
		int n = 0;
		assert_int_equal(conv_open(NULL, "auto", path, to[i], &api, &c, err), 0);
		while (conv_next(c, &b, err) == 1) {
			free(b.body);
			n++;
		}
		conv_close(c);
		assert_int_equal(n, want[i]);
	}
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_check_config),
		cmocka_unit_test(test_zeroed_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
