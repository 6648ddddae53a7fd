#!/bin/sh
# SIGTERM in the middle of a batch: `run` lets the uploads in hand finish
# and starts no new one, so it stops in seconds whatever batch_size is. The
# files not tried are left as they were (pending, no attempt counted, no
# temporary file), and the next run delivers them, each exactly once.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
need_sshd
trap '"$SERVERS/sshd-stop" "$SRV" KILL; cleanup' EXIT
sshd_up
D=$SSHD_DATA
N=3000

mkdir -p "$T/in" "$D/up"
i=0
while [ $i -lt $N ]; do printf 'file %d\n' $i > "$T/in/f$i.csv"; i=$((i + 1)); done
sums "$T/in" > "$T/before.sums"
# One batch of all the files, one session: the upload phase lasts seconds.
AGENT_EXTRA="batch_size = 10000
poll_interval = 3600" write_config <<EOF2
$(remote_section "$SSHD_PORT" "$SSHD_KNOWN_HOSTS" "sessions = 1")
[route up]
source = $T/in
dest = srv:$D/up
format = text
after = keep
EOF2

"$KA_BIN" -c "$T/agent.ini" run > "$T/run.out" 2> "$T/run.err" &
pid=$!
BG_PIDS=$pid
n=0  # wait for the first temporary file: the batch is uploading
while [ -z "$(ls -A "$D/up" 2>/dev/null)" ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
kill -TERM "$pid"
n=0
while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
if kill -0 "$pid" 2>/dev/null; then fail "run still running 10 s after SIGTERM"; fi
wait "$pid"
assert_eq "run exits 0 on SIGTERM" 0 "$?"
BG_PIDS=""
got=$(count_files "$D/up")
if [ "$got" -gt 0 ] && [ "$got" -lt $N ]; then ok "the batch stopped part way ($got of $N delivered)"
else fail "the batch was not cut short: $got of $N delivered"; fi
assert_eq "no temporary file left" 0 "$(find "$D/up" -name '.*' | wc -l | tr -d ' ')"
assert_eq "no attempt counted for the files not tried" 0 "$(sql "select count(*) from files where attempts > 0")"
assert_eq "none dead" 0 "$(sql "select count(*) from files where state = 'dead'")"
assert_match "the files not tried are logged" "event=not_tried .*reason=stopping" "$T/run.err"

ka once
assert_eq "the next run delivers the rest" 0 "$RC"
sums "$D/up" > "$T/after.sums"
if cmp -s "$T/before.sums" "$T/after.sums"; then ok "every file once, with its bytes ($N)"
else fail "destination differs from the source"; diff "$T/before.sums" "$T/after.sums" | head -5; fi
assert_eq "each delivered exactly once" $N "$(sql "select count(*) from events where event = 'delivered'")"
finish
