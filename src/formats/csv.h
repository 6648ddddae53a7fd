/* The shared CSV engine on libcsv: chunked reading, optional charset
 * conversion (iconv), BOM, delimiter detection, exact line numbers with
 * CRLF/LF/CR/mixed endings and quoted newlines, strict RFC 4180 quoting.
 * It hands the header row and each data row to a sink. */
#ifndef KA_FORMATS_CSV_H
#define KA_FORMATS_CSV_H

#include <stddef.h>
#include <stdint.h>

struct rbuild;

#define CSV_MAX_FIELDS 4096   /* fields kept per row (more are only counted) */
#define CSVF_NUL 1       /* the field holds a NUL byte */
#define CSVF_BADUTF8 2   /* the field is not valid UTF-8 */

struct csv_field {
	const char *s;       /* NUL-terminated copy, LEN bytes */
	size_t len;
	unsigned flags;
};

struct csv_sink {
	/* The first non-blank row. */
	void (*header)(void *ctx, int64_t line, const struct csv_field *f, size_t n);
	/* Each later non-blank row; LINE is where the row starts. */
	void (*row)(void *ctx, int64_t line, const struct csv_field *f, size_t n);
	void *ctx;
	uint64_t total;      /* file size (set by the engine) */
	uint64_t fed;        /* bytes handed to the parser so far */
	int stop;            /* a sink sets this to end the parse early */
	/* Set by the header callback: the columns whose values the sink reads
	 * (keep[c] != 0, c < nkeep). Other fields are not copied: the sink sees
	 * them empty, with their flags. NULL: every column. */
	const unsigned char *keep;
	size_t nkeep;
	/* Optional: report what the sink holds back; called before the engine
	 * reports an error and at the end, so errors stay in file order. */
	void (*flush)(void *ctx);
	/* Set by the engine before each row(): where the row starts, as a byte
	 * offset into the (decoded) input after any byte order mark. */
	uint64_t row_off;
	int bad_charset;     /* a declared charset is in use: bad bytes are charset errors */
};

struct csv_opts {
	int delim;               /* 0: detect from the header line */
	const char *charset;     /* NULL: UTF-8 */
};

/* Parse FD as CSV into SINK, reporting byte-level errors (empty_file,
 * stray_quote, unterminated_quote, field_too_long) into RB. Returns 0, or a
 * negative enum ka_err with ERR set when FD cannot be read. */
int csv_run(int fd, const struct csv_opts *o, struct csv_sink *sink, struct rbuild *rb,
	    char *err);
/* Parse the header row in HEAD (the first bytes of a file) into SINK's
 * header callback only. Returns 0, or -1 when there is no header line. */
int csv_head(const unsigned char *head, size_t len, int delim, struct csv_sink *sink);
/* The delimiter among , ; TAB | that occurs most outside quotes on the first
 * non-blank line of S (',' when none does). */
int csv_detect_delim(const unsigned char *s, size_t len);

#endif
