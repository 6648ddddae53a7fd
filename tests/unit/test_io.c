/* Unit tests of the I/O helpers in common.c: read_full, write_full and
 * their positioned kin under signals and short transfers, and the mkdir -p
 * walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define CHUNK 1000
#define NCHUNKS 64

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* SIGALRM every millisecond, without SA_RESTART: a blocked read or write
 * returns EINTR (or a short count) while it runs. */
static void ticking_start(struct sigaction *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, old), 0);
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	alarms = 0;
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void ticking_stop(const struct sigaction *old)
{
	struct itimerval off;
	memset(&off, 0, sizeof(off));
	assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
	assert_int_equal(sigaction(SIGALRM, old, NULL), 0);
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

/* A child that writes NCHUNKS chunks of CHUNK bytes into FD, pausing
 * between them, then exits. */
static pid_t slow_writer(int fd)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	signal(SIGALRM, SIG_IGN);
	unsigned char buf[CHUNK];
	for (size_t c = 0; c < NCHUNKS; c++) {
		for (size_t i = 0; i < CHUNK; i++)
			buf[i] = pattern(c * CHUNK + i);
		if (write(fd, buf, CHUNK) != CHUNK)
			_exit(1);
		usleep(3000);
	}
	_exit(0);
}

static void read_full_through_signals_and_short_reads(void **state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = slow_writer(p[1]);
	close(p[1]);
	struct sigaction old;
	ticking_start(&old);
	size_t len = NCHUNKS * CHUNK;
	unsigned char *buf = xmalloc(len);
	ssize_t n = read_full(p[0], buf, len);
	ticking_stop(&old);
	assert_int_equal(n, (ssize_t)len);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(buf[i], pattern(i));
	assert_true(alarms > 0);
	/* At end of file: what is left (nothing), then 0 again. */
	assert_int_equal(read_full(p[0], buf, 10), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);
	free(buf);
}

static void read_full_stops_at_end_of_file(void **state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "hello", 5), 5);
	close(p[1]);
	char buf[100];
	assert_int_equal(read_full(p[0], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(read_full(p[0], buf, sizeof(buf)), 0);
	close(p[0]);
	errno = 0;
	assert_int_equal(read_full(p[0], buf, sizeof(buf)), -1);
	assert_int_equal(errno, EBADF);
}

/* A child that reads the pipe P slowly to its end and exits 0 when it saw
 * exactly LEN bytes of the pattern. */
static pid_t slow_reader(const int p[2], size_t len)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	signal(SIGALRM, SIG_IGN);
	close(p[1]);
	int fd = p[0];
	unsigned char buf[4096];
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			_exit(2);
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern(got + (size_t)i))
				_exit(3);
		got += (size_t)n;
		usleep(500);
	}
	_exit(got == len ? 0 : 4);
}

static void write_full_through_signals_and_short_writes(void **state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	/* Much more than a pipe holds: the writes block, and the signals cut
	 * them short or interrupt them. */
	size_t len = 2 * 1024 * 1024;
	unsigned char *buf = xmalloc(len);
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(i);
	pid_t pid = slow_reader(p, len);
	close(p[0]);
	struct sigaction old;
	ticking_start(&old);
	ssize_t n = write_full(p[1], buf, len);
	ticking_stop(&old);
	assert_int_equal(n, (ssize_t)len);
	assert_true(alarms > 0);
	close(p[1]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(buf);
}

static void write_full_reports_the_error(void **state)
{
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	errno = 0;
	assert_int_equal(write_full(fd, "data", 4), -1);
	assert_int_equal(errno, ENOSPC);
	close(fd);
	/* A pipe nobody reads any more. */
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	void (*prev)(int) = signal(SIGPIPE, SIG_IGN);
	errno = 0;
	assert_int_equal(write_full(p[1], "data", 4), -1);
	assert_int_equal(errno, EPIPE);
	signal(SIGPIPE, prev);
	close(p[1]);
	/* Nothing to write is done at once. */
	assert_int_equal(write_full(-1, "", 0), 0);
}

static void positioned_full_leave_the_file_position(void **state)
{
	char tmpl[] = "/tmp/kargo-unit-io.XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	unlink(tmpl);
	assert_int_equal(write_full(fd, "0123456789", 10), 10);
	assert_int_equal(pwrite_full(fd, "abc", 3, 20), 3);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 10);
	char buf[32];
	assert_int_equal(pread_full(fd, buf, sizeof(buf), 8), 15);
	assert_memory_equal(buf, "89\0\0\0\0\0\0\0\0\0\0abc", 15);
	assert_int_equal(pread_full(fd, buf, sizeof(buf), 23), 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 10);
	close(fd);
	errno = 0;
	assert_int_equal(pread_full(fd, buf, 1, 0), -1);
	assert_int_equal(errno, EBADF);
}

/* mkdirs_walk's callback for the tests: records each prefix, "|" between,
 * and stops with -3 at the prefix "stop". */
static int record_prefix(void *ctx, const char *prefix)
{
	char *seen = ctx;
	size_t l = strlen(seen);
	snprintf(seen + l, 256 - l, "%s%s", l ? "|" : "", prefix);
	return strcmp(prefix, "stop") == 0 ? -3 : 0;
}

static void mkdirs_walk_calls_each_level(void **state)
{
	static const struct {
		const char *path, *calls;
		int rc;
	} cases[] = {
		{ "a", "a", 0 },
		{ "a/b/c", "a|a/b|a/b/c", 0 },
		{ "/srv/in/x", "/srv|/srv/in|/srv/in/x", 0 },
		{ "a//b", "a|a/|a//b", 0 },
		{ "a/b/", "a|a/b|a/b/", 0 },
		{ "/", "/", 0 },
		{ "", "", 0 },
		{ "stop/here/x", "stop", -3 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char seen[256] = "";
		assert_int_equal(mkdirs_walk(cases[i].path, record_prefix, seen), cases[i].rc);
		assert_string_equal(seen, cases[i].calls);
	}
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void mkdir_parents_creates_only_the_parents(void **state)
{
	char tmpl[] = "/tmp/kargo-unit-io.XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	char *leaf = xasprintf("%s/one/two/leaf.db", d);
	mkdir_parents(leaf);
	char *two = xasprintf("%s/one/two", d);
	assert_true(is_dir(two));
	assert_false(is_dir(leaf));
	assert_int_equal(access(leaf, F_OK), -1);
	/* Again: everything is there, nothing changes, nothing fails. */
	mkdir_parents(leaf);
	assert_true(is_dir(two));
	char *cmd = xasprintf("rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(two);
	free(leaf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_full_through_signals_and_short_reads),
		cmocka_unit_test(read_full_stops_at_end_of_file),
		cmocka_unit_test(write_full_through_signals_and_short_writes),
		cmocka_unit_test(write_full_reports_the_error),
		cmocka_unit_test(positioned_full_leave_the_file_position),
		cmocka_unit_test(mkdirs_walk_calls_each_level),
		cmocka_unit_test(mkdir_parents_creates_only_the_parents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
