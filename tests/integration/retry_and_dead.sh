#!/bin/sh
# A destination that fails is retried with backoff and becomes dead after
# max_attempts, with the reason; the source is never finished meanwhile.
# on_exists decides what happens when the final name is taken.
. "$(dirname "$0")/lib.sh"

make_files "$T/in" 2 100
: >"$T/blocker"     # a file where the destination directory should be
write_config <<EOF2
[route r1]
source = $T/in
dest = $T/blocker/sub
format = text
after = delete
max_attempts = 2
EOF2
ka once
assert_eq "failed delivery exits 69" 69 "$RC"
assert_eq "files pending with one attempt" 2 "$(sql "select count(*) from files where state='pending' and attempts=1")"
assert_match "retry logged with the reason" "event=retry .*attempt=1 error=.*blocker" "$T/stderr"
assert_eq "source not finished while undelivered" 2 "$(count_files "$T/in")"
ka status
assert_eq "status still healthy before anything is dead" 0 "$RC"
sleep 1.1
ka once
assert_eq "dead after max_attempts" 2 "$(sql "select count(*) from files where state='dead'")"
assert_match "dead logged" "event=dead" "$T/stderr"
ka status
assert_eq "status exits 1 when a file is dead" 1 "$RC"
assert_match "status shows the dead count" "dead=2" "$T/stdout"
assert_eq "source still there after dying" 2 "$(count_files "$T/in")"

# The operator fixes the destination and resends.
rm "$T/blocker"
ka resend --route r1 --since 1h
assert_eq "resend of dead files exits 0" 0 "$RC"
assert_eq "resent files arrived" 2 "$(count_files "$T/blocker/sub")"

# on_exists = fail: a taken final name is a permanent error → dead at once.
rm -rf "$T/in2" "$T/out2"; mkdir -p "$T/in2" "$T/out2"
echo new >"$T/in2/x.csv"; echo old >"$T/out2/x.csv"
cat >>"$T/agent.ini" <<EOF2
[route r2]
source = $T/in2
dest = $T/out2
format = text
EOF2
ka once
assert_eq "existing final name with on_exists = fail → dead" dead "$(sql "select state from files where route='r2'")"
assert_eq "the existing file is untouched" old "$(cat "$T/out2/x.csv")"
assert_eq "no temp file left behind" 0 "$(find "$T/out2" -name '.*' | wc -l | tr -d ' ')"
finish
