/* Every field name of Kargo's APIs the conversions write or read, in one
 * table: a correction of Kargo's documented names is one line of
 * kargo_fields.c. */
#ifndef KA_FORMATS_KARGO_FIELDS_H
#define KA_FORMATS_KARGO_FIELDS_H

struct kargo_fields {
	/* POST /v1/documents */
	const char *business, *facility, *direction, *shipment_number, *order_number;
	const char *orders, *items, *lpn, *sku, *quantity, *quantity_unit, *case_serials;
	const char *update_strategy;
	/* Unified Endpoint: POST /public_graphql, processPayload */
	const char *query, *variables, *input, *business_slug, *facility_slug, *payload;
	const char *mutation;          /* the mutation's text (variable $input) */
	const char *data, *process_payload, *message, *success, *logging_id, *errors;
};

extern const struct kargo_fields kargo_f;

#endif
