#!/bin/sh
# check-config on an https remote: it connects, verifies TLS against ca_file
# and fetches a token without sending data (exit 0); with a wrong client
# secret it fails and says the token step failed; with a CA that did not sign
# the server's certificate it fails on TLS. The wrong secret is not printed.
. "$(dirname "$0")/lib.sh"
kargo_up
mkdir -p "$T/in"
# config SECRET_FILE CA_FILE
config() {
	KARGO_SECRET_FILE=$1 KARGO_CA=$2 kargo_remote >"$T/remote.ini"
	write_config <<EOF2
$(cat "$T/remote.ini")
[route docs]
source = $T/in
dest = kargo:/v1/documents
format = expected-shipment
convert = kargo-documents
business = acme
facility = dock-1
EOF2
}
config "$KARGO_SECRET_FILE" "$KARGO_CA"
ka check-config
assert_eq "check-config on the https remote exits 0" 0 "$RC"
[ "$RC" = 0 ] || sed 's/^/#   /' "$T/stdout" "$T/stderr" | tail -20
assert_eq "it fetched a token" 1 "$(token_requests)"
assert_eq "it sent no data" 0 "$(kq 'sum(r["path"] not in ("/oauth/token", "/login") and r["method"] == "POST" for r in R)')"

umask 077
printf 'cs-wrong-%s\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" >"$T/wrong-secret"
umask 022
config "$T/wrong-secret" "$KARGO_CA"
ka check-config
cat "$T/stdout" "$T/stderr" >"$T/out-wrong"
assert_eq "check-config with a wrong secret fails" yes "$([ "$RC" != 0 ] && echo yes || echo "no ($RC)")"
assert_match "it says the token step failed" "[Tt]oken" "$T/out-wrong"
assert_match "it gives the server's status" "401" "$T/out-wrong"
assert_no_match "the wrong secret is not printed" "$(cat "$T/wrong-secret")" "$T/out-wrong"
assert_eq "the stand-in refused one token request" 1 "$(kq 'sum(r["status"] == 401 for r in R)')"

"$SERVERS/test-ca" "$T/other-ca"
config "$KARGO_SECRET_FILE" "$T/other-ca/ca.crt"
ka check-config
cat "$T/stdout" "$T/stderr" >"$T/out-ca"
assert_eq "check-config against a CA that did not sign the server fails" yes \
	"$([ "$RC" != 0 ] && echo yes || echo "no ($RC)")"
assert_match "it names the certificate or TLS" "[Cc]ertificate|TLS|SSL" "$T/out-ca"
assert_eq "no token was asked for over an unverified connection" 2 "$(token_requests)"
finish
