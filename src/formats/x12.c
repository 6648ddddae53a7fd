/* X12 interchanges (x12) and 856 ship notices (x12-856): a memchr tokenizer
 * with the separators of each ISA header, envelope checks, HL parents, SSCCs
 * in MAN*GM, and the extracted shipment ids, pallets and items. */
#include "format.h"
#include "format_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common.h"
#include "../progress.h"

#define ISA_LEN 106
#define X12_MAX_SEG (256 * 1024)
#define HL_BITS 65536

/* HL ids of one transaction: numeric ids in a bitmap, others as fingerprints. */
struct hlset {
	unsigned char bits[HL_BITS / 8];
	uint32_t maxid;
	struct fpset other;
};

struct x12 {
	struct rbuild *rb;
	int is856;
	unsigned char esep, term;
	int64_t seg;                 /* number of the current segment in the file */
	int want_isa, fatal, saw_isa, saw_st;
	int in_isa, in_gs, in_st, gs_sh, gs_reported;
	char isa13[16], gs06[16], st02[16];
	int64_t isa_seg, gs_seg, st_seg, ngs, nst, st_segs;
	struct hlset hl;
	/* The last BSN02, counted when the next BSN comes or at the end, after
	 * prefetching its slot in the distinct-id table (a cache miss each). */
	char bsn[64];
	size_t bsnlen;
	int bsn_pending;
};

static void bsn_flush(struct x12 *x)
{
	if (x->bsn_pending)
		rbuild_shipment(x->rb, x->bsn, x->bsnlen);
	x->bsn_pending = 0;
}

static void bsn_note(struct x12 *x, const char *v, size_t vl)
{
	bsn_flush(x);
	if (vl > sizeof(x->bsn)) {
		rbuild_shipment(x->rb, v, vl);
		return;
	}
	fpset_prefetch(&x->rb->ids.set, fp_hash(v, vl));
	memcpy(x->bsn, v, vl);
	x->bsnlen = vl;
	x->bsn_pending = 1;
}

/* Element IDX (1-based) of segment S; empty when absent. */
static void elem(const struct x12 *x, const unsigned char *s, size_t len, int idx,
		 const char **v, size_t *vl)
{
	const unsigned char *p = s, *end = s + len;
	for (int i = 0; i < idx; i++) {
		p = memchr(p, x->esep, (size_t)(end - p));
		if (!p) {
			*v = "";
			*vl = 0;
			return;
		}
		p++;
	}
	const unsigned char *e = memchr(p, x->esep, (size_t)(end - p));
	*v = (const char *)p;
	*vl = (size_t)((e ? e : end) - p);
	span_trim(v, vl);
}

/* Elements 1..N of segment S in one pass (IDLEN: the id's length, so S[IDLEN]
 * is the first separator or the end); absent elements are empty. */
#define X12_SPLIT_MAX 4
struct elems {
	const char *v[X12_SPLIT_MAX + 1];
	size_t l[X12_SPLIT_MAX + 1];
};

static void split(const struct x12 *x, const unsigned char *s, size_t len, size_t idlen, int n,
		  struct elems *e)
{
	const unsigned char sep = x->esep;
	/* A separator inside the id (a letter as separator): split where elem() would. */
	if (len >= 2 && (s[0] == sep || s[1] == sep))
		idlen = s[0] == sep ? 0 : 1;
	const unsigned char *p = s + (idlen < len ? idlen : len), *end = s + len;
	for (int i = 1; i <= n; i++) {
		if (p >= end) {
			e->v[i] = "";
			e->l[i] = 0;
			continue;
		}
		const unsigned char *b = ++p;
		while (p < end && *p != sep)
			p++;
		e->v[i] = (const char *)b;
		e->l[i] = (size_t)(p - b);
		span_trim(&e->v[i], &e->l[i]);
	}
}

static int elem_is(const char *v, size_t vl, const char *lit)
{
	return vl == strlen(lit) && memcmp(v, lit, vl) == 0;
}

static void copy_elem(char *out, size_t outlen, const char *v, size_t vl)
{
	size_t n = vl < outlen - 1 ? vl : outlen - 1;
	memcpy(out, v, n);   /* (once per ST: snprintf showed in profiles) */
	out[n] = '\0';
}

