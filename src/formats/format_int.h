/* Internals shared by the format parsers: the format table entry, the result
 * builder every parser reports into, and the small checking helpers. Nothing
 * here is visible outside src/formats/. */
#ifndef KA_FORMAT_INT_H
#define KA_FORMAT_INT_H

#include <stddef.h>
#include <stdint.h>
#include "fpset.h"

#define FORMAT_CHUNK (1024 * 1024)   /* bytes read per read(2) */
#define FORMAT_HEAD 65536            /* bytes looked at by detection */
#define RESULT_MAX_IDS 1000          /* shipment ids kept in the result */
#define RESULT_DISTINCT_CAP 262144   /* exact distinct counting up to this */

struct parse_result;  /* format.h: parsers include it for the result */
struct profile;
struct progress;
struct rbuild;

/* What a parser is asked to do: the format entry and, for a [format NAME]
 * profile, its settings (NULL for a built-in). */
struct format_spec {
	const struct format_ops *ops;
	const struct profile *prof;
	const char *name;                 /* name reported in the result */
};

/* One format. detect() looks at the first bytes of a file and returns 1 when
 * the content is this format; parse() streams FD and reports into RB, and
 * returns 0, or a negative enum ka_err with ERR set when FD cannot be read. */
struct format_ops {
	const char *name;
	int (*detect)(const struct format_spec *spec, const unsigned char *head, size_t len);
	int (*parse)(const struct format_spec *spec, int fd, struct rbuild *rb, char *err);
};

extern const struct format_ops format_text;
extern const struct format_ops format_expected_shipment;
extern const struct format_ops format_eos_csv;
extern const struct format_ops format_x12_856;
extern const struct format_ops format_x12;

/* builtin.c: the built-in formats, NULL-terminated, X12 first (`auto` tries
 * those two before the profiles); one by name, or NULL. */
#define FORMAT_DETECT_FIRST 2
extern const struct format_ops *const format_builtins[];
const struct format_ops *format_builtin(const char *name);

/* format.c: the format NAME stands for (a built-in, a profile, or "auto":
 * detected from FD's first bytes) into SPEC. 0, or -1 when NAME is none. */
struct formats;
int format_resolve(const struct formats *f, const char *name, int fd, struct format_spec *spec);

/* A distinct counter: exact up to CAP distinct fingerprints, then an upper
 * bound (new fingerprints are no longer remembered, only counted). */
struct fpcount {
	struct fpset set;
	int64_t n;
	int approx;
};

/* Accumulates a struct parse_result while a parser runs. */
struct rbuild {
	struct parse_result *res;
	struct fpcount ids;           /* distinct shipment ids */
	struct fpcount pallets;       /* distinct SSCCs (eos-csv) */
	size_t errcap;
	struct progress *progress;    /* told each block read, or NULL */
};

void rbuild_init(struct rbuild *rb, struct parse_result *res);
void rbuild_finish(struct rbuild *rb);
/* Record an error (all are counted; the first PARSE_MAX_ERRORS kept). */
void rbuild_error(struct rbuild *rb, int64_t line, const char *cls, const char *field,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void rbuild_warning(struct rbuild *rb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Note a shipment id (S, LEN bytes); distinct ids are kept in first-seen order. */
void rbuild_shipment(struct rbuild *rb, const char *s, size_t len);
/* Count a pallet by its (normalised) SSCC; returns nothing, counts distinct. */
void rbuild_pallet(struct rbuild *rb, const char *sscc, size_t len);

/* 1 if the distinct counter saw FP for the first time. */
int fpcount_add(struct fpcount *c, uint64_t fp);
void fpcount_release(struct fpcount *c);

/* A [format NAME] profile: a CSV base format plus the user's settings. */
struct alias {
	char *header;        /* normalised header name */
	int field;           /* index into the base format's fields */
};

struct profile {
	char *name;
	const struct format_ops *base;
	int delim;           /* 0: detect */
	char *charset;       /* NULL: UTF-8 */
	struct alias *aliases;
	size_t naliases;
	uint32_t req_add;    /* bit per field: made required */
	uint32_t req_drop;   /* bit per field: made optional */
	char **datefmts;     /* extra accepted date formats */
	size_t ndatefmts;
};

/* shipment.c: the index of canonical field NAME in a CSV format, or -1 (also
 * -1 when OPS is not a CSV format). */
int csv_field_index(const struct format_ops *ops, const char *name);
/* The canonical field names of a CSV format, comma-separated, into OUT. */
void csv_field_list(const struct format_ops *ops, char *out, size_t len);

/* ---- checks.c: value checks shared by the CSV formats and X12 ---- */

/* Trim ASCII spaces and tabs from both ends of [*s, *s+*len) (inline: it
 * runs for every value checked). */
static inline void span_trim(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	*s = p;
	*len = n;
}
/* Normalise a header name: trim, lower-case, runs of spaces, hyphens and
 * underscores become one '_'. Writes a NUL-terminated string into OUT. */
void header_normalise(const char *s, size_t len, char *out, size_t outlen);
/* Quote a value for an error message: at most ~48 bytes, control characters
 * shown as '?', cut on a UTF-8 boundary. Returns OUT. */
const char *value_show(const char *s, size_t len, char *out, size_t outlen);

/* Digits only, value >= MIN (leading zeros allowed). 0 ok, -1 not digits,
 * -2 below MIN, -3 too large. *out gets the value. */
int digits_parse(const char *s, size_t len, int64_t min, int64_t *out);

/* Strip a scanner prefix ((00), ]C1, ]C100, 20-digit 00...) and check an SSCC-18.
 * Returns 0 with the 18 digits in OUT (19 bytes), or -1 with a reason. */
int sscc_check(const char *s, size_t len, char out[19], const char **why);
/* GS1 mod-10 check digit of the first N digits of S. */
int gs1_check_digit(const char *s, size_t n);

/* Date and time checks. Each returns 0 when valid, or -1 with *why set and
 * *cls set to "bad_date" or "bad_time". */
int date_check(const char *s, size_t len, const char **why);
int time_check(const char *s, size_t len, const char **why);
/* ISO 8601 / RFC 3339 date-time ("T" or space, optional seconds, fraction,
 * zone). DATE_OK allows a bare date too. */
int datetime_check(const char *s, size_t len, int date_ok, const char **cls,
		   const char **why);
/* Match S against a profile date format (%Y %m %d %H %M %S %%, other bytes
 * literal) and check the calendar. Returns 0 or -1. */
int datefmt_match(const char *fmt, const char *s, size_t len);
/* 0 if FMT is a usable date format, else -1 with *why. */
int datefmt_valid(const char *fmt, const char **why);

#endif
