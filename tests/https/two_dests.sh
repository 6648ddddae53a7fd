#!/bin/sh
# One route, two destinations: `dest = DIR, kargo:/v1/documents` with
# `convert = kargo=kargo-documents` delivers the file as it is to DIR and
# converted to the API, both recorded as delivered.
. "$(dirname "$0")/lib.sh"
kargo_up
mkdir -p "$T/in" "$T/wms"
cat >"$T/in/plan.csv" <<'EOF2'
shipment_id,order_number,scheduled_departure,facility,direction,sku,lpn,quantity,quantity_unit
SHP-7,PO-70,2026-11-23T14:00:00-05:00,ATL-DC1,LOADING,SKU-1,LPN-7001,3,CASE
SHP-8,PO-80,2026-11-23T14:00:00-05:00,ATL-DC1,UNLOADING,SKU-2,LPN-8001,4,UNIT
SHP-7,PO-71,2026-11-23T14:00:00-05:00,ATL-DC1,LOADING,SKU-3,LPN-7002,5,PALLET
EOF2
cp "$T/in/plan.csv" "$T/plan.csv"
write_config <<EOF2
$(kargo_remote)
[route both]
source = $T/in
dest = $T/wms, kargo:/v1/documents
format = expected-shipment
convert = kargo=kargo-documents
business = acme
EOF2
ka once
assert_eq "once exits 0" 0 "$RC"
[ "$RC" = 0 ] || sed 's/^/#   /' "$T/stderr" | tail -20
assert_eq "the file arrived in the directory as it was" "$(sha256sum <"$T/plan.csv")" \
	"$(sha256sum <"$T/wms/plan.csv" 2>/dev/null)"
expect_documents "$T/plan.csv" business=acme >"$T/expected.jsonl"
stored_documents >"$T/stored.jsonl"
if diff "$T/expected.jsonl" "$T/stored.jsonl" >"$T/diff.out"; then
	ok "the API got the file converted: 2 documents equal to the expected conversion"
else fail "stored documents differ:"; sed 's/^/#   /' "$T/diff.out"; fi
assert_eq "nothing else reached the API (no raw copy)" 2 "$(kq 'len(S)')"
assert_eq "two deliveries, both delivered; the file done" "2 done" \
	"$(sql "select count(*) from deliveries where state = 'delivered'") $(sql "select state from files")"
finish
