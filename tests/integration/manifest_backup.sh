#!/bin/sh
# manifest_backup_is_consistent_while_run_works: `kargo-agent manifest
# backup FILE` copies the manifest with SQLite's online backup API: a
# consistent snapshot even while `run` is writing (integrity_check ok, the
# counts kept by triggers agree with the files, no delivery without its
# file), without the run lock, with the manifest's mode; FILE is never
# replaced without --force (73); no manifest is 66. The copy works as a
# manifest (the way back in kargo-agent(8) BACKUP).
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
AGENT_EXTRA="poll_interval = 1" write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
EOF2

ka manifest backup "$T/b0.db"
assert_eq "no manifest yet: exit 66" 66 "$RC"
assert_match "it says so" "cannot open the manifest" "$T/stderr"
ka manifest
assert_eq "no subcommand: usage error 64" 64 "$RC"
ka manifest backup
assert_eq "no FILE: usage error 64" 64 "$RC"

make_files "$T/in" 20 2000
ka once
chmod 600 "$T/manifest.db"

# --- while run carries files and the lock is held ---
"$KA_BIN" -c "$T/agent.ini" run 2>"$T/run.err" &
pid=$!
BG_PIDS="$pid"
i=1
while [ $i -le 6 ]; do
	mkdir -p "$T/burst"
	j=1
	while [ $j -le 40 ]; do
		head -c 3000 /dev/urandom >"$T/burst/b$i-$j.csv"
		j=$((j + 1))
	done
	mv "$T/burst/"* "$T/in/"
	ka manifest backup "$T/b$i.db"
	assert_eq "backup $i while run works: exit 0" 0 "$RC"
	assert_eq "backup $i: integrity_check" ok "$(sqlite3 "$T/b$i.db" 'PRAGMA integrity_check')"
	assert_eq "backup $i: the counts agree with the files" \
		"$(sqlite3 "$T/b$i.db" 'SELECT count(*) FROM files')" \
		"$(sqlite3 "$T/b$i.db" 'SELECT sum(files) FROM counts')"
	assert_eq "backup $i: no delivery without its file" 0 \
		"$(sqlite3 "$T/b$i.db" 'SELECT count(*) FROM deliveries WHERE file_id NOT IN (SELECT id FROM files)')"
	i=$((i + 1))
done
assert_eq "the backups saw the manifest grow" 1 \
	"$(sqlite3 "$T/b6.db" "SELECT count(*) > $(sqlite3 "$T/b1.db" 'SELECT count(*) FROM files') FROM files")"
assert_eq "a backup has the manifest's mode" 600 "$(stat -c %a "$T/b1.db")"
assert_eq "no temporary file left" "" "$(ls "$T" | grep tmp-)"
kill "$pid"
wait "$pid"
BG_PIDS=""

# --- FILE exists ---
cp "$T/b1.db" "$T/keep.db"
ka manifest backup "$T/b1.db"
assert_eq "FILE exists: exit 73" 73 "$RC"
assert_match "it says --force replaces it" "b1.db already exists; --force replaces it" "$T/stderr"
assert_eq "and FILE is untouched" "$(sha256sum <"$T/keep.db")" "$(sha256sum <"$T/b1.db")"
ka manifest backup "$T/b1.db" --force
assert_eq "--force replaces it" 0 "$RC"
assert_eq "with the manifest as it is now" "$(sql 'SELECT count(*) FROM files')" \
	"$(sqlite3 "$T/b1.db" 'SELECT count(*) FROM files')"
ka manifest backup "$T/nodir/b.db"
assert_eq "a missing directory: exit 73" 73 "$RC"

# --- the way back: stop, copy over, remove -wal and -shm, start ---
ka once  # what the stopped run left in in/ (after = keep) carried first
ka manifest backup "$T/back.db"
n=$(sql 'SELECT count(*) FROM files')
echo late >"$T/in/late.csv"
ka once
assert_eq "a file carried after the backup" $((n + 1)) "$(sql 'SELECT count(*) FROM files')"
cp "$T/back.db" "$T/manifest.db"
rm -f "$T/manifest.db-wal" "$T/manifest.db-shm"
rm "$T/in/late.csv"
ka once
assert_eq "restored: once works" 0 "$RC"
assert_eq "restored: the manifest is the backup's" "$n" "$(sql 'SELECT count(*) FROM files')"
ka status
assert_eq "restored: status works" 0 "$RC"
finish
