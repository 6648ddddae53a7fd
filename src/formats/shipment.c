/* expected-shipment and eos-csv: header mapping and row rules on top of the
 * CSV engine. The duplicate-key check keeps 64-bit fingerprints only. */
#include "format.h"
#include "format_int.h"

#include <stdlib.h>
#include <string.h>
#include "../common.h"
#include "csv.h"
#include "schema.h"

#define NAMELEN 64

struct ship {
	const struct csv_schema *sc;
	const struct profile *prof;
	struct rbuild *rb;          /* NULL while detecting */
	int *colfield;              /* column -> field index or -1 */
	char (*colname)[NAMELEN];   /* normalised header of each column */
	size_t ncols;
	int fieldcol[32];           /* field -> column or -1 */
	uint32_t req;               /* required fields, a bit each */
	int missing;                /* required columns missing from the header */
	int pallet_field;           /* sscc (eos-csv) or pallet_count */
	struct fpset keys;
	int reserved;
	unsigned char *keep;        /* column -> its value is read (csv_sink.keep) */
	int check[32];              /* fields with a column and a rule or required */
	size_t ncheck;
	/* The previous row's key, added when the next row (or an error, or the
	 * end) comes, so the table slot's cache miss overlaps with parsing. */
	int pending;
	uint64_t pend_fp;
	int64_t pend_line;
	struct csv_sink *sink;
};

static const struct csv_schema *schema_of(const struct format_ops *ops)
{
	if (ops == &format_expected_shipment)
		return &schema_expected_shipment;
	if (ops == &format_eos_csv)
		return &schema_eos_csv;
	return NULL;
}

int csv_field_index(const struct format_ops *ops, const char *name)
{
	const struct csv_schema *sc = schema_of(ops);
	return sc ? schema_field(sc, name) : -1;
}

void csv_field_list(const struct format_ops *ops, char *out, size_t len)
{
	const struct csv_schema *sc = schema_of(ops);
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; sc && i < sc->nfields && o < len; i++) {
		int n = snprintf(out + o, len - o, "%s%s", i ? ", " : "", sc->fields[i].name);
		o += n > 0 ? (size_t)n : 0;
	}
}

/* The field a header maps to: the profile's aliases first, then built-ins. */
static int ship_map_header(const struct ship *s, const char *norm)
{
	if (s->prof)
		for (size_t i = 0; i < s->prof->naliases; i++)
			if (strcmp(s->prof->aliases[i].header, norm) == 0)
				return s->prof->aliases[i].field;
	return schema_header(s->sc, norm);
}

static void ship_missing_column(struct ship *s, int64_t line, const char *field)
{
	s->missing++;
	if (s->rb)
		rbuild_error(s->rb, line, "missing_column", field,
			     "required column '%s' is not in the header row", field);
}

/* Required columns must be in the header (expected-shipment: the departure
 * as one date(-time) column or a date column). */
static void ship_check_columns(struct ship *s, int64_t line)
{
	for (size_t i = 0; i < s->sc->nfields; i++)
		if ((s->req >> i & 1) && s->fieldcol[i] < 0)
			ship_missing_column(s, line, s->sc->fields[i].name);
	if (s->sc->departure && !(s->prof && (s->prof->req_drop >> ES_DEPARTURE & 1)) &&
	    s->fieldcol[ES_DEPARTURE] < 0 && s->fieldcol[ES_DEPARTURE_DATE] < 0)
		ship_missing_column(s, line, "scheduled_departure");
}

