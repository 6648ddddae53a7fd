#!/bin/sh
# kargo-agent end to end with SFTP remotes on a private sshd: local -> SFTP ->
# local round trips through `once`, check-config's host key verdict, a file
# still growing on the server left until stable, and a server killed in the
# middle of an upload: no partial file under the final name, and after the
# server is back the file arrives exactly once.
. "$(dirname "$0")/../integration/lib.sh"
SERVERS="$KA_SRCDIR/tests/servers"
if ! [ -x /usr/sbin/sshd ]; then echo "SKIP: no sshd"; exit 77; fi
SRV="$T/sshd"
trap '"$SERVERS/sshd-stop" "$SRV" KILL; cleanup' EXIT
sshd_up() { "$SERVERS/sshd-start" "$SRV" >/dev/null || exit 1; . "$SRV/env"; }
sshd_up
D=$SSHD_DATA

remote() { remote_section "$SSHD_PORT" "${1:-$SSHD_KNOWN_HOSTS}" "io_timeout = 10"; }

# --- round trip: local -> SFTP (route up), SFTP -> local (route down) ---
mkdir -p "$T/in" "$T/back"
make_files "$T/in" 30 3000
: > "$T/in/empty.csv"
head -c 10485760 /dev/urandom > "$T/in/ten mib ünïcødé ✓.csv"
head -c 3146505 /dev/urandom > "$T/in/three mib and some.csv"
printf 'x' > "$T/in/name with spaces.csv"
sums "$T/in" > "$T/before.sums"
# Transfers of 1 MiB or more move in 3 parts over 3 sessions.
{ remote; printf 'download_streams = 3\nupload_streams = 3\nsplit_mib = 1\n\n'; cat <<EOF2
[route up]
source = $T/in
dest = srv:$D/inbox
format = text
after = delete

[route down]
source = srv:$D/inbox
dest = $T/back
format = text
after = archive:$D/archive/sent
EOF2
} | write_config
ka check-config
assert_eq "check-config connects and verifies the host key" 0 "$RC"
assert_match "check-config reports the SFTP destination" "ok +\[route up\] dest srv:.*writable" "$T/stdout"
ka once
assert_eq "once exits 0" 0 "$RC"
cp "$T/stderr" "$T/once.stderr"
ka once
assert_eq "the 10 MiB file uploaded and downloaded in 3 parts" "put get" "$(grep -ho 'event=sftp_split .*op=[a-z]* bytes=10485760 parts=3' "$T/once.stderr" "$T/stderr" | sed 's/.*op=\([a-z]*\).*/\1/' | tr '\n' ' ' | sed 's/ $//')"
assert_eq "the 3 MiB file in 2 (whole MiB parts)" 1 "$(grep -c 'event=sftp_split .*op=get bytes=3146505 parts=2' "$T/once.stderr" "$T/stderr" | awk -F: '{ n += $NF } END { print n }')"
ka verify
assert_eq "verify: every spooled sha256 matches its bytes" 0 "$RC"
sums "$T/back" > "$T/after.sums"
if cmp -s "$T/before.sums" "$T/after.sums"; then ok "local -> sftp -> local keeps every byte (34 files)"
else fail "round trip differs"; diff "$T/before.sums" "$T/after.sums" | head -5; fi
assert_eq "sftp source archived on the server" 34 "$(count_files "$D/archive/sent")"
assert_eq "sftp source directory emptied" 0 "$(ls -A "$D/inbox" | wc -l | tr -d ' ')"
assert_eq "each file delivered once per route" 68 "$(sql "select count(*) from events where event='delivered'")"

# --- key and known_hosts given relative to the config file's directory ---
cp "$SSHD_KEY" "$T/rel_id" && cp "$SSHD_KNOWN_HOSTS" "$T/rel_kh"
printf '[remote srv]\ntype = sftp\nhost = 127.0.0.1\nport = %s\nuser = %s\nkey = rel_id\nknown_hosts = rel_kh\n\n[route up]\nsource = %s/in\ndest = srv:%s/inbox\nformat = text\n' \
	"$SSHD_PORT" "$SSHD_USER" "$T" "$D" | write_config
