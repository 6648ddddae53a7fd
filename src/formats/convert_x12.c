/* An X12 856 ship notice as canonical rows: one expected-shipment row per
 * item, a transaction set (ST..SE) after another. The mapping (also in
 * docs/conversions.md):
 *
 *   BSN02                      shipment_id      -> shipmentNumber
 *   BSN03 (+ BSN04)            scheduled_departure (YYYY-MM-DD[THH:MM])
 *   PRF01 (HL level O)         order_number     -> orders[].orderNumber
 *                              (no PRF in the transaction: BSN02)
 *   MAN01=GM MAN02 (HL T or P) lpn, the pallet's SSCC-18 -> items[].lpn
 *   LIN pairs (HL level I)     sku: the first of SK, VN, BP, IN, UP, EN,
 *                              else the first pair's id -> items[].sku
 *   SN102                      quantity         -> items[].quantity
 *   SN103 EA / CA / PL         quantity_unit UNIT / CASE / PALLET
 *
 * An item's pallet is the last T or P level before it (an S or O level
 * ends it). Line numbers in errors are segment numbers, as in validate. */
#include "convert_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common.h"

#define ISA_LEN 106
#define X12_BUF (1024 * 1024)
#define VAL 128            /* longest value kept (X12 ids are at most 80) */
#define NELEM 32

struct xitem {
	int64_t seg;
	char order[VAL], lpn[19], sku[VAL], qty[24];
	const char *unit;
};

struct x12src {
	struct rsrc base;
	int fd;
	const char *path;
	unsigned char *buf;
	size_t have, pos;
	int eof;
	unsigned char esep, term;
	int64_t seg;
	/* the transaction being read */
	char ship[VAL], date[24], order[VAL], lpn[19];
	struct xitem cur;
	int in_item;
	struct xitem *items;
	size_t n, cap, emit;
	int ready;                /* SE read: the items are given */
	int cf[CF_N];
	const char *v[NELEM];     /* the segment's elements (NUL-terminated in place) */
	size_t nv;
};

static const char *const sku_quals[] = { "SK", "VN", "BP", "IN", "UP", "EN", NULL };
static const char *const units[][2] = { { "EA", "UNIT" }, { "CA", "CASE" }, { "PL", "PALLET" } };

/* Fill the buffer past what is used; 0, or -1 with err. */
static int x12_fill(struct x12src *s, char *err)
{
	memmove(s->buf, s->buf + s->pos, s->have - s->pos);
	s->have -= s->pos;
	s->pos = 0;
	size_t want = X12_BUF - s->have;
	ssize_t n = read_full(s->fd, s->buf + s->have, want);
	if (n < 0) {
		snprintf(err, ERRLEN, "%s: %s", s->path, strerror(errno));
		return KA_ERR;
	}
	s->have += (size_t)n;
	s->eof = (size_t)n < want;
	return 0;
}

/* The next segment, split into s->v (its terminator and the separators
 * made NULs): 1, 0 at the end, or a negative enum ka_err. */
