#!/bin/sh
# A spool copy changed on disk while its SFTP upload waits for a retry is
# never delivered: not by an upload in one stream, not by one split into
# parts over several sessions (the change in the first part, digested as it
# is read, or in a later part, digested once sent). Nothing is left on the
# server, the source is kept, and the next cycle stages the file again from
# the source and uploads it once with the right bytes.
. "$(dirname "$0")/../integration/lib.sh"
SERVERS="$KA_SRCDIR/tests/servers"
if ! [ -x /usr/sbin/sshd ]; then echo "SKIP: no sshd"; exit 77; fi
SRV="$T/sshd"
trap '"$SERVERS/sshd-stop" "$SRV" KILL; cleanup' EXIT
"$SERVERS/sshd-start" "$SRV" >/dev/null || exit 1
. "$SRV/env"
D=$SSHD_DATA

# flip FILE OFFSET: the byte at OFFSET changed, same size.
flip() {
	b=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	printf "\\$(printf '%03o' $(( (b + 1) % 256 )))" | dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null
}
entries() { ls -A "$1" 2>/dev/null | wc -l | tr -d ' '; }

mkdir -p "$T/in"
printf 'small file, one stream\n' >"$T/in/small.csv"
head -c 10485760 /dev/urandom >"$T/in/head.csv"   # 3 parts: change in part 0
head -c 10485761 /dev/urandom >"$T/in/tail.csv"   # 3 parts: change in part 2
sums "$T/in" >"$T/before.sums"
"$SERVERS/sshd-stop" "$SRV"   # the destination is down
{ remote_section "$SSHD_PORT" "$SSHD_KNOWN_HOSTS" "io_timeout = 10"
  printf 'upload_streams = 3\nsplit_mib = 1\n\n'; cat <<EOF2
[route up]
source = $T/in
dest = srv:$D/inbox
format = text
after = delete
EOF2
} | write_config
ka once
assert_eq "destination down: once exits 69" 69 "$RC"
assert_eq "three files waiting" 3 "$(sql "select count(*) from files where state='pending'")"
flip "$(sql "select spool_path from files where name='small.csv'")" 3
flip "$(sql "select spool_path from files where name='head.csv'")" 1000
flip "$(sql "select spool_path from files where name='tail.csv'")" 9437184
"$SERVERS/sshd-start" "$SRV" >/dev/null || exit 1   # up again, same port
sleep 1.1
ka once
assert_eq "corrupt spool copies: once exits 74" 74 "$RC"
assert_match "the change in part 0: uploaded in 3 parts" "event=sftp_split .*op=put bytes=10485760 parts=3" "$T/stderr"
assert_match "the change in part 2: uploaded in 3 parts" "event=sftp_split .*op=put bytes=10485761 parts=3" "$T/stderr"
assert_eq "nothing on the server under any name" 0 "$(entries "$D/inbox")"
assert_eq "all three corrupt" 3 "$(sql "select count(*) from files where state='corrupt'")"
assert_eq "the sources are kept (after = delete)" 3 "$(count_files "$T/in")"
assert_eq "one spool_corrupt line each, with both digests" 3 \
	"$(grep -c 'event=spool_corrupt .*expected=[0-9a-f]\{64\} actual=[0-9a-f]\{64\}' "$T/stderr")"
ka once
assert_eq "staged again and uploaded: once exits 0" 0 "$RC"
assert_eq "three restaged" 3 "$(grep -c 'event=restaged' "$T/stderr")"
sums "$D/inbox" >"$T/after.sums"
if cmp -s "$T/before.sums" "$T/after.sums"; then ok "the server has the original bytes of all three"
else fail "bytes on the server differ"; diff "$T/before.sums" "$T/after.sums" | head -5; fi
assert_eq "nothing else on the server" 3 "$(entries "$D/inbox")"
assert_eq "all done, sources finished" "3 0" \
	"$(sql "select count(*) from files where state='done'") $(count_files "$T/in")"
assert_eq "one delivery each" 3 "$(sql "select count(*) from events where event='all_delivered'")"
finish
