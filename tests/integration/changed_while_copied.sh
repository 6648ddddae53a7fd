#!/bin/sh
# A file that changes while it is copied into the spool was not stable after
# all: it is logged `not_stable` and left for a later cycle, the route does
# not fail and the cycle goes on; the next cycle takes the final content.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
write_config <<EOF2
[route grow]
source = $T/in
dest = $T/out
format = text
EOF2

# Two files of 32 MiB, appended to without a pause for as long as the first
# once runs: every copy of either (tens of milliseconds) spans appends, so
# each has another size than the listing said, whatever the machine's speed;
# the agent runs at the lowest priority so a busy machine gives the writer
# its turns. (Appending only once, when the first copy began, raced with a
# copy that had already ended on a fast or busy machine.)
for f in a b; do
	yes 'a line of text' | head -c 33554432 >"$T/in/$f.txt"
done
(
	while [ ! -e "$T/stop-appending" ]; do
		echo appended >>"$T/in/a.txt"
		echo appended >>"$T/in/b.txt"
	done
) &
BG_PIDS="$!"
nice -n 19 "$KA_BIN" -c "$T/agent.ini" once >"$T/stdout" 2>"$T/stderr"
RC=$?
touch "$T/stop-appending"
wait
BG_PIDS=""
assert_eq "once exits 0" 0 "$RC"
assert_match "a file changed while copied is not stable" \
	"event=not_stable route=grow name=[ab]\.txt" "$T/stderr"
assert_no_match "the route does not fail" "event=route_failed" "$T/stderr"
assert_no_match "nothing delivered with the listed size" "event=delivered .*bytes=33554432 " \
	"$T/stderr"

ka once
assert_eq "second once exits 0" 0 "$RC"
assert_eq "both delivered" 2 "$(count_files "$T/out")"
assert_eq "with the appended bytes" "$(sums "$T/in")" "$(sums "$T/out")"
assert_eq "two files recorded, each once" 2 "$(sql "select count(*) from files")"
finish
