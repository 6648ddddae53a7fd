/* Field tables of the CSV formats (expected-shipment, eos-csv): canonical
 * fields, their kinds and rules, and the header variants that map to them. */
#ifndef KA_FORMATS_SCHEMA_H
#define KA_FORMATS_SCHEMA_H

#include <stddef.h>

enum field_kind {
	K_TEXT,
	K_QTY,          /* digits only, >= 1 */
	K_COUNT,        /* digits only, >= 0 */
	K_DATE_OR_DT,   /* ISO 8601 date or date-time */
	K_DATE,         /* ISO 8601 date */
	K_TIME,         /* HH:MM or HH:MM:SS */
	K_DATETIME,     /* ISO 8601 date-time */
	K_SSCC,         /* SSCC-18 */
	K_DIRECTION,    /* LOADING or UNLOADING */
};

#define F_REQ 1u   /* required and non-empty */
#define F_KEY 2u   /* part of the duplicate-check key */

struct field_def {
	const char *name;
	enum field_kind kind;
	unsigned flags;
};

struct header_variant {
	const char *header;      /* normalised header name */
	const char *field;       /* canonical field */
};

struct csv_schema {
	const char *name;
	const struct field_def *fields;
	size_t nfields;
	const struct header_variant *variants;
	size_t nvariants;
	int departure;           /* expected-shipment's date / date+time rule */
	int pallets_by_sscc;     /* count distinct SSCCs (eos-csv) or sum pallet_count */
};

/* The departure fields of expected-shipment (indices into its table). */
#define ES_DEPARTURE 2
#define ES_DEPARTURE_DATE 3
#define ES_DEPARTURE_TIME 4

extern const struct csv_schema schema_expected_shipment;
extern const struct csv_schema schema_eos_csv;

/* Index of canonical field NAME in SC, or -1. */
int schema_field(const struct csv_schema *sc, const char *name);
/* Index of the field a normalised header maps to by default, or -1. */
int schema_header(const struct csv_schema *sc, const char *norm);

#endif
