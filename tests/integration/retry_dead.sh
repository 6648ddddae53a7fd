#!/bin/sh
# Dead files have a way out once their cause is fixed:
#  - `retry ID`, `retry --route R`, `retry --state dead` put them back in the
#    queue (pending, attempts 0, due now, a `retried` event with who and
#    why); the next `once` delivers each exactly once and finishes its
#    source as `after` says; status is healthy again;
#  - files in other states are refused with the reason;
#  - retry while a `run` holds the manifest exits 75 naming its pid;
#  - `resend` of a dead file to its own destinations completes it: delivered,
#    done, source finished; it takes the lock too;
#  - status says how to get out ("N dead: kargo-agent retry --state dead").
. "$(dirname "$0")/lib.sh"

# Two routes whose destination is blocked by a plain file: max_attempts = 1,
# so the first failed delivery makes each file dead.
make_files "$T/in1" 2 300
make_files "$T/in2" 1 200
sum1=$(sums "$T/in1")
: >"$T/block1"
: >"$T/block2"
conf() {
	write_config <<EOF2
[route r1]
source = $T/in1
dest = $T/block1/out
format = text
after = archive:$T/sent1
max_attempts = 1

[route r2]
source = $T/in2
dest = $T/block2/out
format = text
after = delete
max_attempts = 1
EOF2
}
conf
ka once
assert_eq "the blocked deliveries make the files dead" 3 "$(sql "select count(*) from files where state='dead'")"
ka status
assert_eq "status exits 1 with dead files" 1 "$RC"
assert_match "status says how to get out" "^3 dead: kargo-agent retry --state dead" "$T/stdout"

# Refusals: bad usage, unknown ids, files in other states.
ka retry
assert_eq "retry without ids or filters is a usage error" 64 "$RC"
ka retry --state done
assert_eq "retry --state takes dead or corrupt only" 64 "$RC"
ka retry 99
assert_eq "retry of an unknown id exits 66" 66 "$RC"
ka retry --help
assert_eq "retry --help exits 0" 0 "$RC"
assert_match "retry --help shows the usage" "retry ID\.\.\. \| --route R" "$T/stdout"

# retry while a run holds the manifest: 75, naming the holder.
AGENT_EXTRA="poll_interval = 3600" conf
"$KA_BIN" -c "$T/agent.ini" run 2>"$T/run.err" &
pid=$!
BG_PIDS="$pid"
i=0
while ! grep -q "event=started" "$T/run.err" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ka retry --state dead
assert_eq "retry while run holds the lock exits 75" 75 "$RC"
assert_match "the refusal names the holder" "in use by another kargo-agent \(pid $pid\)" "$T/stderr"
kill -TERM "$pid"
wait "$pid"
BG_PIDS=""
assert_eq "nothing was retried under the lock" 3 "$(sql "select count(*) from files where state='dead'")"
conf

# The cause is fixed for r1; retry one file by id, the other by route.
rm "$T/block1"
id1=$(sql "select min(id) from files where route='r1'")
SUDO_USER= ka retry "$id1" --reason "disk fixed"
assert_eq "retry ID exits 0" 0 "$RC"
assert_match "retried logged" "event=retried file=$id1 route=r1 by=$(id -un) was=dead reason=\"disk fixed\"" "$T/stderr"
assert_match "retry says what it did" "^retried $id1 \(route r1, file-1.csv\): was dead after 1 attempt, now queued" "$T/stdout"
assert_eq "retried: pending, attempts 0, due now, no error" "pending|0|1" \
	"$(sql "select state, attempts, next_attempt <= strftime('%s','now') and last_error is null from files where id=$id1")"
assert_eq "a retried event with who and why" 1 \
	"$(sql "select count(*) from events where file_id=$id1 and event='retried' and detail like 'by=$(id -un) was=dead attempts=1 reason=\"disk fixed\" last_error=%block1%'")"
ka retry "$id1"
assert_eq "retrying a file that is queued is refused (65)" 65 "$RC"
assert_match "the refusal says why" "file $id1 is pending, not dead or corrupt: it is already queued" "$T/stderr"
ka retry --route r1
assert_eq "retry --route r1 exits 0" 0 "$RC"
assert_eq "every r1 file queued, r2 still dead" "pending|2 dead|1" \
	"$(sql "select state || '|' || count(*) from files group by state order by state desc" | tr '\n' ' ' | sed 's/ $//')"
ka once
assert_eq "the retried files are delivered" 0 "$RC"
assert_eq "delivered exactly once, with their sha256" "$sum1" "$(sums "$T/block1/out")"
assert_eq "no temporary file left" 0 "$(find "$T/block1/out" -name '.*' | wc -l | tr -d ' ')"
assert_eq "sources finished as after says (archive)" "0 2" "$(count_files "$T/in1") $(count_files "$T/sent1")"
assert_eq "r1 files done" 2 "$(sql "select count(*) from files where route='r1' and state='done'")"
assert_eq "one delivered event each" "1 1" \
	"$(sql "select count(*) from events e join files f on f.id=e.file_id where f.route='r1' and e.event='delivered' group by f.id" | tr '\n' ' ' | sed 's/ $//')"
