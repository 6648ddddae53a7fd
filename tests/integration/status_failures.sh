#!/bin/sh
# status waits for remote_failures (default 3) failures in a row: a remote
# that failed its last 1 or 2 attempts, or a route whose last 1 or 2 cycles
# failed, is still healthy (exit 0); at 3 status exits 1; one success makes
# it healthy again. A remote's attempt is a cycle that used it; here an SFTP
# destination whose port is closed, then opened (a private sshd).
. "$(dirname "$0")/lib.sh"
SERVERS="$KA_SRCDIR/tests/servers"
if ! [ -x /usr/sbin/sshd ]; then echo "SKIP: no sshd"; exit 77; fi
SRV="$T/sshd"
trap '"$SERVERS/sshd-stop" "$SRV" KILL; cleanup' EXIT
"$SERVERS/sshd-start" "$SRV" >/dev/null || exit 1
. "$SRV/env"
CLOSED=$("$SERVERS/free-port")
AGENT_EXTRA="metrics_file = $T/metrics.prom"

remote() { remote_section "$1" "$SSHD_KNOWN_HOSTS" "connect_timeout = 5"; }
push_config() {
	{ remote "$1"; printf '[route push]\nsource = %s/in\ndest = srv:%s/inbox\nformat = text\n' \
		"$T" "$SSHD_DATA"; } | write_config
}
# status_after WHAT: one more cycle (retries are due after 1 s), then status.
status_after() {
	sleep 1.1
	ka once
	ka status
}

# --- a remote: the destination's port is closed ---
mkdir -p "$T/in"
echo "a,b" >"$T/in/a.csv"
push_config "$CLOSED"
ka once
assert_eq "once reports the failed delivery" 69 "$RC"
assert_match "the failed attempt is logged" "event=remote_failed remote=srv error=.*Connection refused" "$T/stderr"
ka status
assert_eq "1 failed attempt: status 0" 0 "$RC"
assert_match "status counts it" "remote srv: healthy" "$T/stdout"
assert_match "1 in a row" "failures +1 in a row \\(unhealthy at 3\\)" "$T/stdout"
status_after
assert_eq "2 failed attempts: status 0" 0 "$RC"
assert_match "2 in a row" "failures +2 in a row" "$T/stdout"
status_after
assert_eq "3 failed attempts: status 1" 1 "$RC"
assert_match "the remote is failing" "remote srv: FAILING" "$T/stdout"
assert_match "with its error" "last_error +sftp 127.0.0.1:$CLOSED: cannot connect" "$T/stdout"
assert_match "the route itself did not fail" "route push: healthy" "$T/stdout"
ka status --json
assert_match "--json: the remote, unhealthy, 3 failures" \
	'"remotes":\[\{"remote":"srv","healthy":false,"last_attempt":"[^"]+","last_ok":null,"failures":3,' "$T/stdout"
assert_match "metrics: the remote's failures" '^kargo_agent_remote_failures\{remote="srv"\} 3$' "$T/metrics.prom"
assert_match "metrics: never a good attempt" '^kargo_agent_remote_last_success_timestamp_seconds\{remote="srv"\} 0$' "$T/metrics.prom"
assert_match "metrics: the route did not fail" '^kargo_agent_route_failures\{route="push"\} 0$' "$T/metrics.prom"
assert_match "--json: overall unhealthy" '"remote_failures":3,"unsafe_names":0,"healthy":false\}$' "$T/stdout"

# The server answers again: one good attempt and status is 0.
push_config "$SSHD_PORT"
status_after
assert_eq "after a success: status 0" 0 "$RC"
assert_match "the remote is healthy again" "remote srv: healthy" "$T/stdout"
assert_match "0 in a row" "failures +0 in a row" "$T/stdout"
assert_match "metrics: failures back to 0" '^kargo_agent_remote_failures\{remote="srv"\} 0$' "$T/metrics.prom"
assert_match "metrics: a good attempt" '^kargo_agent_remote_last_success_timestamp_seconds\{remote="srv"\} [0-9]{10}$' "$T/metrics.prom"
assert_eq "the file was delivered" "a,b" "$(cat "$SSHD_DATA/inbox/a.csv" 2>/dev/null)"

# remote_failures = 1: the first failure is enough.
echo "c,d" >"$T/in/c.csv"
AGENT_EXTRA="remote_failures = 1" push_config "$CLOSED"
ka once
ka status
assert_eq "remote_failures = 1: status 1 at once" 1 "$RC"
assert_match "unhealthy at 1" "failures +1 in a row \\(unhealthy at 1\\)" "$T/stdout"

# --- a route: its source directory is missing ---
printf '[route gone]\nsource = %s/missing\ndest = %s/out\nformat = text\n' "$T" "$T" | write_config
ka once
ka status
assert_eq "1 failed cycle: status 0" 0 "$RC"
ka once
ka status
assert_eq "2 failed cycles: status 0" 0 "$RC"
ka once
ka status
assert_eq "3 failed cycles: status 1" 1 "$RC"
assert_match "the route needs attention" "route gone: NEEDS ATTENTION" "$T/stdout"
mkdir -p "$T/missing"
ka once
ka status
assert_eq "a good cycle: status 0" 0 "$RC"

# --- the config checker ---
AGENT_EXTRA="remote_failures = 0" write_config </dev/null
ka check-config --offline
assert_eq "remote_failures = 0 is refused" 78 "$RC"
assert_match "named with its range" "\\[agent\\] remote_failures: '0' is not a whole number between 1 and 1000" "$T/stderr"
finish
