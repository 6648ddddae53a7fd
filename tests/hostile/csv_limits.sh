#!/bin/sh
# A 2 GiB CSV that is a single line, and a CSV with 100,000 columns: validate
# and once refuse each with a line-numbered error and a non-zero exit, in
# bounded memory (peak RSS < 64 MiB) and time. KARGO_HOSTILE_CSV_BYTES
# overrides the size of the long line (default 2 GiB: ~30 s in all).
. "$(dirname "$0")/lib.sh"
SIZE=${KARGO_HOSTILE_CSV_BYTES:-2147483648}
RSS_MAX=65536
mkdir -p "$T/in" "$T/out"
trap 'rm -rf "$T/in" "$T/spool"; cleanup' EXIT   # never keep gigabytes around
write_config <<EOF2
[route csv]
source = $T/in
dest = $T/out
format = expected-shipment
EOF2

# --- one line of SIZE bytes: many short fields, no line break ---
yes 'shipment_id,order_number,sku,quantity,' | tr -d '\n' | head -c "$SIZE" >"$T/in/one-line.csv"
assert_eq "the long file is one line of $SIZE bytes" "$SIZE 0" \
	"$(stat -c %s "$T/in/one-line.csv") $(wc -l <"$T/in/one-line.csv" | tr -d ' ')"
measure "$KA_BIN" validate "$T/in/one-line.csv" --format expected-shipment
assert_eq "validate of a $SIZE-byte line exits 65" 65 "$RC"
assert_match "validate names line 1 and the limit" \
	'one-line\.csv:1: the row is longer than 8388608 bytes .*\[row_too_long\]' "$T/stdout"
assert_below "validate of the long line: seconds" 10 "$SECS"
assert_below "validate of the long line: peak RSS KiB" "$RSS_MAX" "$RSS_KB"
echo "# long line validate: ${SECS}s, ${RSS_KB} KiB"
"$KA_BIN" validate --json "$T/in/one-line.csv" --format expected-shipment >"$T/json"
assert_match "validate --json: line 1, class row_too_long" \
	'"errors":\[\{"line":1,"class":"row_too_long"' "$T/json"

measure "$KA_BIN" -c "$T/agent.ini" once
assert_eq "once on the long line exits 65 (rejected)" 65 "$RC"
assert_match "the rejection is logged with the reason" \
	'event=rejected .*name=one-line\.csv .*first="the row is longer than 8388608 bytes' "$T/stderr"
assert_eq "the manifest records it rejected with row_too_long at line 1" "rejected|1" \
	"$(sql "select state, summary like '%\"line\":1,\"class\":\"row_too_long\"%' from files where name='one-line.csv'")"
assert_eq "nothing delivered" 0 "$(count_files "$T/out")"
assert_match "the quarantine report names line 1" "^one-line\.csv:1: .*\[row_too_long\]" \
	"$T/spool/quarantine/csv/one-line.csv.errors.txt"
assert_below "once on the long line: seconds (two copies of $SIZE bytes)" 120 "$SECS"
assert_below "once on the long line: peak RSS KiB" "$RSS_MAX" "$RSS_KB"
echo "# long line once: ${SECS}s, ${RSS_KB} KiB"
rm -rf "$T/in"/* "$T/spool/objects" "$T/spool/quarantine"

# --- 100,000 columns: in the header, and in one data row ---
awk 'BEGIN { h = "shipment_id,order_number,scheduled_departure,sku,quantity";
	for (i = 6; i <= 100000; i++) h = h ",c" i; print h
	print "S-1,PO-1,2026-11-23,SKU-1,5" }' >"$T/in/wide-header.csv"
awk 'BEGIN { print "shipment_id,order_number,scheduled_departure,sku,quantity"
	r = "S-1,PO-1,2026-11-23,SKU-1,5"; for (i = 6; i <= 100000; i++) r = r ",x"; print r
	print "S-1,PO-1,2026-11-23,SKU-2,5" }' >"$T/in/wide-row.csv"
measure "$KA_BIN" validate "$T/in/wide-header.csv" --format expected-shipment
assert_eq "100,000 header columns: validate exits 65" 65 "$RC"
assert_match "100,000 header columns: line 1, the count and the limit" \
	'wide-header\.csv:1: the header row has 100000 columns, more than the limit of 4096 \[too_many_columns\]' "$T/stdout"
assert_below "100,000 header columns: seconds" 10 "$SECS"
assert_below "100,000 header columns: peak RSS KiB" "$RSS_MAX" "$RSS_KB"
measure "$KA_BIN" validate "$T/in/wide-row.csv" --format expected-shipment
assert_eq "a 100,000-field row: validate exits 65" 65 "$RC"
assert_match "a 100,000-field row is a ragged row at line 2" \
	'wide-row\.csv:2: the row has 100000 fields, the header has 5 \[ragged_row\]' "$T/stdout"
assert_match "the rows after it are still read" '\(2 rows read\)' "$T/stdout"
assert_below "a 100,000-field row: peak RSS KiB" "$RSS_MAX" "$RSS_KB"
measure "$KA_BIN" -c "$T/agent.ini" once
assert_eq "once on both wide files exits 65" 65 "$RC"
assert_eq "both wide files rejected" "rejected|rejected" \
	"$(sql "select group_concat(state, '|') from files where name like 'wide-%'")"
assert_below "once on both wide files: seconds" 20 "$SECS"
assert_below "once on both wide files: peak RSS KiB" "$RSS_MAX" "$RSS_KB"
finish
