#!/bin/sh
# resend --to DIR needs DIR to exist: a missing one (or a file) is exit 73
# and nothing is created or recorded; --mkdir creates it.
. "$(dirname "$0")/lib.sh"

make_files "$T/in" 1 100
write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
EOF2
ka once
assert_eq "first delivery" 1 "$(count_files "$T/out")"

ka resend 1 --to "$T/nonexistent/dir"
assert_eq "missing --to directory: exit 73" 73 "$RC"
assert_match "missing --to directory: said, with the way out" "nonexistent/dir: no such directory \\(--mkdir creates it\\)" "$T/stderr"
assert_eq "missing --to directory: not created" no "$([ -e "$T/nonexistent" ] && echo yes || echo no)"
assert_eq "missing --to directory: no resend recorded" 0 "$(sql "select count(*) from deliveries where resend=1")"

ka resend 1 --to "$T/in/file-1.csv"
assert_eq "--to a file: exit 73" 73 "$RC"
assert_match "--to a file: said" "not a directory" "$T/stderr"

ka resend 1 --to "$T/in/file-1.csv/sub" --mkdir
assert_eq "--mkdir, a file in the way: exit 73" 73 "$RC"
assert_match "--mkdir, a file in the way: the level named" "cannot create directory $T/in/file-1.csv/sub: Not a directory" "$T/stderr"

ka resend 1 --to "$T/nonexistent//dir" --mkdir
assert_eq "--mkdir: exit 0" 0 "$RC"
assert_eq "--mkdir: delivered into the new directory" "$(sha256sum <"$T/in/file-1.csv")" \
	"$(sha256sum <"$T/nonexistent/dir/file-1.csv" 2>/dev/null)"
finish
