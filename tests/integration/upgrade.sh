#!/bin/sh
# manifest_upgrade_keeps_rows_and_a_backup: a manifest written by the
# previous release (schema 4: tests/integration/manifest-v4.sql, the demo
# after one once) is upgraded in place by the next once: schema 6, every row
# of every table intact, the counts table right, a backup of the schema-4
# manifest beside it (manifest.db.schema-4.bak, same rows), auto_vacuum now
# incremental (2), nothing carried again, list/show/status work, a resend
# works. A backup that cannot be written stops the upgrade, manifest
# untouched. (A VACUUM that fails only warns: no test provokes it reliably,
# as a size limit between the upgrade's files and the VACUUM's is too narrow.)
. "$(dirname "$0")/lib.sh"

D=$T/demo
# The demo's directory after its one once: sources finished (archived or
# deleted), deliveries at the destinations, spool objects under their sha256.
setup() {
	rm -rf "$D"
	mkdir -p "$D/work/spool/objects" "$D/wms-outbound/sent" "$D/kargo-intake" \
		"$D/wms-inbound" "$D/wms-archive" "$D/kargo-outbox"
	cp "$KA_SRCDIR/samples/demo.ini" "$D/"
	for f in "$KA_SRCDIR"/samples/wms-outbound/* "$KA_SRCDIR"/samples/kargo-outbox/*; do
		cp "$f" "$D/work/spool/objects/$(sha256sum "$f" | cut -d' ' -f1)"
	done
	cp "$KA_SRCDIR"/samples/wms-outbound/* "$D/wms-outbound/sent/"
	cp "$KA_SRCDIR"/samples/wms-outbound/expected-shipments-2*.csv "$D/kargo-intake/"
	cp "$KA_SRCDIR"/samples/kargo-outbox/* "$D/wms-inbound/"
	cp "$KA_SRCDIR"/samples/kargo-outbox/* "$D/wms-archive/"
	sed "s|@T@|$D|g" "$KA_SRCDIR/tests/integration/manifest-v4.sql" | sqlite3 "$D/work/manifest.db"
	# As the agent left it: WAL, no auto_vacuum.
	sqlite3 "$D/work/manifest.db" "PRAGMA journal_mode=WAL" >/dev/null
	chmod 640 "$D/work/manifest.db"
}
dsql() { sqlite3 "$D/work/manifest.db" "$1"; }
agent() { "$KA_BIN" -c "$D/demo.ini" "$@" >"$T/stdout" 2>"$T/stderr"; RC=$?; }
# Every row of the schema-4 tables, in a fixed order, from database $1 (of
# routes, what a cycle does not rewrite).
rows() {
	sqlite3 "$1" "SELECT 'routes', route, last_error, failures FROM routes ORDER BY 2"
	for t in files deliveries events shipments mailboxes remotes; do
		cols=$(sqlite3 "$1" "SELECT group_concat(name) FROM pragma_table_info('$t') \
			WHERE name != 'spool_gone'")
		sqlite3 "$1" "SELECT '$t', $cols FROM $t ORDER BY 2, 3"
	done
}

setup
rows "$D/work/manifest.db" >"$T/before"
assert_eq "the fixture is schema 4" 4 "$(dsql 'PRAGMA user_version')"
assert_eq "and has no auto_vacuum" 0 "$(dsql 'PRAGMA auto_vacuum')"
sums "$D/kargo-intake" >"$T/intake-before"

# --- a backup that cannot be written stops the upgrade ---
mkdir -p "$D/work/manifest.db.schema-4.bak/full"
agent once
assert_eq "backup impossible: once fails (74)" 74 "$RC"
assert_match "it says the backup failed and nothing changed" \
	"not upgraded from schema 4: the backup before the upgrade failed.*unchanged" "$T/stderr"
assert_eq "the manifest is still schema 4" 4 "$(dsql 'PRAGMA user_version')"
rmdir "$D/work/manifest.db.schema-4.bak/full" "$D/work/manifest.db.schema-4.bak"

# --- the upgrade ---
agent once
assert_eq "once on the schema-4 manifest exits 0" 0 "$RC"
assert_match "it logs the upgrade and where the backup is" \
	"event=manifest_upgraded .*from=4 to=6 backup=$D/work/manifest.db.schema-4.bak" "$T/stderr"
assert_match "and the VACUUM that turned auto_vacuum on" "event=manifest_vacuumed" "$T/stderr"
assert_eq "schema 6 now" 6 "$(dsql 'PRAGMA user_version')"
assert_eq "auto_vacuum incremental (2)" 2 "$(dsql 'PRAGMA auto_vacuum')"
rows "$D/work/manifest.db" >"$T/after"
if cmp -s "$T/before" "$T/after"; then ok "every row of every table intact"; else
	fail "rows changed:"; diff "$T/before" "$T/after" | head -20; fi
assert_eq "row counts: files deliveries events shipments routes" "5 6 25 7 2" \
	"$(dsql "SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM deliveries), \
	(SELECT count(*) FROM events), (SELECT count(*) FROM shipments), \
	(SELECT count(*) FROM routes)" | tr '|' ' ')"
assert_eq "a row read back" "3|done|611|expected-shipments-20261123-0800.csv" \
	"$(dsql "SELECT id, state, size, name FROM files WHERE id=3")"
assert_eq "counts: per route and state, bytes, spool bytes" \
	"end-of-shipment|done|2|823|823
expected-shipments|done|2|849|849
expected-shipments|rejected|1|191|191" \
	"$(dsql "SELECT route, state, files, bytes, spool_bytes FROM counts ORDER BY 1, 2")"
assert_eq "no spool copy gone" 0 "$(dsql 'SELECT count(*) FROM files WHERE spool_gone IS NOT NULL')"

B=$D/work/manifest.db.schema-4.bak
assert_eq "the backup is schema 4" 4 "$(sqlite3 "$B" 'PRAGMA user_version')"
rows "$B" >"$T/backup-rows"
if cmp -s "$T/before" "$T/backup-rows"; then ok "the backup has the same rows"; else
	fail "backup rows differ:"; diff "$T/before" "$T/backup-rows" | head; fi
assert_eq "the backup has the manifest's mode" 640 "$(stat -c %a "$B")"
assert_eq "the backup passes integrity_check" ok "$(sqlite3 "$B" 'PRAGMA integrity_check')"

assert_match "nothing carried again" "^once: 0 staged, 0 delivered" "$T/stdout"
assert_eq "no new row" 5 "$(dsql 'SELECT count(*) FROM files')"
sums "$D/kargo-intake" >"$T/intake-after"
assert_eq "the destination is as it was" "$(cat "$T/intake-before")" "$(cat "$T/intake-after")"

agent once
assert_no_match "the next once does not upgrade again" "manifest_upgraded|manifest_vacuum" "$T/stderr"

agent list
assert_eq "list works" 0 "$RC"
assert_eq "list shows the five files" 5 "$(grep -c 'expected-shipments\|end-of-shipment' "$T/stdout")"
agent show 3
assert_eq "show works" 0 "$RC"
assert_match "show: its shipments" "SHP-0001842" "$T/stdout"
agent status
assert_eq "status works (healthy)" 0 "$RC"
assert_match "status: the counts" "done=2 rejected=1" "$T/stdout"

rm "$D/kargo-intake/expected-shipments-20261124-0600.csv"
agent resend 2
assert_eq "resend of an upgraded row works" 0 "$RC"
assert_eq "resend: the bytes at the destination" \
	"$(sha256sum <"$KA_SRCDIR/samples/wms-outbound/expected-shipments-20261124-0600.csv")" \
	"$(sha256sum <"$D/kargo-intake/expected-shipments-20261124-0600.csv")"

finish
