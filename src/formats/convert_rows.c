/* CSV rows with canonical field names for the conversions: the header
 * mapped as the validator maps it (a profile's aliases first, then the
 * schema's header variants), each row's values trimmed into one buffer. */
#include "convert_int.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../common.h"
#include "format.h"

#define NAMELEN 64

const struct csv_schema *conv_schema(const struct format_ops *ops)
{
	if (ops == &format_expected_shipment || ops == &format_x12_856)
		return &schema_expected_shipment;
	if (ops == &format_eos_csv)
		return &schema_eos_csv;
	return NULL;
}

void cfields_of(const struct csv_schema *sc, int cf[CF_N])
{
	static const char *const cf_names[CF_N] = {
		[CF_SHIPMENT_ID] = "shipment_id", [CF_ORDER_NUMBER] = "order_number",
		[CF_FACILITY] = "facility", [CF_DIRECTION] = "direction", [CF_SKU] = "sku",
		[CF_LPN] = "lpn", [CF_QUANTITY] = "quantity", [CF_QUANTITY_UNIT] = "quantity_unit",
	};
	for (size_t i = 0; i < CF_N; i++)
		cf[i] = schema_field(sc, cf_names[i]);
}

/* The field a normalised header maps to (as shipment.c maps it). */
static int map_header(const struct csv_schema *sc, const struct profile *prof, const char *norm)
{
	for (size_t i = 0; prof && i < prof->naliases; i++)
		if (strcmp(prof->aliases[i].header, norm) == 0)
			return prof->aliases[i].field;
	return schema_header(sc, norm);
}

/* Map the header row F (N fields): the first column of each field counts
 * (a validated file has no field twice). */
void colmap_header(struct colmap *m, const struct profile *prof, const struct csv_field *f,
		   size_t n)
{
	char norm[NAMELEN];
	cfields_of(m->sc, m->cf);
	for (size_t i = 0; i < CROW_MAX; i++)
		m->fieldcol[i] = -1;
	for (size_t c = 0; c < n && c < CSV_MAX_FIELDS; c++) {
		header_normalise(f[c].s, f[c].len, norm, sizeof(norm));
		int fi = map_header(m->sc, prof, norm);
		if (fi >= 0 && fi < CROW_MAX && m->fieldcol[fi] < 0)
			m->fieldcol[fi] = (int)c;
	}
}

/* Row F (N fields) at LINE into R: each mapped field's trimmed value,
 * copied into M's buffer (valid until the next row). */
void colmap_row(struct colmap *m, const struct csv_field *f, size_t n, int64_t line,
		struct crow *r)
{
	size_t need = 0, o = 0;
	memset(r, 0, sizeof(*r));
	r->sc = m->sc;
	r->cf = m->cf;
	r->line = line;
	for (size_t fi = 0; fi < m->sc->nfields; fi++)
		if (m->fieldcol[fi] >= 0)
			need += ((size_t)m->fieldcol[fi] < n ? f[m->fieldcol[fi]].len : 0) + 1;
	if (need > m->cap) {
		m->cap = need * 2;
		m->buf = xrealloc(m->buf, m->cap);
	}
	for (size_t fi = 0; fi < m->sc->nfields; fi++) {
		int c = m->fieldcol[fi];
		if (c < 0)
			continue;
		const char *s = (size_t)c < n ? f[c].s : "";
		size_t len = (size_t)c < n ? f[c].len : 0;
		span_trim(&s, &len);
		if (len)
			memcpy(m->buf + o, s, len);
		m->buf[o + len] = '\0';
		r->v[fi] = m->buf + o;
		o += len + 1;
	}
}

void colmap_release(struct colmap *m)
{
	free(m->buf);
	m->buf = NULL;
	m->cap = 0;
}

/* libcsv's space function for a tab delimiter (as the CSV engine's). */
static int rr_space_only(unsigned char c)
{
	return c == ' ';
}

