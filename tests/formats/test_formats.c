/* Unit tests of the format helpers and the public API: SSCC check digits,
 * dates, header names, JSON escaping, the report, profile diagnostics, the
 * fingerprint set, and a generated 1,000,000-row file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "common.h"
#include "config.h"
#include "formats/format.h"
#include "formats/format_int.h"

static void sscc_check_digits_and_prefixes(void **state)
{
	char d[19];
	const char *why;
	assert_int_equal(gs1_check_digit("00614141123456789", 17), 0);
	assert_int_equal(sscc_check("006141411234567890", 18, d, &why), 0);
	assert_string_equal(d, "006141411234567890");
	assert_int_equal(sscc_check("(00)006141411234567890", 22, d, &why), 0);
	assert_int_equal(sscc_check("00006141411234567890", 20, d, &why), 0);
	assert_int_equal(sscc_check("]C100006141411234567890", 23, d, &why), 0);
	assert_int_equal(sscc_check("006141411234567891", 18, d, &why), -1);
	assert_int_equal(sscc_check("6.14141E+17", 11, d, &why), -1);
	assert_non_null(strstr(why, "spreadsheet"));
	assert_int_equal(sscc_check("00614141123456789", 17, d, &why), -1);
}

static void dates_and_times(void **state)
{
	const char *why, *cls;
	assert_int_equal(date_check("2024-02-29", 10, &why), 0);
	assert_int_equal(date_check("2026-02-29", 10, &why), -1);
	assert_int_equal(date_check("2026-02-30", 10, &why), -1);
	assert_int_equal(date_check("2000-02-29", 10, &why), 0);
	assert_int_equal(date_check("1900-02-29", 10, &why), -1);
	assert_int_equal(time_check("23:59", 5, &why), 0);
	assert_int_equal(time_check("23:59:59", 8, &why), 0);
	assert_int_equal(time_check("24:00", 5, &why), -1);
	assert_int_equal(time_check("9:00", 4, &why), -1);
	assert_int_equal(datetime_check("2026-03-01T10:00", 16, 0, &cls, &why), 0);
	assert_int_equal(datetime_check("2026-03-01 10:00:00.250Z", 24, 0, &cls, &why), 0);
	assert_int_equal(datetime_check("2026-03-01T10:00:00-05:30", 25, 0, &cls, &why), 0);
	assert_int_equal(datetime_check("2026-03-01", 10, 0, &cls, &why), -1);
	assert_int_equal(datetime_check("2026-03-01", 10, 1, &cls, &why), 0);
	assert_int_equal(datetime_check("2026-03-01T10:00+0500", 21, 0, &cls, &why), -1);
	assert_string_equal(cls, "bad_time");
	assert_int_equal(datefmt_match("%d/%m/%Y", "31/12/2026", 10), 0);
	assert_int_equal(datefmt_match("%d/%m/%Y", "31/11/2026", 10), -1);
	assert_int_equal(datefmt_valid("%d.%m.%Y %H:%M", &why), 0);
	assert_int_equal(datefmt_valid("%d.%m", &why), -1);
}

static void header_names_normalise(void **state)
{
	char out[64];
	header_normalise("  Carrier  SCAC ", 16, out, sizeof(out));
	assert_string_equal(out, "carrier_scac");
	header_normalise("Ship-Date", 9, out, sizeof(out));
	assert_string_equal(out, "ship_date");
	header_normalise("PO__Number", 10, out, sizeof(out));
	assert_string_equal(out, "po_number");
}

static void quantities_are_digits_only(void **state)
{
	int64_t v;
	assert_int_equal(digits_parse("0012", 4, 1, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(digits_parse("1,200", 5, 1, &v), -1);
	assert_int_equal(digits_parse("2.5", 3, 1, &v), -1);
	assert_int_equal(digits_parse("-3", 2, 1, &v), -1);
	assert_int_equal(digits_parse("0", 1, 1, &v), -2);
	assert_int_equal(digits_parse("99999999999999999999", 20, 1, &v), -3);
}

/* A result with awkward strings, built through the result builder. */
static void build_awkward(struct parse_result *res)
{
	struct rbuild rb;
	rbuild_init(&rb, res);
	snprintf(res->format, sizeof(res->format), "expected-shipment");
	rbuild_error(&rb, 7, "bad_quantity", "quantity", "'a\"b\\c\n\x01' is bad");
	rbuild_shipment(&rb, "S\"1", 3);
	rbuild_shipment(&rb, "S\"1", 3);
	rbuild_shipment(&rb, "caf\xc3\xa9", 5);
	rbuild_warning(&rb, "bad byte \xff here");
	rbuild_warning(&rb, "t\xc3\xa9\xa9 \x1b");
	rbuild_finish(&rb);
}

