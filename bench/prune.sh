#!/bin/sh
# Pruning figures (issue 13), measured in one run on a manifest the script
# builds itself: ROWS done files (default 1,000,000; 2 shipment ids, one
# delivery and one event each), EXPIRED of them (default 500,000) last
# changed in 2023, the rest a day ago; spool_retention 30d and
# manifest_retention 400d (the defaults), so a pass first releases the old
# files' spool copies, then deletes their rows.
#   1. `prune`: files deleted per second, the whole pass, and its longest
#      batch (one transaction).
#   2. what others see meanwhile: a writer that opens a transaction like a
#      cycle's every 20 ms (BEGIN IMMEDIATE, an insert, COMMIT), and `status`
#      and `list --shipment` every half second: the longest wait of each, against
#      the same readers before the prune (target: no stall over 200 ms).
# The spool objects are not made (1,000,000 files): the walk of the spool
# and the removals are not in these figures.
# Usage: bench/prune.sh [BUILD_DIR]   (default build/, built if missing)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
sh "$top/bench/build.sh" "$build"
ka="$build/kargo-agent"
rows=${ROWS:-1000000}
expired=${EXPIRED:-500000}
w=$(mktemp -d "${TMPDIR:-/tmp}/kargo-bench.XXXXXX")
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$w"' EXIT
now() { date +%s.%N; }
cat >"$w/a.ini" <<EOF
[agent]
spool_dir = $w/spool
manifest = $w/m.db
log_level = info
spool_retention = 30d
manifest_retention = 400d
EOF
"$ka" -c "$w/a.ini" once >/dev/null  # the agent's own schema
recent=$(( $(date +%s) - 86400 ))
echo "== filling $rows files ($expired expired)"
t0=$(now)
sqlite3 "$w/m.db" >/dev/null <<EOF
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $rows)
INSERT INTO files(id, route, source_uri, name, size, mtime, sha256, format, state, attempts,
  next_attempt, spool_path, summary, source_done, created, updated)
SELECT i, 'r'||(i%4+1), '/x/in/f'||i||'.csv', 'f'||i||'.csv', 4096, 1700000000+i,
  printf('%064x', i), 'text', 'done', 1, 0, '$w/spool/objects/'||printf('%064x', i),
  '{"format":"text","valid":true}', 1,
  CASE WHEN i <= $expired THEN 1700000000+i/10 ELSE $recent END,
  CASE WHEN i <= $expired THEN 1700000000+i/10 ELSE $recent END FROM n;
INSERT INTO shipments SELECT 'S'||(id/3), id FROM files;
INSERT INTO shipments SELECT 'T'||(id/3), id FROM files;
INSERT INTO deliveries(file_id, dest, final_path, state, resend, updated)
  SELECT id, '/x/out', '/x/out/'||name, 'delivered', 0, updated FROM files;
INSERT INTO events(file_id, ts, event, detail)
  SELECT id, updated*1000, 'delivered', 'dest=/x/out' FROM files;
PRAGMA wal_checkpoint(TRUNCATE);
EOF
t1=$(now)
printf 'filled in %.1f s, manifest %s MiB\n' "$(echo "$t1 - $t0" | bc -l)" \
	"$(( $(stat -c %s "$w/m.db") / 1048576 ))"

# reader NAME ARGS...: run the command every half second until $w/stop exists; its
# longest time in ms goes to $w/NAME.max, the number of runs to $w/NAME.n.
reader() {
	name=$1; shift
	max=0; n=0
	while [ ! -e "$w/stop" ]; do
		a=$(date +%s%N); "$ka" -c "$w/a.ini" "$@" >/dev/null 2>&1 || true; b=$(date +%s%N)
		ms=$(( (b - a) / 1000000 )); n=$((n + 1))
		[ "$ms" -gt "$max" ] && max=$ms
		sleep 0.5
	done
	echo "$max" >"$w/$name.max"; echo "$n" >"$w/$name.n"
}
# The writer: a short transaction every 20 ms, each one's wait measured.
writer() {
	python3 - "$w/m.db" "$w/stop" >"$w/writer.out" <<'EOF'
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
waits = []
while not os.path.exists(sys.argv[2]):
    t = time.monotonic()
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO events(file_id, ts, event, detail) VALUES (NULL, CAST(strftime('%s','now') AS INTEGER) * 1000, 'bench', 'x')")
    db.execute("COMMIT")
    waits.append((time.monotonic() - t) * 1000)
    time.sleep(0.02)
waits.sort()
print("%d %.0f %.0f" % (len(waits), waits[len(waits) * 99 // 100], waits[-1]))
EOF
}
measure_readers() {  # SECONDS: the readers alone, as the baseline
	rm -f "$w/stop"
	reader status status & pids="$pids $!"
	reader list list --shipment S4242 & pids="$pids $!"
	sleep "$1"; : >"$w/stop"; wait
	pids=""
}
echo "== readers alone (10 s)"
measure_readers 10
printf 'status: longest %s ms over %s runs; list --shipment: longest %s ms over %s runs\n' \
	"$(cat "$w/status.max")" "$(cat "$w/status.n")" "$(cat "$w/list.max")" "$(cat "$w/list.n")"

echo "== prune of $expired expired files, with a writer and the readers running"
rm -f "$w/stop"
writer & pids="$!"
reader status status & pids="$pids $!"
reader list list --shipment S4242 & pids="$pids $!"
sleep 1
t0=$(now)
"$ka" -c "$w/a.ini" prune >"$w/prune.out" 2>"$w/prune.err"
t1=$(now)
: >"$w/stop"; wait; pids=""
s=$(echo "$t1 - $t0" | bc -l)
cat "$w/prune.out"
line=$(grep 'event=pruned' "$w/prune.err")
files=$(echo "$line" | sed 's/.* files=\([0-9]*\).*/\1/')
longest=$(echo "$line" | sed 's/.*longest_batch_ms=\([0-9]*\) longest_batch=\([a-z]*\).*/\1 ms (\2)/')
batches=$(echo "$line" | sed 's/.* batches=\([0-9]*\).*/\1/')
printf 'prune: %.1f s, %.0f files/s (%s files deleted, their spool copies released first), %s batches, longest batch %s\n' \
	"$s" "$(echo "$files / $s" | bc -l)" "$files" "$batches" "$longest"
read -r wn wp99 wmax <"$w/writer.out"
printf 'concurrent writer: %s transactions, p99 wait %s ms, longest %s ms (target <= 200 ms)\n' \
	"$wn" "$wp99" "$wmax"
printf 'concurrent status: longest %s ms over %s runs; list --shipment: longest %s ms over %s runs\n' \
	"$(cat "$w/status.max")" "$(cat "$w/status.n")" "$(cat "$w/list.max")" "$(cat "$w/list.n")"
printf 'manifest after: %s MiB, WAL %s MiB\n' "$(( $(stat -c %s "$w/m.db") / 1048576 ))" \
	"$(( $(stat -c %s "$w/m.db-wal" 2>/dev/null || echo 0) / 1048576 ))"
