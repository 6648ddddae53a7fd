#!/bin/sh
# resend_of_an_expired_copy_says_so: a file whose spool copy was removed by
# spool_retention (files.spool_gone set) cannot be resent: resend says the
# copy expired, when, and by which setting, and exits 67 (its own code,
# not 66 "missing"); the other files still go.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
AGENT_EXTRA="spool_retention = 12h" write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
EOF2
echo one >"$T/in/a.csv"
echo two >"$T/in/b.csv"
ka once
assert_eq "two files carried" 2 "$(count_files "$T/out")"
id=$(sql "SELECT id FROM files WHERE name='a.csv'")
other=$(sql "SELECT id FROM files WHERE name='b.csv'")
# What retention does: the copy removed, the time recorded.
rm "$(sql "SELECT spool_path FROM files WHERE id=$id")"
sql "UPDATE files SET spool_gone = 1795986077 WHERE id=$id"

ka resend "$id"
assert_eq "resend of an expired copy: exit 67" 67 "$RC"
assert_match "it says when the copy expired" "file $id: its spool copy expired on 2026-11-29T" "$T/stderr"
assert_match "and why" "spool_retention \\(12h\\) removes the copy of a done file" "$T/stderr"
assert_match "and that the record stays" "its record stays \\(kargo-agent show $id\\)" "$T/stderr"
assert_eq "nothing recorded as a resend" 0 \
	"$(sql "SELECT count(*) FROM deliveries WHERE file_id=$id AND resend=1")"

ka resend "$id" --to "$T/elsewhere" --mkdir
assert_eq "--to: exit 67 as well" 67 "$RC"

ka resend --route r1 --since 1d --on-exists overwrite
assert_eq "by filter: the other file goes, the expired one is 67" 67 "$RC"
assert_match "the other file is resent" "^resent $other$" "$T/stdout"

ka resend "$other" --on-exists overwrite
assert_eq "a file whose copy is there: exit 0" 0 "$RC"
finish
