#!/bin/sh
# `run` picks a new file up at once through inotify (long before the poll
# interval), and SIGTERM stops it cleanly with exit 0. A second runner on
# the same manifest is refused while the first holds it.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
AGENT_EXTRA="poll_interval = 3600" write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
EOF2

"$KA_BIN" -c "$T/agent.ini" run 2>"$T/run.err" &
pid=$!
BG_PIDS="$pid"
sleep 1
ka once
assert_eq "second runner refused (exit 75)" 75 "$RC"
assert_match "refusal names the holder" "in use by another kargo-agent \\(pid $pid\\)" "$T/stderr"

echo "hello" >"$T/in/new.csv"
i=0
while [ ! -e "$T/out/new.csv" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
assert_eq "file picked up by inotify within 5 s" "hello" "$(cat "$T/out/new.csv" 2>/dev/null)"

kill -TERM "$pid"
wait "$pid"
assert_eq "SIGTERM: clean exit 0" 0 "$?"
BG_PIDS=""
assert_match "stop logged" "event=stopped" "$T/run.err"
finish
