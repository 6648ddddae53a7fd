#!/bin/sh
# `run` picks a new file up at once through inotify (long before the poll
# interval), reloads its config on SIGHUP (refusing an invalid one and
# keeping the old), watches its source again after the directory is removed
# and made again, and SIGTERM stops it cleanly with exit 0. A second
# runner on the same manifest is refused while the first holds it.
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

# SIGHUP with a valid new config: a new route starts working.
mkdir -p "$T/in2"
cp "$T/agent.ini" "$T/good.ini"
printf '[route r2]\nsource = %s/in2\ndest = %s/out2\nformat = text\n' "$T" "$T" >>"$T/agent.ini"
kill -HUP "$pid"
sleep 1.5
echo "two" >"$T/in2/second.csv"
i=0
while [ ! -e "$T/out2/second.csv" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
assert_eq "SIGHUP: the new route carries files" "two" "$(cat "$T/out2/second.csv" 2>/dev/null)"
assert_match "reload logged" "event=reloaded .*routes=2" "$T/run.err"

# SIGHUP with an invalid config: refused, the running config kept.
printf '[route broken]\nsource = %s/in3\n' "$T" >>"$T/agent.ini"
kill -HUP "$pid"
sleep 1.5
assert_match "invalid config refused with the reason" "event=reload_refused .*\\[route broken\\] dest: missing required key" "$T/run.err"
echo "three" >"$T/in/third.csv"
i=0
while [ ! -e "$T/out/third.csv" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
assert_eq "the old config keeps running" "three" "$(cat "$T/out/third.csv" 2>/dev/null)"
kill -0 "$pid" 2>/dev/null
assert_eq "still running after a refused reload" 0 "$?"

# The source directory removed and made again: the watch is lost, said,
# and armed again within a second, so a new file still arrives at once
# (not after the hour-long poll interval).
rm -rf "$T/in"
mkdir "$T/in"
echo "four" >"$T/in/four.csv"
i=0
while [ ! -e "$T/out/four.csv" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
assert_eq "source made again: file carried within 3 s" "four" "$(cat "$T/out/four.csv" 2>/dev/null)"
assert_match "the lost watch is logged" "event=watch_lost route=r1 dir=$T/in" "$T/run.err"
assert_eq "the watch is armed again" 1 \
	"$(sed -n '/event=watch_lost/,$p' "$T/run.err" | grep -c "event=watch_armed route=r1 ")"
sleep 0.5
echo "five" >"$T/in/five.csv"
i=0
while [ ! -e "$T/out/five.csv" ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
assert_eq "and the new watch sees the next file" "five" "$(cat "$T/out/five.csv" 2>/dev/null)"

kill -TERM "$pid"
wait "$pid"
assert_eq "SIGTERM: clean exit 0" 0 "$?"
BG_PIDS=""
assert_match "stop logged" "event=stopped" "$T/run.err"
finish
