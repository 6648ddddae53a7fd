#!/bin/sh
# Killed with SIGKILL at each step between staging and finishing, the agent
# delivers every file exactly once after a restart: nothing lost, nothing
# partial under a final name, nothing twice.
. "$(dirname "$0")/lib.sh"

for point in after_stage after_put after_mark_committing after_rename after_finish; do
	rm -rf "$T/in" "$T/out" "$T/spool" "$T"/manifest.db*
	make_files "$T/in" 20 5000
	sums "$T/in" >"$T/before.sums"
	write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
after = delete
EOF2
	KARGO_AGENT_CRASH_AT=$point "$KA_BIN" -c "$T/agent.ini" once >"$T/stdout" 2>"$T/stderr"
	assert_eq "$point: killed by SIGKILL" 137 "$?"
	ka once
	assert_eq "$point: restart exits 0" 0 "$RC"
	ka once
	sums "$T/out" >"$T/after.sums"
	if cmp -s "$T/before.sums" "$T/after.sums"; then ok "$point: all 20 files delivered, same bytes"
	else fail "$point: destination differs from source"; diff "$T/before.sums" "$T/after.sums" | head -5; fi
	assert_eq "$point: no temp or extra file at destination" 20 "$(ls -A "$T/out" | wc -l | tr -d ' ')"
	assert_eq "$point: each file delivered exactly once" 20 \
		"$(sql "select count(*) from events where event='delivered'")"
	assert_eq "$point: every file done" 20 "$(sql "select count(*) from files where state='done'")"
	assert_eq "$point: sources finished (deleted)" 0 "$(count_files "$T/in")"
	ka verify
	assert_eq "$point: verify finds manifest and spool consistent" 0 "$RC"
done
finish