/* A count element against the actual count: report CLS when they differ. */
static void check_count(struct x12 *x, const char *name, const char *cls, const char *v,
			size_t vl, int64_t actual, const char *what)
{
	int64_t n;
	char shown[64];
	if (digits_parse(v, vl, 0, &n) == 0 && n == actual)
		return;
	rbuild_error(x->rb, x->seg, cls, name, "%s is '%s' but there are %lld %s", name,
		     value_show(v, vl, shown, sizeof(shown)), (long long)actual, what);
}

/* A trailer control number against the header's. */
static void check_control(struct x12 *x, const char *name, const char *cls, const char *v,
			  size_t vl, const char *hdr, const char *hname)
{
	char shown[64];
	if (vl == strlen(hdr) && memcmp(v, hdr, vl) == 0)
		return;
	rbuild_error(x->rb, x->seg, cls, name, "%s '%s' does not match %s '%s'", name,
		     value_show(v, vl, shown, sizeof(shown)), hname, hdr);
}

static void hl_clear(struct hlset *h)
{
	memset(h->bits, 0, h->maxid / 8 + 1);
	h->maxid = 0;
	if (h->other.n)
		fpset_clear(&h->other);
}

/* Add an HL id (ADD) or test for it; returns 1 if it was present. */
static int hl_test(struct hlset *h, const char *v, size_t vl, int add)
{
	uint32_t n = 0;
	size_t i = 0;
	for (; i < vl && i < 5 && (unsigned char)(v[i] - '0') <= 9; i++)
		n = n * 10 + (uint32_t)(v[i] - '0');
	if (vl && i == vl && n < HL_BITS) {
		int had = h->bits[n / 8] >> (n % 8) & 1;
		if (add) {
			h->bits[n / 8] |= (unsigned char)(1u << (n % 8));
			if (n > h->maxid)
				h->maxid = n;
		}
		return had;
	}
	uint64_t fp = fp_hash(v, vl);
	return add ? !fpset_add(&h->other, fp) : fpset_has(&h->other, fp);
}

/* Close what is still open at an ISA, IEA, GE or the end of the file. */
static void close_st(struct x12 *x)
{
	if (x->in_st)
		rbuild_error(x->rb, x->st_seg, "missing_se", "ST",
			     "transaction set %s has no SE trailer", x->st02);
	x->in_st = 0;
}

static void close_gs(struct x12 *x)
{
	close_st(x);
	if (x->in_gs)
		rbuild_error(x->rb, x->gs_seg, "missing_ge", "GS",
			     "functional group %s has no GE trailer", x->gs06);
	x->in_gs = 0;
}

static void close_isa(struct x12 *x)
{
	close_gs(x);
	if (x->in_isa)
		rbuild_error(x->rb, x->isa_seg, "missing_iea", "ISA",
			     "interchange %s has no IEA trailer", x->isa13);
	x->in_isa = 0;
}

/* The fixed-width ISA header: separators, then open the interchange. */
static int x12_isa(struct x12 *x, const unsigned char *s)
{
	static const int seps[] = { 3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103 };
	x->seg++;
	if (memcmp(s, "ISA", 3) != 0) {
		rbuild_error(x->rb, x->seg, "bad_isa", "ISA",
			     "expected an ISA interchange header here");
		return -1;
	}
	for (size_t i = 1; i < ARRAY_SIZE(seps); i++)
		if (s[seps[i]] != s[3]) {
			rbuild_error(x->rb, x->seg, "bad_isa", "ISA",
				     "the ISA header is not 106 bytes with 16 fixed-width elements");
			return -1;
		}
	close_isa(x);
	x->esep = s[3];
	x->term = s[105];
	x->in_isa = 1;
	x->saw_isa = 1;
	x->isa_seg = x->seg;
	x->ngs = 0;
	const char *v;
	size_t vl;
	elem(x, s, ISA_LEN - 1, 13, &v, &vl);
	copy_elem(x->isa13, sizeof(x->isa13), v, vl);
	return 0;
}

static void x12_gs(struct x12 *x, const unsigned char *s, size_t len)
{
	const char *v;
	size_t vl;
	close_gs(x);
	x->in_gs = 1;
	x->gs_seg = x->seg;
	x->ngs++;
	x->nst = 0;
	x->gs_reported = 0;
	elem(x, s, len, 6, &v, &vl);
	copy_elem(x->gs06, sizeof(x->gs06), v, vl);
	elem(x, s, len, 1, &v, &vl);
	x->gs_sh = elem_is(v, vl, "SH");
	if (x->is856 && !x->gs_sh) {
		char shown[64];
		rbuild_error(x->rb, x->seg, "bad_group_type", "GS01",
			     "functional group '%s' is not SH (ship notice)",
			     value_show(v, vl, shown, sizeof(shown)));
		x->gs_reported = 1;
	}
}

