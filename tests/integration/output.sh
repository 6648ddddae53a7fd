#!/bin/sh
# human_output_reads_right: counts of one read in the singular ("1 error",
# "1 shipment", "1 route error", "1 file, 1 problem"); `list` has a header
# row and `list --json` none; `show` prints the parse summary as lines
# (rows, shipments, each error with its line) and, for a rejected file, where
# its quarantined copy and report are; `show --json` still carries the summary
# object as recorded.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
printf 'shipment_id,order_number,scheduled_departure,sku,quantity,pallet_count\nS1,PO1,2026-11-23,SKU1,1,1\n' >"$T/in/one.csv"
printf 'shipment_id,order_number,scheduled_departure,sku,quantity\nS1,PO1,2026-11-23,SKU1,x\n' >"$T/in/bad.csv"
write_config <<EOF2
[route es]
source = $T/in
dest = $T/out
format = expected-shipment
quarantine = $T/quarantine

[route gone]
source = $T/missing
dest = $T/out2
format = text
EOF2

# --- singular counts ------------------------------------------------------------
ka once
assert_match "once: one route error in the singular" "once: 2 staged, 1 delivered, 1 rejected, .* 1 route error\$" "$T/stdout"
"$KA_BIN" validate --format expected-shipment "$T/in/one.csv" >"$T/v1" 2>&1
assert_match "validate: 1 row, 1 shipment, 1 pallet" "one\\.csv: valid expected-shipment file: 1 row, 1 shipment, 1 pallet\$" "$T/v1"
"$KA_BIN" validate --format expected-shipment "$T/in/bad.csv" >"$T/v2" 2>&1
assert_match "validate: 1 error (1 row read)" "bad\\.csv: invalid expected-shipment file: 1 error \\(1 row read\\)\$" "$T/v2"
assert_match "the quarantine report says the same" "1 error \\(1 row read\\)" "$T/quarantine/bad.csv.errors.txt"
ka check-config --offline
assert_match "check-config: 0 remotes, 2 routes" "agent\\.ini: 0 remotes, 2 routes\$" "$T/stdout"
sed -i '/^\[route gone\]/,$d' "$T/agent.ini"
ka check-config --offline
assert_match "check-config: 1 route" "agent\\.ini: 0 remotes, 1 route\$" "$T/stdout"
good=$(sql "select id from files where name='one.csv'")
bad=$(sql "select id from files where name='bad.csv'")
ka verify
assert_match "verify: 2 files, 0 problems" "^verify: 2 files, 0 problems\$" "$T/stdout"
spool=$(sql "select spool_path from files where id=$good")
chmod u+w "$spool" 2>/dev/null
printf 'X' | dd of="$spool" bs=1 seek=0 conv=notrunc 2>/dev/null
ka verify
assert_match "verify: 1 problem" "^verify: 2 files, 1 problem\$" "$T/stdout"

# --- list: a header row for people, none for scripts ---------------------------
ka list
assert_match "list: a header row first" "^ID +ROUTE +STATE +SIZE +CREATED +NAME\$" "$T/stdout"
assert_eq "list: the header and one line per file" 3 "$(wc -l <"$T/stdout" | tr -d ' ')"
assert_eq "the header is the first line" "ID" "$(head -n 1 "$T/stdout" | cut -c1-2)"
ka list --json
assert_eq "list --json: one JSON array, no header" "[" "$(head -c 1 "$T/stdout")"

# --- show: the summary as lines, and the quarantine ---------------------------
ka show "$bad"
assert_match "show: the summary in words" "^  summary +expected-shipment, invalid: 1 row, 1 shipment, 0 pallets, 1 error\$" "$T/stdout"
assert_match "show: each error with its line" "^  errors +line 2: quantity: .*\\[bad_quantity\\]\$" "$T/stdout"
assert_match "show: where the rejected copy is" "^  quarantine +$T/quarantine/bad\\.csv\$" "$T/stdout"
assert_match "show: and its report" "^  report +$T/quarantine/bad\\.csv\\.errors\\.txt\$" "$T/stdout"
assert_no_match "show: no raw JSON line" '"error_count"' "$T/stdout"
ka show "$good"
assert_match "show: a valid file's summary" "^  summary +expected-shipment, valid: 1 row, 1 shipment, 1 pallet, 0 errors\$" "$T/stdout"
assert_no_match "show: no quarantine for a delivered file" "quarantine" "$T/stdout"
ka show "$bad" --json
assert_match "show --json: the summary object as recorded" '"summary":\{"format":"expected-shipment","valid":false,"rows":1,' "$T/stdout"
finish
