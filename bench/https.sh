#!/bin/sh
# bench/https.sh [BUILD_DIR]: requests/s to an HTTPS API, conversion included.
#
# The Kargo stand-in (tests/servers/kargo-start, Python on 127.0.0.1 with TLS)
# takes a 100,000-row expected-shipment file of 20,000 shipments as
# kargo-documents, one POST /v1/documents per shipment. In the same run,
# interleaved, RUNS rounds (default 3) of:
#   agent/1:  `kargo-agent once` with the file in a route to the stand-in
#             (staging, sha256, conversion, 20,000 requests, manifest),
#             connections = 1;
#   curl/1:   one curl process sending the same bodies, pre-converted by
#             `kargo-agent convert FILE --to kargo-documents`, over one
#             keep-alive connection (a --config file of 20,000 transfers);
#   agent/8:  the same with connections = 8;
#   curl/8:   the same curl config with --parallel --parallel-max 8.
# Prints requests/s of each (median of the rounds), agent ÷ curl, the token
# requests per 20,000 documents, and the CPU seconds of the stand-in and of
# the client per run (what bounds both). SHIPMENTS (default 20000, 5 rows
# each) and RUNS change the sizes. BUILD_DIR defaults to build-bench/
# (bench/build.sh: -O2, no sanitizers).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-bench}
shipments=${SHIPMENTS:-20000}
runs=${RUNS:-3}
sh "$src/bench/build.sh" "$build"
ka=$build/kargo-agent
dir=$(mktemp -d "${TMPDIR:-/tmp}/ka-bench-https-XXXXXX")
trap '"$src/tests/servers/kargo-stop" "$dir/kargo"; rm -rf "$dir"' EXIT INT TERM
"$src/tests/servers/kargo-start" "$dir/kargo" 86400 >/dev/null
. "$dir/kargo/kargo.env"

# The file: 5 rows a shipment, two orders (3 items and 2).
/usr/bin/python3 - "$dir/plan.csv" "$shipments" <<'PY'
import sys
with open(sys.argv[1], "w") as fh:
    fh.write("shipment_id,order_number,scheduled_departure,facility,direction,carrier,sku,lpn,"
             "description,quantity,quantity_unit\n")
    for s in range(int(sys.argv[2])):
        for k in range(5):
            fh.write(f"SHP-{s:06d},PO-{s:06d}-{k // 3},2026-11-23T14:00:00-05:00,ATL-DC1,LOADING,"
                     f"Old Dominion,SKU-{k:05d},LPN{s:08d}{k},Paper towels 12ct,{k + 1},CASE\n")
PY
"$ka" convert "$dir/plan.csv" --format expected-shipment --to kargo-documents \
	--business acme --facility dock-1 >"$dir/bodies.jsonl"
n=$(wc -l <"$dir/bodies.jsonl")
[ "$n" = "$shipments" ] || { echo "convert gave $n bodies for $shipments shipments" >&2; exit 1; }

# curl's token (one request, not timed) and its --config file.
curl -s --cacert "$KARGO_CA" -H 'Content-Type: application/json' -o "$dir/token.json" \
	-d "{\"client_id\":\"$KARGO_CLIENT_ID\",\"client_secret\":\"$(cat "$KARGO_SECRET_FILE")\",\"audience\":\"$KARGO_AUDIENCE\",\"grant_type\":\"client_credentials\"}" \
	"$KARGO_URL/oauth/token"
/usr/bin/python3 - "$dir" "$KARGO_URL" "$KARGO_CA" <<'PY'
import json, sys
d, url, ca = sys.argv[1:4]
tok = json.load(open(d + "/token.json"))["access_token"]
with open(d + "/bodies.jsonl") as src, open(d + "/curl.cfg", "w") as out:
    for i, body in enumerate(src):
        esc = body.rstrip("\n").replace("\\", "\\\\").replace('"', '\\"')
        out.write(("next\n" if i else "") +
                  f'url = "{url}/v1/documents"\ncacert = "{ca}"\nsilent\noutput = "/dev/null"\n'
                  f'header = "Content-Type: application/json"\nheader = "Authorization: Bearer {tok}"\n'
                  f'header = "Correlation-Id: curl-{i}"\ndata-binary = "{esc}"\n')
PY

