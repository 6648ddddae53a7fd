#!/bin/sh
# hostile_names_make_valid_json: file names and errors that are not UTF-8
# (a Latin-1 name, a stray continuation byte, an overlong '/', a surrogate,
# as a hostile server or an old file system gives them) and names with
# quotes, and a server's reply recorded for a request, come out of
# `list --json`, `show --json` and `status --json` as
# valid JSON: each byte that is no UTF-8 becomes U+FFFD, valid UTF-8 and
# quotes stay as they are. The parse summary recorded in the manifest is
# valid JSON for SQLite's JSON functions too.
. "$(dirname "$0")/../integration/lib.sh"
if ! command -v python3 >/dev/null; then echo "SKIP: no python3"; exit 77; fi

mkdir -p "$T/in" "$T/in2"
row='shipment_id,order_number,scheduled_departure,sku,quantity,pallet_count\nS1,PO1,2026-11-23,SKU1,1,1\n'
for n in 'caf\351' 'stray\200x' 'over\300\257long' 'sur\355\240\200ogate' 'say \042hi\042' 'Z\303\274rich'; do
	printf "$row" >"$T/in/$(printf "$n").csv"
done
printf 'x\n' >"$T/in2/a.txt"
printf 'x' >"$T/blocked$(printf '\351')"   # a file where the destination's directory would be
write_config <<EOF2
[route es]
source = $T/in
dest = $T/out
format = expected-shipment

[route stuck]
source = $T/in2
dest = $T/blocked$(printf '\351')/sub
format = text

[route gone]
source = $T/gone$(printf '\351')
dest = $T/out
format = text
EOF2
ka once
assert_eq "once exits 69 (a destination and a source failed)" 69 "$RC"

# check.py WHAT: stdin parses as JSON (strict UTF-8); prints what WHAT picks.
cat >"$T/check.py" <<'EOF2'
import json, sys
data = sys.stdin.buffer.read()
try:
    doc = json.loads(data.decode("utf-8"))
except ValueError as e:
    print("INVALID: %s" % e)
    sys.exit(0)
print(eval(sys.argv[1], {"doc": doc, "json": json}))
EOF2
pick() { python3 "$T/check.py" "$1" <"$2"; }

ka list --json
assert_eq "list --json exits 0" 0 "$RC"
assert_eq "list --json: valid JSON, each bad byte one U+FFFD, quotes and UTF-8 kept" \
	'Zürich.csv|a.txt|caf�.csv|over��long.csv|say "hi".csv|stray�x.csv|sur���ogate.csv' \
	"$(pick '"|".join(sorted(f["name"] for f in doc))' "$T/stdout")"
assert_eq "list --json: sources too" "$T/in/caf�.csv" \
	"$(pick '[f["source"] for f in doc if f["name"].startswith("caf")][0]' "$T/stdout")"
stuck=$(sql "select id from files where route='stuck'")
caf=$(sql "select id from files where name like 'caf%'")

ka show "$stuck" --json
assert_eq "show --json exits 0" 0 "$RC"
assert_eq "show --json: last_error, delivery and history valid, the bad byte as U+FFFD" \
	"True True True" \
	"$(pick '" ".join(str("blocked\ufffd/sub" in s) for s in (doc["file"]["last_error"], doc["deliveries"][0]["dest"], doc["events"][-1]["detail"]))' "$T/stdout")"
# A refused request whose reply a hostile server wrote: a Latin-1 byte, a
# control character, a quote (the manifest keeps the answer as it came).
dv=$(sql "select id from deliveries where file_id=$stuck")
sqlite3 "$T/manifest.db" "insert into requests values ($dv, 0, 'refused', 422, 'abc-0', NULL,
	cast(x'6e6f20e92022781b22' as text), 'shipment S1', 1795000000)"
ka show "$stuck" --json
assert_eq "show --json: the requests, the reply valid JSON with U+FFFD" \
	"[\"$T/blocked\\ufffd/sub\", 0, \"refused\", 422, \"abc-0\", null, \"shipment S1\", \"no \\ufffd \\\"x\\u001b\\\"\"]" \
	"$(pick 'json.dumps([doc["requests"][0][k] for k in ("dest", "index", "state", "status", "correlation_id", "logging_id", "key", "reply")])' "$T/stdout")"
ka show "$caf" --json
assert_eq "show --json: the name, and the summary as an object" "caf�.csv expected-shipment 1" \
	"$(pick '"%s %s %d" % (doc["file"]["name"], doc["file"]["summary"]["format"], doc["file"]["summary"]["rows"])' "$T/stdout")"

ka status --json
assert_eq "status --json exits 0 (one failed cycle is not yet unhealthy)" 0 "$RC"
assert_eq "status --json: valid, the route's last error carries U+FFFD" "True" \
	"$(pick '"gone\ufffd" in [r for r in doc["routes"] if r["route"] == "gone"][0]["last_error"]' "$T/stdout")"
assert_eq "every recorded summary is valid JSON for SQLite" 0 \
	"$(sql "select count(*) from files where summary is not null and not json_valid(summary)")"
finish
