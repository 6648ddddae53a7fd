#!/bin/sh
# kargo-agent convert: the bodies a route's conversion would send, settings
# from --route's section or the options; exit 0 converted, 65 data that does
# not convert (FILE:LINE), 66 no file, 64 usage; an X12 856 --to csv gives a
# file validate accepts as expected-shipment.
. "$(dirname "$0")/lib.sh"

C="$KA_SRCDIR/tests/formats/conv"
mkdir -p "$T/in" "$T/out"
printf 'shipment_id,order_number,scheduled_departure,direction,sku,quantity,quantity_unit\nS1,PO1,2026-03-01,LOADING,A,1,CASE\nS2,PO2,2026-03-01,LOADING,B,2,unit\nS1,PO3,2026-03-01,LOADING,C,3,\n' >"$T/in/load.csv"
write_config <<EOF2
[route docs]
source = $T/in
dest = $T/out
format = expected-shipment
business = acme
facility = dock-1
direction_map = LOADING=OUTBOUND
update_strategy = MERGE
EOF2

ka convert "$T/in/load.csv" --to kargo-documents --route docs
assert_eq "convert --route: exit 0" 0 "$RC"
assert_eq "one body a shipment, shipments in first-seen order" \
'{"business":"acme","facility":"dock-1","direction":"OUTBOUND","shipmentNumber":"S1","orders":[{"orderNumber":"PO1","items":[{"sku":"A","quantity":1,"quantityUnit":"CASE"}]},{"orderNumber":"PO3","items":[{"sku":"C","quantity":3}]}],"orderItemUpdateStrategy":"MERGE"}
{"business":"acme","facility":"dock-1","direction":"OUTBOUND","shipmentNumber":"S2","orders":[{"orderNumber":"PO2","items":[{"sku":"B","quantity":2,"quantityUnit":"UNIT"}]}],"orderItemUpdateStrategy":"MERGE"}' \
	"$(cat "$T/stdout")"
ka convert "$T/in/load.csv" --to kargo-documents --route docs --facility other --update-strategy OVERWRITE
assert_match "options win over the route's section" '"facility":"other".*"orderItemUpdateStrategy":"OVERWRITE"' "$T/stdout"

ka convert "$C/es-contiguous.csv" --to kargo-documents --route docs
assert_eq "a direction not in the route's direction_map: exit 65" 65 "$RC"
assert_match "named with its line" "es-contiguous.csv:5: direction 'unloading' is not in direction_map" "$T/stderr"
assert_eq "and nothing printed" "" "$(cat "$T/stdout")"

"$KA_BIN" convert "$C/es-bad-unit.csv" --to kargo-documents --business acme --facility f \
	>"$T/stdout" 2>"$T/stderr"
assert_eq "a quantity unit Kargo does not know: exit 65" 65 "$?"
assert_match "with its line" "es-bad-unit.csv:3: quantity_unit 'BOX'" "$T/stderr"
"$KA_BIN" convert "$C/es-invalid.csv" --to json >"$T/stdout" 2>"$T/stderr"
assert_eq "an invalid file: exit 65" 65 "$?"
assert_match "its first error's line" "es-invalid.csv:3: " "$T/stderr"

"$KA_BIN" convert "$C/es-noncontiguous.csv" --to ndjson >"$T/stdout" 2>"$T/stderr"
assert_eq "ndjson: exit 0" 0 "$?"
assert_eq "ndjson: one line a row" 6 "$(wc -l <"$T/stdout" | tr -d ' ')"
"$KA_BIN" convert "$C/es-noncontiguous.csv" --to json >"$T/stdout" 2>"$T/stderr"
assert_eq "json: one array of up to 500 rows a line" 1 "$(wc -l <"$T/stdout" | tr -d ' ')"
"$KA_BIN" convert "$C/es-contiguous.csv" --to raw >"$T/stdout" 2>"$T/stderr"
assert_eq "raw: the file as it is" "$(sha256sum <"$C/es-contiguous.csv")" "$(sha256sum <"$T/stdout")"

"$KA_BIN" convert "$C/x12-orders.x12" --to csv >"$T/items.csv" 2>"$T/stderr"
assert_eq "x12 --to csv: exit 0" 0 "$?"
assert_eq "one CSV row per item, quoted by libcsv" \
	"$(grep -v '^===' "$C/x12-orders.csv.out" | tr -d '\r' | grep -v '^$')" \
	"$(tr -d '\r' <"$T/items.csv")"
"$KA_BIN" validate --format expected-shipment "$T/items.csv" >"$T/stdout" 2>&1
assert_eq "and validate takes it as expected-shipment" 0 "$?"

"$KA_BIN" convert "$C/es-contiguous.csv" >"$T/stdout" 2>&1
assert_eq "no --to: usage (64)" 64 "$?"
"$KA_BIN" convert "$C/es-contiguous.csv" --to xml >"$T/stdout" 2>&1
assert_eq "an unknown conversion: usage (64)" 64 "$?"
"$KA_BIN" convert "$C/es-contiguous.csv" --to kargo-unified >"$T/stdout" 2>&1
assert_eq "a Kargo conversion without a business: usage (64)" 64 "$?"
ka convert "$C/es-contiguous.csv" --to json --route nope
assert_eq "an unknown route: usage (64)" 64 "$RC"
"$KA_BIN" convert "$T/nope.csv" --to json >"$T/stdout" 2>&1
assert_eq "no such file: 66" 66 "$?"

finish
