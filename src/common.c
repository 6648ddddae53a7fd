/* Small helpers shared by every module. */
#include "common.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "kargo-agent: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	va_start(ap, fmt);
	int n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(strlen(fmt));
	return p;
}

int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void format_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

/* A whole number S followed by one suffix of SUFFIXES (a string of
 * letters), each worth the MULTS entry at its index; 0 and *OUT = n * mult,
 * or -1 (no number, another suffix, overflow). */
static int parse_suffixed(const char *s, const char *suffixes, const long long *mults,
			  int64_t *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno || end == s || n < 0 || *s == '-' || *s == '+' || !*end || end[1] != '\0')
		return -1;
	const char *k = strchr(suffixes, *end);
	if (!k)
		return -1;
	long long mult = mults[k - suffixes];
	if (n > INT64_MAX / mult)
		return -1;
	*out = n * mult;
	return 0;
}

int parse_duration(const char *s, int64_t *out)
{
	static const long long mults[] = { 1, 60, 3600, 86400, 7 * 86400 };
	return parse_suffixed(s, "smhdw", mults, out);
}

int parse_bytes(const char *s, int64_t *out)
{
	static const long long mults[] = { 1, 1LL << 10, 1LL << 20, 1LL << 30, 1LL << 40 };
	return parse_suffixed(s, "BKMGT", mults, out);
}

/* "30s", "15m", "2h", "7d" (optionally with a leading '-') as seconds back. */
static int parse_relative(const char *s, int64_t now, int64_t *out)
{
	int64_t secs;
	if (*s == '-')
		s++;
	if (parse_duration(s, &secs) != 0)
		return -1;
	*out = now - secs;
	return 0;
}

/* The one bounded-number parser: config values, options and arguments. */
int parse_int_range(const char *s, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno || end == s || *end || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

int parse_time_arg(const char *s, int64_t now, int64_t *out)
{
	static const char *const forms[] = {
		"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
		"%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d",
	};
	if (parse_relative(s, now, out) == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		const char *end = strptime(s, forms[i], &tm);
		if (end && *end == '\0') {
			*out = (int64_t)timegm(&tm);
			return 0;
		}
	}
	return -1;
}

int name_matches(const char *pattern, const char *name)
{
	return fnmatch(pattern, name, FNM_PERIOD) == 0;
}

/* The end of the bracket expression opened at P ('['): the ']' that closes
 * it, read as fnmatch reads it ("[!]a]", "[]a]", "[[:digit:]]", "[\]]"),
 * or NULL when none does. */
static const char *bracket_end(const char *p)
{
	p++;
	if (*p == '!' || *p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p && *p != ']'; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char close[3] = { p[1], ']', '\0' };
			const char *e = strstr(p + 2, close);
			if (!e)
				return NULL;
			p = e + 1;
		}
	}
	return *p ? p : NULL;
}

const char *pattern_problem(const char *pattern)
{
	if (!*pattern)
		return "is empty and would match no name";
	if (*pattern == '.')
		return "starts with '.', and names starting with a dot are never taken";
	for (const char *p = pattern; *p; p++) {
		if (*p == '/')
			return "contains '/': a pattern matches file names, not paths";
		if (*p == '\\') {  /* the next character is literal */
			if (!*++p)
				return "ends with a lone '\\'";
		} else if (*p == '[' && !(p = bracket_end(p))) {
			return "has a '[' without its closing ']' (write [[] for a literal '[')";
		}
	}
	return NULL;
}

char *path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	while (*name == '/')
		name++;
	if (dl == 0)
		return xstrdup(name);
	if (dl == 1 && dir[0] == '/')
		return xasprintf("/%s", name);
	return xasprintf("%.*s/%s", (int)dl, dir, name);
}

const char *path_base(const char *s)
{
	const char *slash = strrchr(s, '/');
	return slash ? slash + 1 : s;
}

const char *errno_text(int e, const char *path, char *buf, size_t len)
{
	if (e == EXDEV) {
		snprintf(buf, len, "%s; a rename cannot cross file systems or mount points (under "
			 "systemd each ReadWritePaths= entry is a mount of its own: list one directory "
			 "that holds both)", strerror(e));
		return buf;
	}
	if (e != EROFS) {
		snprintf(buf, len, "%s", strerror(e));
		return buf;
	}
	const char *slash = strrchr(path, '/');
	int dl = slash ? (slash == path ? 1 : (int)(slash - path)) : 1;
	snprintf(buf, len, "%s; under systemd (ProtectSystem=strict) add ReadWritePaths=%.*s "
		 "to a drop-in (systemctl edit kargo-agent) and restart", strerror(e), dl,
		 slash ? path : ".");
	return buf;
}

