# shellcheck shell=sh
# Shared helpers of the HTTPS tests: the Kargo stand-in (tests/servers/
# kargo-start) in $K, the agreed [remote kargo] section, and queries over
# what the stand-in saw (requests.jsonl, stored.jsonl).
. "$(dirname "$0")/../integration/lib.sh"
SERVERS="$KA_SRCDIR/tests/servers"
HTTPS_DIR="$KA_SRCDIR/tests/https"
K="$T/kargo"

# kargo_up [LIFETIME]: start the stand-in (tokens living LIFETIME seconds),
# source its kargo.env; it is stopped by pid at exit.
kargo_up() {
	trap '"$SERVERS/kargo-stop" "$K"; cleanup' EXIT
	"$SERVERS/kargo-start" "$K" "${1:-3600}" >/dev/null || exit 1
	. "$K/kargo.env"
}

# kargo_remote [EXTRA]: the [remote kargo] section of the agreed
# configuration (kargo-start's remote.ini: OAuth2 client credentials against
# the stand-in), plus the lines EXTRA.
kargo_remote() { cat "$K/remote.ini"; printf '%s\n\n' "${1:-}"; }

# kargo_route NAME SOURCE [EXTRA]: a [route NAME] from SOURCE to
# kargo:/v1/documents as kargo-documents for business acme, facility dock-1.
kargo_route() {
	printf '[route %s]\nsource = %s\ndest = kargo:/v1/documents\nformat = expected-shipment\n' "$1" "$2"
	printf 'convert = kargo-documents\nbusiness = acme\nfacility = dock-1\n%s\n\n' "${3:-}"
}

# kq EXPR: print a Python expression over R (the rows of requests.jsonl)
# and S (the rows of stored.jsonl), e.g. kq 'len(S)'.
kq() {
	python3 - "$K" "$1" <<'EOF2'
import collections, json, sys
def rows(name):
    try:
        with open(sys.argv[1] + "/" + name, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh]
    except FileNotFoundError:
        return []
R, S, C = rows("requests.jsonl"), rows("stored.jsonl"), collections.Counter
print(eval(sys.argv[2]))
EOF2
}

# token_requests: how many times the stand-in was asked for a token.
token_requests() { kq 'sum(r["path"] in ("/oauth/token", "/login") for r in R)'; }

# faults LINES: the stand-in's faults file (read again on every request).
faults() { printf '%s\n' "$@" >"$K/faults"; }

# expect_documents CSV ROUTE_OPTIONS: the /v1/documents bodies CSV should
# give, one canonical JSON a line sorted (tests/https/expect.py).
expect_documents() { python3 "$HTTPS_DIR/expect.py" "$@"; }

# stored_documents [PATH]: the bodies the stand-in kept for PATH (default
# /v1/documents), canonical as expect_documents prints them.
stored_documents() { python3 "$HTTPS_DIR/expect.py" --stored "$K/stored.jsonl" "${1:-/v1/documents}"; }
