#!/bin/sh
# Faults of the API, injected by the Kargo stand-in, one file each:
#  - 429 Retry-After 3 (seconds) and 503 Retry-After (an HTTP date 3 s
#    ahead): the file waits at least that long (next_attempt in the manifest,
#    and the stand-in's timestamps while `once` runs every 0.2 s);
#  - 500 once, a reply slower than io_timeout, a connection cut mid-reply:
#    transient, the file is delivered by a later run;
#  - 422 with a body: the file is dead at once, `show ID` shows the status
#    and the reply; `resend ID` sends it again with the same Correlation-Id
#    once the fault is gone.
. "$(dirname "$0")/lib.sh"
kargo_up
mkdir -p "$T/in"
{ kargo_remote "io_timeout = 2"; kargo_route docs "$T/in" "max_attempts = 5"; } | write_config
# plan NAME: a one-shipment file NAME.csv.
plan() {
	printf 'shipment_id,order_number,scheduled_departure,facility,direction,sku,lpn,quantity,quantity_unit\n' >"$T/in/$1.csv"
	printf 'SHP-%s,PO-%s,2026-11-23,ATL-DC1,LOADING,SKU-1,LPN-%s,5,CASE\n' "$1" "$1" "$1" >>"$T/in/$1.csv"
}
state() { sql "select state from files where name = '$1.csv'"; }
# until_settled NAME SECONDS: `once` every 0.2 s until NAME is done or dead.
until_settled() {
	i=0
	while [ "$i" -lt $(($2 * 5)) ]; do
		case $(state "$1") in done|dead) return 0 ;; esac
		ka once
		sleep 0.2
		i=$((i + 1))
	done
}
ids_of() { sql "select correlation_id from requests q join deliveries d on d.id = q.delivery_id
	join files f on f.id = d.file_id where f.name = '$1.csv'"; }
# gap NAME: seconds from the end of NAME's first reply to its second request.
gap() {
	kq "(lambda d: round(d[1]['ts'] - d[0]['end'], 2))([r for r in R
		if r['path'] == '/v1/documents' and r['correlation_id'] == '$(ids_of "$1" | head -1)'])"
}

# --- 429 and 503 with Retry-After ---
for c in "429 retry-after 3" "503 retry-after-date 3"; do
	name=ra-${c%% *}
	faults "status $c path /v1/documents count 1"
	plan "$name"
	ka once
	assert_eq "$name: after the $c the file waits" pending "$(state "$name")"
	end=$(kq "[r['end'] for r in R if r['status'] == ${c%% *}][-1]")
	next=$(sql "select next_attempt from files where name = '$name.csv'")
	want=3; [ "${c%% *}" = 503 ] && want=2   # an HTTP date counts whole seconds
	assert_eq "$name: next_attempt is at least Retry-After after the reply" yes \
		"$(python3 -c "print('yes' if $next >= $end + $want else 'no: $next < $end + $want')")"
	until_settled "$name" 10
	assert_eq "$name: delivered once the wait was over" "done" "$(state "$name")"
	g=$(gap "$name")
	assert_eq "$name: the second request came at least ${want} s after the reply ($g s)" yes \
		"$(python3 -c "print('yes' if $g >= $want else 'no')")"
done

# --- transient: 500 once, a reply slower than io_timeout, a cut ---
for c in "status 500" "delay 4" "cut"; do
	name=tr-${c%% *}
	faults "$c path /v1/documents count 1"
	plan "$name"
	ka once
	assert_eq "$name: not done after the fault ($c)" pending "$(state "$name")"
	until_settled "$name" 10
	assert_eq "$name: delivered by a later run" "done" "$(state "$name")"
	# (a delayed reply is logged once the stand-in has slept, maybe after the retry)
	i=0
	while [ "$(kq "sum(r['fault'] == '$c path /v1/documents count 1' for r in R)")" = 0 ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	assert_eq "$name: the fault happened" 1 "$(kq "sum(r['fault'] == '$c path /v1/documents count 1' for r in R)")"
done

# --- 422: dead at once, the reply in show, resend after the fix ---
faults "status 422 path /v1/documents count 1"
plan bad
ka once
assert_eq "422: the file is dead at once" dead "$(state bad)"
id=$(sql "select id from files where name = 'bad.csv'")
ka show "$id"
assert_match "show names the 422" "422" "$T/stdout"
assert_match "show gives the reply's body" "injected fault 422" "$T/stdout"
cid=$(ids_of bad)
assert_eq "the request was refused with that Correlation-Id" 422 \
	"$(kq "[r['status'] for r in R if r['correlation_id'] == '$cid'][-1]")"
ka resend "$id"
assert_eq "resend exits 0" 0 "$RC"
assert_eq "resend delivered the file" "done" "$(state bad)"
assert_eq "resend sent the document again with the same Correlation-Id" "[422, 200]" \
	"$(kq "[r['status'] for r in R if r['correlation_id'] == '$cid']")"
assert_eq "the document is stored" 1 "$(kq "sum(s['correlation_id'] == '$cid' for s in S)")"
finish
