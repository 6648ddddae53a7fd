#!/bin/sh
# 1,000 files in one cycle all arrive with identical sha256, each recorded done.
. "$(dirname "$0")/lib.sh"

make_files "$T/in" 1000 3000
head -c 0 /dev/null >"$T/in/empty.csv"
printf 'x' >"$T/in/one-byte.csv"
printf 'a' >"$T/in/name with spaces.csv"
printf 'b' >"$T/in/ünïcødé-名前.csv"
write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
EOF2
sums "$T/in" >"$T/before.sums"
ka once
assert_eq "once exits 0" 0 "$RC"
assert_match "summary printed" "once: 1004 staged, 1004 delivered" "$T/stdout"
sums "$T/out" >"$T/after.sums"
if cmp -s "$T/before.sums" "$T/after.sums"; then ok "every file arrived with the same sha256"; else fail "sha256 differ"; diff "$T/before.sums" "$T/after.sums" | head; fi
assert_eq "manifest rows done" 1004 "$(sql "select count(*) from files where state='done'")"
assert_eq "no temp files at destination" 0 "$(find "$T/out" -name '.*' | wc -l | tr -d ' ')"
assert_eq "source kept (after = keep)" 1004 "$(count_files "$T/in")"
assert_eq "spool sha256 matches manifest" "$(sha256sum "$T/in/file-7.csv" | cut -c1-64)" \
	"$(sql "select sha256 from files where name='file-7.csv'")"
assert_eq "spool copy has those bytes" "$(sha256sum "$T/in/file-7.csv" | cut -c1-64)" \
	"$(sha256sum "$(sql "select spool_path from files where name='file-7.csv'")" | cut -c1-64)"
assert_match "delivered events logged as logfmt" '^ts=[^ ]+ level=info event=delivered file=[0-9]+ route=r1 ' "$T/stderr"

ka verify
assert_eq "verify: manifest and spool agree" 0 "$RC"
assert_match "verify counts every file" "verify: 1004 files, 0 problems" "$T/stdout"
# A damaged spool copy is found.
victim=$(sql "select spool_path from files where name='file-9.csv'")
printf 'x' >>"$victim"
ka verify
assert_eq "verify exits 65 on a damaged spool copy" 65 "$RC"
assert_match "and names the file" "file [0-9]+ \\(r1, file-9.csv\\): spool copy has 3001 bytes" "$T/stdout"
truncate -s 3000 "$victim"

# A second cycle carries nothing again.
ka once
assert_eq "second once exits 0" 0 "$RC"
assert_match "second once moves nothing" "once: 0 staged, 0 delivered" "$T/stdout"
assert_eq "still 1004 files at destination" 1004 "$(count_files "$T/out")"
finish