/* Sink: the header row. Map each column; report duplicates and missing ones. */
static void ship_header(void *ctx, int64_t line, const struct csv_field *f, size_t n)
{
	struct ship *s = ctx;
	size_t kept = n < CSV_MAX_FIELDS ? n : CSV_MAX_FIELDS;
	s->ncols = n;
	s->colfield = xcalloc(kept, sizeof(*s->colfield));
	s->colname = xcalloc(kept, sizeof(*s->colname));
	for (size_t i = 0; i < 32; i++)
		s->fieldcol[i] = -1;
	for (size_t c = 0; c < kept; c++) {
		if (f[c].flags && s->rb)
			rbuild_error(s->rb, line, f[c].flags & CSVF_NUL ? "nul_byte" : "bad_utf8", "",
				     "header column %zu holds %s", c + 1, f[c].flags & CSVF_NUL
				     ? "a NUL byte" : "bytes that are not valid UTF-8");
		header_normalise(f[c].s, f[c].len, s->colname[c], NAMELEN);
		int fi = ship_map_header(s, s->colname[c]);
		s->colfield[c] = fi;
		if (fi < 0)
			continue;
		if (s->fieldcol[fi] >= 0) {
			s->colfield[c] = -1;
			if (s->rb)
				rbuild_error(s->rb, line, "duplicate_column", s->sc->fields[fi].name,
					     "columns %d and %zu both map to '%s'", s->fieldcol[fi] + 1,
					     c + 1, s->sc->fields[fi].name);
			continue;
		}
		s->fieldcol[fi] = (int)c;
	}
	ship_check_columns(s, line);
	/* Only columns with a rule, a required or key field, or the summary's
	 * fields are copied for the rows. */
	s->keep = xcalloc(kept ? kept : 1, 1);
	for (size_t c = 0; c < kept; c++) {
		int fi = s->colfield[c];
		if (fi < 0)
			continue;
		const struct field_def *fd = &s->sc->fields[fi];
		s->keep[c] = fd->kind != K_TEXT || (fd->flags & F_KEY) || (s->req >> fi & 1) ||
			     fi == 0 || fi == s->pallet_field;
	}
	s->sink->keep = s->keep;
	s->sink->nkeep = kept;
	s->ncheck = 0;
	for (size_t i = 0; i < s->sc->nfields; i++)
		if (s->fieldcol[i] >= 0 && (s->sc->fields[i].kind != K_TEXT || (s->req >> i & 1)))
			s->check[s->ncheck++] = (int)i;
	if (!s->rb)
		s->sink->stop = 1;
}

/* A value against the profile's extra date formats. */
static int ship_datefmt(const struct ship *s, const char *v, size_t len)
{
	for (size_t i = 0; s->prof && i < s->prof->ndatefmts; i++)
		if (datefmt_match(s->prof->datefmts[i], v, len) == 0)
			return 0;
	return -1;
}

/* 1 if the N bytes at S equal UPPER (upper-case ASCII) ignoring ASCII case. */
static inline int ascii_caseeq(const char *s, const char *upper, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z' ? c - 32 : c) != (unsigned char)upper[i])
			return 0;
	}
	return 1;
}

/* Check one non-empty value by its kind; report and return -1 if bad. */
static int ship_check_value(struct ship *s, int64_t line, int fi, const char *v, size_t len)
{
	const struct field_def *fd = &s->sc->fields[fi];
	const char *why = NULL, *cls = "bad_date";
	char shown[64];
	int64_t num;
	int r;
	switch (fd->kind) {
	case K_QTY:
	case K_COUNT:
		r = digits_parse(v, len, fd->kind == K_QTY ? 1 : 0, &num);
		if (r == 0)
			return 0;
		rbuild_error(s->rb, line, fd->kind == K_QTY ? "bad_quantity" : "bad_pallet_count",
			     fd->name, "'%s' %s", value_show(v, len, shown, sizeof(shown)),
			     r == -1 ? "is not a whole number written in digits only"
			     : r == -2 ? "must be at least 1" : "is too large");
		return -1;
	case K_DATE:
		if (date_check(v, len, &why) == 0 || ship_datefmt(s, v, len) == 0)
			return 0;
		break;
	case K_DATE_OR_DT:
	case K_DATETIME:
		if (datetime_check(v, len, fd->kind == K_DATE_OR_DT, &cls, &why) == 0 ||
		    ship_datefmt(s, v, len) == 0)
			return 0;
		break;
	case K_TIME:
		if (time_check(v, len, &why) == 0)
			return 0;
		cls = "bad_time";
		break;
	case K_SSCC: {
		char d[19];
		if (sscc_check(v, len, d, &why) == 0)
			return 0;
		cls = "bad_sscc";
		break;
	}
	case K_DIRECTION:
		if ((len == 7 && ascii_caseeq(v, "LOADING", 7)) ||
		    (len == 9 && ascii_caseeq(v, "UNLOADING", 9)))
			return 0;
		cls = "bad_direction";
		why = "is not LOADING or UNLOADING";
		break;
	default:
		return 0;
	}
	rbuild_error(s->rb, line, cls, fd->name, "'%s' %s",
		     value_show(v, len, shown, sizeof(shown)), why);
	return -1;
}

