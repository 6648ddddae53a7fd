/* Unit tests of the progress line: human sizes, ETA, the line's layout and
 * width, and who owns the line (on a pseudo-terminal). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

static void human_is(int64_t bytes, const char *want)
{
	char buf[32];
	progress_human(bytes, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_human_sizes(void **state)
{
	human_is(0, "0 B");
	human_is(1023, "1023 B");
	human_is(1024, "1.0 KiB");
	human_is(1536, "1.5 KiB");
	human_is(1048575, "1.0 MiB");   /* not "1024.0 KiB" */
	human_is(1048576, "1.0 MiB");
	human_is(5000000, "4.8 MiB");
	human_is(3LL << 30, "3.0 GiB");
	human_is(5LL << 40, "5.0 TiB");
}

static void eta_is(int64_t s, const char *want)
{
	char buf[32];
	progress_eta(s, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_eta(void **state)
{
	eta_is(-1, "--:--");
	eta_is(0, "0:00");
	eta_is(7, "0:07");
	eta_is(754, "12:34");
	eta_is(3723, "1:02:03");
	eta_is(100 * 3600, "100:00:00");
}

static void test_line_layout(void **state)
{
	char buf[512];
	/* 1 MiB of 4 MiB in one second: 1 MiB/s, three seconds left. */
	progress_format(buf, sizeof(buf), 80, "stage", "big.csv", 1 << 20, 4 << 20, 1000);
	assert_string_equal(buf, "stage big.csv  1.0 MiB / 4.0 MiB   25%  1.0 MiB/s  ETA 0:03");
	/* Nothing timed yet: no rate, no ETA. */
	progress_format(buf, sizeof(buf), 80, "put", "x", 0, 2 << 20, 0);
	assert_string_equal(buf, "put x  0 B / 2.0 MiB    0%  --/s  ETA --:--");
	/* A file that grew while being read: 100 %, nothing left. */
	progress_format(buf, sizeof(buf), 80, "stage", "x", 3 << 20, 2 << 20, 1000);
	assert_non_null(strstr(buf, " 100%  3.0 MiB/s  ETA 0:00"));
}

static void test_long_name_fits_width(void **state)
{
	char buf[512];
	const char *name = "a-very-long-file-name-from-the-warehouse-system-20261123.csv";
	progress_format(buf, sizeof(buf), 80, "deliver", name, 1 << 20, 10 << 20, 500);
	assert_int_equal(strlen(buf), 79);  /* the name takes what the figures leave */
	assert_non_null(strstr(buf, "deliver ..."));
	assert_non_null(strstr(buf, "20261123.csv  1.0 MiB / 10.0 MiB"));
	/* Too narrow for any of the name: the verb and the figures, cut. */
	progress_format(buf, sizeof(buf), 20, "deliver", name, 1 << 20, 10 << 20, 500);
	assert_true(strlen(buf) <= 19);
	assert_null(strstr(buf, "a-very"));
	/* Never cut inside a UTF-8 character; control bytes shown as '?'. */
	progress_format(buf, sizeof(buf), 58, "v", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9.csv",
			1, 2 << 20, 1000);
	const char *p = strstr(buf, "...");
	assert_non_null(p);
	assert_int_not_equal((unsigned char)p[3] & 0xC0, 0x80);
	progress_format(buf, sizeof(buf), 80, "v", "a\tb\x1b.csv", 1, 2, 1);
	assert_non_null(strstr(buf, "v a?b?.csv  "));
}

static void test_no_terminal_no_line(void **state)
{
	struct progress p;
	FILE *f = tmpfile();
	assert_non_null(f);
	assert_null(progress_init(&p, f, 0));
	/* NULL is "no progress": every call is a no-op. */
	assert_null(progress_begin(NULL, "stage", "x", 1 << 30));
	progress_add(NULL, 10);
	progress_clear(NULL);
	progress_end(NULL);
	progress_release(NULL);
	fclose(f);
}

/* Read what the program wrote to the terminal so far. */
static size_t drain(int master, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	while (n + 1 < len && (r = read(master, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return n;
}

static void test_terminal_owner_and_threshold(void **state)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	FILE *tty = NULL;
	if (master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0 && ptsname(master))
		tty = fopen(ptsname(master), "w");
	if (!tty) {
		if (master >= 0)
			close(master);
		skip();  /* no pseudo-terminals here (a container without /dev/pts) */
	}
	fcntl(master, F_SETFL, O_NONBLOCK);
	struct progress line, *p = progress_init(&line, tty, 1000);
	assert_ptr_equal(p, &line);
	assert_null(progress_begin(p, "stage", "small.csv", 999));  /* under the threshold */
	struct progress *a = progress_begin(p, "stage", "/in/first.csv", 4000);
	assert_ptr_equal(a, p);
	assert_null(progress_begin(p, "stage", "second.csv", 4000));  /* the line is taken */
	char out[4096];
	progress_add(a, 1000);  /* the first block draws at once */
	usleep(50 * 1000);
	drain(master, out, sizeof(out));
	assert_non_null(strstr(out, "\rstage first.csv  1000 B / 3.9 KiB   25%"));
	progress_add(a, 1000);  /* within the interval: not drawn */
	usleep(50 * 1000);
	assert_int_equal(drain(master, out, sizeof(out)), 0);
	progress_end(a);        /* erased: blanks, back to the start */
	usleep(50 * 1000);
	drain(master, out, sizeof(out));
	assert_true(out[0] == '\r' && out[1] == ' ' && out[strlen(out) - 1] == '\r');
	assert_ptr_equal(progress_begin(p, "stage", "second.csv", 4000), p);  /* free again */
	progress_end(p);
	progress_release(p);
	fclose(tty);
	close(master);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_human_sizes),
		cmocka_unit_test(test_eta),
		cmocka_unit_test(test_line_layout),
		cmocka_unit_test(test_long_name_fits_width),
		cmocka_unit_test(test_no_terminal_no_line),
		cmocka_unit_test(test_terminal_owner_and_threshold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
