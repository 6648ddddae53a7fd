#!/bin/sh
# server_stall: a server that accepts and then stops answering never hangs
# the agent. Through tcp-cut (a proxy in front of the private sshd) and on
# the real sshd frozen with SIGSTOP, with connect_timeout = io_timeout = 2:
#   - a listener that accepts and never speaks (handshake timeout)
#   - a server that stops after its banner (handshake timeout)
#   - a server that stops in the middle of an upload (several sessions)
#   - a server that stops in the middle of a download
#   - a server that stops while deliveries left committing by a crash are
#     looked at (one look waits, the others wait for the next cycle)
#   - the real sshd and its sessions stopped (SIGSTOP) in a 100 MB upload
# Each time `once` returns within 3 x the timeout, exits 69, logs the
# timeout, leaves nothing under a final name and finishes no source whose
# file was not delivered; then, with the server answering again, every file
# arrives exactly once. And `run`, told to stop (SIGTERM) while the server
# its sessions are open to is frozen, exits within 3 s.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
need_sshd
trap 'kill -CONT $FROZEN 2>/dev/null; "$SERVERS/sshd-stop" "$SRV" KILL; cleanup' EXIT
FROZEN=""
sshd_up
proxy_up
D=$SSHD_DATA
TO=2
BOUND=$((3 * TO * 1000))

mkdir -p "$T/in" "$T/out" "$D/up" "$D/down"
# How many bytes connecting takes through the proxy (D/down still empty).
config_down_only() {
	{ remote_section "$PX_PORT" "$PX/known_hosts" "connect_timeout = $TO
io_timeout = $TO"
	printf '[route down]\nsource = srv:%s/down\ndest = %s/out\nformat = text\n' "$D" "$T"
	} | write_config
}
config_down_only
setup_bytes
echo "# connecting takes about $SETUP_END bytes through the proxy"
rm -f "$T"/manifest.db*
make_files "$T/in" 6 1500000
head -c 12000000 /dev/urandom >"$T/in/big.csv"
make_files "$D/down" 6 300000
head -c 12000000 /dev/urandom >"$D/down/big.csv"
sums "$T/in" >"$T/up.sums"
sums "$D/down" >"$T/down.sums"

# One route enabled at a time, so each timing covers one remote operation.
config() {
	{ remote_section "$1" "$2" "connect_timeout = $TO
io_timeout = $TO"
	cat <<EOF2
[route up]
source = $T/in
dest = srv:$D/up
format = text
after = delete
enabled = $3

[route down]
source = srv:$D/down
dest = $T/out
format = text
after = delete
enabled = $4
EOF2
	} | write_config
}

# stalled WHAT: the last run ended in time, with exit 69 and the timeout
# logged; nothing is partial under a final name and no source is finished
# unless its file was delivered.
stalled() {
	echo "# $1: once took ${MS} ms (bound ${BOUND} ms), exit $RC"
	assert_eq "$1: once exits 69 (retry later)" 69 "$RC"
	if [ "$MS" -lt "$BOUND" ]; then ok "$1: once returned within 3 x the timeout"
	else fail "$1: once took $MS ms, more than $BOUND"; fi
	assert_match "$1: the timeout is logged" \
		'level=(warn|error) event=(retry|route_failed) .*([Tt]imed out|timeout)' "$T/stderr"
	no_bad_final_names "$D/up" "$T/up.sums" "$1: nothing partial under a final name (server)"
	no_bad_final_names "$T/out" "$T/down.sums" "$1: nothing partial under a final name (local)"
	nothing_lost "$T/in" "$D/up" "$T/up.sums" "$1: upload sources kept until delivered"
	nothing_lost "$D/down" "$T/out" "$T/down.sums" "$1: download sources kept until delivered"
}

# --- a listener that accepts and never speaks ---
config "$PX_PORT" "$PX/known_hosts" yes no
proxy_mode hold
once_timed
stalled "accept, never speak"
assert_match "accept, never speak: the proxy held a connection" '^hold' "$PX/events"

# --- a server that stops after its banner ---
: >"$PX/events"
proxy_mode stall 60
sqlite3 "$T/manifest.db" "update files set next_attempt = 0"
once_timed
stalled "stop after the banner"
assert_match "stop after the banner: the proxy stalled a connection" '^stall' "$PX/events"

# --- a server that stops in the middle of an upload: every file is larger
# than what a connection carries, two or more files per session ---
: >"$PX/events"
proxy_mode stall 1000000
sqlite3 "$T/manifest.db" "update files set next_attempt = 0"
once_timed
stalled "stop mid-upload"
assert_match "stop mid-upload: stalled after 1 MB" '^stall conn=[0-9]+ bytes=1000000' "$PX/events"
# Files not tried because another file's connection stalled count no
# attempt: they stay one behind the files that were tried.
echo "# attempts: $(sql "select name, attempts, substr(last_error, 1, 40) from files where route = 'up'" | tr '\n' ';')"
nt=$(sql "select count(*) from files where route = 'up' and last_error like '%not tried%'")
if [ "$nt" -gt 0 ]; then ok "stop mid-upload: $nt files not tried"; else fail "stop mid-upload: every file was tried"; fi
assert_eq "stop mid-upload: no attempt counted for the files not tried" 1 \
	"$(sql "select count(distinct attempts) from files where route = 'up' and last_error like '%not tried%'")"
