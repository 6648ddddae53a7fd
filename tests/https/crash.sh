#!/bin/sh
# SIGKILL at random moments while a 400-shipment file goes to /v1/documents
# (400 requests, 4 connections, each answer slowed down so that kills land
# mid-file), then `once` until settled: every shipment is stored, none is
# missing, the documents equal the conversion of the file, and the repeats
# (a Correlation-Id that arrived more than once) are at most the requests in
# flight at each kill: kills x connections.
# KARGO_HTTPS_MAX_MS: the upper bound of the random delay before each kill
# (default 1500 ms). Prints: kills N, shipments stored N/400, repeats N (bound N)
. "$(dirname "$0")/lib.sh"
kargo_up
conns=4
max_ms=${KARGO_HTTPS_MAX_MS:-1500}
mkdir -p "$T/in"
python3 - "$T/plan.csv" <<'EOF2'
import sys
with open(sys.argv[1], "w") as fh:
    fh.write("shipment_id,order_number,scheduled_departure,facility,direction,sku,lpn,quantity,quantity_unit\n")
    for s in range(400):
        for k in range(2):
            fh.write(f"SHP-{s:04d},PO-{s:04d}-{k % 2},2026-11-23,ATL-DC1,LOADING,SKU-{k},LPN-{s:04d}-{k},{k + 1},CASE\n")
EOF2
{ kargo_remote "connections = $conns"; kargo_route docs "$T/in" "update_strategy = MERGE"; } | write_config
sed -i 's/^log_level = debug/log_level = info/' "$T/agent.ini"
faults "delay 0.05 path /v1/documents"
cp "$T/plan.csv" "$T/in/plan.csv"

rnd() { echo $(( $(od -An -N4 -tu4 /dev/urandom) % $1 )); }
settled() { [ "$(sql "select state from files" 2>/dev/null)" = "done" ]; }
kills=0 runs=0
while ! settled && [ "$runs" -lt 60 ]; do
	"$KA_BIN" -c "$T/agent.ini" once >>"$T/stdout" 2>>"$T/stderr" &
	apid=$!
	ms=$(( 300 + $(rnd "$max_ms") ))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	kill -KILL "$apid" 2>/dev/null
	wait "$apid" 2>/dev/null  # (no "Killed" line)
	[ $? = 137 ] && kills=$((kills + 1))
	runs=$((runs + 1))
done
rm -f "$K/faults"
n=0
while ! settled && [ $n -lt 10 ]; do ka once; n=$((n + 1)); settled || sleep 1; done
settled && ok "settled after $kills kills and $runs runs" || fail "not settled after $runs runs and $n without kills"
[ "$kills" -ge 2 ] && ok "at least two kills landed mid-file ($kills)" || fail "only $kills kills landed"

expect_documents "$T/plan.csv" business=acme facility=dock-1 update_strategy=MERGE >"$T/expected.jsonl"
stored_documents | sort -u >"$T/stored.jsonl"
assert_eq "every shipment stored, none missing" 400 \
	"$(kq 'len({s["body"]["shipmentNumber"] for s in S})')"
if diff "$T/expected.jsonl" "$T/stored.jsonl" >"$T/diff.out"; then
	ok "the documents stored equal the conversion of the file"
else fail "stored documents differ:"; head -10 "$T/diff.out" | sed 's/^/#   /'; fi
repeats=$(kq 'sum(n - 1 for n in C(s["correlation_id"] for s in S).values())')
most=$(kq 'max(C(s["correlation_id"] for s in S).values())')
bound=$((kills * conns))
[ "$repeats" -le "$bound" ] && ok "repeats $repeats <= kills x connections ($bound)" ||
	fail "repeats $repeats > kills x connections ($bound)"
assert_eq "the manifest: 400 requests done" 400 "$(sql "select count(*) from requests where state = 'done'")"
# One token, cached across the killed runs (two if a kill fell between the
# first token's answer and its cache file).
tokens=$(token_requests)
[ "$tokens" -ge 1 ] && [ "$tokens" -le 2 ] && ok "tokens: $tokens request(s) for $runs runs" ||
	fail "tokens: $tokens requests for $runs runs"
echo "kills $kills, tokens $tokens, shipments stored $(kq 'len({s["body"]["shipmentNumber"] for s in S})')/400, repeats $repeats (bound $bound, most arrivals of one id $most)"
finish
