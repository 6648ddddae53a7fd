/* logfmt logging to stderr: one line per event, key=value pairs. */
#ifndef KA_LOG_H
#define KA_LOG_H

#include <stdio.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

struct progress;

struct logger {
	enum log_level level;
	FILE *out;
	struct progress *progress;  /* a progress line on OUT to erase first, or NULL */
};

/* No progress line until the caller sets lg->progress. */
void log_init(struct logger *lg, enum log_level level, FILE *out);
/* Parse "debug", "info", "warn", "error"; returns 0 or -1. */
int log_level_parse(const char *s, enum log_level *out);

/* Emit one line: ts=... level=... event=EVENT followed by FMT, which the caller
 * writes as key=value pairs. Values are the caller's to quote with log_quote. */
void log_event(const struct logger *lg, enum log_level level, const char *event,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Quote a value for logfmt if it needs it (spaces, quotes, '=', control
 * characters, C1 controls), into buf (at least 16 bytes). A value too long
 * for buf is cut and ends in "..." inside the quotes. Returns buf. */
const char *log_quote(const char *value, char *buf, size_t len);

#endif
