/* The shared CSV engine (see csv.h). libcsv does the quoting; we cut the input
 * at every CR and LF so each csv_parse() call covers at most one physical
 * line, which gives exact line numbers without a second pass. */
#include "csv.h"

#include <csv.h>
#include <errno.h>
#include <malloc.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common.h"
#include "../progress.h"
#include "format.h"
#include "format_int.h"

#define CSV_MAX_FIELD (8 * 1024 * 1024)
/* A row (its physical lines, quoted line breaks included) longer than this
 * is an error: nothing in a shipment file comes near it, and a row's kept
 * fields are held in memory until it ends. */
#define CSV_MAX_ROW (8 * 1024 * 1024)

struct fspan {
	size_t off, len;
	unsigned flags;
};

struct csv_engine {
	struct csv_parser p;
	struct csv_sink *sink;
	struct rbuild *rb;
	int delim;
	int64_t line;          /* physical line of the next byte */
	int64_t row_line;      /* line where the current row started */
	uint64_t row_start;    /* sink->fed where the current row started */
	int inq;               /* inside quotes (quote parity) */
	int prev_cr;           /* the last byte fed was CR */
	int at_line_start;
	int skipping;          /* after a parse error: drop to the end of the line */
	int header_done;
	int nonblank;          /* the current row has a non-blank field */
	char *buf;             /* the current row's field bytes */
	size_t blen, bcap;
	struct fspan *fs;      /* the current row's fields */
	size_t nf, fcap;
	struct csv_field *out;
	struct lspan {
		const unsigned char *s;
		size_t len;
	} *fast;               /* fast_line(): the line's fields */
	size_t fastcap;
};

/* libcsv's parser state between rows (ROW_NOT_BEGUN in libcsv.c). */
#define LIBCSV_ROW_NOT_BEGUN 0
/* Lines up to this long may take the fast path. */
#define FAST_LINE_MAX 65536

/* libcsv treats space and tab as padding around fields; a tab is data when
 * it is the delimiter. (Other delimiters keep libcsv's inline default: a
 * function pointer here costs a call per byte.) */
static int is_space_only(unsigned char c)
{
	return c == ' ';
}

/* libcsv grows a field's buffer by a fixed block (128 bytes), asking for a
 * realloc each time: a long field would cost a copy every 128 bytes. Give
 * it twice what it asks when it must move, and the same block while that
 * is enough. */
static void *grow_buffer(void *p, size_t n)
{
	if (p && malloc_usable_size(p) >= n)
		return p;
	return realloc(p, n < 4096 ? 4096 : 2 * n);
}

