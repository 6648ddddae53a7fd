#!/bin/sh
# The HTTPS sink on its own (tests/https/https_driver, no pipeline) against
# the Kargo stand-in: bodies and Correlation-Ids arrive; one token request
# for many requests and for two runs (the 0600 cache file), a cache of the
# wrong mode or another identity ignored; a 401 refreshes the token once,
# a second 401 refuses; 429 with Retry-After (seconds, date, capped), 500,
# a slow reply and a cut connection are retries; 422 is refused with its
# body; a done() failure starts nothing more; max_requests_per_second;
# TLS from another CA refused; each auth flow; an outbound proxy (and
# https_proxy ignored without one); the headers a request carries; auth =
# none; a token renewed before it expires; check-config's probe and the
# config checks; no secret or token in any output.
. "$(dirname "$0")/lib.sh"
DRIVER="${KA_BUILDDIR:-$(pwd)}/tests/https/https_driver"
[ -x "$DRIVER" ] || { echo "SKIP: $DRIVER not built"; exit 77; }
kargo_up 600
CACHE="$T/manifest.db.token-kargo"

# remote ["KEY = VALUE"]...: the agreed remote with those keys set (in
# place of the same keys: a key twice is a configuration error), edited
# by the sed script $REBASE when set.
remote() {
	kargo_remote | sed "${REBASE:-}" | awk -v set="$(printf '%s\n' "$@")" '
		BEGIN { n = split(set, kv, "\n"); for (i = 1; i <= n; i++) if (kv[i] != "") {
			k = kv[i]; sub(/ = .*/, "", k); want[k] = kv[i]; order[++m] = k } }
		{ k = $0; sub(/ = .*/, "", k) }
		k in want { print want[k]; done[k] = 1; next }
		/^$/ && !tail { for (i = 1; i <= m; i++) if (!(order[i] in done)) print want[order[i]]; tail = 1 }
		{ print }' | write_config
}

# drive ARGS...: run the driver on the test config; output in $T/out (and
# every output kept in $T/all for the secrets check); sets RC and MS.
drive() {
	t0=$(date +%s%N)
	"$DRIVER" "$T/agent.ini" kargo "$@" >"$T/out" 2>"$T/err"
	RC=$?
	MS=$(( ($(date +%s%N) - t0) / 1000000 ))
	cat "$T/out" "$T/err" >>"$T/all"
}

# start_peer KIND [ARGS]: tests/https/peer.py KIND on a free port in
# $PEER_PORT, stopped at exit.
start_peer() {
	PEER_PORT=$("$SERVERS/free-port")
	kind=$1
	shift
	python3 "$HTTPS_DIR/peer.py" "$kind" "$T" "$PEER_PORT" "$@" >"$T/peer-$kind.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	for _ in $(seq 50); do grep -q '^ready' "$T/peer-$kind.log" && return; sleep 0.1; done
	echo "peer.py $kind did not start"; exit 1
}

# reply I: the driver's line for request I without its body.
reply() { grep "^reply index=$1 " "$T/out" | sed 's/ body=.*//'; }

remote "connections = 4"
faults "delay 0.3 count 8"
drive send 20 /v1/things
assert_eq "20 requests sent: rc 0" "0 20" "$RC $(grep -c 'outcome=ok status=200' "$T/out")"
assert_eq "the stand-in stored every body, each once, with its Correlation-Id" \
	"$(seq 0 19 | sed 's/.*/corr-&/' | sort | tr '\n' ' ')" \
	"$(kq '" ".join(sorted(s["correlation_id"] for s in S if s["body"]["text"] == "body-" + s["correlation_id"][5:])) + " "')"
assert_eq "the echoed Correlation-Id is the reply's logging id" \
	"reply index=7 outcome=ok status=200 retry_after=0 logging_id=corr-7" "$(reply 7)"
assert_eq "requests ran in parallel, no more than connections = 4 at once" "True" \
	"$(kq '(lambda v: 1 < max(sum(1 for b in v if b["ts"] <= a["ts"] < b["end"]) for a in v) <= 4)([r for r in R if r["path"] == "/v1/things"])')"
