#!/bin/sh
# disk_full: the spool, then a local destination, on a small tmpfs that fills.
#   1. Spool of 2 MB, 3.3 MB of files to carry (after = delete): `once`
#      exits 69 naming the spool and "No space left on device"; nothing is
#      lost, no source is finished unless its file was delivered, nothing is
#      left in spool/tmp; after the spool is made bigger, the next runs
#      deliver everything exactly once and verify is clean.
#   2. Destination of 1 MB with 700 KB taken by another file, two files of
#      300 KB to deliver: the second one does not fit: `once` exits 69 with
#      "No space left on device", the file is not under its final name, no
#      temporary file holds the space, its source is still there; after the
#      other file is deleted, it arrives exactly once.
# Needs root to mount tmpfs; skipped (77) otherwise.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
trap 'unmount_all; cleanup' EXIT

# small_fs DIR SIZE: a tmpfs of SIZE at DIR, or skip the test.
small_fs() { mount_tmpfs "$1" "size=$2,mode=0755"; }

# --- 1. the spool fills ---
small_fs "$T/spool" 2m
mkdir -p "$T/in" "$T/out"
make_files "$T/in" 3 100000
head -c 1500000 /dev/urandom >"$T/in/large-1.csv"
head -c 1500000 /dev/urandom >"$T/in/large-2.csv"
sums "$T/in" >"$T/in.sums"
write_config <<EOF2
[route r]
source = $T/in
dest = $T/out
format = text
after = delete
EOF2
ka once
cat "$T/stderr" >>"$T/run.err"
assert_eq "spool full: once exits 69" 69 "$RC"
assert_match "spool full: the error names the spool and the cause" \
	"level=error event=route_failed route=r stage=discover error=\".*spool.*No space left on device" "$T/stderr"
assert_eq "spool full: at least one file could not be staged" 1 \
	"$([ "$(count_files "$T/in")" -ge 1 ] && echo 1 || echo 0)"
no_bad_final_names "$T/out" "$T/in.sums" "spool full: nothing partial at the destination"
nothing_lost "$T/in" "$T/out" "$T/in.sums" "spool full: no source finished unless delivered"
assert_eq "spool full: nothing left in spool/tmp" 0 "$(find "$T/spool/tmp" -type f | wc -l | tr -d ' ')"
ka once
cat "$T/stderr" >>"$T/run.err"
assert_eq "spool still full: once exits 69 again" 69 "$RC"
nothing_lost "$T/in" "$T/out" "$T/in.sums" "spool still full: nothing lost"
mount -o remount,size=64m "$T/spool"
settle || fail "spool made bigger: not settled"
exactly_once "spool made bigger" "$T/out" "$T/in.sums"
assert_eq "spool made bigger: sources finished" 0 "$(count_files "$T/in")"
manifest_exactly_once 5

# --- 2. the destination fills ---
small_fs "$T/dst" 1m
mkdir -p "$T/in2"
head -c 700000 /dev/urandom >"$T/dst/someone-elses.bin"
head -c 300000 /dev/urandom >"$T/in2/d-1.csv"
head -c 300000 /dev/urandom >"$T/in2/d-2.csv"
sums "$T/in2" >"$T/in2.sums"
write_config <<EOF2
[route d]
source = $T/in2
dest = $T/dst
format = text
after = delete
EOF2
ka once
cat "$T/stderr" >>"$T/run.err"
assert_eq "destination full: once exits 69" 69 "$RC"
assert_match "destination full: the retry says why" \
	'level=warn event=retry file=[0-9]+ route=d .*No space left on device' "$T/stderr"
assert_eq "destination full: one file fits, one does not" 1 "$(count_files "$T/in2")"
sums "$T/dst" | grep -v ' \./someone-elses\.bin$' >"$T/dst.sums"
assert_eq "destination full: nothing partial under a final name" "" \
	"$(grep -vxF -f "$T/in2.sums" "$T/dst.sums")"
assert_eq "destination full: no temporary file holds the space" "" \
	"$(find "$T/dst" -name '.*' -type f)"
nothing_lost "$T/in2" "$T/dst" "$T/in2.sums" "destination full: the source is kept"
sql "select last_error from files where route = 'd' and state = 'pending'" >"$T/last_error"
assert_match "destination full: the manifest keeps the reason" "No space left on device" "$T/last_error"
rm "$T/dst/someone-elses.bin"
sleep 1.1
settle || fail "destination freed: not settled"
exactly_once "destination freed" "$T/dst" "$T/in2.sums"
assert_eq "destination freed: sources finished" 0 "$(count_files "$T/in2")"
assert_eq "destination freed: each file delivered once" 2 \
	"$(sql "select count(*) from events e join files f on f.id = e.file_id where f.route = 'd' and e.event = 'delivered'")"
ka verify
assert_eq "verify: manifest and spool agree" 0 "$RC"
unmount_all
finish
