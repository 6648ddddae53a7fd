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

# Two files of 32 MiB: while the first one listed is copied, a writer appends
# to both (whichever the listing gives first), so each copy has another size
# than the listing said.
for f in a b; do
	yes 'a line of text' | head -c 33554432 >"$T/in/$f.txt"
done
mkdir -p "$T/spool/tmp"
(
	i=0
	while [ -z "$(ls -A "$T/spool/tmp" 2>/dev/null)" ] && [ $i -lt 2000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	echo appended >>"$T/in/a.txt"
	echo appended >>"$T/in/b.txt"
) &
BG_PIDS="$!"
ka once
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
