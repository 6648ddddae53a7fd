#!/bin/sh
# A pruned file whose source still lists it (after = keep) is known by its
# tombstone: the next cycles do not carry it again, and the tombstone records
# that the source still lists it (at most once a day). Another file under
# the same name (new bytes, new mtime) is new. The pruning is done here with
# sqlite3: delete the rows, write the tombstone with the file's identity.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
after = keep
on_exists = rename
EOF2

printf 'aaaa\n' >"$T/in/a.csv"
ka once
assert_eq "carried once" "aaaa" "$(cat "$T/out/a.csv")"
assert_eq "done" "done" "$(sql "select state from files")"
sql "BEGIN;
INSERT INTO tombstones(route, source_uri, size, mtime, mtime_ns, ino, listed)
  SELECT route, source_uri, size, mtime, mtime_ns, ino, 1000 FROM files;
DELETE FROM deliveries; DELETE FROM events; DELETE FROM shipments; DELETE FROM files;
COMMIT;" >/dev/null
ka once
assert_eq "once exits 0" 0 "$RC"
assert_eq "the pruned file is not carried again" "a.csv" "$(ls "$T/out")"
assert_eq "no row for it" 0 "$(sql "select count(*) from files")"
listed=$(sql "select listed from tombstones")
if [ "$listed" -ge $(($(date +%s) - 60)) ]; then ok "the tombstone is marked listed"; else
	fail "the tombstone's listed is $listed"; fi
sql "UPDATE tombstones SET listed = strftime('%s','now') - 3600" >/dev/null
before=$(sql "select listed from tombstones")
ka once
assert_eq "listed an hour ago: not written again" "$before" "$(sql "select listed from tombstones")"

# the same name with other bytes and another mtime: a new file
printf 'bbbbbb\n' >"$T/in/a.csv"
touch -d @1700000000 "$T/in/a.csv"
ka once
assert_eq "a new file under the name is carried" "bbbbbb" "$(cat "$T/out/a-2.csv" 2>/dev/null)"
assert_eq "one row" 1 "$(sql "select count(*) from files")"
finish