static int x12_segment(struct x12src *s, char *err)
{
	for (;;) {
		unsigned char *p = s->buf + s->pos, *end = s->buf + s->have;
		while (p < end && (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t'))
			p++;
		s->pos = (size_t)(p - s->buf);
		int isa = end - p >= 3 && memcmp(p, "ISA", 3) == 0;
		unsigned char *q = isa ? (end - p >= ISA_LEN ? p + ISA_LEN - 1 : NULL)
			: s->term ? memchr(p, s->term, (size_t)(end - p)) : NULL;
		if (q) {
			if (isa) {
				s->esep = p[3];
				s->term = p[ISA_LEN - 1];
			}
			*q = '\0';
			s->nv = 0;
			for (char *e = (char *)p; e && s->nv < NELEM; s->nv++) {
				s->v[s->nv] = e;
				e = strchr(e, s->esep);
				if (e)
					*e++ = '\0';
			}
			s->pos = (size_t)(q - s->buf) + 1;
			s->seg++;
			return 1;
		}
		if (s->eof && p == end)
			return 0;
		if (s->eof || (s->pos == 0 && s->have == X12_BUF)) {
			snprintf(err, ERRLEN, "%s:%lld: the segment has no terminator", s->path,
				 (long long)s->seg + 1);
			return KA_INVALID;
		}
		if (x12_fill(s, err) != 0)
			return KA_ERR;
	}
}

/* Element I of the current segment ("" when absent), trimmed of blanks. */
static const char *el(struct x12src *s, size_t i)
{
	if (i >= s->nv)
		return "";
	char *v = (char *)s->v[i];
	while (*v == ' ')
		v++;
	size_t n = strlen(v);
	while (n && v[n - 1] == ' ')
		v[--n] = '\0';
	return v;
}

/* Copy element I into OUT (OUTLEN bytes); -1 with err when it is longer. */
static int el_copy(struct x12src *s, size_t i, char *out, size_t outlen, char *err)
{
	const char *v = el(s, i);
	if (strlen(v) < outlen) {
		snprintf(out, outlen, "%s", v);
		return 0;
	}
	snprintf(err, ERRLEN, "%s:%lld: %s%02zu is longer than %zu characters", s->path,
		 (long long)s->seg, s->v[0], i, outlen - 1);
	return KA_INVALID;
}

/* The item in hand, complete, into the transaction's list. */
static int item_end(struct x12src *s, char *err)
{
	if (!s->in_item)
		return 0;
	s->in_item = 0;
	if (!*s->cur.sku || !*s->cur.qty) {
		snprintf(err, ERRLEN, "%s:%lld: the item (HL level I) has no %s", s->path,
			 (long long)s->cur.seg, *s->cur.sku ? "SN1 quantity" : "LIN item id");
		return KA_INVALID;
	}
	if (!utf8_valid((const unsigned char *)s->cur.sku, strlen(s->cur.sku)) ||
	    !utf8_valid((const unsigned char *)s->cur.order, strlen(s->cur.order)) ||
	    !utf8_valid((const unsigned char *)s->ship, strlen(s->ship)) ||
	    !utf8_valid((const unsigned char *)s->date, strlen(s->date)) ||
	    !utf8_valid((const unsigned char *)s->cur.qty, strlen(s->cur.qty))) {
		snprintf(err, ERRLEN, "%s:%lld: the item's values are not UTF-8 text (BSN, PRF01, "
			 "LIN, SN1)", s->path, (long long)s->cur.seg);
		return KA_INVALID;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->items = xrealloc(s->items, s->cap * sizeof(*s->items));
	}
	s->items[s->n++] = s->cur;
	return 0;
}

/* HL: an item begins (level I), or a level that ends the pallet. */
static int on_hl(struct x12src *s, char *err)
{
	const char *level = el(s, 3);
	if (item_end(s, err) != 0)
		return KA_INVALID;
	if (strcmp(level, "I") == 0) {
		memset(&s->cur, 0, sizeof(s->cur));
		s->cur.seg = s->seg;
		snprintf(s->cur.order, sizeof(s->cur.order), "%s", *s->order ? s->order : s->ship);
		snprintf(s->cur.lpn, sizeof(s->cur.lpn), "%s", s->lpn);
		s->in_item = 1;
	} else {
		s->lpn[0] = '\0';
	}
	return 0;
}

/* MAN*GM: the pallet's SSCC (normalised to its 18 digits). */
static int on_man(struct x12src *s, char *err)
{
	const char *why, *v = el(s, 2);
	char d[19];
	if (strcmp(el(s, 1), "GM") != 0)
		return 0;
	if (sscc_check(v, strlen(v), d, &why) != 0) {
		snprintf(err, ERRLEN, "%s:%lld: SSCC '%.40s' %s", s->path, (long long)s->seg, v, why);
		return KA_INVALID;
	}
	snprintf(s->lpn, sizeof(s->lpn), "%s", d);
	if (s->in_item)
		snprintf(s->cur.lpn, sizeof(s->cur.lpn), "%s", d);
	return 0;
}

/* LIN: the item's id by the qualifiers' preference. */
static int on_lin(struct x12src *s, char *err)
{
	size_t best = 0;
	for (size_t k = 0; sku_quals[k] && !best; k++)
		for (size_t i = 2; i + 1 < s->nv && !best; i += 2)
			if (strcmp(el(s, i), sku_quals[k]) == 0 && *el(s, i + 1))
				best = i + 1;
	if (!best)
		best = 3;
	return s->in_item ? el_copy(s, best, s->cur.sku, sizeof(s->cur.sku), err) : 0;
}

/* SN1: quantity and unit. */
static int on_sn1(struct x12src *s, char *err)
{
	const char *u = el(s, 3);
	if (!s->in_item)
		return 0;
	s->cur.seg = s->seg;
	if (el_copy(s, 2, s->cur.qty, sizeof(s->cur.qty), err) != 0)
		return KA_INVALID;
	s->cur.unit = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strcmp(u, units[i][0]) == 0)
			s->cur.unit = units[i][1];
	if (!s->cur.unit) {
		snprintf(err, ERRLEN, "%s:%lld: SN103 unit '%.20s' has no Kargo quantity unit (EA, "
			 "CA and PL convert)", s->path, (long long)s->seg, u);
		return KA_INVALID;
	}
	return 0;
}

/* BSN: the shipment id and its date (and time). */
static int on_bsn(struct x12src *s, char *err)
{
	const char *d = el(s, 3), *t = el(s, 4);
	if (el_copy(s, 2, s->ship, sizeof(s->ship), err) != 0)
		return KA_INVALID;
	s->date[0] = '\0';
	if (strlen(d) == 8 && strlen(t) >= 4)
		snprintf(s->date, sizeof(s->date), "%.4s-%.2s-%.2sT%.2s:%.2s", d, d + 4, d + 6,
			 t, t + 2);
	else if (strlen(d) == 8)
		snprintf(s->date, sizeof(s->date), "%.4s-%.2s-%.2s", d, d + 4, d + 6);
	return 0;
}

/* One segment of a transaction; 1 at its SE. */
static int on_segment(struct x12src *s, char *err)
{
	const char *id = s->v[0];
	if (strcmp(id, "ST") == 0) {
		s->n = s->emit = 0;
		s->in_item = 0;
		s->ship[0] = s->date[0] = s->order[0] = s->lpn[0] = '\0';
		return 0;
	}
	if (strcmp(id, "BSN") == 0)
		return on_bsn(s, err);
	if (strcmp(id, "HL") == 0)
		return on_hl(s, err);
	if (strcmp(id, "PRF") == 0)
		return el_copy(s, 1, s->order, sizeof(s->order), err);
	if (strcmp(id, "MAN") == 0)
		return on_man(s, err);
	if (strcmp(id, "LIN") == 0)
		return on_lin(s, err);
	if (strcmp(id, "SN1") == 0)
		return on_sn1(s, err);
	if (strcmp(id, "SE") == 0)
		return item_end(s, err) != 0 ? KA_INVALID : 1;
	return 0;
}

/* Item K of the transaction as an expected-shipment row. */
static void item_row(struct x12src *s, size_t k, struct crow *r)
{
	const struct xitem *it = &s->items[k];
	const struct csv_schema *sc = &schema_expected_shipment;
	memset(r, 0, sizeof(*r));
	r->sc = sc;
	r->cf = s->cf;
	r->line = it->seg;
	r->last = k + 1 == s->n;
	r->v[schema_field(sc, "shipment_id")] = s->ship;
	r->v[schema_field(sc, "order_number")] = it->order;
	r->v[schema_field(sc, "scheduled_departure")] = s->date;
	r->v[schema_field(sc, "lpn")] = it->lpn;
	r->v[schema_field(sc, "sku")] = it->sku;
	r->v[schema_field(sc, "quantity")] = it->qty;
	r->v[schema_field(sc, "quantity_unit")] = it->unit;
}

static int x12src_next(struct rsrc *b, struct crow *r, char *err)
{
	struct x12src *s = (struct x12src *)b;
	/* Give a transaction's items once its SE is read (one with none gives
	 * nothing). */
	while (!s->ready || s->emit >= s->n) {
		s->ready = 0;
		int ret = x12_segment(s, err);
		if (ret <= 0)
			return ret;
		ret = on_segment(s, err);
		if (ret < 0)
			return ret;
		s->ready = ret == 1;
		s->emit = 0;
	}
	item_row(s, s->emit++, r);
	return 1;
}

static void x12src_close(struct rsrc *b)
{
	struct x12src *s = (struct x12src *)b;
	if (!s)
		return;
	free(s->buf);
	free(s->items);
	free(s);
}

int x12src_open(int fd, const char *path, struct rsrc **out, char *err)
{
	struct x12src *s = xcalloc(1, sizeof(*s));
	s->base.next = x12src_next;
	s->base.close = x12src_close;
	s->fd = fd;
	s->path = path;
	s->buf = xmalloc(X12_BUF + 1);
	cfields_of(&schema_expected_shipment, s->cf);
	if (lseek(fd, 0, SEEK_SET) < 0 || x12_fill(s, err) != 0) {
		if (!*err)
			snprintf(err, ERRLEN, "%s: %s", path, strerror(errno));
		x12src_close(&s->base);
		return KA_ERR;
	}
	/* A byte order mark before the ISA (as detection allows). */
	if (s->have >= 3 && memcmp(s->buf, "\xEF\xBB\xBF", 3) == 0)
		s->pos = 3;
	*out = &s->base;
	return 0;
}
