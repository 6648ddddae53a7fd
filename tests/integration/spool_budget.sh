#!/bin/sh
# spool_budget_pauses_staging_and_resumes: with spool_max_bytes, a file that
# would take the spool's copies past the budget is not staged: it stays at
# its source untouched, staging pauses for the rest of the cycle (logged
# once per pause as spool_full, however many runs meet it), `once` exits 69
# and says so, `status` shows the pause (exit 1), and files already staged
# are still delivered. When room is freed (here: copies marked gone, as
# retention does) staging resumes (spool_resumed) and every file arrives
# exactly once. The metrics file says the same.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in" "$T/in2"
: >"$T/out2"    # a file where r2's destination directory should be: its delivery fails
AGENT_EXTRA="spool_max_bytes = 10K
metrics_file = $T/metrics.prom" write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
after = keep

[route r2]
source = $T/in2
dest = $T/out2
format = text
EOF2

# --- r2: one file staged, its delivery failing for now (1000 bytes held) ---
head -c 1000 /dev/urandom >"$T/in2/x.csv"
ka once
assert_eq "r2's file staged, its delivery to retry: 69" 69 "$RC"
assert_eq "spool holds 1000 bytes" 1000 "$(sql 'SELECT sum(spool_bytes) FROM counts')"

# --- r1: three files of 4000 bytes; the third would pass 10 KiB ---
make_files "$T/in" 3 4000
sums "$T/in" >"$T/sources-before"
ka once
assert_eq "budget reached: once exits 69" 69 "$RC"
assert_match "once says staging paused" "^once: staging paused: the spool reached spool_max_bytes; 1 file waits at its sources" "$T/stdout"
assert_eq "two of r1's files staged" 2 "$(sql "SELECT count(*) FROM files WHERE route='r1'")"
assert_eq "and delivered" 2 "$(count_files "$T/out")"
assert_eq "spool_full logged once" 1 "$(grep -c 'event=spool_full' "$T/stderr")"
assert_match "with what it saw" "event=spool_full spool_bytes=9000 budget=10240 route=r1 name=file-[0-9].csv bytes=4000" "$T/stderr"
held=$(sed -n 's/.*event=spool_full .* name=\(file-[0-9].csv\) .*/\1/p' "$T/stderr")
assert_eq "the held file is not in the manifest" 0 "$(sql "SELECT count(*) FROM files WHERE name='$held'")"
sums "$T/in" >"$T/sources-after"
assert_eq "every source file untouched" "$(cat "$T/sources-before")" "$(cat "$T/sources-after")"

assert_match "metrics: paused" "^kargo_agent_staging_paused 1$" "$T/metrics.prom"
assert_match "metrics: the spool's bytes" "^kargo_agent_spool_bytes 9000$" "$T/metrics.prom"
assert_match "metrics: the budget" "^kargo_agent_spool_max_bytes 10240$" "$T/metrics.prom"
assert_match "metrics: the manifest's size" "^kargo_agent_manifest_bytes [1-9][0-9]*$" "$T/metrics.prom"
ka status
assert_eq "status while paused: exit 1" 1 "$RC"
assert_match "status: the pause" "^staging: PAUSED since 20[0-9-]+T[0-9:]+Z by spool_max_bytes \\(spool_bytes=9000 budget=10240 route=r1 name=$held bytes=4000\\)" "$T/stdout"
assert_match "status: the spool's bytes and budget" "^spool: 8.8 KiB in copies of files \\(9000 bytes\\), spool_max_bytes 10.0 KiB" "$T/stdout"
assert_match "status: the manifest's size" "^manifest: .* on disk \\(database .*, write-ahead log .*\\)" "$T/stdout"
assert_match "status: the routes' lines are still there" "^route r1: healthy" "$T/stdout"
ka status --json
assert_match "status --json: paused" '"spool_bytes":9000,"spool_max_bytes":10240,"staging_paused":true,"paused_since":"20' "$T/stdout"
assert_match "status --json: manifest bytes" '"manifest_bytes":[1-9][0-9]*,"manifest_wal_bytes":[0-9]+' "$T/stdout"
assert_match "status --json: unhealthy" '"healthy":false}$' "$T/stdout"

# --- still paused: what is staged is delivered, nothing new staged, no new spool_full ---
rm "$T/out2"
mkdir "$T/out2"
sleep 1.2    # r2's retry is due
ka once
assert_eq "the staged file of r2 delivered while paused" 1 "$(count_files "$T/out2")"
assert_eq "still paused: 69" 69 "$RC"
assert_eq "spool_full not logged again" 0 "$(grep -c 'event=spool_full' "$T/stderr")"
assert_eq "the held file still not staged" 0 "$(sql "SELECT count(*) FROM files WHERE name='$held'")"

# --- room freed: r1's copies gone (as retention marks them) ---
sql "UPDATE files SET spool_gone = strftime('%s','now') WHERE route='r1'"
ka once
assert_eq "resumed: once exits 0" 0 "$RC"
assert_match "spool_resumed logged" "event=spool_resumed spool_bytes=1000 budget=10240" "$T/stderr"
assert_no_match "no pause this time" "staging paused" "$T/stdout"
assert_match "metrics: not paused" "^kargo_agent_staging_paused 0$" "$T/metrics.prom"
ka status
assert_eq "status after resuming: exit 0" 0 "$RC"
assert_no_match "status: no pause" "PAUSED" "$T/stdout"
sums "$T/out" >"$T/delivered"
assert_eq "every file arrived, with its bytes" "$(cat "$T/sources-before")" "$(cat "$T/delivered")"
assert_eq "each exactly once" "file-1.csv|1 file-2.csv|1 file-3.csv|1" \
	"$(sql "SELECT name, count(*) FROM files WHERE route='r1' GROUP BY name ORDER BY name" | tr '\n' ' ' | sed 's/ $//')"
ka once
assert_eq "nothing carried again" 3 "$(sql "SELECT count(*) FROM files WHERE route='r1'")"
finish
