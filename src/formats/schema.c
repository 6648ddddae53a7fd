/* The field tables of expected-shipment and eos-csv (see schema.h). Header
 * variants are normalised names (lower case, '_' for spaces and hyphens). */
#include "schema.h"

#include <string.h>
#include "../common.h"

static const struct field_def es_fields[] = {
	{ "shipment_id", K_TEXT, F_REQ | F_KEY },
	{ "order_number", K_TEXT, F_REQ | F_KEY },
	{ "scheduled_departure", K_DATE_OR_DT, 0 },      /* ES_DEPARTURE */
	{ "scheduled_departure_date", K_DATE, 0 },       /* ES_DEPARTURE_DATE */
	{ "scheduled_departure_time", K_TIME, 0 },       /* ES_DEPARTURE_TIME */
	{ "facility", K_TEXT, 0 },
	{ "direction", K_DIRECTION, 0 },
	{ "dock_door", K_TEXT, 0 },
	{ "carrier", K_TEXT, 0 },
	{ "scac", K_TEXT, 0 },
	{ "ship_to", K_TEXT, 0 },
	{ "sku", K_TEXT, F_REQ | F_KEY },
	{ "lpn", K_TEXT, 0 },
	{ "description", K_TEXT, 0 },
	{ "quantity", K_QTY, F_REQ },
	{ "quantity_unit", K_TEXT, 0 },
	{ "pallet_count", K_COUNT, 0 },
};

static const struct header_variant es_variants[] = {
	{ "shipment", "shipment_id" }, { "shipment_no", "shipment_id" },
	{ "shipment_number", "shipment_id" }, { "shipment_ref", "shipment_id" },
	{ "shipment_reference", "shipment_id" }, { "shipmentid", "shipment_id" },
	{ "customer_shipment_id", "shipment_id" }, { "shipment_#", "shipment_id" },
	{ "po", "order_number" }, { "po_number", "order_number" }, { "po_no", "order_number" },
	{ "po_#", "order_number" }, { "purchase_order", "order_number" },
	{ "purchase_order_number", "order_number" }, { "order", "order_number" },
	{ "order_no", "order_number" }, { "order_id", "order_number" },
	{ "order_#", "order_number" }, { "ordernumber", "order_number" },
	{ "scheduled_departure_datetime", "scheduled_departure" },
	{ "departure", "scheduled_departure" }, { "departure_datetime", "scheduled_departure" },
	{ "ship_datetime", "scheduled_departure" }, { "expected_departure", "scheduled_departure" },
	{ "ship_date", "scheduled_departure_date" }, { "departure_date", "scheduled_departure_date" },
	{ "scheduled_date", "scheduled_departure_date" }, { "shipping_date", "scheduled_departure_date" },
	{ "ship_time", "scheduled_departure_time" }, { "departure_time", "scheduled_departure_time" },
	{ "scheduled_time", "scheduled_departure_time" }, { "shipping_time", "scheduled_departure_time" },
	{ "site", "facility" }, { "warehouse", "facility" }, { "facility_id", "facility" },
	{ "facility_code", "facility" }, { "warehouse_code", "facility" },
	{ "dock", "dock_door" }, { "door", "dock_door" }, { "dock_no", "dock_door" },
	{ "carrier_name", "carrier" },
	{ "carrier_scac", "scac" }, { "scac_code", "scac" },
	{ "consignee", "ship_to" }, { "ship_to_name", "ship_to" }, { "destination", "ship_to" },
	{ "item", "sku" }, { "item_number", "sku" }, { "item_no", "sku" }, { "item_code", "sku" },
	{ "article", "sku" }, { "product_code", "sku" }, { "part_number", "sku" },
	{ "license_plate", "lpn" }, { "license_plate_number", "lpn" },
	{ "item_description", "description" }, { "desc", "description" },
	{ "qty", "quantity" }, { "ordered_qty", "quantity" }, { "quantity_ordered", "quantity" },
	{ "uom", "quantity_unit" }, { "unit", "quantity_unit" }, { "unit_of_measure", "quantity_unit" },
	{ "qty_unit", "quantity_unit" },
	{ "pallets", "pallet_count" }, { "pallet_qty", "pallet_count" },
	{ "number_of_pallets", "pallet_count" },
};

static const struct field_def eos_fields[] = {
	{ "shipment_id", K_TEXT, F_REQ | F_KEY },
	{ "pallet_id", K_TEXT, 0 },
	{ "sscc", K_SSCC, F_REQ | F_KEY },
	{ "lpn", K_TEXT, 0 },
	{ "label", K_TEXT, 0 },
	{ "sku", K_TEXT, F_REQ | F_KEY },
	{ "quantity", K_QTY, F_REQ },
	{ "scanned_at", K_DATETIME, F_REQ },
	{ "dock_door", K_TEXT, 0 },
	{ "direction", K_DIRECTION, 0 },
	{ "status", K_TEXT, 0 },
};

static const struct header_variant eos_variants[] = {
	{ "shipment", "shipment_id" }, { "shipment_no", "shipment_id" },
	{ "shipment_number", "shipment_id" }, { "shipmentid", "shipment_id" },
	{ "customer_shipment_id", "shipment_id" },
	{ "pallet", "pallet_id" }, { "pallet_no", "pallet_id" },
	{ "sscc18", "sscc" }, { "sscc_18", "sscc" }, { "sscc_code", "sscc" },
	{ "serial_shipping_container_code", "sscc" },
	{ "license_plate", "lpn" }, { "item", "sku" }, { "item_number", "sku" },
	{ "item_code", "sku" }, { "article", "sku" }, { "qty", "quantity" },
	{ "scan_time", "scanned_at" }, { "scanned", "scanned_at" },
	{ "scan_timestamp", "scanned_at" }, { "scanned_time", "scanned_at" },
	{ "timestamp", "scanned_at" },
	{ "dock", "dock_door" }, { "door", "dock_door" },
};

const struct csv_schema schema_expected_shipment = {
	"expected-shipment", es_fields, ARRAY_SIZE(es_fields),
	es_variants, ARRAY_SIZE(es_variants), 1, 0,
};

const struct csv_schema schema_eos_csv = {
	"eos-csv", eos_fields, ARRAY_SIZE(eos_fields),
	eos_variants, ARRAY_SIZE(eos_variants), 0, 1,
};

int schema_field(const struct csv_schema *sc, const char *name)
{
	for (size_t i = 0; i < sc->nfields; i++)
		if (strcmp(sc->fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

int schema_header(const struct csv_schema *sc, const char *norm)
{
	int i = schema_field(sc, norm);
	if (i >= 0)
		return i;
	for (size_t k = 0; k < sc->nvariants; k++)
		if (strcmp(sc->variants[k].header, norm) == 0)
			return schema_field(sc, sc->variants[k].field);
	return -1;
}
