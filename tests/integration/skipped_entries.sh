#!/bin/sh
# Entries a source holds but a route does not take are said: one debug line
# per name and reason (`event=skipped`, once while the name stays, not once
# per cycle), and per route in status the last cycle's count by reason.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in/sub"
echo a >"$T/in/a.csv"
echo n >"$T/in/notes.txt"
ln -s a.csv "$T/in/link.csv"
mkfifo "$T/in/fifo.csv"
echo h >"$T/in/.hidden.csv"
echo p >"$T/in/b.csv.part"
AGENT_EXTRA="poll_interval = 1" write_config <<EOF2
[route r1]
source = $T/in
pattern = *.csv
dest = $T/out
format = text
EOF2

"$KA_BIN" -c "$T/agent.ini" run 2>"$T/run.err" &
BG_PIDS=$!
sleep 3.5   # four cycles or more
kill -TERM "$BG_PIDS"
wait "$BG_PIDS"
BG_PIDS=""
assert_eq "the matching file carried" a "$(cat "$T/out/a.csv" 2>/dev/null)"
for nr in notes.txt:pattern sub:directory link.csv:symlink fifo.csv:special \
	.hidden.csv:temp_name b.csv.part:temp_name; do
	name=${nr%%:*} reason=${nr#*:}
	assert_eq "$name: one skipped line (reason $reason) over several cycles" 1 \
		"$(grep -c "level=debug event=skipped route=r1 name=$name reason=$reason\$" "$T/run.err")"
done

ka status
assert_eq "status exit 0" 0 "$RC"
assert_match "status: skipped by reason" \
	"^  skipped +directory=1 symlink=1 special=1 temp_name=2 pattern=1\$" "$T/stdout"
ka status --json
assert_eq "status --json: skipped object, other fields kept" \
	"{'directory': 1, 'symlink': 1, 'special': 1, 'temp_name': 2, 'pattern': 1} 1 True" \
	"$(python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["routes"][0]; print(r["skipped"], r["counts"]["done"], d["healthy"])' <"$T/stdout")"

# the last cycle's count: what is gone is no longer counted
rm -f "$T/in/notes.txt" "$T/in/link.csv" "$T/in/fifo.csv" "$T/in/.hidden.csv" "$T/in/b.csv.part"
rmdir "$T/in/sub"
ka once
ka status
assert_no_match "status: nothing skipped, no line" "skipped" "$T/stdout"
ka status --json
assert_match "status --json: an empty skipped object" '"skipped":\{\}' "$T/stdout"
finish