static void x12_st(struct x12 *x, const unsigned char *s, size_t len)
{
	const char *v;
	size_t vl;
	char shown[64];
	close_st(x);
	x->in_st = 1;
	x->saw_st = 1;
	x->st_seg = x->seg;
	x->st_segs = 1;
	x->nst++;
	x->rb->res->rows++;
	hl_clear(&x->hl);
	elem(x, s, len, 2, &v, &vl);
	copy_elem(x->st02, sizeof(x->st02), v, vl);
	elem(x, s, len, 1, &v, &vl);
	if (!elem_is(v, vl, "856") && (x->gs_sh || (x->is856 && !x->gs_reported)))
		rbuild_error(x->rb, x->seg, "bad_transaction_type", "ST01",
			     "transaction set '%s' is not an 856 ship notice",
			     value_show(v, vl, shown, sizeof(shown)));
}

/* Digits at *P up to the separator or END (at most 5): their value, or -1
 * when something else comes first. Moves *P to the separator or END. */
static inline int32_t hl_number(const unsigned char **p, const unsigned char *end,
				unsigned char sep)
{
	const unsigned char *q = *p;
	int32_t n = 0;
	for (int i = 0; q < end && *q != sep; q++, i++) {
		if (i == 5 || (unsigned char)(*q - '0') > 9)
			return -1;
		n = n * 10 + (*q - '0');
	}
	*p = q;
	return n;
}

static void x12_hl_slow(struct x12 *x, const unsigned char *s, size_t len);

/* An HL error naming value V: a missing parent, or a duplicate id (out of
 * line: keeps x12_hl's frame small). */
static __attribute__((noinline, cold)) void hl_error(struct x12 *x, int dup, const char *v,
						     size_t vl)
{
	char shown[64];
	value_show(v, vl, shown, sizeof(shown));
	if (dup)
		rbuild_error(x->rb, x->seg, "duplicate_hl", "HL01",
			     "HL id '%s' is used twice in this transaction", shown);
	else
		rbuild_error(x->rb, x->seg, "hl_parent_missing", "HL02",
			     "parent HL '%s' is not an earlier HL in this transaction", shown);
}

/* HL: ids of up to 5 digits go straight to the bitmap; anything else takes
 * the general path (same checks, same messages). */
static __attribute__((noinline)) void x12_hl(struct x12 *x, const unsigned char *s, size_t len)
{
	const unsigned char sep = x->esep, *end = s + len, *p = s + 3;
	if (sep == 'H' || sep == 'L' || len < 4)
		goto slow;
	const unsigned char *id = p;
	int32_t n = hl_number(&p, end, sep);
	size_t il = (size_t)(p - id);
	if (n < 0 || n >= HL_BITS || !il || p == end)
		goto slow;
	const unsigned char *parent = ++p;
	int32_t pn = hl_number(&p, end, sep);
	size_t pl = (size_t)(p - parent);
	if (pn < 0 || pn >= HL_BITS)
		goto slow;
	const char *level = "";
	size_t ll = 0;
	if (p < end) {
		const unsigned char *b = ++p;
		while (p < end && *p != sep)
			p++;
		level = (const char *)b;
		ll = (size_t)(p - b);
		span_trim(&level, &ll);
	}
	struct hlset *h = &x->hl;
	if (pl && !(h->bits[pn / 8] >> (pn % 8) & 1))
		hl_error(x, 0, (const char *)parent, pl);
	if (h->bits[n / 8] >> (n % 8) & 1)
		hl_error(x, 1, (const char *)id, il);
	h->bits[n / 8] |= (unsigned char)(1u << (n % 8));
	if ((uint32_t)n > h->maxid)
		h->maxid = (uint32_t)n;
	if (ll == 1 && level[0] == 'T')
		x->rb->res->pallets++;
	else if (ll == 1 && level[0] == 'I')
		x->rb->res->items++;
	return;
slow:
	x12_hl_slow(x, s, len);
}