static void json_is_escaped(void **state)
{
	struct parse_result res;
	build_awkward(&res);
	char *j = parse_result_json(&res);
	assert_string_equal(j,
		"{\"format\":\"expected-shipment\",\"valid\":false,\"rows\":0,\"pallets\":0,"
		"\"items\":0,\"shipment_count\":2,\"shipment_ids\":[\"S\\\"1\",\"caf\xc3\xa9\"],"
		"\"errors\":[{\"line\":7,\"class\":\"bad_quantity\",\"field\":\"quantity\","
		"\"message\":\"'a\\\"b\\\\c\\n\\u0001' is bad\"}],\"error_count\":1,"
		"\"warnings\":[\"bad byte \xef\xbf\xbd here\",\"t\xc3\xa9\xef\xbf\xbd \\u001B\"]}");
	free(j);
	parse_result_release(&res);
}

static void report_lists_errors_and_total(void **state)
{
	struct parse_result res;
	struct rbuild rb;
	rbuild_init(&rb, &res);
	snprintf(res.format, sizeof(res.format), "eos-csv");
	for (int i = 0; i < 150; i++)
		rbuild_error(&rb, i + 2, "bad_sscc", "sscc", "SSCC 'x' is not 18 digits");
	rbuild_finish(&rb);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	parse_result_report(&res, "in.csv", f);
	fclose(f);
	assert_non_null(strstr(buf, "in.csv:2: sscc: SSCC 'x' is not 18 digits [bad_sscc]\n"));
	assert_non_null(strstr(buf, "in.csv:101: sscc:"));
	assert_null(strstr(buf, "in.csv:102: sscc:"));
	assert_non_null(strstr(buf, "in.csv: ... 50 more errors not shown\n"));
	assert_non_null(strstr(buf, "in.csv: invalid eos-csv file: 150 errors"));
	free(buf);
	parse_result_release(&res);
}

/* formats_load with one profile given as KEY=VALUE strings. */
static int load_profile(const char *name, const char *const *kv, size_t n, struct diag *d)
{
	struct section sec = { (char *)name, xcalloc(n, sizeof(struct kv)), n };
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(kv[i], '=');
		sec.kv[i].key = xstrndup(kv[i], (size_t)(eq - kv[i]));
		sec.kv[i].value = (char *)eq + 1;
	}
	struct config cfg = { 0 };
	cfg.path = (char *)"/etc/kargo-agent/kargo-agent.ini";
	cfg.formats = &sec;
	cfg.nformats = 1;
	struct formats *f;
	int r = formats_load(&cfg, &f, d);
	if (r == 0)
		assert_true(format_known(f, name));
	formats_free(f);
	for (size_t i = 0; i < n; i++)
		free(sec.kv[i].key);
	free(sec.kv);
	return r;
}