void rowreader_init(struct rowreader *rr, int fd, int delim)
{
	memset(rr, 0, sizeof(*rr));
	rr->fd = fd;
	rr->p = xmalloc(sizeof(*rr->p));
	if (csv_init(rr->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		abort();   /* only fails on bad options */
	csv_set_delim(rr->p, (unsigned char)delim);
	if (delim == '\t')
		csv_set_space_func(rr->p, rr_space_only);
}

void rowreader_release(struct rowreader *rr)
{
	if (rr->p) {
		csv_free(rr->p);
		free(rr->p);
	}
	for (size_t i = 0; i < RR_WINDOWS; i++)
		free(rr->win[i].buf);
	free(rr->fbuf);
	free(rr->f);
	memset(rr, 0, sizeof(*rr));
}

/* libcsv: a field of the row (after the first row: ignored). */
static void rr_field(void *data, size_t len, void *ctx)
{
	struct rowreader *rr = ctx;
	if (rr->got)
		return;
	if (rr->flen + len + 1 > rr->fcap) {
		rr->fcap = (rr->flen + len + 1) * 2;
		rr->fbuf = xrealloc(rr->fbuf, rr->fcap);
	}
	if (rr->nf == rr->nfcap) {
		rr->nfcap = rr->nfcap ? rr->nfcap * 2 : 32;
		rr->f = xrealloc(rr->f, rr->nfcap * sizeof(*rr->f));
	}
	if (len)
		memcpy(rr->fbuf + rr->flen, data, len);
	rr->fbuf[rr->flen + len] = '\0';
	rr->f[rr->nf].s = (const char *)(uintptr_t)rr->flen;   /* an offset until the row ends */
	rr->f[rr->nf].len = len;
	rr->f[rr->nf].flags = 0;
	rr->nf++;
	rr->flen += len + 1;
	for (size_t i = 0; i < len && !rr->nonblank; i++)
		rr->nonblank = ((const char *)data)[i] != ' ' && ((const char *)data)[i] != '\t';
}

/* libcsv: the row ended; a blank one (as the engine skips) is dropped. */
static void rr_row(int c, void *ctx)
{
	struct rowreader *rr = ctx;
	(void)c;
	if (rr->got)
		return;
	if (rr->nonblank) {
		rr->got = 1;
		return;
	}
	rr->nf = rr->flen = 0;
}

/* The window holding [START, END), read when none does. */
static const unsigned char *rr_bytes(struct rowreader *rr, uint64_t start, uint64_t end)
{
	struct rr_window *w = &rr->win[0];
	size_t need = (size_t)(end - start);
	for (size_t i = 0; i < RR_WINDOWS; i++) {
		struct rr_window *c = &rr->win[i];
		if (c->buf && start >= c->off && end <= c->off + c->len) {
			c->tick = ++rr->tick;
			return c->buf + (start - c->off);
		}
		if (c->tick < w->tick)
			w = c;
	}
	size_t want = need > RR_WINDOW ? need : RR_WINDOW;
	if (want > w->cap) {
		w->cap = want;
		w->buf = xrealloc(w->buf, w->cap);
	}
	ssize_t got = pread_full(rr->fd, w->buf, want, (int64_t)start);
	if (got < 0 || (size_t)got < need) {
		w->len = 0;
		if (got >= 0)
			errno = EIO;   /* the file is shorter than it was */
		return NULL;
	}
	w->off = start;
	w->len = (size_t)got;
	w->tick = ++rr->tick;
	return w->buf;
}

int rowreader_read(struct rowreader *rr, uint64_t start, uint64_t end,
		   const struct csv_field **f, size_t *n)
{
	const unsigned char *b = end > start ? rr_bytes(rr, start, end) : (const unsigned char *)"";
	if (!b)
		return -1;
	rr->nf = rr->flen = 0;
	rr->got = rr->nonblank = 0;
	size_t len = (size_t)(end - start);
	if (csv_parse(rr->p, b, len, rr_field, rr_row, rr) != len ||
	    csv_fini(rr->p, rr_field, rr_row, rr) != 0)
		rr->got = 0;   /* (a validated file has no quoting errors) */
	if (!rr->got)
		return 0;
	for (size_t i = 0; i < rr->nf; i++)
		rr->f[i].s = rr->fbuf + (uintptr_t)rr->f[i].s;
	*f = rr->f;
	*n = rr->nf;
	return 1;
}
