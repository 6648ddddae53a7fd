/* The one table of Kargo's field names (see kargo_fields.h). */
#include "kargo_fields.h"

const struct kargo_fields kargo_f = {
	.business = "business",
	.facility = "facility",
	.direction = "direction",
	.shipment_number = "shipmentNumber",
	.order_number = "orderNumber",
	.orders = "orders",
	.items = "items",
	.lpn = "lpn",
	.sku = "sku",
	.quantity = "quantity",
	.quantity_unit = "quantityUnit",
	.case_serials = "caseSerials",
	.update_strategy = "orderItemUpdateStrategy",
	.query = "query",
	.variables = "variables",
	.input = "input",
	.business_slug = "businessSlug",
	.facility_slug = "facilitySlug",
	.payload = "payload",
	.mutation = "mutation ProcessPayload($input: ProcessPayloadInput!) { "
		    "processPayload(input: $input) { message success loggingId } }",
	.data = "data",
	.process_payload = "processPayload",
	.message = "message",
	.success = "success",
	.logging_id = "loggingId",
	.errors = "errors",
};