static void x12_hl_slow(struct x12 *x, const unsigned char *s, size_t len)
{
	struct elems e;
	char shown[64];
	split(x, s, len, 2, 3, &e);
	const char *id = e.v[1], *parent = e.v[2], *level = e.v[3];
	size_t il = e.l[1], pl = e.l[2], ll = e.l[3];
	if (pl && !hl_test(&x->hl, parent, pl, 0))
		rbuild_error(x->rb, x->seg, "hl_parent_missing", "HL02",
			     "parent HL '%s' is not an earlier HL in this transaction",
			     value_show(parent, pl, shown, sizeof(shown)));
	if (!il)
		rbuild_error(x->rb, x->seg, "missing_required", "HL01", "HL segment without an id");
	else if (hl_test(&x->hl, id, il, 1))
		rbuild_error(x->rb, x->seg, "duplicate_hl", "HL01",
			     "HL id '%s' is used twice in this transaction",
			     value_show(id, il, shown, sizeof(shown)));
	if (ll == 1 && level[0] == 'T')
		x->rb->res->pallets++;
	else if (ll == 1 && level[0] == 'I')
		x->rb->res->items++;
}

static void x12_man(struct x12 *x, const unsigned char *s, size_t len)
{
	const char *why;
	char d[19], shown[64];
	struct elems e;
	split(x, s, len, 3, 2, &e);
	if (!elem_is(e.v[1], e.l[1], "GM"))
		return;
	const char *v = e.v[2];
	size_t vl = e.l[2];
	if (sscc_check(v, vl, d, &why) != 0)
		rbuild_error(x->rb, x->seg, "bad_sscc", "MAN02", "SSCC '%s' %s",
			     value_show(v, vl, shown, sizeof(shown)), why);
}

/* Trailers: SE, GE, IEA. */
static void x12_trailer(struct x12 *x, const unsigned char *s, size_t len, char kind)
{
	struct elems e;
	split(x, s, len, kind == 'I' ? 3 : 2, 2, &e);
	const char *v1 = e.v[1], *v2 = e.v[2];
	size_t l1 = e.l[1], l2 = e.l[2];
	if (kind == 'S') {
		check_count(x, "SE01", "se_count_mismatch", v1, l1, x->st_segs, "segments from ST to SE");
		check_control(x, "SE02", "se_control_mismatch", v2, l2, x->st02, "ST02");
		x->in_st = 0;
	} else if (kind == 'G') {
		close_st(x);
		check_count(x, "GE01", "ge_count_mismatch", v1, l1, x->nst, "transaction sets (ST) in the group");
		check_control(x, "GE02", "ge_control_mismatch", v2, l2, x->gs06, "GS06");
		x->in_gs = 0;
	} else {
		close_gs(x);
		check_count(x, "IEA01", "iea_count_mismatch", v1, l1, x->ngs, "functional groups (GS) in the interchange");
		check_control(x, "IEA02", "iea_control_mismatch", v2, l2, x->isa13, "ISA13");
		x->in_isa = 0;
		x->want_isa = 1;
	}
}

static __attribute__((noinline)) void unexpected(struct x12 *x, const char *id, const char *where)
{
	rbuild_error(x->rb, x->seg, "unexpected_segment", id, "%s segment %s", id, where);
}

/* One segment (without its terminator). */
static inline void x12_segment(struct x12 *x, const unsigned char *s, size_t len);

/* A segment outside ST..SE (rare: kept out of the hot path). */
static __attribute__((noinline)) void x12_envelope(struct x12 *x, const unsigned char *s,
						   size_t len, size_t il)
{
	char id[4] = "";
	memcpy(id, s, il);
	id[il] = '\0';
	if (strcmp(id, "GS") == 0)
		x->in_isa ? x12_gs(x, s, len) : unexpected(x, id, "outside an interchange");
	else if (strcmp(id, "ST") == 0)
		x->in_gs ? x12_st(x, s, len) : unexpected(x, id, "outside a functional group");
	else if (strcmp(id, "GE") == 0)
		x->in_gs ? x12_trailer(x, s, len, 'G') : unexpected(x, id, "without GS");
	else if (strcmp(id, "IEA") == 0)
		x->in_isa ? x12_trailer(x, s, len, 'I') : unexpected(x, id, "without ISA");
	else
		unexpected(x, id, "outside a transaction set (ST..SE)");
}