(cd / && "$KA_BIN" -c "$T/agent.ini" check-config > "$T/stdout" 2> "$T/stderr"); RC=$?
assert_eq "relative key and known_hosts found from another directory" 0 "$RC"

# --- unknown host key: check-config refuses, with the fingerprint ---
: > "$T/empty_kh"
FP=$(ssh-keygen -lf "$SSHD_DIR/host_ed25519.pub" | cut -d' ' -f2 | sed 's/[+.]/\\&/g')  # as an ERE
cp "$T/agent.ini" "$T/good.ini"
{ remote "$T/empty_kh"; printf '[route up]\nsource = %s/in\ndest = srv:%s/inbox\nformat = text\n' "$T" "$D"; } | write_config
ka check-config
assert_eq "check-config fails on an unknown host key" 69 "$RC"
assert_match "refusal names the host and fingerprint" "host key for \[127.0.0.1\]:$SSHD_PORT is unknown: ED25519 key $FP" "$T/stdout"
assert_match "refusal says how to accept" "accept_new_host_key = yes" "$T/stdout"

# --- a file still growing on the server is not taken until stable ---
mkdir -p "$D/grow" "$T/grown"
{ remote; printf '[route grow]\nsource = srv:%s/grow\ndest = %s/grown\nformat = text\nstable_seconds = 2\n' "$D" "$T"; } | write_config
# `once` itself looks again stable_seconds after a first sighting; the writer
# outlasts that look.
( i=0; while [ $i -lt 24 ]; do echo "line $i" >> "$D/grow/growing.csv"; sleep 0.3; i=$((i + 1)); done ) &
BG_PIDS="$!"
sleep 0.5
ka once
assert_eq "growing remote file not delivered while appended" 0 "$(count_files "$T/grown")"
wait
BG_PIDS=""
sleep 2.2
ka once
ka once
assert_eq "remote file delivered once stable" 1 "$(count_files "$T/grown")"
assert_eq "delivered with every line" 24 "$(wc -l < "$T/grown/growing.csv" | tr -d ' ')"

# --- server killed in the middle of an upload ---
rm -rf "$T/in" && mkdir -p "$T/in"
head -c 300000000 /dev/zero > "$T/in/big.csv"
big_sum=$(sha256sum < "$T/in/big.csv")
{ remote; printf '[route big]\nsource = %s/in\ndest = srv:%s/bigbox\nformat = text\nafter = delete\n' "$T" "$D"; } | write_config
"$KA_BIN" -c "$T/agent.ini" once > "$T/stdout" 2> "$T/stderr" &
apid=$!
n=0
while [ -z "$(find "$D/bigbox" -type f -size +1k 2>/dev/null)" ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n + 1)); done
"$SERVERS/sshd-stop" "$SRV" KILL
wait $apid
assert_eq "no file under the final name after the kill" no "$([ -e "$D/bigbox/big.csv" ] && echo yes || echo no)"
assert_match "the drop is reported as a retry" "to retry|retry" "$T/stdout"
assert_eq "source kept until delivered" 1 "$(count_files "$T/in")"
sshd_up
sleep 1.2
ka once
ka once
assert_eq "file arrives after the server is back" "$big_sum" "$(sha256sum < "$D/bigbox/big.csv")"
assert_eq "exactly one file at the destination, no temp left" "big.csv" "$(ls -A "$D/bigbox" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "delivered exactly once" 1 "$(sql "select count(*) from events e join files f on f.id = e.file_id where e.event='delivered' and f.route='big'" 2>/dev/null || echo '?')"
assert_eq "source finished after delivery" 0 "$(count_files "$T/in")"
finish
