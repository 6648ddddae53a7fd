#!/bin/sh
# Tokens: fetched once and cached beside the manifest (0600), shared by the
# requests and by `once` runs: three runs within a token's lifetime make
# exactly one token request. A token the server stopped honouring (401) is
# refreshed once and the request sent once more; a 401 again after the
# refresh makes the file dead.
. "$(dirname "$0")/lib.sh"
kargo_up 600
mkdir -p "$T/in"
# plan N: a one-shipment file for run N.
plan() {
	printf 'shipment_id,order_number,scheduled_departure,facility,direction,sku,lpn,quantity,quantity_unit\n' >"$T/in/plan-$1.csv"
	printf 'SHP-%s,PO-%s,2026-11-23,ATL-DC1,LOADING,SKU-1,LPN-%s,5,CASE\n' "$1" "$1" "$1" >>"$T/in/plan-$1.csv"
}
write_config <<EOF2
$(kargo_remote)
[route docs]
source = $T/in
dest = kargo:/v1/documents
format = expected-shipment
convert = kargo-documents
business = acme
facility = dock-1
EOF2
for i in 1 2 3; do
	plan "$i"
	ka once
	assert_eq "once $i exits 0" 0 "$RC"
done
assert_eq "three files, three documents stored" 3 "$(kq 'len(S)')"
assert_eq "three once runs within the token's lifetime: one token request" 1 "$(token_requests)"
cache="$T/manifest.db.token-kargo"
assert_eq "the token is cached beside the manifest, mode 600" "yes 600" \
	"$([ -s "$cache" ] && echo yes || echo no) $(stat -c %a "$cache" 2>/dev/null)"

# The server forgets every token: the next request gets a 401, the agent
# fetches a new token once and sends the request again.
faults expire-tokens
plan 4
ka once
assert_eq "once after the tokens expired exits 0" 0 "$RC"
assert_eq "one more token request" 2 "$(token_requests)"
assert_eq "the document went 401, then 200 with the same Correlation-Id" "([401, 200], True)" \
	"$(kq '(lambda d: ([r["status"] for r in d], d[0]["correlation_id"] == d[1]["correlation_id"]))(
		[r for r in R if r["path"] == "/v1/documents"][-2:])')"
assert_eq "four documents stored" 4 "$(kq 'len(S)')"
plan 5
ka once
assert_eq "the refreshed token serves the next run: no token request" 2 "$(token_requests)"

# 401 again after the refresh: permanent, the file is dead.
faults "status 401 path /v1/documents count 2"
plan 6
ka once
assert_eq "401 after a refresh: the file is dead" dead "$(sql "select state from files where name = 'plan-6.csv'")"
assert_eq "one token request for the refresh" 3 "$(token_requests)"
assert_eq "the dead file's last_error holds the status" 1 \
	"$(sql "select count(*) from files where name = 'plan-6.csv' and last_error like '%401%'")"
finish
