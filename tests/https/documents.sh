#!/bin/sh
# The kargo-documents conversion end to end: expected-shipment files go
# through the real binary to the Kargo stand-in's /v1/documents, and the
# documents it stored equal, field for field, the conversion of the input
# files written independently of the C code (tests/https/expect.py): one
# document per shipment (rows of a shipment not contiguous, several orders),
# business and facility from the route or from the file's column, the
# direction mapped (any case; not sent when empty), quantityUnit upper-cased,
# orderItemUpdateStrategy from the route. Each request
# carried Correlation-Id <file sha256>-<index>; the manifest holds one done
# request per document and the file is done.
. "$(dirname "$0")/lib.sh"
kargo_up
mkdir -p "$T/in-a" "$T/in-b"
cat >"$T/in-a/plan-a.csv" <<'EOF2'
shipment_id,order_number,scheduled_departure,facility,direction,sku,lpn,quantity,quantity_unit
SHP-1,PO-1,2026-11-23T14:00:00-05:00,ATL-DC1,LOADING,SKU-10044,LPN-0001,48,CASE
SHP-2,PO-7,2026-11-23T14:00:00-05:00,ATL-DC1,LOADING,SKU-20410,LPN-0010,120,UNIT
SHP-1,PO-2,2026-11-23T14:00:00-05:00,ATL-DC1,LOADING,SKU-10071,LPN-0002,30,CASE
SHP-3,PO-9,2026-11-23T14:00:00-05:00,ATL-DC1,,SKU-30000,,1,PALLET
SHP-1,PO-1,2026-11-23T14:00:00-05:00,ATL-DC1,LOADING,SKU-10072,LPN-0003,0012,CASE
SHP-2,PO-7,2026-11-23T14:00:00-05:00,ATL-DC1,LOADING,SKU-20411,LPN-0011,6,UNIT
EOF2
cat >"$T/in-b/plan-b.csv" <<'EOF2'
shipment_id,order_number,scheduled_departure,facility,direction,sku,lpn,quantity,quantity_unit
IN-40,PO-40,2026-11-23T14:00:00-05:00,SAV-DC2,UNLOADING,SKU-1,LPN-4001,10,CASE
IN-41,PO-41,2026-11-23T14:00:00-05:00,CHS-DC3,unloading,SKU-2,LPN-4101,2,pallet
IN-40,PO-42,2026-11-23T14:00:00-05:00,SAV-DC2,UNLOADING,SKU-3,LPN-4002,7,UNIT
EOF2
write_config <<EOF2
$(kargo_remote)
[route a]
source = $T/in-a
dest = kargo:/v1/documents
format = expected-shipment
convert = kargo-documents
business = acme
facility = dock-1
update_strategy = MERGE

[route b]
source = $T/in-b
dest = kargo:/v1/documents
format = expected-shipment
convert = kargo-documents
business = acme
EOF2
ka once
assert_eq "once exits 0" 0 "$RC"
[ "$RC" = 0 ] || sed 's/^/#   /' "$T/stderr" | tail -20
{
	expect_documents "$T/in-a/plan-a.csv" business=acme facility=dock-1 update_strategy=MERGE
	expect_documents "$T/in-b/plan-b.csv" business=acme
} | sort >"$T/expected.jsonl"
stored_documents >"$T/stored.jsonl"
if diff "$T/expected.jsonl" "$T/stored.jsonl" >"$T/diff.out"; then
	ok "the 5 stored documents equal the conversion of the two files, field for field"
else
	fail "stored documents differ from the expected conversion:"; sed 's/^/#   /' "$T/diff.out"
fi
assert_eq "five documents stored, under five Correlation-Ids" "(5, 5)" \
	"$(kq 'len(S), len({s["correlation_id"] for s in S})')"
for f in a b; do
	sum=$(sha256sum <"$T/in-$f/plan-$f.csv" | cut -d' ' -f1)
	sql "select q.correlation_id, q.correlation_id = '$sum-' || q.idx from requests q
		join deliveries d on d.id = q.delivery_id join files f on f.id = d.file_id
		where f.name = 'plan-$f.csv' order by 1" >"$T/ids-$f"
	assert_eq "route $f: each Correlation-Id is the file's sha256 and the request index" 0 \
		"$(grep -vc '|1$' "$T/ids-$f")"
	assert_eq "route $f: the stand-in saw the Correlation-Ids the manifest holds" \
		"$(cut -d'|' -f1 "$T/ids-$f" | tr '\n' ' ')" \
		"$(kq "' '.join(sorted(s['correlation_id'] for s in S if s['correlation_id'].startswith('$sum-'))) + ' '")"
done
assert_eq "the manifest: 5 requests done with status 200" "5" \
	"$(sql "select count(*) from requests where state = 'done' and status = 200")"
assert_eq "both files done" "done done" "$(sql "select state from files order by route" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "every request carried a bearer token" 0 "$(kq 'sum(r["auth"] != "bearer" for r in R if r["path"] == "/v1/documents")')"
finish
