/* logfmt lines on stderr. */
#include "log.h"

#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include "common.h"
#include "progress.h"

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_init(struct logger *lg, enum log_level level, FILE *out)
{
	lg->level = level;
	lg->out = out;
	lg->progress = NULL;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void log_event(const struct logger *lg, enum log_level level, const char *event,
	       const char *fmt, ...)
{
	if (!lg || level < lg->level)
		return;
	char ts[40], line[4096];
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03dZ", (int)(tv.tv_usec / 1000));
	int len = snprintf(line, sizeof(line), "ts=%s level=%s event=%s", ts,
			   level_names[level], event);
	if (fmt && *fmt && len > 0 && (size_t)len < sizeof(line) - 1) {
		line[len++] = ' ';
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(line + len, sizeof(line) - (size_t)len, fmt, ap);
		va_end(ap);
	}
	/* A progress line on the same terminal goes first, or the log line
	 * would start in the middle of it. */
	progress_clear(lg->progress);
	/* One write per line so concurrent writers do not interleave. */
	fprintf(lg->out, "%s\n", line);
	fflush(lg->out);
}

/* A C1 control character (U+0080..U+009F, UTF-8 C2 80..C2 9F) at P: some
 * terminals and log viewers act on them (U+0085 is a line break). */
static int is_c1(const char *p)
{
	return (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] >= 0x80 &&
	       (unsigned char)p[1] <= 0x9F;
}

const char *log_quote(const char *value, char *buf, size_t len)
{
	if (!value)
		value = "";
	int plain = *value != '\0' && strlen(value) < len;
	for (const char *p = value; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f || is_c1(p))
			plain = 0;
	}
	if (plain) {
		snprintf(buf, len, "%s", value);
		return buf;
	}
	size_t o = 0;
	if (len < 16) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	const char *p = value;
	for (; *p && o + 12 < len; p++) {
		unsigned char c = (unsigned char)*p;
		if (is_c1(p)) {
			o += (size_t)snprintf(buf + o, len - o, "\\xc2\\x%02x", (unsigned char)p[1]);
			p++;
		} else if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (c < ' ' || c == 0x7f) {
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	if (*p)
		o += (size_t)snprintf(buf + o, len - o, "...");   /* cut: say so */
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
