#!/bin/sh
# Retention ([agent] spool_retention, manifest_retention) and `prune`:
#  - a done file last changed 31 days ago loses its spool copy
#    (files.spool_gone set), its row stays; a recent one keeps both;
#  - a spool object shared by two files (same content) stays while one of
#    them still needs it;
#  - a dead file of any age keeps its row and its spool copy;
#  - done and rejected files past manifest_retention are deleted with their
#    deliveries, events and shipment ids; a tombstone keeps the identity of
#    those whose source may still list them (after = keep, or a source not
#    finished), none for a source that deleted them; old notes and
#    tombstones not listed for manifest_retention go, recent ones stay;
#  - verify does not report the copies retention released;
#  - a spool object no file needs (a crash between a batch's commit and the
#    removal) is removed;
#  - an after = keep file still in its source is not carried again after
#    its row was pruned (the tombstone is seen);
#  - `prune --dry-run` reports the same and changes nothing;
#  - prune while another process holds the manifest's lock exits 75;
#  - `run` prunes by itself (soon after it starts) and still delivers, also
#    while a pass of 10,000 files is in progress.
. "$(dirname "$0")/lib.sh"

DAY=86400
mkdir -p "$T/in-keep" "$T/in-del" "$T/in-es" "$T/in-dead"
printf 'old file\n' >"$T/in-keep/old.csv"
printf 'shared content\n' >"$T/in-keep/s1.csv"
printf 'shared content\n' >"$T/in-keep/s2.csv"
printf 'recent file\n' >"$T/in-keep/recent.csv"
printf 'ancient file\n' >"$T/in-keep/ancient.csv"
printf 'deleted at the source\n' >"$T/in-del/gone.csv"
cp "$KA_SRCDIR/samples/wms-outbound/expected-shipments-20261123-0800.csv" "$T/in-es/good.csv"
printf 'shipment_id,order_number,scheduled_departure,sku,quantity\nS1,,2026-11-23,SKU2,2.5\n' \
	>"$T/in-es/bad.csv"
printf 'never delivered\n' >"$T/in-dead/d.csv"
: >"$T/block"
conf() {
	write_config <<EOF2
[route keep]
source = $T/in-keep
dest = $T/out-keep
format = text
after = keep

[route del]
source = $T/in-del
dest = $T/out-del
format = text
after = delete

[route es]
source = $T/in-es
dest = $T/out-es
format = expected-shipment
quarantine = $T/quarantine
after = keep

[route dead]
source = $T/in-dead
dest = $T/block/out
format = text
max_attempts = 1
EOF2
}
AGENT_EXTRA="spool_retention = 30d
manifest_retention = 400d" conf
ka once
assert_eq "the setup: 6 done, 1 rejected, 1 dead" "dead|1 done|7 rejected|1" \
	"$(sql "select state, count(*) from files group by state" | tr '\n' ' ' | sed 's/ $//')"

now=$(date +%s)
id_of() { sql "select id from files where name='$1'"; }
age() { sql "update files set updated = $now - $2 where name='$1'"; }
obj() { echo "$T/spool/objects/$(sql "select sha256 from files where name='$1'")"; }
age old.csv $((31 * DAY))
age s1.csv $((31 * DAY))
age ancient.csv $((401 * DAY))
age gone.csv $((401 * DAY))
age good.csv $((401 * DAY))
age bad.csv $((401 * DAY))
age d.csv $((500 * DAY))
ancient=$(id_of ancient.csv); good=$(id_of good.csv); bad=$(id_of bad.csv); gone=$(id_of gone.csv)
old_obj=$(obj old.csv); shared_obj=$(obj s1.csv); dead_obj=$(obj d.csv)
ancient_obj=$(obj ancient.csv); good_obj=$(obj good.csv); bad_obj=$(obj bad.csv)
sql "insert into events(file_id, ts, event, detail) values
	(NULL, ($now - 401 * $DAY) * 1000, 'left_at_source', 'old note'),
	(NULL, $now * 1000, 'left_at_source', 'recent note')"
sql "insert into tombstones values ('keep', '/x/old-tomb', 1, 1, NULL, NULL, $now - 401 * $DAY),
	('keep', '/x/new-tomb', 1, 1, NULL, NULL, $now - $DAY)"
