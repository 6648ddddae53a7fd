/* Unit tests of the hostile-input limits that need no server: file names
 * fitted to 255 bytes, log values that cannot break a line, attachment names
 * that try to leave the directory or hide a NUL, and MIME nested 1,000 and
 * 100,000 levels deep or flooding GMime with boundaries (a clear error, in
 * bounded time, no crash). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "log.h"
#include "formats/mime.h"

/* LEN copies of C, then SUFFIX. Caller frees. */
static char *repeat(char c, size_t len, const char *suffix)
{
	char *s = xmalloc(len + strlen(suffix) + 1);
	memset(s, c, len);
	strcpy(s + len, suffix);
	return s;
}

static void name_fit_keeps_short_names(void **state)
{
	(void)state;
	char *s = name_fit(".", "x.csv", ".part");
	assert_string_equal(s, ".x.csv.part");
	free(s);
}

static void name_fit_cuts_long_names_to_255_bytes(void **state)
{
	(void)state;
	char *a = repeat('a', 251, ".csv"), *b = repeat('a', 251, ".csx");
	char *ta = name_fit(".", a, ".part"), *tb = name_fit(".", b, ".part"),
	     *ta2 = name_fit(".", a, ".part");
	assert_int_equal(strlen(ta), NAME_BYTES);
	assert_int_equal(strncmp(ta, ".aaaa", 5), 0);
	assert_string_equal(ta + strlen(ta) - 5, ".part");
	assert_string_equal(ta, ta2);              /* the same every time (crash recovery) */
	assert_string_not_equal(ta, tb);          /* names that differ stay apart */
	assert_non_null(strchr(ta, '~'));
	free(a); free(b); free(ta); free(tb); free(ta2);
}

static void name_fit_never_splits_utf8(void **state)
{
	(void)state;
	char name[400] = "";
	for (int i = 0; i < 130; i++)
		strcat(name, "\xc3\xa9");           /* é: 260 bytes */
	char *t = name_fit("", name, ".errors.txt");
	assert_true(strlen(t) <= NAME_BYTES);
	const char *tilde = strchr(t, '~');
	assert_non_null(tilde);
	assert_int_equal((tilde - t) % 2, 0);      /* whole two-byte sequences only */
	free(t);
}

static void name_numbered_stays_within_255_bytes(void **state)
{
	(void)state;
	char *a = repeat('n', 251, ".csv");
	char *s = name_numbered(a, 1000);
	assert_int_equal(strlen(s), NAME_BYTES);
	assert_string_equal(s + strlen(s) - 9, "-1000.csv");
	free(a);
	free(s);
}

static void log_quote_cannot_break_a_line(void **state)
{
	(void)state;
	char q[64];
	assert_string_equal(log_quote("a\nb\rc\x85\xc2\x85.csv", q, sizeof(q)),
			    "\"a\\nb\\x0dc\x85\\xc2\\x85.csv\"");
	char *longv = repeat('L', 4000, ".csv");
	log_quote(longv, q, sizeof(q));
	assert_true(strlen(q) < sizeof(q));
	assert_string_equal(q + strlen(q) - 4, "...\"");
	free(longv);
}

/* A message with one attachment per Content-Disposition parameter text. */
static char *message_with_names(const char *const *params, size_t n)
{
	char *m = xstrdup("From: a@example.com\r\nTo: b@example.com\r\nSubject: names\r\n"
			  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s--b\r\nContent-Type: text/csv\r\nContent-Disposition: "
				       "attachment; %s\r\n\r\na,b\r\n", m, params[i]);
		free(m);
		m = next;
	}
	char *done = xasprintf("%s--b--\r\n", m);
	free(m);
	return done;
}

static void attachment_names_stay_in_the_directory(void **state)
{
	(void)state;
	char *n4000 = repeat('L', 3996, ".csv");
	char *p4000 = xasprintf("filename=\"%s\"", n4000);
	const char *params[] = {
		"filename*=UTF-8''report.csv%00.exe",                 /* NUL hides .exe */
		"filename*=UTF-8''..%2F..%2Fetc%2Fcron.d%2Fx.csv",     /* %2F is '/' */
		"filename*=UTF-8''a%0Ab.csv",                          /* a line break */
		"filename=\"=?UTF-8?B?Li4vbmwKbmFtZQB6LmNzdg==?=\"",   /* ../nl\nname\0z.csv */
		"filename=\"=?UTF-8?Q?a=0D=0Ab=2Fc.csv?=\"",
		"filename*=UTF-8''%2F",
		p4000,
	};
	static const char *const want[] = {
		"attachment-1.csv", "x.csv", "a_b.csv", "nl_name?z.csv", "c.csv", "attachment-2.csv",
	};
	char *msg = message_with_names(params, ARRAY_SIZE(params));
	struct mime_payloads out = { 0 };
	char err[ERRLEN] = "";
	assert_int_equal(mime_extract(msg, strlen(msg), NULL, &out, err), 0);
	assert_int_equal(out.n, ARRAY_SIZE(params));
	for (size_t i = 0; i < out.n; i++) {
		const char *name = out.v[i].name;
		if (i < ARRAY_SIZE(want))
			assert_string_equal(name, want[i]);
		assert_null(strchr(name, '/'));
		for (const unsigned char *p = (const unsigned char *)name; *p; p++)
			assert_true(*p >= 0x20 && *p != 0x7f);
		assert_true(strlen(name) <= 200);
		assert_non_null(out.v[i].sent_name);   /* every one was changed: say so */
	}
	assert_string_equal(out.v[0].sent_name, "report.csv%00...");
	assert_string_equal(out.v[1].sent_name, "../../etc/cron.d/x.csv");
	assert_string_equal(out.v[2].sent_name, "\"a\\nb.csv\"");
	assert_int_equal(strlen(out.v[6].name), 200);
	assert_string_equal(out.v[6].name + 196, ".csv");
	mime_payloads_release(&out);
	free(msg);
	free(p4000);
	free(n4000);
}

