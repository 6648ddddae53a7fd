#!/bin/sh
# Files are parsed before delivery: a valid one is delivered and its parse
# summary recorded (list --shipment finds it); an invalid one is rejected:
# quarantined with NAME.errors.txt (line-numbered), never delivered, visible
# in the manifest. `validate` reports the same and exits 0 / 65 / 66.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
cp "$KA_SRCDIR/samples/wms-outbound/expected-shipments-20261123-0800.csv" "$T/in/good.csv"
printf 'shipment_id,order_number,scheduled_departure,sku,quantity\nS1,PO1,2026-02-30,SKU1,1,200\nS2,,2026-11-23,SKU2,2.5\n' >"$T/in/bad.csv"
write_config <<EOF2
[route es]
source = $T/in
dest = $T/out
format = expected-shipment
quarantine = $T/quarantine
EOF2
ka once
assert_eq "a rejected file makes once exit 65" 65 "$RC"
assert_eq "valid file delivered" yes "$([ -f "$T/out/good.csv" ] && echo yes || echo no)"
assert_eq "invalid file never delivered" no "$([ -e "$T/out/bad.csv" ] && echo yes || echo no)"
assert_eq "invalid file quarantined byte for byte" "$(sha256sum <"$T/in/bad.csv")" "$(sha256sum <"$T/quarantine/bad.csv")"
assert_match "error report names line 2" "^bad.csv:2: .*\\[ragged_row\\]" "$T/quarantine/bad.csv.errors.txt"
assert_match "error report names line 3 and the field" "^bad.csv:3: quantity: .*\\[bad_quantity\\]" "$T/quarantine/bad.csv.errors.txt"
assert_eq "manifest says rejected" rejected "$(sql "select state from files where name='bad.csv'")"
assert_match "rejection logged with the first error" "event=rejected .*name=bad.csv errors=3" "$T/stderr"
ka list --state rejected
assert_match "list --state rejected shows it" "bad.csv" "$T/stdout"
ka list --shipment SHP-0001843
assert_match "list --shipment finds the file that mentions it" "good.csv" "$T/stdout"
assert_no_match "and only that file" "bad.csv" "$T/stdout"
id=$(sql "select id from files where name='good.csv'")
ka show "$id"
assert_match "show prints the parse summary" 'summary +expected-shipment, valid: 3 rows, 2 shipments' "$T/stdout"
ka show "$id" --json
assert_match "show --json carries the summary object" '"format":"expected-shipment".*"rows":3' "$T/stdout"
bad=$(sql "select id from files where name='bad.csv'")
ka resend "$bad"
assert_eq "a rejected file cannot be resent (65)" 65 "$RC"
assert_match "and says why" "rejected" "$T/stderr"

"$KA_BIN" validate "$T/in/good.csv" >"$T/stdout" 2>&1
assert_eq "validate: valid file exits 0" 0 "$?"
"$KA_BIN" validate --format expected-shipment "$T/in/bad.csv" >"$T/stdout" 2>&1
assert_eq "validate: invalid file exits 65" 65 "$?"
assert_match "validate: line-numbered report" "bad.csv:3: order_number" "$T/stdout"
"$KA_BIN" validate --json "$T/in/bad.csv" >"$T/stdout" 2>&1
assert_match "validate --json: stable class names" '"class":"missing_required"' "$T/stdout"
"$KA_BIN" validate "$T/nope.csv" >"$T/stdout" 2>&1
assert_eq "validate: missing file exits 66" 66 "$?"
"$KA_BIN" validate --format klingon "$T/in/good.csv" >"$T/stdout" 2>&1
assert_eq "validate: unknown format is a usage error" 64 "$?"
finish