orphan="$T/spool/objects/$(printf 'orphan' | sha256sum | cut -c1-64)"
printf 'orphan' >"$orphan"
pruned_rows="deliveries events shipments"
rows_of() { # the rows of files $ancient, $good, $bad, $gone in each table
	for t in $pruned_rows; do
		sql "select count(*) from $t where file_id in ($ancient, $good, $bad, $gone)"
	done | tr '\n' ' '
}
before_rows=$(rows_of)
case "$before_rows" in *" 0 "*|"0 "*) fail "the pruned files had rows in each table: $before_rows" ;; esac

# --dry-run: the report, nothing changed.
snapshot() { sqlite3 "$T/manifest.db" .dump | sha256sum; ls -l "$T/spool/objects" | sha256sum; }
snap=$(snapshot)
ka prune --dry-run
assert_eq "prune --dry-run exits 0" 0 "$RC"
assert_match "dry run: says it changed nothing" "^prune --dry-run \(nothing changed\), would remove:" "$T/stdout"
assert_match "dry run: 5 spool copies of done files (the 4 past 400 days too)" "spool copies of done files: 5$" "$T/stdout"
assert_match "dry run: 4 files" "^  files: 4 " "$T/stdout"
assert_eq "dry run: manifest and spool unchanged" "$snap" "$(snapshot)"
assert_match "dry run logged" "event=pruned dry_run=1 spool_copies=5 files=4 .* objects=6 orphans=1 " "$T/stderr"

# Under another process's lock: 75, nothing changed.
flock -o "$T/manifest.db.lock" sleep 30 &
holder=$!
BG_PIDS="$holder"
sleep 0.3
ka prune
assert_eq "prune while the manifest is locked exits 75" 75 "$RC"
assert_match "and says who holds it" "is in use by another kargo-agent" "$T/stderr"
kill "$holder"; wait "$holder" 2>/dev/null
BG_PIDS=""
assert_eq "nothing changed under the lock" "$snap" "$(snapshot)"

ka prune
assert_eq "prune exits 0" 0 "$RC"
assert_match "prune logged with its counts" \
	"event=pruned dry_run=0 spool_copies=5 files=4 .* tombstones_written=3 notes=1 tombstones=1 objects=6 orphans=1 " \
	"$T/stderr"
# spool_retention
assert_eq "old done file: row kept, spool_gone set" "done|1" \
	"$(sql "select state, spool_gone >= $now from files where name='old.csv'")"
assert_eq "old done file: spool copy removed" no "$([ -e "$old_obj" ] && echo yes || echo no)"
assert_eq "recent done file: spool copy kept" "" "$(sql "select spool_gone from files where name='recent.csv'")"
assert_eq "shared object: the expired file released it" 1 \
	"$(sql "select spool_gone is not null from files where name='s1.csv'")"
assert_eq "shared object: the other file still holds it" "" \
	"$(sql "select spool_gone from files where name='s2.csv'")"
assert_eq "shared object: still in the spool" yes "$([ -f "$shared_obj" ] && echo yes || echo no)"
assert_eq "dead file (500 days): row kept as it was" "dead|" \
	"$(sql "select state, spool_gone from files where name='d.csv'")"
assert_eq "dead file: spool copy kept" yes "$([ -f "$dead_obj" ] && echo yes || echo no)"
# manifest_retention
assert_eq "the old done and rejected rows are gone, no other" \
	"d.csv old.csv recent.csv s1.csv s2.csv" \
	"$(sql "select name from files order by name" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "their deliveries, events and shipment ids are gone" "0 0 0 " "$(rows_of)"
assert_eq "the other files keep their events" 5 \
	"$(sql "select count(distinct file_id) from events where file_id is not null")"
for o in "$ancient_obj" "$good_obj" "$bad_obj" "$orphan"; do
	assert_eq "object $(basename "$o" | cut -c1-12) no file needs is removed" no \
		"$([ -e "$o" ] && echo yes || echo no)"
done
assert_eq "tombstones: after = keep files and none for the deleted source" \
	"es|$T/in-es/bad.csv es|$T/in-es/good.csv keep|$T/in-keep/ancient.csv" \
	"$(sql "select route, source_uri from tombstones where source_uri not like '/x/%' order by 1, 2" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "unlisted old tombstone gone, recent one kept" "/x/new-tomb" \
	"$(sql "select source_uri from tombstones where source_uri like '/x/%'")"
assert_eq "old note gone, recent note kept" "recent note" \
	"$(sql "select detail from events where file_id is null")"
