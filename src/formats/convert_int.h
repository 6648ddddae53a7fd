/* Internals of the conversions (convert*.c): canonical rows, the sources
 * that give them (CSV files, grouped by shipment or in file order; X12 856
 * items) and the bodies built from them. Nothing here is visible outside
 * src/formats/. */
#ifndef KA_FORMATS_CONVERT_INT_H
#define KA_FORMATS_CONVERT_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "../config.h"
#include "csv.h"
#include "format_int.h"
#include "schema.h"

#define CROW_MAX 32   /* fields of a schema (schema.h tables are shorter) */

/* One row with canonical field names: an expected-shipment or eos-csv row,
 * or an X12 856 item as an expected-shipment row. */
struct crow {
	const struct csv_schema *sc;
	int64_t line;            /* CSV line of the row; X12: the item's segment number */
	int last;                /* the last row of its group (shipment; X12 transaction) */
	const char *v[CROW_MAX]; /* trimmed values by field index; NULL: no such column */
};

/* The value of field NAME in R, "" when absent. */
const char *crow_get(const struct crow *r, const char *name);

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
	char *buf;               /* the row's trimmed values */
	size_t cap;
};
const struct csv_schema *conv_schema(const struct format_ops *ops);
void colmap_header(struct colmap *m, const struct profile *prof, const struct csv_field *f,
		   size_t n);
void colmap_row(struct colmap *m, const struct csv_field *f, size_t n, int64_t line,
		struct crow *r);
void colmap_release(struct colmap *m);

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
