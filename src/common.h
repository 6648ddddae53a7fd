/* Shared conventions: error codes, exit codes, small helpers. */
#ifndef KA_COMMON_H
#define KA_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sysexits.h>

/* Functions return 0 on success or one of these negative codes, and fill a
 * caller-supplied buffer of ERRLEN bytes with a sentence a user can act on. */
#define ERRLEN 512

enum ka_err {
	KA_OK = 0,
	KA_ERR = -1,        /* generic failure (I/O, library error) */
	KA_TRANSIENT = -2,  /* worth retrying later: network, server down, timeout */
	KA_PERMANENT = -3,  /* retrying will not help: auth refused, bad host key */
	KA_NOENT = -4,      /* no such file or directory */
	KA_EXISTS = -5,     /* target already exists */
	KA_NOSPACE = -6,    /* disk full: transient, but worth naming */
	KA_INVALID = -7,    /* invalid input data */
	KA_STOPPED = -8,    /* not tried: the agent is stopping (no attempt counted) */
	KA_CORRUPT = -9,    /* a spool copy does not match its recorded sha256 */
	KA_EXPIRED = -10,   /* a spool copy was removed by retention */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that cannot fail (aborts with a message on out-of-memory). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Formatted allocation; never NULL. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Current wall-clock time in seconds and milliseconds. */
int64_t now_s(void);
int64_t now_ms(void);

/* Format a UNIX time as RFC 3339 UTC ("2026-11-23T10:00:00Z"). */
void format_time(int64_t t, char *buf, size_t len);
/* Parse RFC 3339 / "YYYY-MM-DD[ HH:MM[:SS]]" (UTC) or a relative "-2h", "30m", "7d".
 * Returns 0 and sets *out, or -1. */
int parse_time_arg(const char *s, int64_t now, int64_t *out);
/* S as a whole decimal number within [MIN, MAX]: returns 0 and sets *OUT, or
 * -1 (S empty, anything after the digits, or out of range; *OUT untouched). */
int parse_int_range(const char *s, long long min, long long max, long long *out);
/* "90s", "15m", "2h", "30d", "2w" as seconds; 0 or -1 (no such duration). */
int parse_duration(const char *s, int64_t *out);
/* "512B", "64K", "500M", "20G", "1T" (powers of 1024) as bytes; 0 or -1. */
int parse_bytes(const char *s, int64_t *out);

/* Glob match (fnmatch with FNM_PERIOD semantics left to the caller). */
int name_matches(const char *pattern, const char *name);
/* Why PATTERN cannot select file names (empty, a '/', starts with '.', a
 * '[' without its ']', a lone '\\' at the end), or NULL when it can. */
const char *pattern_problem(const char *pattern);

/* Join a directory and a name with exactly one slash; caller frees. */
char *path_join(const char *dir, const char *name);
/* Last component of a path (pointer into s). */
const char *path_base(const char *s);

/* Create the missing parent directories of PATH (not PATH itself), best
 * effort: the caller's own open or mkdir reports what went wrong. */
void mkdir_parents(const char *path);

/* The mkdir -p walk: MKDIR_ONE(CTX, PREFIX) for each prefix of PATH that
 * ends before a '/' (from the second byte on, so not "" for "/a"), then for
 * PATH itself, in that order. MKDIR_ONE creates one level (or finds it
 * there) and returns 0, or non-zero to stop the walk: that value is
 * returned. An empty PATH calls nothing and returns 0. */
int mkdirs_walk(const char *path, int (*mkdir_one)(void *ctx, const char *prefix), void *ctx);

/* read(2) until LEN bytes or end of file, retrying EINTR and short reads.
 * Returns the bytes read (less than LEN only at end of file), or -1 with
 * errno set when a read failed (bytes read before it are then lost). */
ssize_t read_full(int fd, void *buf, size_t len);
/* The same with pread(2) from OFFSET on (the file position is not used). */
ssize_t pread_full(int fd, void *buf, size_t len, int64_t offset);
/* write(2) all LEN bytes, retrying EINTR and short writes. Returns LEN, or
 * -1 with errno set (ENOSPC, EDQUOT, EIO...) when a write failed: the bytes
 * before it may be written. */
ssize_t write_full(int fd, const void *buf, size_t len);
/* The same with pwrite(2) from OFFSET on. */
ssize_t pwrite_full(int fd, const void *buf, size_t len, int64_t offset);

/* The longest file name the agent writes (NAME_MAX on Linux file systems). */
#define NAME_BYTES 255

/* Does S end with SUFFIX (a non-empty one)? */
int str_ends_with(const char *s, const char *suffix);
/* S without leading and trailing spaces and tabs (cut in place). */
char *str_trim(char *s);

/* NAME with counter K before the extension: a.csv → a-2.csv; the stem is cut
 * to keep the result within NAME_BYTES. Caller frees. */
char *name_numbered(const char *name, int k);

/* PREFIX NAME SUFFIX as one file name of at most NAME_BYTES: when that is
 * too long, NAME is cut (never inside a UTF-8 sequence) and "~" and 8 hex
 * digits of a hash of the whole NAME take the place of the rest, so the
 * result is the same every time and long names that differ stay apart.
 * PREFIX and SUFFIX together must leave room (config limits them to 64
 * bytes). Caller frees. */
char *name_fit(const char *prefix, const char *name, const char *suffix);

/* strerror(E) for a message about writing PATH, into BUF (ERRLEN bytes is
 * plenty); returns BUF. On EROFS it also says what to add when the agent
 * runs under its systemd unit, whose ProtectSystem=strict leaves every
 * directory but the state and spool directories read-only:
 * ReadWritePaths=DIR (PATH's directory) in a drop-in; on EXDEV, that a
 * rename cannot cross mount points, as each ReadWritePaths= entry is one. */
const char *errno_text(int e, const char *path, char *buf, size_t len);

/* ONE when N is 1, else MANY: "%lld %s", n, plural(n, "row", "rows"). */
const char *plural(long long n, const char *one, const char *many);

/* Length of the multi-byte UTF-8 sequence at S (up to END, S < END), or 0
 * if S starts none (an ASCII byte, a stray or cut sequence, an overlong, a
 * surrogate, anything above U+10FFFF). */
size_t utf8_seq(const unsigned char *s, const unsigned char *end);
/* 1 if [s, s+len) is valid UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const unsigned char *s, size_t len);

/* Write a random 64-bit value (getrandom). */
uint64_t random_u64(void);

#endif