assert_eq "the freed pages are given back (incremental vacuum)" 0 "$(sql "pragma freelist_count")"
assert_eq "counts follow the deletions" "5|$(sql "select count(*) from files")" \
	"$(sql "select sum(files), 1 from counts" | cut -d'|' -f1)|$(sql "select count(*) from files")"

ka verify
assert_eq "verify: an expired spool copy is no problem" 0 "$RC"
assert_match "verify: every remaining file checked" "^verify: 5 files, 0 problems" "$T/stdout"

# The pruned after = keep file is still in its source: it is not carried again.
rm -rf "$T/out-keep"
ka once
assert_eq "ancient.csv is not carried again (its tombstone is seen)" no \
	"$([ -e "$T/out-keep/ancient.csv" ] && echo yes || echo no)"
assert_eq "and gets no new row" 0 "$(sql "select count(*) from files where name='ancient.csv'")"

# A second prune has nothing left to do.
ka prune
assert_match "a second prune removes nothing" "^  files: 0 " "$T/stdout"

# run prunes by itself soon after it starts, and delivers meanwhile.
age recent.csv $((401 * DAY))
printf 'new while running\n' >"$T/in-del/new.csv"
AGENT_EXTRA="spool_retention = 30d
manifest_retention = 400d
poll_interval = 3600" conf
"$KA_BIN" -c "$T/agent.ini" run 2>"$T/run.err" &
pid=$!
BG_PIDS="$pid"
i=0
while ! grep -q "event=pruned" "$T/run.err" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM "$pid"; wait "$pid"
BG_PIDS=""
assert_match "run logged its prune" "event=pruned dry_run=0 spool_copies=1 files=1 " "$T/run.err"
assert_eq "run pruned the old row" 0 "$(sql "select count(*) from files where name='recent.csv'")"
assert_eq "run delivered the new file" "new while running" "$(cat "$T/out-del/new.csv" 2>/dev/null)"
assert_eq "and recorded it done" done "$(sql "select state from files where name='new.csv'")"

# Delivery goes on while run prunes: 10,000 expired files (with their
# deliveries, events and shipment ids); a file dropped once the pass has
# begun is delivered before the pass ends.
sqlite3 "$T/manifest.db" <<EOF2
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10000)
INSERT INTO files(id, route, source_uri, name, size, mtime, sha256, format, state, attempts,
  next_attempt, spool_path, summary, source_done, created, updated)
SELECT 100000+i, 'del', '/x/in/f'||i, 'f'||i, 1, i, printf('%064x', i), 'text', 'done', 1, 0,
  '/x/spool/'||i, NULL, 1, $now - 401 * $DAY, $now - 401 * $DAY FROM n;
INSERT INTO shipments SELECT 'S'||id, id FROM files WHERE id > 100000;
INSERT INTO deliveries(file_id, dest, state, resend, updated)
  SELECT id, '$T/out-del', 'delivered', 0, updated FROM files WHERE id > 100000;
INSERT INTO events(file_id, ts, event, detail)
  SELECT id, updated * 1000, 'delivered', NULL FROM files WHERE id > 100000;
EOF2
"$KA_BIN" -c "$T/agent.ini" run 2>"$T/run2.err" &
pid=$!
BG_PIDS="$pid"
i=0
while ! grep -q "event=prune_started" "$T/run2.err" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
printf 'dropped while pruning\n' >"$T/in-del/during.csv"
i=0
while ! grep -q "event=pruned" "$T/run2.err" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM "$pid"; wait "$pid"
BG_PIDS=""
assert_match "run pruned the 10,000 files" "event=pruned dry_run=0 spool_copies=[0-9]+ files=10000 " "$T/run2.err"
assert_eq "the file dropped meanwhile was delivered" "dropped while pruning" \
	"$(cat "$T/out-del/during.csv" 2>/dev/null)"
assert_eq "before the pass ended" "delivered pruned" \
	"$(grep -oE 'event=(delivered|pruned)' "$T/run2.err" | sed 's/event=//' | uniq | tr '\n' ' ' | sed 's/ $//')"
assert_eq "no rows of the pruned files are left" "0 0 0 0" \
	"$({ sql "select count(*) from files where id between 100001 and 110000"
	    for t in deliveries events shipments; do
		sql "select count(*) from $t where file_id between 100001 and 110000"; done; } |
	   tr '\n' ' ' | sed 's/ $//')"
finish