const char *plural(long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

uint64_t random_u64(void)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint64_t)now_ms() * 6364136223846793005ULL;
	return v;
}

int mkdirs_walk(const char *path, int (*mkdir_one)(void *ctx, const char *prefix), void *ctx)
{
	if (!*path)
		return 0;
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		rc = mkdir_one(ctx, p);
		*s = saved;
		if (rc || saved == '\0')
			break;
	}
	free(p);
	return rc;
}

/* One level for mkdir_parents: errors are left to the caller's own open. */
static int mkdir_quiet(void *ctx, const char *prefix)
{
	(void)ctx;
	mkdir(prefix, 0755);
	return 0;
}

void mkdir_parents(const char *path)
{
	const char *base = path_base(path);
	if (base - path < 2)
		return;   /* "x" or "/x": no parent to create */
	char *dir = xstrndup(path, (size_t)(base - path - 1));
	mkdirs_walk(dir, mkdir_quiet, NULL);
	free(dir);
}

/* The loop behind read_full and its kin: the whole of LEN bytes, at the
 * file position or (OFFSET not NULL) from *OFFSET on. A write that makes
 * no progress is an error (EIO) rather than a loop without end. */
static ssize_t io_full(int fd, void *buf, size_t len, const int64_t *offset, int writing)
{
	size_t done = 0;
	while (done < len) {
		char *p = (char *)buf + done;
		size_t left = len - done;
		ssize_t n;
		if (writing)
			n = offset ? pwrite(fd, p, left, (off_t)(*offset + (int64_t)done))
				   : write(fd, p, left);
		else
			n = offset ? pread(fd, p, left, (off_t)(*offset + (int64_t)done))
				   : read(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0 && writing) {
			errno = EIO;
			return -1;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t read_full(int fd, void *buf, size_t len)
{
	return io_full(fd, buf, len, NULL, 0);
}

ssize_t pread_full(int fd, void *buf, size_t len, int64_t offset)
{
	return io_full(fd, buf, len, &offset, 0);
}

ssize_t write_full(int fd, const void *buf, size_t len)
{
	return io_full(fd, (void *)buf, len, NULL, 1);
}

ssize_t pwrite_full(int fd, const void *buf, size_t len, int64_t offset)
{
	return io_full(fd, (void *)buf, len, &offset, 1);
}

/* Bytes of S to keep so that at most MAX remain, not cutting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

char *name_numbered(const char *name, int k)
{
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name || strlen(dot) > 16)
		dot = name + strlen(name);
	char num[16];
	int nl = snprintf(num, sizeof(num), "-%d", k);
	size_t elen = strlen(dot), room = NAME_BYTES - elen - (size_t)nl;
	size_t stem = utf8_cut(name, (size_t)(dot - name), room);
	return xasprintf("%.*s%s%s", (int)stem, name, num, dot);
}

char *name_fit(const char *prefix, const char *name, const char *suffix)
{
	size_t pl = strlen(prefix), nl = strlen(name), sl = strlen(suffix);
	if (pl + nl + sl <= NAME_BYTES)
		return xasprintf("%s%s%s", prefix, name, suffix);
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	size_t room = pl + sl + 9 < NAME_BYTES ? NAME_BYTES - pl - sl - 9 : 0;
	size_t keep = utf8_cut(name, nl, room);
	return xasprintf("%s%.*s~%08x%s", prefix, (int)keep, name, (unsigned)h, suffix);
}

int str_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return b && a >= b && strcmp(s + a - b, suffix) == 0;
}

char *str_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
	unsigned char c = s[0];
	size_t n = (size_t)(end - s);
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F))
			return 0;   /* overlong, surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
			return 0;   /* overlong, above U+10FFFF */
		return 4;
	}
	return 0;
}

int utf8_valid(const unsigned char *s, size_t len)
{
	const unsigned char *end = s + len;
	while (s < end) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		size_t n = utf8_seq(s, end);
		if (!n)
			return 0;
		s += n;
	}
	return 1;
}
