/* Unit tests of mime_extract over the fixture messages in tests/email/data:
 * each NAME.eml is extracted and compared with NAME.expect (payload names,
 * content types, part paths and sha256 of the bytes, or the expected error). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "formats/mime.h"
#include "email_test.h"

static char *data_path(const char *name, const char *ext)
{
	const char *src = getenv("KA_SRCDIR");
	return xasprintf("%s/tests/email/data/%s%s", src ? src : ".", name, ext);
}

/* Extract fixture NAME with LIM and check it against NAME.expect. */
static void check_fixture(const char *name, const struct mime_limits *lim)
{
	char *emlp = data_path(name, ".eml"), *expp = data_path(name, ".expect");
	size_t len;
	char *msg = test_read_file(emlp, &len);
	assert_non_null(msg);
	FILE *exp = fopen(expp, "r");
	assert_non_null(exp);
	struct mime_payloads out = { 0 };
	char err[ERRLEN] = "";
	int rc = mime_extract(msg, len, lim, &out, err);
	char line[1024];
	size_t i = 0;
	while (fgets(line, sizeof(line), exp)) {
		line[strcspn(line, "\n")] = '\0';
		char *f[5] = { 0 };
		char *save = NULL, *p = line;
		for (int k = 0; k < 5 && (f[k] = strtok_r(p, "\t", &save)); k++)
			p = NULL;
		if (strcmp(f[0], "error") == 0) {
			if (rc != KA_INVALID || !strstr(err, f[1]))
				fail_msg("%s: expected error containing '%s', got rc=%d err='%s'", name,
					 f[1], rc, err);
			assert_int_equal(out.n, 0);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: unexpected error: %s", name, err);
		if (i >= out.n)
			fail_msg("%s: payload %zu (%s) missing", name, i + 1, f[1]);
		char hex[65];
		test_sha256_hex(out.v[i].data, out.v[i].len, hex);
		assert_string_equal(out.v[i].name, f[1]);
		assert_string_equal(out.v[i].content_type, f[2]);
		assert_string_equal(out.v[i].part_path, f[3]);
		assert_string_equal(hex, f[4]);
		i++;
	}
	if (rc == 0)
		assert_int_equal(out.n, i);
	fclose(exp);
	mime_payloads_release(&out);
	free(msg);
	free(emlp);
	free(expp);
}

static void run_fixture(void **state)
{
	struct mime_limits lim = { .max_bytes = 1 << 20, .max_depth = 4 };
	check_fixture(*state, &lim);
}

static void over_size_limit_is_refused(void **state)
{
	char *p = data_path("base64_attachment", ".eml");
	size_t len;
	char *msg = test_read_file(p, &len);
	struct mime_limits lim = { .max_bytes = 100 };
	struct mime_payloads out = { 0 };
	char err[ERRLEN];
	assert_int_equal(mime_extract(msg, len, &lim, &out, err), KA_INVALID);
	assert_non_null(strstr(err, "over the limit of 100 bytes"));
	assert_int_equal(out.n, 0);
	free(msg);
	free(p);
}

static void safe_name_policy(void **state)
{
	static const struct { const char *raw, *safe; } cases[] = {
		{ "../../etc/passwd.csv", "passwd.csv" },
		{ "a\\b\\c.csv", "c.csv" },
		{ "..  .x", "x" },
		{ "tab\there.csv", "tab_here.csv" },
		{ "del\x7f.csv", "del_.csv" },
		{ "dir/", NULL },
		{ "...", NULL },
		{ "plain name.csv", "plain name.csv" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = mime_safe_name(cases[i].raw);
		if (!cases[i].safe)
			assert_null(s);
		else
			assert_string_equal(s, cases[i].safe);
		free(s);
	}
	char longname[400];
	memset(longname, 'x', 300);
	strcpy(longname + 300, ".csv");
	char *s = mime_safe_name(longname);
	assert_int_equal(strlen(s), 200);
	assert_string_equal(s + 196, ".csv");
	free(s);
}

static void save_never_leaves_directory(void **state)
{
	char tmpl[] = "/tmp/ka-mime-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	int dfd = open(tmpl, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	unsigned char data[] = "a,b\n";
	struct mime_payload ok = { "x.csv", "text/csv", "2", data, 4 };
	struct mime_payload bad = { "../x.csv", "text/csv", "2", data, 4 };
	char err[ERRLEN];
	assert_int_equal(mime_payload_save(dfd, &ok, err), 0);
	assert_int_equal(mime_payload_save(dfd, &ok, err), KA_EXISTS);
	assert_int_equal(mime_payload_save(dfd, &bad, err), KA_INVALID);
	assert_int_equal(unlinkat(dfd, "x.csv", 0), 0);
	close(dfd);
	assert_int_equal(rmdir(tmpl), 0);
}

#define FIXTURE(n) { #n, run_fixture, NULL, NULL, #n }

int main(void)
{
	alarm(60);  /* a parser that loops fails the test instead of hanging it */
	mime_init();
	const struct CMUnitTest tests[] = {
		FIXTURE(base64_attachment),
		FIXTURE(quoted_printable),
		FIXTURE(rfc2231_continuations),
		FIXTURE(rfc2047_names),
		FIXTURE(forwarded_rfc822),
		FIXTURE(inline_unnamed),
		FIXTURE(single_part_csv),
		FIXTURE(path_traversal),
		FIXTURE(control_chars),
		FIXTURE(duplicate_names),
		FIXTURE(malformed_boundary),
		FIXTURE(missing_boundary),
		FIXTURE(truncated),
		FIXTURE(nesting_too_deep),
		FIXTURE(no_attachment),
		FIXTURE(hostile_params_no_boundary),
		cmocka_unit_test(over_size_limit_is_refused),
		cmocka_unit_test(safe_name_policy),
		cmocka_unit_test(save_never_leaves_directory),
	};
	int rc = cmocka_run_group_tests_name("mime", tests, NULL, NULL);
	mime_shutdown();
	return rc;
}