assert_eq "stop mid-upload: the files tried have one attempt more" 1 \
	"$(sql "select (select min(attempts) from files where route = 'up' and last_error not like '%not tried%') - (select max(attempts) from files where route = 'up' and last_error like '%not tried%')")"

# --- a server that stops in the middle of a download ---
config "$PX_PORT" "$PX/known_hosts" no yes
: >"$PX/events"
proxy_mode stall 3000000
once_timed
stalled "stop mid-download"
assert_match "stop mid-download: stalled after 3 MB" '^stall conn=[0-9]+ bytes=3000000' "$PX/events"

# --- a server that stops while interrupted deliveries are looked at ---
config "$PX_PORT" "$PX/known_hosts" yes no
proxy_mode pass
sqlite3 "$T/manifest.db" "update files set next_attempt = 0"
(KARGO_AGENT_CRASH_AT=after_mark_committing "$KA_BIN" -c "$T/agent.ini" once; true) >/dev/null 2>&1
committing=$(sqlite3 "$T/manifest.db" "select count(*) from deliveries where state = 'committing'")
assert_eq "interrupted deliveries: several left committing" yes "$([ "$committing" -ge 4 ] && echo yes || echo no)"
: >"$PX/events"
proxy_mode stall "$SETUP_END"
once_timed
stalled "stop while resolving $committing interrupted deliveries"
assert_match "the look that could not be made is logged" 'cannot tell whether .* was delivered' "$T/stderr"

# --- the real sshd and its sessions frozen in an upload ---
config "$SSHD_PORT" "$SSHD_KNOWN_HOSTS" yes no
sqlite3 "$T/manifest.db" "update files set next_attempt = 0"
head -c 100000000 /dev/zero >"$T/in/huge.csv"
sha256sum "$T/in/huge.csv" | sed "s|  .*|  ./huge.csv|" >>"$T/up.sums"
sort -k2 -o "$T/up.sums" "$T/up.sums"
touch "$T/mark"
once_bg
if wait_for_file "$D/up" -name '.huge.csv.part' -newer "$T/mark" -size +1M; then
	FROZEN=$(sshd_pids)
	kill -STOP $FROZEN
	START_MS=$(date +%s%3N)  # the bound counts from the freeze
	once_wait
	stalled "sshd frozen mid-upload"
	assert_eq "sshd frozen mid-upload: the large file is not delivered" no \
		"$([ -e "$D/up/huge.csv" ] && echo yes || echo no)"
else
	START_MS=$(date +%s%3N)
	once_wait
	fail "sshd frozen mid-upload: the upload was not seen in progress"
fi
kill -CONT $FROZEN
FROZEN=""

# --- the server answers again: everything arrives exactly once ---
proxy_mode pass
config "$PX_PORT" "$PX/known_hosts" yes yes
sqlite3 "$T/manifest.db" "update files set next_attempt = 0"
settle || fail "not settled"
exactly_once "upload" "$D/up" "$T/up.sums"
exactly_once "download" "$T/out" "$T/down.sums"
assert_eq "upload sources finished" 0 "$(count_files "$T/in")"
assert_eq "download sources finished" 0 "$(count_files "$D/down")"
manifest_exactly_once 15

# --- run, with open sessions to a server that froze, stops at once ---
config "$SSHD_PORT" "$SSHD_KNOWN_HOSTS" yes no
for i in 1 2 3 4 5 6 7 8; do head -c 1000 /dev/urandom >"$T/in/run-$i.csv"; done
"$KA_BIN" -c "$T/agent.ini" run >"$T/run-daemon.out" 2>&1 &
RPID=$!
n=0
while [ "$(count_files "$T/in")" -gt 0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
assert_eq "run: the files were delivered" 0 "$(count_files "$T/in")"
FROZEN=$(sshd_pids)
kill -STOP $FROZEN
START_MS=$(date +%s%3N)
kill -TERM $RPID
wait $RPID
RC=$?
MS=$(( $(date +%s%3N) - START_MS ))
kill -CONT $FROZEN
FROZEN=""
echo "# run stopped in ${MS} ms with the server frozen"
assert_eq "run: exits 0 on SIGTERM" 0 "$RC"
if [ "$MS" -lt 3000 ]; then ok "run: stops within 3 s though the server is frozen"
else fail "run: took $MS ms to stop with the server frozen"; fi
finish
