#!/bin/sh
# A conversion holds an index of the rows, never the file: 100,000 rows of
# 20,000 shipments whose rows are spread over the whole file (row i belongs
# to shipment i mod 20,000) convert to kargo-documents, every shipment whole
# with its 5 items, while the peak memory stays far below the file's size
# (measured against a 1,000-row file of the same shape).
. "$(dirname "$0")/lib.sh"

gen() {   # ROWS SHIPMENTS FILE
	awk -v n="$1" -v s="$2" 'BEGIN {
		pad = sprintf("%0200d", 0)
		print "shipment_id,order_number,scheduled_departure,sku,quantity,quantity_unit,description"
		for (i = 0; i < n; i++)
			printf "SHP-%06d,PO-%06d-%d,2026-03-01,SKU-%d,%d,CASE,%s\n", i % s, i % s, int(i / s) % 2, i, i % 9 + 1, pad
	}' >"$3"
}
gen 100000 20000 "$T/big.csv"
gen 1000 200 "$T/small.csv"

# Peak RSS (KiB) of a convert of FILE, its bodies to OUT.
peak() {
	python3 - "$KA_BIN" "$1" "$2" <<'PY'
import resource, subprocess, sys
with open(sys.argv[3], "wb") as out:
    rc = subprocess.call([sys.argv[1], "convert", sys.argv[2], "--to", "kargo-documents",
                          "--business", "acme", "--facility", "dock-1"], stdout=out)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
# ASan's quarantine keeps freed memory: measure what is live.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:detect_leaks=0"
export ASAN_OPTIONS
set -- $(peak "$T/small.csv" "$T/small.out")
small=$2
start=$(date +%s%N)
set -- $(peak "$T/big.csv" "$T/big.out")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq "100,000 rows convert" 0 "$1"
big=$2
size=$(( $(wc -c <"$T/big.csv") / 1024 ))
echo "file ${size} KiB; peak RSS ${small} KiB (1,000 rows) / ${big} KiB (100,000 rows); ${ms} ms"
assert_eq "one body a shipment" 20000 "$(wc -l <"$T/big.out" | tr -d ' ')"
assert_eq "each shipment whole: 20,000 x 5 items" 100000 "$(grep -o '"sku"' "$T/big.out" | wc -l | tr -d ' ')"
assert_eq "in first-seen order, its two orders, its rows in file order" \
	'{"business":"acme","facility":"dock-1","shipmentNumber":"SHP-000001","orders":[{"orderNumber":"PO-000001-0","items":[{"sku":"SKU-1","quantity":2,"quantityUnit":"CASE"},{"sku":"SKU-40001","quantity":6,"quantityUnit":"CASE"},{"sku":"SKU-80001","quantity":1,"quantityUnit":"CASE"}]},{"orderNumber":"PO-000001-1","items":[{"sku":"SKU-20001","quantity":4,"quantityUnit":"CASE"},{"sku":"SKU-60001","quantity":8,"quantityUnit":"CASE"}]}]}' \
	"$(sed -n 2p "$T/big.out")"
grew=$((big - small))
if [ "$grew" -lt $((size / 4)) ]; then
	ok "peak memory grew by ${grew} KiB for a ${size} KiB file (less than a quarter)"
else
	fail "peak memory grew by ${grew} KiB for a ${size} KiB file (a quarter or more)"
fi
finish
