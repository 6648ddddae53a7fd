#!/bin/sh
# run_tells_systemd: under the unit's Type=notify, `run` sends READY=1 once
# its routes are armed (before the first cycle is done), WATCHDOG=1 at least
# every WatchdogSec/2 while WATCHDOG_USEC is set (none when it is not),
# RELOADING=1 then READY=1 around a SIGHUP reload, and STOPPING=1 on SIGTERM.
# systemd's notification socket is played by a small unix datagram listener
# (python3) that writes each message it receives as one line.
. "$(dirname "$0")/lib.sh"

# listen SOCKET LOG: receive datagrams on SOCKET, one line each in LOG.
listen() {
	python3 - "$1" "$2" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], 'a') as log:
    while True:
        log.write(s.recv(4096).decode().replace('\n', ' ') + '\n')
        log.flush()
EOF
	LISTENER=$!
	BG_PIDS="$BG_PIDS $LISTENER"
	i=0
	while [ ! -S "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}

# wait_for LOG REGEX: up to 10 s for a line matching REGEX.
wait_for() {
	i=0
	while ! grep -Eq -- "$2" "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

unit=$KA_SRCDIR/etc/kargo-agent.service
assert_match "the shipped unit is Type=notify" "^Type=notify\$" "$unit"
assert_match "the shipped unit sets a watchdog" "^WatchdogSec=[0-9]+" "$unit"

mkdir -p "$T/in"
AGENT_EXTRA="poll_interval = 3600" write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
EOF2

# --- with the watchdog (WatchdogSec=2) -----------------------------------------
listen "$T/notify.sock" "$T/notify.log"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=2000000 "$KA_BIN" -c "$T/agent.ini" run 2>"$T/run.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_for "$T/notify.log" "^READY=1"
assert_match "READY=1 sent" "^READY=1" "$T/notify.log"
assert_eq "READY=1 is the first message" "READY=1" "$(head -n 1 "$T/notify.log" | cut -d' ' -f1)"
sleep 3
pings=$(grep -c "^WATCHDOG=1" "$T/notify.log")
assert_eq "WATCHDOG=1 at least every second (WatchdogSec=2): 3 or more in 3 s" yes \
	"$([ "$pings" -ge 3 ] && echo yes || echo "no ($pings)")"
assert_eq "no WATCHDOG=1 before READY=1" "READY=1" "$(grep -m1 -E '^(READY|WATCHDOG)' "$T/notify.log" | cut -d' ' -f1)"

: >"$T/notify.log"
kill -HUP "$pid"
wait_for "$T/notify.log" "^READY=1"
assert_match "SIGHUP: RELOADING=1 with the monotonic time" "^RELOADING=1 MONOTONIC_USEC=[0-9]+" "$T/notify.log"
assert_eq "SIGHUP: RELOADING=1, then READY=1" "RELOADING=1 READY=1" \
	"$(grep -E '^(RELOADING|READY)' "$T/notify.log" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
assert_match "reload logged" "event=reloaded" "$T/run.err"

kill -TERM "$pid"
wait "$pid"
assert_eq "SIGTERM: exit 0" 0 "$?"
assert_match "SIGTERM: STOPPING=1" "^STOPPING=1" "$T/notify.log"
assert_no_match "nothing failed to send" "event=notify_failed" "$T/run.err"

# --- without a watchdog: READY=1, no WATCHDOG=1 ---------------------------------
: >"$T/notify.log"
NOTIFY_SOCKET=$T/notify.sock "$KA_BIN" -c "$T/agent.ini" run 2>"$T/run2.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_for "$T/notify.log" "^READY=1"
sleep 1.5
kill -TERM "$pid"
wait "$pid"
assert_match "no watchdog: READY=1 all the same" "^READY=1" "$T/notify.log"
assert_no_match "no watchdog: no WATCHDOG=1" "^WATCHDOG=1" "$T/notify.log"
finish