ka retry "$id1"
assert_eq "retrying a done file is refused (65)" 65 "$RC"
assert_match "and points at resend" "file $id1 is done, not dead or corrupt: it was delivered; .kargo-agent resend ID. delivers it again" "$T/stderr"
ka status
assert_eq "status still 1 while r2's file is dead" 1 "$RC"
assert_match "status counts what is left" "^1 dead: kargo-agent retry --state dead" "$T/stdout"

# r2 fixed: retry --state dead, then once.
rm "$T/block2"
SUDO_USER="ops lead" ka retry --state dead
assert_eq "retry --state dead exits 0" 0 "$RC"
assert_eq "under sudo the event names the user behind it" 1 \
	"$(sql "select count(*) from events where event='retried' and detail like 'by=ops_lead(sudo) was=dead %'")"
assert_eq "r2's file queued" pending "$(sql "select state from files where route='r2'")"
# A corrupt file (its spool copy failed its check, and it could not be
# staged again then) is retried: due at once, still corrupt, staged again by
# the next cycle.
sql "update files set state='corrupt', attempts=1, next_attempt=9223372036854775807 where route='r2'"
ka retry --route r2 --state dead
assert_eq "retry --route r2 --state dead: no dead file there (66)" 66 "$RC"
ka retry --state corrupt
assert_eq "retry --state corrupt exits 0" 0 "$RC"
assert_eq "the corrupt file due now, attempts reset" "corrupt|0|1" \
	"$(sql "select state, attempts, next_attempt <= strftime('%s','now') from files where route='r2'")"
ka once
sum2=$(sql "select sha256 from files where route='r2'")
assert_eq "r2's file delivered with its sha256" "$sum2" "$(sha256sum <"$T/block2/out/file-1.csv" | cut -d' ' -f1)"
assert_eq "r2's source deleted (after = delete)" 0 "$(count_files "$T/in2")"
ka status
assert_eq "status healthy again (exit 0)" 0 "$RC"
assert_no_match "no hint once nothing is dead" "kargo-agent retry" "$T/stdout"
ka retry --state dead
assert_eq "retry --state dead with nothing dead exits 66" 66 "$RC"

# resend of a dead file to its own destinations completes it.
r3_conf() {
	cat >>"$T/agent.ini" <<EOF2

[route r3]
source = $T/in3
dest = $T/block3/out
format = text
after = delete
max_attempts = 1
EOF2
}
make_files "$T/in3" 1 400
: >"$T/block3"
r3_conf
ka once
id3=$(sql "select id from files where route='r3'")
assert_eq "r3's file is dead" dead "$(sql "select state from files where id=$id3")"
rm "$T/block3"
ka resend "$id3" --to "$T/elsewhere"
assert_eq "resend --to of a dead file exits 0" 0 "$RC"
assert_eq "resend --to leaves it dead (another place, not its destination)" dead \
	"$(sql "select state from files where id=$id3")"
AGENT_EXTRA="poll_interval = 3600" write_config <<EOF2
[route idle]
source = $T/idle
dest = $T/idle-out
EOF2
"$KA_BIN" -c "$T/agent.ini" run 2>"$T/run.err" &
pid=$!
BG_PIDS="$pid"
i=0
while ! grep -q "event=started" "$T/run.err" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
r3_conf
ka resend "$id3"
assert_eq "resend of a dead file while run holds the lock exits 75" 75 "$RC"
assert_match "the refusal names the holder" "in use by another kargo-agent \(pid $pid\)" "$T/stderr"
kill -TERM "$pid"
wait "$pid"
BG_PIDS=""
assert_eq "nothing delivered under the lock" 0 "$(count_files "$T/block3/out")"
ka resend "$id3"
assert_eq "resend of a dead file exits 0" 0 "$RC"
assert_eq "delivered with its sha256" "$(sql "select sha256 from files where id=$id3")" \
	"$(sha256sum <"$T/block3/out/file-1.csv" | cut -d' ' -f1)"
assert_eq "the file is done, attempts reset" "done|0" "$(sql "select state, attempts from files where id=$id3")"
assert_eq "its delivery to the route's destination is delivered" "delivered" \
	"$(sql "select group_concat(state) from deliveries where file_id=$id3 and resend=0")"
assert_eq "the source is finished (after = delete)" 0 "$(count_files "$T/in3")"
ka once
assert_eq "the next once delivers nothing more" "1" "$(count_files "$T/block3/out")"
assert_eq "one delivered event" 1 "$(sql "select count(*) from events where file_id=$id3 and event='delivered'")"
finish