/* DEPTH multiparts inside each other (FORWARDED: message/rfc822 parts
 * instead), a CSV attachment at the bottom holding LINES lines "--zzzz"
 * (each of which GMime compares with every open boundary). */
static char *nested_message(int depth, int forwarded, size_t lines)
{
	size_t cap = (size_t)depth * 120 + lines * 8 + 512, o = 0;
	char *m = xmalloc(cap);
	o += (size_t)snprintf(m + o, cap - o, "From: a@example.com\r\nSubject: deep\r\n"
			      "MIME-Version: 1.0\r\n");
	for (int i = 0; i < depth; i++)
		o += (size_t)(forwarded
			? snprintf(m + o, cap - o, "Content-Type: message/rfc822\r\n\r\n"
				   "Subject: f\r\nMIME-Version: 1.0\r\n")
			: snprintf(m + o, cap - o, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n"
				   "\r\n--b%d\r\n", i, i));
	o += (size_t)snprintf(m + o, cap - o, "Content-Type: text/csv\r\nContent-Disposition: "
			      "attachment; filename=\"deep.csv\"\r\n\r\na,b\r\n");
	for (size_t i = 0; i < lines; i++)
		o += (size_t)snprintf(m + o, cap - o, "--zzzz\r\n");
	for (int i = depth - 1; !forwarded && i >= 0; i--)
		o += (size_t)snprintf(m + o, cap - o, "--b%d--\r\n", i);
	return m;
}

/* The message is refused with an error containing WANT, within SECS. */
static void check_refused(int depth, int forwarded, size_t lines, const char *want, double max)
{
	char *msg = nested_message(depth, forwarded, lines);
	struct mime_limits lim = { .max_bytes = 0, .max_depth = 32 };
	struct mime_payloads out = { 0 };
	char err[ERRLEN] = "";
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = mime_extract(msg, strlen(msg), &lim, &out, err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("depth %d%s, %zu lines, %zu bytes: %.3f s: %.120s\n", depth,
		      forwarded ? " (forwarded)" : "", lines, strlen(msg), secs, err);
	assert_int_equal(rc, KA_INVALID);
	assert_int_equal(out.n, 0);
	if (!strstr(err, want))
		fail_msg("depth %d: error '%s' does not say '%s'", depth, err, want);
	if (secs >= max)
		fail_msg("depth %d: %.1f s, over %.0f s", depth, secs, max);
	free(msg);
}

#define TOO_DEEP "nested deeper than the limit of 32 levels"
#define TOO_MANY "multipart boundaries, more than the limit of 128"

static void mime_nested_1000_deep_is_refused(void **state)
{
	(void)state;
	check_refused(1000, 0, 0, TOO_MANY, 2);
	check_refused(1000, 1, 0, TOO_DEEP, 2);
	check_refused(100, 0, 0, TOO_DEEP, 2);
}

static void mime_nested_100000_deep_is_refused(void **state)
{
	(void)state;
	check_refused(100000, 0, 0, TOO_MANY, 5);
	check_refused(100000, 1, 0, TOO_DEEP, 5);
}

/* 24 MB (under the default 25 MiB limit): 1,000 open boundaries used to make
 * GMime compare 2 million lines with each of them (50 s under ASan). */
static void mime_boundary_flood_is_refused_quickly(void **state)
{
	(void)state;
	check_refused(1000, 0, 3000000, TOO_MANY, 5);
}

static void mime_nested_within_the_limit_is_extracted(void **state)
{
	(void)state;
	char *msg = nested_message(30, 0, 10);
	struct mime_limits lim = { .max_bytes = 0, .max_depth = 32 };
	struct mime_payloads out = { 0 };
	char err[ERRLEN] = "";
	assert_int_equal(mime_extract(msg, strlen(msg), &lim, &out, err), 0);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0].name, "deep.csv");
	mime_payloads_release(&out);
	free(msg);
}

int main(void)
{
	mime_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_fit_keeps_short_names),
		cmocka_unit_test(name_fit_cuts_long_names_to_255_bytes),
		cmocka_unit_test(name_fit_never_splits_utf8),
		cmocka_unit_test(name_numbered_stays_within_255_bytes),
		cmocka_unit_test(log_quote_cannot_break_a_line),
		cmocka_unit_test(attachment_names_stay_in_the_directory),
		cmocka_unit_test(mime_nested_1000_deep_is_refused),
		cmocka_unit_test(mime_nested_100000_deep_is_refused),
		cmocka_unit_test(mime_boundary_flood_is_refused_quickly),
		cmocka_unit_test(mime_nested_within_the_limit_is_extracted),
	};
	int rc = cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
	mime_shutdown();
	return rc;
}
