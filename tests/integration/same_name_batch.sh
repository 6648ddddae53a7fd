#!/bin/sh
# Two versions of one name waiting together (the source rewritten while the
# first version waited for its destination) never share a temporary file:
# the older is delivered first, the newer in a batch of its own, each with
# its own bytes (on_exists = rename: NAME and NAME-2), in the same `once`.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
: >"$T/block"
conf() {
	write_config <<EOF2
[route r1]
source = $T/in
dest = $1
format = text
on_exists = rename
max_attempts = 1
EOF2
}
conf "$T/block/out"
printf 'version one\n' >"$T/in/a.csv"
ka once
printf 'version two, longer\n' >"$T/in/a.csv"
touch -d '+2 seconds' "$T/in/a.csv"
ka once
assert_eq "both versions staged, both dead on the blocked destination" 2 \
	"$(sql "select count(*) from files where name='a.csv' and state='dead'")"

# The cause fixed in the configuration: the destination corrected. Waiting
# files go to the route's destinations as configured now.
rm -f "$T/block"
conf "$T/out"
ka retry --state dead
assert_eq "retry queues both" 0 "$RC"
ka once
assert_eq "one once delivers both" 0 "$RC"
assert_eq "the older version under the name" "version one" "$(cat "$T/out/a.csv" 2>/dev/null)"
assert_eq "the newer one beside it" "version two, longer" "$(cat "$T/out/a-2.csv" 2>/dev/null)"
assert_eq "no temporary file left" "" "$(find "$T/out" -name '.*' -type f)"
assert_eq "each file's delivery records its own name" "a.csv|a-2.csv" \
	"$(sql "select group_concat(final_path, '|') from (select d.final_path from deliveries d join files f on f.id = d.file_id where d.dest = '$T/out' order by f.id)" | sed "s|$T/out/||g")"
assert_eq "both files done" "done|done" "$(sql "select group_concat(state, '|') from files")"
finish
