#!/bin/sh
# Resend by id, by route and time window, and to another destination: the
# bytes come from the spool copy (the source is gone) and each resend is
# recorded in the file's history.
. "$(dirname "$0")/lib.sh"

make_files "$T/in" 3 2000
write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
after = delete
on_exists = rename
EOF2
ka once
assert_eq "first delivery" 3 "$(count_files "$T/out")"
assert_eq "source deleted" 0 "$(count_files "$T/in")"
id=$(sql "select id from files where name='file-2.csv'")

ka resend "$id"
assert_eq "resend by id exits 0" 0 "$RC"
assert_eq "resent copy next to the first (on_exists = rename)" \
	"$(sha256sum <"$T/out/file-2.csv")" "$(sha256sum <"$T/out/file-2-2.csv")"
ka show "$id" --json
assert_match "history records the resend" '"event":"resent"' "$T/stdout"

ka resend "$id" --to "$T/elsewhere" --mkdir
assert_eq "resend --to exits 0" 0 "$RC"
assert_eq "resend --to delivers there" "$(sha256sum <"$T/out/file-2.csv")" "$(sha256sum <"$T/elsewhere/file-2.csv")"
ka resend "$id" --to "$T/elsewhere" --on-exists fail
assert_eq "resend onto an existing name with --on-exists fail exits 69" 69 "$RC"
assert_match "and says the file exists" "already exists" "$T/stderr"
ka resend "$id" --to "$T/elsewhere" --on-exists overwrite
assert_eq "resend --on-exists overwrite exits 0" 0 "$RC"

ka resend --route r1 --since 1h --to "$T/batch" --mkdir
assert_eq "resend by route and window exits 0" 0 "$RC"
assert_eq "every file of the window resent" 3 "$(count_files "$T/batch")"
assert_eq "resend events recorded" 6 "$(sql "select count(*) from events where event='resent'")"

ka resend 999
assert_eq "unknown id exits 66 (no input)" 66 "$RC"
assert_match "unknown id explained" "no file with id 999" "$T/stderr"
ka resend
assert_eq "resend without ids is a usage error" 64 "$RC"
ka resend --route r1
assert_eq "resend --route without --since is refused" 64 "$RC"
ka list --limit zero
assert_eq "list --limit takes a number" 64 "$RC"
ka list --route r1 --json
assert_match "list --json is a JSON array of rows" '^\[\{"id":1,"route":"r1"' "$T/stdout"
ka list --state bogus
assert_eq "list with an unknown state is a usage error" 64 "$RC"
finish