/* GS, GE or IEA inside a transaction: close it, then handle the segment again. */
static __attribute__((noinline)) void x12_envelope_in_st(struct x12 *x, const unsigned char *s,
							 size_t len, size_t il)
{
	char id[4] = "";
	memcpy(id, s, il);
	id[il] = '\0';
	if (strcmp(id, "GE") == 0 || strcmp(id, "GS") == 0 || strcmp(id, "IEA") == 0) {
		close_st(x);
		x->seg--;
		x12_segment(x, s, len);
	}
}

/* MAN, BSN, SE, ST, GS, GE, IEA inside a transaction (out of the hot path). */
static __attribute__((noinline)) void x12_in_st(struct x12 *x, const unsigned char *s,
						size_t len, size_t il)
{
	const unsigned char c0 = s[0], c1 = s[1], c2 = il == 3 ? s[2] : 0;
	switch (c0) {
	case 'M':
		if (c1 == 'A' && c2 == 'N')
			x12_man(x, s, len);
		break;
	case 'B':
		if (c1 == 'S' && c2 == 'N') {
			struct elems e;
			split(x, s, len, 3, 2, &e);
			if (e.l[2])
				bsn_note(x, e.v[2], e.l[2]);
		}
		break;
	case 'S':
		if (c1 == 'E' && il == 2)
			x12_trailer(x, s, len, 'S');
		else if (c1 == 'T' && il == 2) {
			close_st(x);   /* a new ST without SE */
			x12_st(x, s, len);
		}
		break;
	case 'G':
	case 'I':
		x12_envelope_in_st(x, s, len, il);
		break;
	}
}

static __attribute__((noinline)) void bad_segment(struct x12 *x)
{
	rbuild_error(x->rb, x->seg, "bad_segment", "", "not an X12 segment (bad segment id)");
}

/* One segment (without its terminator). Kept small and inlined into the
 * tokenizer loop: most segments of a ship notice (LIN, SN1, PID, ...) are
 * only counted. */
static inline __attribute__((always_inline)) void x12_segment(struct x12 *x,
							      const unsigned char *s, size_t len)
{
	/* Segment ids are 2 or 3 characters: look, do not scan. */
	size_t il = len >= 3 && s[2] == x->esep ? 2 : len >= 4 && s[3] == x->esep ? 3
		  : len == 2 || len == 3 ? len : 0;
	x->seg++;
	if (x->in_st)
		x->st_segs++;
	if (__builtin_expect(!il || !s[0], 0)) {
		bad_segment(x);
		return;
	}
	if (__builtin_expect(!x->in_st, 0)) {
		x12_envelope(x, s, len, il);
		return;
	}
	const unsigned char c0 = s[0];
	if (c0 == 'H') {
		if (s[1] == 'L' && il == 2)
			x12_hl(x, s, len);
	} else if (c0 == 'M' || c0 == 'B' || (c0 == 'S' && il == 2) || c0 == 'G' || c0 == 'I') {
		x12_in_st(x, s, len, il);
	}
}

/* The first byte C in [P, END), or NULL: 8 bytes at a time inline (segments
 * are short, a memchr call per segment costs more than the search). */
static inline const unsigned char *find_term(const unsigned char *p, const unsigned char *end,
					     unsigned char c)
{
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	return memchr(p, c, (size_t)(end - p));
#endif
	const uint64_t ones = 0x0101010101010101ULL, pat = ones * c;
	while (end - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		w ^= pat;
		uint64_t m = (w - ones) & ~w & 0x8080808080808080ULL;
		if (m)
			return p + (__builtin_ctzll(m) >> 3);   /* the lowest hit is exact */
		p += 8;
	}
	for (; p < end; p++)
		if (*p == c)
			return p;
	return NULL;
}