# agent_config CONNS: a manifest, spool and source of its own for one run.
agent_config() {
	a=$dir/agent-$1-$r
	mkdir -p "$a/in"
	cp "$dir/plan.csv" "$a/in/plan.csv"
	cat >"$a/agent.ini" <<INI
[agent]
spool_dir = $a/spool
manifest = $a/manifest.db
stable_seconds = 0
log_level = info
[remote kargo]
type = https
url = $KARGO_URL
auth = oauth2-client-credentials
token_url = $KARGO_URL/oauth/token
client_id = $KARGO_CLIENT_ID
client_secret_file = $KARGO_SECRET_FILE
audience = $KARGO_AUDIENCE
ca_file = $KARGO_CA
connections = $1
[route docs]
source = $a/in
dest = kargo:/v1/documents
format = expected-shipment
convert = kargo-documents
business = acme
facility = dock-1
INI
}
standin_cpu() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$KARGO_PID/stat"; }
count() { grep -c "$1" "$dir/kargo/requests.jsonl" || true; }
# measure NAME CMD...: one timed run; appends "NAME wall client_cpu standin_cpu
# documents_200 tokens" to results.
measure() {
	name=$1; shift
	c0=$(standin_cpu); ok0=$(count '"/v1/documents".*"status": 200'); t0=$(count '"/oauth/token"')
	/usr/bin/time -f "%e %U %S" -o "$dir/time" "$@" >/dev/null 2>"$dir/err" ||
		{ echo "$name failed:" >&2; tail -5 "$dir/err" >&2; exit 1; }
	c1=$(standin_cpu); ok1=$(count '"/v1/documents".*"status": 200'); t1=$(count '"/oauth/token"')
	read -r wall u s <"$dir/time"
	echo "$name $wall $(echo "$u + $s" | bc) $(echo "$c1 - $c0" | bc) $((ok1 - ok0)) $((t1 - t0))" >>"$dir/results"
	tail -1 "$dir/results" | awk -v n="$shipments" '{ printf "  %-8s %6.2f s %7.0f req/s  client cpu %5.2f s  stand-in cpu %5.2f s  200s %d  tokens %d\n", $1, $2, n / $2, $3, $4, $5, $6 }'
}
: >"$dir/results"
r=1
while [ "$r" -le "$runs" ]; do
	echo "round $r"
	agent_config 1; measure agent/1 "$ka" -c "$a/agent.ini" once
	measure curl/1 curl -K "$dir/curl.cfg"
	agent_config 8; measure agent/8 "$ka" -c "$a/agent.ini" once
	measure curl/8 curl --parallel --parallel-max 8 -K "$dir/curl.cfg"
	rm -rf "$dir"/agent-*-"$r"
	r=$((r + 1))
done
awk -v n="$shipments" '
	{ w[$1, ++k[$1]] = $2; cc[$1] += $3; sc[$1] += $4; ok[$1] += $5; tok[$1] += $6; runs[$1]++ }
	function median(name,   i, j, t, m, a) {
		m = k[name]; for (i = 1; i <= m; i++) a[i] = w[name, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	END {
		printf "\n%d documents (%d rows), median of %d interleaved rounds:\n", n, n * 5, k["agent/1"]
		for (x = 1; x <= 4; x++) {
			name = x == 1 ? "agent/1" : x == 2 ? "curl/1" : x == 3 ? "agent/8" : "curl/8"
			rate[name] = n / median(name)
			printf "  %-8s %7.0f req/s  (client cpu %.2f s, stand-in cpu %.2f s per run; wall %.2f s)\n", name, rate[name], cc[name] / runs[name], sc[name] / runs[name], median(name)
		}
		printf "result: connections=1 agent/curl = %.2f (target >= 0.9); connections=8 agent/curl --parallel 8 = %.2f (target >= 0.9)\n", rate["agent/1"] / rate["curl/1"], rate["agent/8"] / rate["curl/8"]
		printf "result: token requests per %d documents: %.1f (agent runs, fresh manifest each)\n", n, (tok["agent/1"] + tok["agent/8"]) / (runs["agent/1"] + runs["agent/8"])
		printf "result: documents answered 200: agent/1 %d, curl/1 %d, agent/8 %d, curl/8 %d (of %d each)\n", ok["agent/1"], ok["curl/1"], ok["agent/8"], ok["curl/8"], n * runs["agent/1"]
	}' "$dir/results"