drive send 5 /v1/things
assert_eq "two runs, 25 requests: one token request" 1 "$(token_requests)"
assert_eq "the token cache is a 0600 file" "600" "$(stat -c %a "$CACHE")"
chmod 644 "$CACHE"
drive send 1 /v1/things
assert_eq "a cache others may read is ignored: a new token" "2 600" \
	"$(token_requests) $(stat -c %a "$CACHE")"
remote "token_url = https://localhost:$KARGO_PORT/oauth/token"
drive send 1 /v1/things
assert_eq "a cache for another identity (token_url) is ignored" 3 "$(token_requests)"

# 401: one fresh token, the request once more; 401 again: refused.
remote "connections = 1"
drive send 1 /v1/things
before=$(token_requests)
faults expire-tokens
drive send 2 /v1/things
assert_eq "an expired token: fetched again once, both requests done" "1 0 2" \
	"$(($(token_requests) - before)) $RC $(grep -c 'outcome=ok' "$T/out")"
faults "status 401 count 2"
drive send 1 /v1/things
assert_eq "401 after a fresh token: refused" \
	"reply index=0 outcome=refused status=401 retry_after=0 logging_id=corr-0 2" \
	"$(reply 0) $(($(token_requests) - before))"

# Answers to try again later, and refusals.
faults "status 429 retry-after 7 count 1" "status 503 retry-after-date 120 count 1" \
	"status 429 retry-after 99999 count 1" "status 500 count 1"
drive send 4 /v1/things
assert_eq "429 Retry-After: 7 is a retry after 7 s" \
	"reply index=0 outcome=retry status=429 retry_after=7 logging_id=corr-0" "$(reply 0)"
ra=$(reply 1 | sed -n 's/.*status=503 retry_after=\([0-9]*\).*/\1/p')
assert_eq "503 with an HTTP date 120 s ahead: retry after about 120 s" yes \
	"$([ "${ra:-0}" -ge 115 ] && [ "$ra" -le 121 ] && echo yes || echo "no ($ra)")"
assert_eq "Retry-After is capped at an hour" \
	"reply index=2 outcome=retry status=429 retry_after=3600 logging_id=corr-2" "$(reply 2)"
assert_eq "500: a retry" "reply index=3 outcome=retry status=500 retry_after=0 logging_id=corr-3" \
	"$(reply 3)"
drive send 1 /v1/documents
assert_eq "422: refused, with the API's answer" "refused 422 yes" \
	"$(sed -n 's/^reply .*outcome=\([a-z]*\) status=\([0-9]*\) .*/\1 \2/p' "$T/out") $(grep -q 'validation failed' "$T/out" && echo yes)"
remote "io_timeout = 2"
faults "delay 6 count 1"
drive send 1 /v1/things
assert_eq "a reply slower than io_timeout: a retry with no status, within ~io_timeout" \
	"reply index=0 outcome=retry status=0 retry_after=0 logging_id=- fast" \
	"$(reply 0) $([ "$MS" -lt 5000 ] && echo fast || echo "slow ${MS}ms")"
faults "cut count 1"
drive send 1 /v1/things
assert_eq "a connection cut mid-reply: a retry with no status" \
	"reply index=0 outcome=retry status=0 retry_after=0 logging_id=-" "$(reply 0)"

# done() failing: nothing new starts, what is in flight is still reported.
remote "connections = 2"
drive send 10 /v1/things --stop-at 2
assert_eq "done() failing at answer 2: rc -1, every start answered, fewer than 10 started" \
	"1 yes yes" "$RC $([ "$(grep -c '^start' "$T/out")" = "$(grep -c '^reply' "$T/out")" ] && echo yes) $([ "$(grep -c '^start' "$T/out")" -le 4 ] && echo yes)"