/* Process the complete segments in [P, END); returns bytes used. */
static size_t x12_feed(struct x12 *x, const unsigned char *p, const unsigned char *end, int eof)
{
	const unsigned char *start = p;
	if (x->fatal)
		return 0;   /* (fatal is only set just before a break below) */
	while (p < end) {
		while (p < end && (*p == '\r' || *p == '\n'))
			p++;
		if (p == end)
			break;
		/* Rare: an ISA wanted (blanks skipped too) or a segment starting with 'I'. */
		if (__builtin_expect(x->want_isa || *p == 'I', 0)) {
			while (p < end && (*p == '\r' || *p == '\n' ||
					   (x->want_isa && (*p == ' ' || *p == '\t'))))
				p++;
			if (p == end)
				break;
		}
		if (__builtin_expect(x->want_isa || (*p == 'I' && end - p >= 4 &&
						     memcmp(p, "ISA", 3) == 0 && p[3] == x->esep), 0)) {
			if (end - p < ISA_LEN) {
				if (eof) {
					x->seg++;
					rbuild_error(x->rb, x->seg, "bad_isa", "ISA",
						     "the file ends inside an ISA header");
					x->fatal = 1;
				}
				break;
			}
			if (x12_isa(x, p) != 0) {
				x->fatal = 1;
				break;
			}
			x->want_isa = 0;
			p += ISA_LEN;
			continue;
		}
		const unsigned char *q = find_term(p, end, x->term);
		if (!q)
			break;
		x12_segment(x, p, (size_t)(q - p));
		p = q + 1;
	}
	return (size_t)(p - start);
}

/* At the end: an unterminated tail, open envelopes, an empty file. */
static void x12_finish(struct x12 *x, size_t tail, uint64_t total)
{
	if (total == 0) {
		rbuild_error(x->rb, 0, "empty_file", "", "the file is empty");
		return;
	}
	if (tail && !x->fatal)
		rbuild_error(x->rb, x->seg + 1, "missing_terminator", "",
			     "the last segment has no segment terminator");
	close_isa(x);
	if (x->is856 && x->saw_isa && !x->saw_st && !x->fatal)
		rbuild_error(x->rb, 0, "missing_transaction", "ST",
			     "the file holds no 856 transaction set");
}

static int x12_parse(const struct format_spec *spec, int fd, struct rbuild *rb, char *err)
{
	struct x12 *x = xcalloc(1, sizeof(*x));
	size_t cap = FORMAT_CHUNK + X12_MAX_SEG, have = 0;
	unsigned char *buf = xmalloc(cap);
	uint64_t total = 0;
	int ret = 0;
	x->rb = rb;
	x->is856 = spec->ops == &format_x12_856;
	x->want_isa = 1;
	for (;;) {
		ssize_t n = read_full(fd, buf + have, FORMAT_CHUNK);
		if (n < 0) {
			snprintf(err, ERRLEN, "read: %s", strerror(errno));
			ret = KA_ERR;
			goto out;
		}
		have += (size_t)n;
		total += (uint64_t)n;
		progress_add(rb->progress, (size_t)n);
		size_t used = x12_feed(x, buf, buf + have, n == 0);
		memmove(buf, buf + used, have - used);
		have -= used;
		if (n == 0 || x->fatal)
			break;
		if (have >= X12_MAX_SEG) {
			rbuild_error(rb, x->seg + 1, "segment_too_long", "",
				     "a segment is longer than %d bytes (wrong terminator?)", X12_MAX_SEG);
			x->fatal = 1;
			break;
		}
	}
	x12_finish(x, x->fatal ? 0 : have, total);
out:
	bsn_flush(x);
	fpset_release(&x->hl.other);
	free(buf);
	free(x);
	return ret;
}

/* ISA at the start (after blanks or a BOM). */
static const unsigned char *isa_start(const unsigned char *h, size_t len)
{
	size_t i = len >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF ? 3 : 0;
	while (i < len && (h[i] == ' ' || h[i] == '\r' || h[i] == '\n' || h[i] == '\t'))
		i++;
	if (len - i < ISA_LEN || memcmp(h + i, "ISA", 3) != 0)
		return NULL;
	return h + i;
}

static int x12_detect(const struct format_spec *spec, const unsigned char *h, size_t len)
{
	return isa_start(h, len) != NULL;
}

/* An ISA whose content shows a GS*SH group or an ST*856 transaction. */
static int x12_856_detect(const struct format_spec *spec, const unsigned char *h, size_t len)
{
	const unsigned char *s = isa_start(h, len);
	if (!s)
		return 0;
	char gs[5] = { 'G', 'S', (char)s[3], 'S', 'H' };
	char st[6] = { 'S', 'T', (char)s[3], '8', '5', '6' };
	return memmem(s, len - (size_t)(s - h), gs, 5) || memmem(s, len - (size_t)(s - h), st, 6);
}

const struct format_ops format_x12_856 = {
	.name = "x12-856", .detect = x12_856_detect, .parse = x12_parse,
};

const struct format_ops format_x12 = {
	.name = "x12", .detect = x12_detect, .parse = x12_parse,
};