/* Byte-level problems (NUL, bad UTF-8 or charset): one error per field. */
static int ship_check_bytes(struct ship *s, int64_t line, const struct csv_field *f, size_t n)
{
	int bad = 0;
	for (size_t c = 0; c < n; c++) {
		if (!f[c].flags)
			continue;
		const char *name = c < s->ncols && c < CSV_MAX_FIELDS ? s->colname[c] : "";
		int fi = c < s->ncols && c < CSV_MAX_FIELDS ? s->colfield[c] : -1;
		if (fi >= 0)
			name = s->sc->fields[fi].name;
		if (f[c].flags & CSVF_NUL)
			rbuild_error(s->rb, line, "nul_byte", name, "the field holds a NUL byte");
		else if (s->sink->bad_charset)
			rbuild_error(s->rb, line, "bad_charset", name,
				     "the field holds bytes that are not valid %s", s->prof->charset);
		else
			rbuild_error(s->rb, line, "bad_utf8", name,
				     "the field is not valid UTF-8 (declare the file's charset in a "
				     "[format] profile)");
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* The trimmed value of field FI in row F (empty when the column is absent). */
static void ship_value(const struct ship *s, const struct csv_field *f, int fi,
		       const char **v, size_t *len)
{
	int c = s->fieldcol[fi];
	*v = "";
	*len = 0;
	if (c < 0)
		return;
	*v = f[c].s;
	*len = f[c].len;
	span_trim(v, len);
}

/* expected-shipment: a departure date (one column or the date of the pair). */
static int ship_check_departure(struct ship *s, int64_t line, const struct csv_field *f)
{
	const char *v, *d, *t;
	size_t vl, dl, tl;
	ship_value(s, f, ES_DEPARTURE, &v, &vl);
	ship_value(s, f, ES_DEPARTURE_DATE, &d, &dl);
	ship_value(s, f, ES_DEPARTURE_TIME, &t, &tl);
	if (vl || dl || (s->prof && (s->prof->req_drop >> ES_DEPARTURE & 1)) ||
	    (s->fieldcol[ES_DEPARTURE] < 0 && s->fieldcol[ES_DEPARTURE_DATE] < 0))
		return 0;   /* valued, optional, or reported once at the header */
	const char *name = s->fieldcol[ES_DEPARTURE] >= 0 || s->fieldcol[ES_DEPARTURE_DATE] < 0
				   ? "scheduled_departure" : "scheduled_departure_date";
	rbuild_error(s->rb, line, "missing_required", name,
		     tl ? "a departure time without a date" : "the departure date is empty");
	return -1;
}

/* The duplicate-check key: key fields' values; -1 when one is empty. */
static int ship_key(const struct ship *s, const struct csv_field *f, uint64_t *fp)
{
	uint64_t h = 0x2545F4914F6CDD1DULL;
	for (size_t i = 0; i < s->sc->nfields; i++) {
		if (!(s->sc->fields[i].flags & F_KEY))
			continue;
		const char *v;
		size_t len;
		char d[19];
		const char *why;
		ship_value(s, f, (int)i, &v, &len);
		if (!len && s->fieldcol[i] >= 0)
			return -1;
		if (s->sc->fields[i].kind == K_SSCC && sscc_check(v, len, d, &why) == 0) {
			v = d;
			len = 18;
		}
		h = fp_mix(h, v, len);
	}
	*fp = h;
	return 0;
}

/* Size the key set from the file size once the first rows show their width. */
static void ship_reserve(struct ship *s)
{
	const struct csv_sink *k = s->sink;
	s->reserved = 1;
	if (!k->fed || k->total <= k->fed)
		return;
	double est = (double)s->rb->res->rows * (double)k->total / (double)k->fed * 1.05;
	if (est > 4096 && est < 1e9)
		fpset_reserve(&s->keys, (size_t)est);
}

/* The extracted summary: shipment ids and pallets. */
static void ship_summary(struct ship *s, const struct csv_field *f)
{
	const char *v;
	size_t len;
	ship_value(s, f, 0, &v, &len);
	if (len)
		rbuild_shipment(s->rb, v, len);
	ship_value(s, f, s->pallet_field, &v, &len);
	if (!len)
		return;
	char d[19];
	const char *why;
	int64_t n;
	if (s->sc->pallets_by_sscc && sscc_check(v, len, d, &why) == 0)
		rbuild_pallet(s->rb, d, 18);
	else if (!s->sc->pallets_by_sscc && digits_parse(v, len, 0, &n) == 0)
		s->rb->res->pallets += n;
}

/* Sink flush: check the held-back key of the previous row. */
static void ship_flush(void *ctx)
{
	struct ship *s = ctx;
	if (!s->pending)
		return;
	s->pending = 0;
	if (!fpset_add(&s->keys, s->pend_fp))
		rbuild_error(s->rb, s->pend_line, "duplicate_line", "",
			     "the same key (%s) appeared on an earlier line",
			     s->sc->pallets_by_sscc ? "shipment_id, sscc, sku"
						    : "shipment_id, order_number, sku");
}

/* Sink: one data row. */
static void ship_row(void *ctx, int64_t line, const struct csv_field *f, size_t n)
{
	struct ship *s = ctx;
	int bad = 0;
	ship_flush(s);
	s->rb->res->rows++;
	if (!s->reserved && s->rb->res->rows >= 8192)
		ship_reserve(s);
	if (ship_check_bytes(s, line, f, n < CSV_MAX_FIELDS ? n : CSV_MAX_FIELDS) != 0)
		return;
	if (n != s->ncols) {
		rbuild_error(s->rb, line, "ragged_row", "", "the row has %zu fields, the header has %zu",
			     n, s->ncols);
		return;
	}
	/* Only fields with a column and a rule or required: a text field's
	 * value is never wrong, an absent column's value is empty. */
	for (size_t k = 0; k < s->ncheck; k++) {
		size_t i = (size_t)s->check[k];
		const char *v;
		size_t len;
		ship_value(s, f, (int)i, &v, &len);
		if (len)
			bad |= ship_check_value(s, line, (int)i, v, len) != 0;
		else if ((s->req >> i & 1) && s->fieldcol[i] >= 0) {
			rbuild_error(s->rb, line, "missing_required", s->sc->fields[i].name,
				     "required field '%s' is empty", s->sc->fields[i].name);
			bad = 1;
		}
	}
	if (s->sc->departure)
		bad |= ship_check_departure(s, line, f) != 0;
	uint64_t fp;
	if (ship_key(s, f, &fp) == 0) {
		fpset_prefetch(&s->keys, fp);
		s->pending = 1;
		s->pend_fp = fp;
		s->pend_line = line;
	}
	ship_summary(s, f);
	(void)bad;
}

static void ship_init(struct ship *s, const struct format_spec *spec, struct rbuild *rb,
		      struct csv_sink *sink)
{
	memset(s, 0, sizeof(*s));
	s->sc = schema_of(spec->ops);
	s->prof = spec->prof;
	s->rb = rb;
	s->sink = sink;
	s->pallet_field = schema_field(s->sc, s->sc->pallets_by_sscc ? "sscc" : "pallet_count");
	for (size_t i = 0; i < s->sc->nfields; i++)
		if (s->sc->fields[i].flags & F_REQ)
			s->req |= 1u << i;
	if (s->prof)
		s->req = (s->req | s->prof->req_add) & ~s->prof->req_drop;
	memset(sink, 0, sizeof(*sink));
	sink->header = ship_header;
	sink->row = ship_row;
	sink->flush = ship_flush;
	sink->ctx = s;
}

static void ship_release(struct ship *s)
{
	free(s->colfield);
	free(s->colname);
	free(s->keep);
	fpset_release(&s->keys);
}

/* detect(): the header row maps every required column. */
static int ship_detect(const struct format_spec *spec, const unsigned char *head, size_t len)
{
	struct ship s;
	struct csv_sink sink;
	ship_init(&s, spec, NULL, &sink);
	int ok = csv_head(head, len, spec->prof ? spec->prof->delim : 0, &sink) == 0 &&
		 s.missing == 0;
	ship_release(&s);
	return ok;
}

static int ship_parse(const struct format_spec *spec, int fd, struct rbuild *rb, char *err)
{
	struct ship s;
	struct csv_sink sink;
	struct csv_opts o = { 0, NULL };
	ship_init(&s, spec, rb, &sink);
	if (spec->prof) {
		o.delim = spec->prof->delim;
		o.charset = spec->prof->charset;
	}
	int r = csv_run(fd, &o, &sink, rb, err);
	ship_flush(&s);
	ship_release(&s);
	return r;
}

const struct format_ops format_expected_shipment = {
	.name = "expected-shipment", .detect = ship_detect, .parse = ship_parse,
};

const struct format_ops format_eos_csv = {
	.name = "eos-csv", .detect = ship_detect, .parse = ship_parse,
};
