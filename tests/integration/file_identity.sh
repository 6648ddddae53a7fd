#!/bin/sh
# A local file is known by its inode and its mtime to the nanosecond as well
# as its size and mtime in seconds: a file rewritten under the same name with
# the same size within the same second is carried again, a chmod does not
# make it new, and the source is finished only if it is still the staged
# file by that identity. A manifest made before (schema 3, by the old
# binary) is upgraded without carrying anything again.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
on_exists = rename
EOF2

printf 'aaaa\n' >"$T/in/a.csv"
touch -d @1700000000.100000000 "$T/in/a.csv"
ka once
assert_eq "first version carried" "aaaa" "$(cat "$T/out/a.csv")"
# in place (same inode), same size, same second, 0.1 s later
printf 'bbbb\n' >"$T/in/a.csv"
touch -d @1700000000.200000000 "$T/in/a.csv"
ka once
assert_eq "rewritten within the same second: carried" "bbbb" "$(cat "$T/out/a-2.csv" 2>/dev/null)"
assert_eq "two rows" 2 "$(sql "select count(*) from files")"
assert_eq "nanoseconds and inode recorded" "1700000000200000000|$(stat -c %i "$T/in/a.csv")" \
	"$(sql "select mtime_ns, ino from files where id=2")"
chmod 600 "$T/in/a.csv"
ka once
assert_eq "a chmod does not make the file new" 2 "$(sql "select count(*) from files")"
# the same bytes and mtime under a new inode (written elsewhere, renamed in)
cp -p "$T/in/a.csv" "$T/a.tmp" && mv "$T/a.tmp" "$T/in/a.csv"
ka once
assert_eq "a new inode under the name is a new file" 3 "$(sql "select count(*) from files")"

# --- the source is finished only if it is still the staged file ---
# (a done marker keeps the newer version from being staged meanwhile)
mkdir -p "$T/in2"
touch "$T/blocked"   # a file where the destination directory should be
cat >>"$T/agent.ini" <<EOF2

[route r2]
source = $T/in2
dest = $T/blocked/out
format = text
after = delete
done_marker = .done
on_exists = rename
EOF2
printf 'old1\n' >"$T/in2/b.csv"
touch -d @1700000000.100000000 "$T/in2/b.csv"
touch "$T/in2/b.csv.done"
ka once
assert_eq "destination blocked: staged, waiting" pending "$(sql "select state from files where route='r2'")"
rm "$T/in2/b.csv.done"
printf 'new2\n' >"$T/in2/b.csv"
touch -d @1700000000.300000000 "$T/in2/b.csv"
rm "$T/blocked"
sleep 1.1   # the retry is due
ka once
assert_eq "the staged version delivered" "old1" "$(cat "$T/blocked/out/b.csv" 2>/dev/null)"
assert_eq "the newer file (same size and second) is not deleted" "new2" "$(cat "$T/in2/b.csv" 2>/dev/null)"
assert_match "the source was left, and why" "source changed since it was staged" "$T/stderr"
touch "$T/in2/b.csv.done"
ka once
assert_eq "and the newer file is carried next" "new2" "$(cat "$T/blocked/out/b-2.csv" 2>/dev/null)"

# --- an upgrade from schema 3 carries nothing again ---
U="$T/up"
mkdir -p "$U/in"
printf 'shipment_id,x\nS1,1\n' >"$U/in/a.csv"       # 19 bytes, as recorded
touch -d @1700000000.700000000 "$U/in/a.csv"          # same second, other nanoseconds
sed "s|@T@|$U|g" "$KA_SRCDIR/tests/integration/manifest-v3.sql" | sqlite3 "$U/manifest.db"
sed "s|^spool_dir = .*|spool_dir = $U/spool|; s|^manifest = .*|manifest = $U/manifest.db|; /^\\[route r2\\]/,\$d; \
	s|^source = .*|source = $U/in|; s|^dest = .*|dest = $U/out|" "$T/agent.ini" >"$U/agent.ini"
"$KA_BIN" -c "$U/agent.ini" once >"$T/stdout" 2>"$T/stderr"
assert_eq "upgrade: once exits 0" 0 "$?"
assert_eq "upgrade: the schema-3 row still matches on seconds" 1 \
	"$(sqlite3 "$U/manifest.db" "select count(*) from files")"
assert_eq "upgrade: nothing carried again" 0 "$(count_files "$U/out")"
printf 'c\n' >"$U/in/c.csv"
"$KA_BIN" -c "$U/agent.ini" once >"$T/stdout" 2>"$T/stderr"
assert_eq "upgrade: a new file is carried with its nanoseconds" "c.csv|1" \
	"$(sqlite3 "$U/manifest.db" "select name, mtime_ns is not null from files where id=2")"
finish