static void profile_problems_name_file_section_key(void **state)
{
	struct diag d = { 0 };
	const char *good[] = { "base=eos-csv", "delimiter=semicolon", "charset=WINDOWS-1252",
			       "aliases=sscc:SSCC Code, sku:Article", "required=lpn",
			       "optional=quantity", "date_format=%d/%m/%Y %H:%M" };
	assert_int_equal(load_profile("wms", good, ARRAY_SIZE(good), &d), 0);
	assert_int_equal(d.n, 0);
	const char *bad[] = { "base=x12", "delimiter=colon", "charset=NOPE-9", "aliases=nosuch:X",
			      "required=foo", "date_format=%d.%m" };
	assert_int_equal(load_profile("acme", bad, ARRAY_SIZE(bad), &d), -1);
	assert_int_equal(d.n, 6);
	assert_string_equal(d.msgs[0], "/etc/kargo-agent/kargo-agent.ini: [format acme] base: "
			    "'x12' is not expected-shipment or eos-csv");
	assert_non_null(strstr(d.msgs[1], "[format acme] delimiter: 'colon'"));
	assert_non_null(strstr(d.msgs[2], "[format acme] charset: 'NOPE-9'"));
	assert_non_null(strstr(d.msgs[3], "[format acme] aliases: unknown field 'nosuch'"));
	assert_non_null(strstr(d.msgs[4], "[format acme] required: unknown field 'foo'"));
	assert_non_null(strstr(d.msgs[5], "[format acme] date_format: '%d.%m'"));
	diag_release(&d);
	const char *builtin[] = { "base=eos-csv" };
	assert_int_equal(load_profile("x12", builtin, 1, &d), -1);
	diag_release(&d);
}

static void fpset_finds_duplicates(void **state)
{
	struct fpset s = { 0 };
	char key[32];
	for (int i = 0; i < 200000; i++) {
		int n = snprintf(key, sizeof(key), "S%d|PO|SKU", i);
		assert_int_equal(fpset_add(&s, fp_hash(key, (size_t)n)), 1);
	}
	assert_int_equal(fpset_add(&s, fp_hash("S77|PO|SKU", 10)), 0);
	assert_int_equal(s.n, 200000);
	/* At most 16 bytes a key once grown. */
	assert_true(s.cap * 8 <= 16 * (size_t)s.n + 16 * 1024);
	fpset_release(&s);
}

/* A 1,000,000-row expected-shipment file with one duplicate near the end. */
static void million_rows(void **state)
{
	char dir[] = "/tmp/ka-formats-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = path_join(dir, "big.csv");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("shipment_id,order_number,scheduled_departure,sku,quantity\r\n", f);
	for (int i = 0; i < 1000000; i++)
		fprintf(f, "S%d,PO%d,2026-03-01T08:00:00Z,SKU%d,%d\r\n", i / 10, i, i % 7, i % 50 + 1);
	fputs("S0,PO0,2026-03-01,SKU0,1\r\n", f);
	assert_int_equal(fclose(f), 0);
	struct formats *fm;
	struct diag d = { 0 };
	formats_load(NULL, &fm, &d);
	struct parse_result res;
	char err[ERRLEN];
	assert_int_equal(format_parse_path(fm, "auto", path, NULL, &res, err), 0);
	assert_string_equal(res.format, "expected-shipment");
	assert_int_equal(res.rows, 1000001);
	assert_int_equal(res.nerrors, 1);
	assert_int_equal(res.errors[0].line, 1000002);
	assert_string_equal(res.errors[0].cls, "duplicate_line");
	assert_int_equal(res.shipments_total, 100000);
	assert_int_equal(res.nshipments, 1000);
	parse_result_release(&res);
	formats_free(fm);
	unlink(path);
	rmdir(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sscc_check_digits_and_prefixes),
		cmocka_unit_test(dates_and_times),
		cmocka_unit_test(header_names_normalise),
		cmocka_unit_test(quantities_are_digits_only),
		cmocka_unit_test(json_is_escaped),
		cmocka_unit_test(report_lists_errors_and_total),
		cmocka_unit_test(profile_problems_name_file_section_key),
		cmocka_unit_test(fpset_finds_duplicates),
		cmocka_unit_test(million_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
