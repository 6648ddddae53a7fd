/* CSV rows with canonical field names for the conversions: the header
 * mapped as the validator maps it (a profile's aliases first, then the
 * schema's header variants), each row's values trimmed into one buffer. */
#include "convert_int.h"

#include <stdlib.h>
#include <string.h>
#include "../common.h"

#define NAMELEN 64

const struct csv_schema *conv_schema(const struct format_ops *ops)
{
	if (ops == &format_expected_shipment || ops == &format_x12_856)
		return &schema_expected_shipment;
	if (ops == &format_eos_csv)
		return &schema_eos_csv;
	return NULL;
}

const char *crow_get(const struct crow *r, const char *name)
{
	int fi = schema_field(r->sc, name);
	return fi >= 0 && r->v[fi] ? r->v[fi] : "";
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
