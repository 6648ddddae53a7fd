#!/bin/sh
# APPEND and 409: the stand-in answers 409 to an APPEND of an lpn+sku it
# already has (as Kargo does). With on_conflict = delivered a 409 means
# "already there": a resend of a delivered file is done again with every
# request answered 409. With on_conflict = fail (the default) the same 409
# makes the file dead, the answer shown by `show`.
. "$(dirname "$0")/lib.sh"
kargo_up
mkdir -p "$T/in" "$T/in2"
cat >"$T/in/plan.csv" <<'EOF2'
shipment_id,order_number,scheduled_departure,facility,direction,sku,lpn,quantity,quantity_unit
SHP-A,PO-1,2026-11-23,ATL-DC1,LOADING,SKU-1,LPN-1,5,CASE
SHP-B,PO-2,2026-11-23,ATL-DC1,LOADING,SKU-2,LPN-2,6,CASE
EOF2
sed 's/,6,CASE$/,7,CASE/' "$T/in/plan.csv" >"$T/in2/plan2.csv"
{ kargo_remote
  kargo_route app "$T/in" "update_strategy = APPEND
on_conflict = delivered"
  kargo_route strict "$T/in2" "update_strategy = APPEND"; } >"$T/routes.ini"
# First the app route alone: its file is appended.
sed '/^\[route strict\]/,$d' "$T/routes.ini" | write_config
ka once
assert_eq "APPEND of new items: the file is done" "done" "$(sql "select state from files where route = 'app'")"
assert_eq "two documents stored" 2 "$(kq 'len(S)')"
id=$(sql "select id from files where route = 'app'")
ka resend "$id"
assert_eq "resend exits 0" 0 "$RC"
assert_eq "the stand-in answered 409 to both repeats" "[409, 409]" \
	"$(kq '[r["status"] for r in R if r["path"] == "/v1/documents"][2:]')"
assert_eq "on_conflict = delivered: the resend delivered, the file done" "delivered done" \
	"$(sql "select state from deliveries where file_id = $id order by id desc limit 1") $(sql "select state from files where id = $id")"
assert_eq "its two requests recorded done with status 409" "2" \
	"$(sql "select count(*) from requests where state = 'done' and status = 409")"

# The strict route appends the same lpn+sku: 409, and its file is dead.
write_config <"$T/routes.ini"
ka once
assert_eq "on_conflict = fail: a 409 makes the file dead" dead "$(sql "select state from files where route = 'strict'")"
ka show "$(sql "select id from files where route = 'strict'")"
assert_match "show names the 409 and Kargo's answer" "409" "$T/stdout"
assert_match "show gives the reply's body" "already exists" "$T/stdout"
finish