# Pace: 5 requests a second.
remote "max_requests_per_second = 5" "connections = 4"
: >"$K/requests.jsonl"
drive send 6 /v1/paced
assert_eq "max_requests_per_second = 5: 6 requests take at least a second" True \
	"$(kq '(lambda v: max(v) - min(v) >= 0.9)([r["ts"] for r in R if r["path"] == "/v1/paced"])')"

# TLS from a CA that did not sign the server's certificate.
"$SERVERS/test-ca" "$T/other-ca"
remote "ca_file = $T/other-ca/ca.crt"
drive send 1 /v1/things
assert_match "a certificate from another CA is refused (the cached token never sent)" \
	"result rc=-3 error=sending to .*TLS certificate is not trusted" "$T/out"
rm -f "$CACHE"
drive send 1 /v1/things
assert_match "a certificate from another CA is refused at the token request" \
	"result rc=-3 error=token request to .*TLS certificate is not trusted" "$T/out"

# The other flows.
for flow in "oauth2-password|user = $KARGO_USER
password_file = $KARGO_PASSWORD_FILE" \
	"login|login_url = $KARGO_URL/login
token_field = data.token
user = $KARGO_USER
password_file = $KARGO_PASSWORD_FILE" \
	"basic|user = $KARGO_USER
password_file = $KARGO_PASSWORD_FILE" \
	"bearer-file|token_file = $T/token"; do
	name=${flow%%|*}
	# bearer-file: the last token the stand-in issued (to the login).
	printf '%s\n' "$(tail -n 1 "$K/tokens")" >"$T/token"
	chmod 600 "$T/token"
	write_config <<EOF2
