/* Internals of the conversions (convert*.c): canonical rows, the sources
 * that give them (CSV files, grouped by shipment or in file order; X12 856
 * items) and the bodies built from them. Nothing here is visible outside
 * src/formats/. */
#ifndef KA_FORMATS_CONVERT_INT_H
#define KA_FORMATS_CONVERT_INT_H

#include <csv.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "../config.h"
#include "csv.h"
#include "format_int.h"
#include "schema.h"

#define CROW_MAX 32   /* fields of a schema (schema.h tables are shorter) */

/* The fields the Kargo bodies read, by name (cf_names in convert_rows.c). */
enum cfield { CF_SHIPMENT_ID, CF_ORDER_NUMBER, CF_FACILITY, CF_DIRECTION, CF_SKU, CF_LPN,
	      CF_QUANTITY, CF_QUANTITY_UNIT, CF_N };

/* One row with canonical field names: an expected-shipment or eos-csv row,
 * or an X12 856 item as an expected-shipment row. */
struct crow {
	const struct csv_schema *sc;
	int64_t line;            /* CSV line of the row; X12: the item's segment number */
	int last;                /* the last row of its group (shipment; X12 transaction) */
	const char *v[CROW_MAX]; /* trimmed values by field index; NULL: no such column */
	const int *cf;           /* CF_* -> field index, or -1 */
};

/* The value of field F in R, "" when absent. */
static inline const char *crow_get(const struct crow *r, enum cfield f)
{
	int fi = r->cf[f];
	return fi >= 0 && r->v[fi] ? r->v[fi] : "";
}
/* The CF_* fields' indices in SC into CF. */
void cfields_of(const struct csv_schema *sc, int cf[CF_N]);

/* A check of each row before any body is made, so a file that does not
 * convert fails at conv_open: 0, or -1 with "PATH:LINE: ..." in err. */
typedef int (*crow_check_fn)(void *ctx, const struct crow *r, char *err);

/* A source of rows: next gives 1 with R filled (valid until the next call),
 * 0 after the last row, or a negative enum ka_err with err. */
struct rsrc {
	int (*next)(struct rsrc *s, struct crow *r, char *err);
	void (*close)(struct rsrc *s);
};

/* convert_rows.c: a CSV header mapped to the schema's fields (profile
 * aliases first), and a row's fields to a crow. */
struct colmap {
	const struct csv_schema *sc;
	int fieldcol[CROW_MAX];  /* field -> column or -1 */
	int cf[CF_N];
	char *buf;               /* the row's trimmed values */
	size_t cap;
};
const struct csv_schema *conv_schema(const struct format_ops *ops);
void colmap_header(struct colmap *m, const struct profile *prof, const struct csv_field *f,
		   size_t n);
void colmap_row(struct colmap *m, const struct csv_field *f, size_t n, int64_t line,
		struct crow *r);
void colmap_release(struct colmap *m);

/* convert_rows.c: rows read again by where they are in the file: a few
 * windows of the file kept (rows near each other cost one read, also
 * when shipments interleave), each row's bytes parsed alone by libcsv. */
#define RR_WINDOWS 16
#define RR_WINDOW 65536
struct rowreader {
	int fd;
	struct csv_parser *p;
	struct rr_window {
		uint64_t off, tick;
		size_t len, cap;
		unsigned char *buf;
	} win[RR_WINDOWS];
	uint64_t tick;
	char *fbuf;              /* the row's fields, one after another */
	size_t flen, fcap;
	struct csv_field *f;
	size_t nf, nfcap;
	int got, nonblank;
};
void rowreader_init(struct rowreader *rr, int fd, int delim);
/* The first non-blank row in the bytes [START, END) of the file: 1 with its
 * fields in *F, *N; 0 when there is none; -1 with errno when a read failed. */
int rowreader_read(struct rowreader *rr, uint64_t start, uint64_t end,
		   const struct csv_field **f, size_t *n);
void rowreader_release(struct rowreader *rr);

/* convert_group.c: a CSV file of SPEC's format read once to index its rows
 * (CHECK sees each; byte offsets and shipments kept, never the rows), then
 * its rows given again by seeking: GROUPED, each shipment's rows together
 * in first-seen order (LAST set on a shipment's last row); else in file
 * order. */
int csvsrc_open(const struct format_spec *spec, int fd, const char *path, int grouped,
		crow_check_fn check, void *ctx, struct rsrc **out, char *err);

/* convert_x12.c: an X12 856's items, a transaction (shipment) after
 * another; LAST set on a transaction's last item. */
int x12src_open(int fd, const char *path, struct rsrc **out, char *err);

/* convert_kargo.c: the bodies. */
struct kdoc;
/* A /v1/documents body (or, WITH_ROUTE 0, the shipment as a Unified
 * Endpoint payload: no business, facility or strategy) begun. */
struct kdoc *kdoc_new(const struct route_api *api, int with_route);
/* Add row R (its order, its item); -1 with "PATH:LINE: ..." in err when R
 * does not convert. */
int kdoc_add(struct kdoc *d, const struct crow *r, const char *path, char *err);
/* The document made (the caller owns it); D is freed. */
json_t *kdoc_finish(struct kdoc *d);
/* Whether R converts to a document (the checks kdoc_add makes). */
int kdoc_check(const struct route_api *api, const struct crow *r, const char *path, char *err);
/* R as an object with canonical field names (quantities as numbers). */
json_t *crow_object(const struct crow *r);
/* The Unified Endpoint request with PAYLOAD (stolen); FACILITY from the route
 * or the rows. */
json_t *unified_body(const struct route_api *api, const char *facility, json_t *payload);
/* The facility a row's document goes to: the route's, else its column. */
const char *kdoc_facility(const struct route_api *api, const struct crow *r);

#endif