static void engine_parser_init(struct csv_engine *e)
{
	if (csv_init(&e->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		abort();   /* only fails on bad options */
	csv_set_delim(&e->p, (unsigned char)e->delim);
	csv_set_realloc_func(&e->p, grow_buffer);
	if (e->delim == '\t')
		csv_set_space_func(&e->p, is_space_only);
}

/* 1 if the LEN bytes at S hold a NUL or a byte >= 0x80 (8 bytes at a time). */
static int has_special(const unsigned char *s, size_t len)
{
	const uint64_t lo = 0x0101010101010101ULL, hi = 0x8080808080808080ULL;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if ((w & hi) || ((w - lo) & ~w & hi))
			return 1;
	}
	for (; i < len; i++)
		if (s[i] == 0 || s[i] >= 0x80)
			return 1;
	return 0;
}

/* 1 if the LEN bytes at S hold something other than spaces and tabs. */
static inline int field_nonblank(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 1;
	return 0;
}

#define FS_SKIPPED ((size_t)-1)   /* fspan.off of a field that was not copied */

/* A field ended (from libcsv or the fast path). Classify its bytes (unless
 * PLAIN: the caller knows there is no NUL and no byte >= 0x80); copy it into
 * the row buffer when the sink reads it. */
static inline void engine_field(struct csv_engine *e, const unsigned char *data, size_t len,
				int plain)
{
	const struct csv_sink *k = e->sink;
	size_t col = e->nf;
	if (e->nf >= e->fcap) {
		if (e->fcap >= CSV_MAX_FIELDS) {
			e->nf++;   /* counted (the row is ragged) but not kept */
			return;
		}
		e->fcap = e->fcap ? e->fcap * 2 : 32;
		e->fs = xrealloc(e->fs, e->fcap * sizeof(*e->fs));
		e->out = xrealloc(e->out, e->fcap * sizeof(*e->out));
	}
	struct fspan *f = &e->fs[e->nf++];
	f->flags = 0;
	if (!plain && len && has_special(data, len)) {
		if (memchr(data, 0, len))
			f->flags |= CSVF_NUL;
		if (!utf8_valid(data, len))
			f->flags |= CSVF_BADUTF8;
	}
	if (!e->nonblank)
		e->nonblank = field_nonblank(data, len);
	if (e->header_done && k->keep && (col >= k->nkeep || !k->keep[col])) {
		f->off = FS_SKIPPED;
		f->len = 0;
		return;
	}
	if (e->blen + len + 1 > e->bcap) {
		while (e->blen + len + 1 > e->bcap)
			e->bcap = e->bcap ? e->bcap * 2 : 4096;
		e->buf = xrealloc(e->buf, e->bcap);
	}
	f->off = e->blen;
	f->len = len;
	if (len)
		memcpy(e->buf + e->blen, data, len);
	e->buf[e->blen + len] = '\0';
	e->blen += len + 1;
}

/* libcsv: a field ended. */
static void cb_field(void *data, size_t len, void *ctx)
{
	engine_field(ctx, data, len, 0);
}

static void engine_flush(struct csv_engine *e);

/* libcsv: a row ended. Hand it to the sink unless it is blank (every field
 * empty or blanks: a blank or delimiter-only row). */
static void cb_row(int c, void *ctx)
{
	struct csv_engine *e = ctx;
	(void)c;
	if (e->nonblank && !e->sink->stop) {
		size_t kept = e->nf < e->fcap ? e->nf : e->fcap;
		for (size_t i = 0; i < kept; i++) {
			const struct fspan *f = &e->fs[i];
			e->out[i].s = f->off == FS_SKIPPED ? "" : e->buf + f->off;
			e->out[i].len = f->len;
			e->out[i].flags = f->flags;
		}
		if (!e->header_done && e->nf > CSV_MAX_FIELDS) {
			engine_flush(e);
			rbuild_error(e->rb, e->row_line, "too_many_columns", "",
				     "the header row has %zu columns, more than the limit of %d",
				     e->nf, CSV_MAX_FIELDS);
			e->sink->stop = 1;
		} else if (!e->header_done) {
			e->header_done = 1;
			e->sink->header(e->sink->ctx, e->row_line, e->out, e->nf);
		} else {
			e->sink->row_off = e->row_start;
			e->sink->row(e->sink->ctx, e->row_line, e->out, e->nf);
		}
	}
	e->nf = 0;
	e->blen = 0;
	e->nonblank = 0;
}

/* Before the engine reports an error: let the sink report what it holds. */
static void engine_flush(struct csv_engine *e)
{
	if (e->sink->flush)
		e->sink->flush(e->sink->ctx);
}

/* A strict-mode parse error at byte C: report it, then resynchronise at the
 * next line with a fresh parser. */
static void engine_parse_error(struct csv_engine *e, unsigned char c)
{
	engine_flush(e);
	if (c == '"')
		rbuild_error(e->rb, e->line, "stray_quote", "",
			     "quote inside an unquoted field (quote the whole field and double "
			     "the quote: \"a \"\"b\"\" c\")");
	else
		rbuild_error(e->rb, e->line, "stray_quote", "",
			     "text after the closing quote of a quoted field");
	csv_free(&e->p);
	engine_parser_init(e);
	e->nf = 0;
	e->blen = 0;
	e->nonblank = 0;
	e->inq = 0;
	e->skipping = 1;
}

/* 1 in the high bit of each byte of W that is zero. */
static inline uint64_t zero_bytes(uint64_t w)
{
	return (w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL;
}

/* The first CR or LF in [P, END) (END if none), flipping *INQ at each quote
 * before it: 8 bytes at a time while none of the three occurs. */
static inline const unsigned char *line_end(const unsigned char *p, const unsigned char *end,
					    int *inq)
{
	const uint64_t ones = 0x0101010101010101ULL;
	for (;;) {
		while (end - p >= 8) {
			uint64_t w;
			memcpy(&w, p, 8);
			if (zero_bytes(w ^ (ones * '"')) | zero_bytes(w ^ (ones * '\n')) |
			    zero_bytes(w ^ (ones * '\r')))
				break;
			p += 8;
		}
		const unsigned char *lim = end - p > 8 ? p + 8 : end;
		for (; p < lim; p++) {
			if (*p == '"')
				*inq = !*inq;
			else if (*p == '\n' || *p == '\r')
				return p;
		}
		if (p == end)
			return end;
	}
}

/* A complete line [B, T) (T: its CR or LF) with libcsv between rows: when
 * every field is plain -- unquoted without quotes or surrounding blanks, or
 * quoted without inner quotes and closed right before a delimiter or the
 * line end -- hand the fields libcsv would give and the row to the callbacks
 * and return 1. Otherwise return 0 having done nothing: libcsv parses it. */
static int fast_line(struct csv_engine *e, const unsigned char *b, const unsigned char *t)
{
	const unsigned char d = (unsigned char)e->delim, *line = b;
	size_t n = 0;
	if (b == t)
		return 1;   /* an empty line: libcsv skips it */
	for (;;) {
		const unsigned char *s = b;
		size_t len;
		if (*b == '"') {
			const unsigned char *f = memchr(b + 1, '"', (size_t)(t - b - 1));
			if (!f || (f + 1 < t && f[1] != d))
				return 0;
			s = b + 1;
			len = (size_t)(f - s);
			b = f + 1;
		} else {
			while (b < t && *b != d && *b != '"')
				b++;
			if (b < t && *b == '"')
				return 0;
			len = (size_t)(b - s);
			if (len && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' ||
				    s[len - 1] == '\t'))
				return 0;
		}
		if (n == e->fastcap) {
			e->fastcap = e->fastcap ? e->fastcap * 2 : 64;
			e->fast = xrealloc(e->fast, e->fastcap * sizeof(*e->fast));
		}
		e->fast[n].s = s;
		e->fast[n].len = len;
		n++;
		if (b == t)
			break;
		b++;   /* the delimiter */
		if (b == t) {
			/* a trailing delimiter: one more, empty field */
			if (n == e->fastcap) {
				e->fastcap *= 2;
				e->fast = xrealloc(e->fast, e->fastcap * sizeof(*e->fast));
			}
			e->fast[n].s = t;
			e->fast[n].len = 0;
			n++;
			break;
		}
	}
	int plain = !has_special(line, (size_t)(t - line));
	for (size_t i = 0; i < n; i++)
		engine_field(e, e->fast[i].s, e->fast[i].len, plain);
	cb_row(*t, e);
	return 1;
}

/* A field or row over its limit: report it at the row's line and stop. */
static void engine_too_long(struct csv_engine *e, const char *cls, const char *what,
			    int limit, const char *hint)
{
	engine_flush(e);
	rbuild_error(e->rb, e->row_line, cls, "", "%s is longer than %d bytes (%s); the rest "
		     "of the file is not read", what, limit, hint);
	e->sink->stop = 1;
}

/* Feed N bytes: cut at each CR/LF, track quotes and line numbers. */
static void engine_feed(struct csv_engine *e, const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	while (p < end && !e->sink->stop) {
		int inq0 = e->inq;
		const unsigned char *q = line_end(p, end, &e->inq);
		size_t seg = q < end ? (size_t)(q - p) + 1 : (size_t)(end - p);
		if (e->at_line_start && !inq0) {
			e->row_line = e->line;
			e->row_start = e->sink->fed;
		}
		if (!e->skipping && q < end && !inq0 && !e->inq && seg <= FAST_LINE_MAX &&
		    e->p.pstate == LIBCSV_ROW_NOT_BEGUN && e->nf == 0 && fast_line(e, p, q)) {
			/* a plain line: split without libcsv, same fields */
		} else if (!e->skipping) {
			size_t used = csv_parse(&e->p, p, seg, cb_field, cb_row, e);
			if (used < seg && csv_error(&e->p) == CSV_EPARSE)
				engine_parse_error(e, p[used]);
			else if (csv_get_buffer_size(&e->p) > CSV_MAX_FIELD)
				engine_too_long(e, "field_too_long", "a field", CSV_MAX_FIELD,
						"an unclosed quote?");
			else if (e->sink->fed + seg - e->row_start > CSV_MAX_ROW)
				engine_too_long(e, "row_too_long", "the row", CSV_MAX_ROW,
						"no line break?");
		}
		if (q < end) {
			if (*q == '\r' || !(seg == 1 && e->prev_cr))
				e->line++;
			e->prev_cr = *q == '\r';
			e->at_line_start = 1;
			e->skipping = 0;
		} else {
			e->prev_cr = 0;
			e->at_line_start = 0;
		}
		e->sink->fed += seg;
		p += seg;
	}
}

static void engine_init(struct csv_engine *e, int delim, struct csv_sink *sink,
			struct rbuild *rb)
{
	memset(e, 0, sizeof(*e));
	e->delim = delim;
	e->sink = sink;
	e->rb = rb;
	e->line = 1;
	e->row_line = 1;
	e->at_line_start = 1;
	engine_parser_init(e);
}

/* End of input: flush the last row; an open quote is an error. */
static void engine_finish(struct csv_engine *e)
{
	int open = !e->sink->stop && !e->skipping && csv_fini(&e->p, cb_field, cb_row, e) != 0;
	engine_flush(e);
	if (open && e->rb)
		rbuild_error(e->rb, e->row_line, "unterminated_quote", "",
			     "a quoted field opened here is never closed");
	csv_free(&e->p);
	free(e->buf);
	free(e->fs);
	free(e->out);
	free(e->fast);
}

int csv_detect_delim(const unsigned char *s, size_t len)
{
	static const char cands[] = { ',', ';', '\t', '|' };
	size_t count[4] = { 0 };
	size_t i = 0;
	int inq = 0;
	while (i < len && (s[i] == '\r' || s[i] == '\n' || s[i] == ' '))
		i++;
	for (; i < len; i++) {
		unsigned char c = s[i];
		if (c == '"')
			inq = !inq;
		else if (!inq && (c == '\r' || c == '\n'))
			break;
		else if (!inq)
			for (int k = 0; k < 4; k++)
				count[k] += c == (unsigned char)cands[k];
	}
	int best = 0;
	for (int k = 1; k < 4; k++)
		if (count[k] > count[best])
			best = k;
	return cands[best];
}

/* Skip a UTF-8 byte order mark. */
static size_t bom_len(const unsigned char *s, size_t len)
{
	return len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF ? 3 : 0;
}

int csv_head(const unsigned char *head, size_t len, int delim, struct csv_sink *sink)
{
	struct csv_engine e;
	size_t b = bom_len(head, len);
	head += b;
	len -= b;
	if (!delim)
		delim = csv_detect_delim(head, len);
	engine_init(&e, delim, sink, NULL);
	struct rbuild dummy;
	struct parse_result res;
	rbuild_init(&dummy, &res);
	e.rb = &dummy;
	engine_feed(&e, head, len);
	int found = e.header_done;
	if (!found) {
		/* A header line without a line break: flush it. */
		csv_fini(&e.p, cb_field, cb_row, &e);
		found = e.header_done;
	}
	sink->stop = 1;
	engine_finish(&e);
	rbuild_finish(&dummy);
	parse_result_release(&res);
	return found ? 0 : -1;
}

/* read_full, telling PG (may be NULL) how many bytes came. */
static ssize_t read_counted(int fd, unsigned char *buf, size_t n, struct progress *pg)
{
	ssize_t got = read_full(fd, buf, n);
	if (got >= 0)
		progress_add(pg, (size_t)got);
	return got;
}

/* The input side of csv_run: raw reads, optionally through iconv. */
struct csv_input {
	int fd;
	iconv_t cd;
	unsigned char *raw, *conv;
	size_t rawlen;            /* bytes waiting in raw (an incomplete sequence) */
	int eof;
	struct progress *progress;  /* told each block read, or NULL */
};

/* Convert RAW[0..*rawlen) into OUT; an invalid sequence becomes 0xFF (never
 * valid UTF-8, so the field check reports it). Returns output bytes. */
static size_t input_convert(struct csv_input *in, size_t outcap)
{
	char *ip = (char *)in->raw, *op = (char *)in->conv;
	size_t il = in->rawlen, ol = outcap;
	while (il > 0 && ol > 8) {
		if (iconv(in->cd, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		if (errno == EILSEQ) {
			*op++ = (char)0xFF;
			ol--;
			ip++;
			il--;
		} else if (errno == EINVAL && !in->eof) {
			break;    /* incomplete sequence: wait for more input */
		} else if (errno == EINVAL) {
			*op++ = (char)0xFF;
			ol--;
			il = 0;
		} else {
			break;    /* E2BIG: the caller comes back for the rest */
		}
	}
	memmove(in->raw, ip, il);
	in->rawlen = il;
	return (size_t)(op - (char *)in->conv);
}

/* Next block of UTF-8 input into *OUT; returns bytes (0 at the end) or -1. */
static ssize_t input_next(struct csv_input *in, const unsigned char **out)
{
	if (in->cd == (iconv_t)-1) {
		ssize_t r = read_counted(in->fd, in->raw, FORMAT_CHUNK, in->progress);
		*out = in->raw;
		return r;
	}
	for (;;) {
		if (!in->eof && in->rawlen < FORMAT_CHUNK / 2) {
			ssize_t r = read_counted(in->fd, in->raw + in->rawlen,
						 FORMAT_CHUNK - in->rawlen, in->progress);
			if (r < 0)
				return -1;
			in->eof = r == 0;
			in->rawlen += (size_t)r;
		}
		size_t n = input_convert(in, 4 * FORMAT_CHUNK);
		*out = in->conv;
		if (n > 0 || in->eof)
			return (ssize_t)n;
	}
}

static int input_open(struct csv_input *in, int fd, const char *charset, char *err)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->cd = (iconv_t)-1;
	if (charset && *charset) {
		in->cd = iconv_open("UTF-8", charset);
		if (in->cd == (iconv_t)-1) {
			snprintf(err, ERRLEN, "charset %s: not supported by iconv", charset);
			return KA_ERR;
		}
		in->conv = xmalloc(4 * FORMAT_CHUNK);
	}
	in->raw = xmalloc(FORMAT_CHUNK);
	return 0;
}

static void input_close(struct csv_input *in)
{
	if (in->cd != (iconv_t)-1)
		iconv_close(in->cd);
	free(in->raw);
	free(in->conv);
}

int csv_run(int fd, const struct csv_opts *o, struct csv_sink *sink, struct rbuild *rb,
	    char *err)
{
	struct csv_input in;
	struct csv_engine e;
	struct stat st;
	int ret = 0, started = 0;
	const unsigned char *p;
	ssize_t n;

	sink->total = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	if (input_open(&in, fd, o->charset, err) != 0)
		return KA_ERR;
	in.progress = rb->progress;
	sink->bad_charset = in.cd != (iconv_t)-1;
	uint64_t seen = 0;
	while ((n = input_next(&in, &p)) > 0 && !sink->stop) {
		if (!started) {
			size_t b = bom_len(p, (size_t)n);
			p += b;
			n -= (ssize_t)b;
			engine_init(&e, o->delim ? o->delim : csv_detect_delim(p, (size_t)n), sink, rb);
			started = 1;
		}
		seen += (uint64_t)n;
		engine_feed(&e, p, (size_t)n);
	}
	if (n < 0) {
		snprintf(err, ERRLEN, "read: %s", strerror(errno));
		ret = KA_ERR;
	}
	if (started)
		engine_finish(&e);
	if (ret == 0 && seen == 0)
		rbuild_error(rb, 0, "empty_file", "", "the file is empty");
	else if (ret == 0 && !e.header_done && !sink->stop)
		rbuild_error(rb, 0, "empty_file", "", "the file has no header row (only blank lines)");
	input_close(&in);
	return ret;
}