[remote kargo]
type = https
url = $KARGO_URL
auth = $name
ca_file = $KARGO_CA
${flow#*|}
$([ "$name" = oauth2-password ] && echo "token_url = $KARGO_URL/oauth/token")
EOF2
	drive send 1 /v1/flows
	assert_eq "auth = $name: the request is done" "0 1" "$RC $(grep -c 'outcome=ok' "$T/out")"
done
assert_eq "basic sent Basic credentials, the others a Bearer token" "Bearer Bearer Basic Bearer" \
	"$(kq '" ".join(r["presented"] for r in R if r["path"] == "/v1/flows")')"
write_config <<EOF2
[remote kargo]
type = https
url = $KARGO_URL
auth = login
ca_file = $KARGO_CA
login_url = $KARGO_URL/login
token_field = data.access
user = $KARGO_USER
password_file = $KARGO_PASSWORD_FILE
EOF2
drive probe
assert_match "a login reply without the token field: named" \
	"result rc=-3 error=login reply from .* has no field data.access" "$T/out"

# check-config's probe.
remote
drive probe
assert_eq "probe: reached and a token fetched" "result rc=0" "$(cat "$T/out")"
printf 'wrong-secret\n' >"$T/secret"
chmod 600 "$T/secret"
remote "client_secret_file = $T/secret"
drive probe
assert_match "probe with a wrong secret: the token step and the server's words" \
	"result rc=-3 error=token request to $KARGO_URL/oauth/token: HTTP 401 \(error: access_denied" \
	"$T/out"

# The configuration checks.
chmod 644 "$T/secret"
write_config <<EOF2
[remote kargo]
type = https
url = http://127.0.0.1:$KARGO_PORT
auth = login
client_secret_file = $T/secret
headers = "X-Site: dock1; Authorization: x"
sessions = 2
EOF2
drive probe
for m in "url: 'http://127.0.0.1:$KARGO_PORT' must start with https://" \
	"login_url: missing, and auth = login needs it" \
	"client_secret_file: not used with auth = login" \
	"client_secret_file: .* is readable by others" \
	"headers: Authorization is set by kargo-agent itself" \
	"sessions: not used by an https remote"; do
	assert_match "config check: $m" "^config .*\[remote kargo\] $m" "$T/out"
done

# An outbound proxy: requests and the token request tunnel through it;
# without proxy =, none is used whatever https_proxy says.
start_peer proxy
remote "proxy = http://127.0.0.1:$PEER_PORT"
rm -f "$CACHE"
drive send 2 /v1/proxied
assert_eq "through the proxy: both requests done, the API tunnelled to" "0 2 yes" \
	"$RC $(grep -c 'outcome=ok' "$T/out") $(grep -q "^CONNECT 127.0.0.1:$KARGO_PORT " "$T/proxy.log" && echo yes)"
remote
: >"$T/proxy.log"
https_proxy=http://127.0.0.1:$PEER_PORT HTTPS_PROXY=http://127.0.0.1:$PEER_PORT drive send 1 /v1/direct
assert_eq "without proxy =, https_proxy in the environment is not used" "0 1 0" \
	"$RC $(grep -c 'outcome=ok' "$T/out") $(grep -c . "$T/proxy.log")"

# What a request carries: token, type, id, the remote's headers; no Expect.
start_peer capture "$K/ssl/server.crt" "$K/ssl/server.key"
printf 'tok-capture\n' >"$T/capture-token"
chmod 600 "$T/capture-token"
write_config <<EOF2
[remote kargo]
type = https
url = https://127.0.0.1:$PEER_PORT/base/
auth = bearer-file
token_file = $T/capture-token
ca_file = $KARGO_CA
headers = "X-Site: dock1; X-Team: ops"
EOF2
drive send 1 /v1/heads
assert_eq "the request's line and headers" \
	"POST /base/v1/heads|Bearer tok-capture|application/json|corr-0|dock1|ops|None|kargo-agent/" \
	"$(python3 -c 'import json, sys; h = json.loads(open(sys.argv[1]).readline()); g = h["headers"].get
print("|".join(map(str, [h["method"] + " " + h["path"], g("Authorization"), g("Content-Type"), g("Correlation-Id"), g("X-Site"), g("X-Team"), g("Expect"), g("User-Agent", "")[:12]])))' "$T/heads.jsonl")"

# auth = none: no token; a 401 is a refusal at once.
before=$(token_requests)
write_config <<EOF2
[remote kargo]
type = https
url = $KARGO_URL
auth = none
ca_file = $KARGO_CA
EOF2
drive probe
assert_eq "auth = none: probe reached the server (any HTTP answer)" "result rc=0" "$(cat "$T/out")"
drive send 1 /v1/things
assert_eq "auth = none: a 401 is refused, no token asked for" \
	"reply index=0 outcome=refused status=401 retry_after=0 logging_id=corr-0 0" \
	"$(reply 0) $(($(token_requests) - before))"

# A token is renewed before it expires, not after a 401: a stand-in whose
# tokens live 2 s, requests spread over 3 s.
"$SERVERS/kargo-start" "$T/short" 2 >/dev/null || exit 1
trap '"$SERVERS/kargo-stop" "$T/short"; "$SERVERS/kargo-stop" "$K"; cleanup' EXIT
REBASE="s|$KARGO_URL|$(sed -n 's/^KARGO_URL=//p' "$T/short/kargo.env")|g
s|$KARGO_CA|$T/short/ssl/ca.crt|
s|$KARGO_SECRET_FILE|$T/short/client-secret|"
remote "max_requests_per_second = 2" "connections = 1"
REBASE=
drive send 7 /v1/renew
K_MAIN=$K
K=$T/short
assert_eq "tokens living 2 s: renewed before expiry, never a 401" "0 7 yes 0" \
	"$RC $(grep -c 'outcome=ok' "$T/out") $([ "$(token_requests)" -ge 2 ] && echo yes) $(kq 'sum(r["status"] == 401 for r in R)')"
SHORT_TOKENS=$(cat "$K/tokens")
K=$K_MAIN

# No secret and no token in anything the driver printed or logged.
leaks=0
for s in "$(cat "$KARGO_SECRET_FILE")" "$(cat "$KARGO_PASSWORD_FILE")" $(cat "$K/tokens") \
	$SHORT_TOKENS; do
	grep -qF -- "$s" "$T/all" && leaks=$((leaks + 1))
done
assert_eq "no client secret, password or token in any output" 0 "$leaks"
finish
