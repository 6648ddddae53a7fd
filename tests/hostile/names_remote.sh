#!/bin/sh
# Hostile file names at a source: an SFTP server (the real sshd, its SFTP
# answers passed through tests/hostile/sftp-inject, which adds names no file
# system holds: "../evil.csv", "a/b.csv", a NUL, a line break, 4,000 and
# 5,000 bytes) and real files with control characters and a 255-byte name,
# on SFTP and in a local directory. Nothing is written outside the
# destination or under an unsafe name; "../evil.csv" is never fetched; each
# unsafe name is recorded once in the manifest (an unsafe_name event) and
# logged on one line; a 255-byte name (the longest a file system allows) is
# delivered, its temporary name shortened.
. "$(dirname "$0")/lib.sh"
SERVERS="$KA_SRCDIR/tests/servers"
if ! [ -x /usr/sbin/sshd ] || ! [ -x /usr/lib/openssh/sftp-server ]; then
	echo "SKIP: no sshd or sftp-server"; exit 77
fi
SRV="$T/sshd"
trap '"$SERVERS/sshd-stop" "$SRV" KILL; cleanup' EXIT

hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; echo; }
long4000=$(head -c 3996 /dev/zero | tr '\0' 'L').csv
long5000=$(head -c 4996 /dev/zero | tr '\0' 'M').csv
{
	hex "../evil.csv"
	hex "a/b.csv"
	hex "/etc/cron.d/x.csv"
	echo "6e756c00686964652e657865"      # "nul\0hide.exe": cut at the NUL it would pass for "nul"
	echo "72657000706f72742e637376"      # "rep\0port.csv"
	hex "line
break.csv"
	hex "$long4000"
	hex "$long5000"
} >"$T/names.hex"
SSHD_SFTP_SUBSYSTEM="/usr/bin/python3 $KA_SRCDIR/tests/hostile/sftp-inject $T/names.hex"
export SSHD_SFTP_SUBSYSTEM
"$SERVERS/sshd-start" "$SRV" >/dev/null || { echo "FAIL: sshd-start"; exit 1; }
. "$SRV/env"
D=$SSHD_DATA

# Real files: some unsafe, two good ones; a file "../evil.csv" would reach.
max255=$(head -c 251 /dev/zero | tr '\0' 'n').csv
real_names() {
	mkdir -p "$1"
	printf 'good\n' >"$1/good.csv"
	printf 'longest\n' >"$1/$max255"
	printf 'x\n' >"$1/tab	here.csv"
	printf 'x\n' >"$1/back\\slash.csv"
	printf 'x\n' >"$1/c1$(printf '\302\205').csv"
	printf 'x\n' >"$1/cr$(printf '\r').csv"
}
real_names "$D/hostile"
real_names "$T/local/hostile"
printf 'EVIL-CONTENT' >"$D/evil.csv"
printf 'EVIL-CONTENT' >"$T/local/evil.csv"
evil_sum=$(printf 'EVIL-CONTENT' | sha256sum | cut -d' ' -f1)

write_config <<EOF2
$(remote_section "$SSHD_PORT" "$SSHD_KNOWN_HOSTS")
[route remote]
source = srv:$D/hostile
dest = $T/out-remote
format = text

[route local]
source = $T/local/hostile
dest = srv:$D/out-local
format = text
EOF2
touch "$T/before"
ka once
assert_eq "once exits 0: unsafe names do not fail the routes" 0 "$RC"
assert_match "both routes staged their two good files" "once: 4 staged, 4 delivered" "$T/stdout"
for d in "$T/out-remote" "$D/out-local"; do
	assert_eq "only the safe names delivered to $(basename "$d")" "good.csv $max255" \
		"$(ls -A "$d" | sort | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "the 255-byte name arrived whole in $(basename "$d")" "longest" "$(cat "$d/$max255")"
done
assert_eq "nothing written outside the destinations and the spool" "" \
	"$(find "$T" "$D" -newer "$T/before" -type f ! -path "$T/spool/*" ! -path "$T/out-remote/*" \
		! -path "$D/out-local/*" ! -path "$SRV/*" ! -name 'manifest.db*' ! -name stdout \
		! -name stderr | sort)"
assert_eq "../evil.csv was never fetched (not in the spool)" no \
	"$([ -e "$T/spool/objects/$evil_sum" ] && echo yes || echo no)"
assert_eq "no file holds the evil content but the two planted ones" 2 \
	"$(grep -rl EVIL-CONTENT "$T" | wc -l | tr -d ' ')"
assert_eq "the manifest holds only the 4 good files" 4 "$(sql "select count(*) from files")"

# Each unsafe name: one event without a file, with the reason.
notes() { sql "select count(*) from events where file_id is null and event='unsafe_name' $1"; }
assert_eq "16 unsafe names recorded (8 from the server, 4 real ones on each route)" 16 "$(notes "")"
assert_eq "a NUL shown as %00" 2 "$(notes "and detail like '%\%00%' escape '\\' and detail like '%a NUL byte or ''/''%'")"
assert_eq "names with '/' or '../'" 3 "$(notes "and detail like '%NUL byte or ''/'' in the name%' and detail not like '%\%00%' escape '\\'")"
assert_eq "4,000 and 5,000-byte names: too long, with their length" 2 \
	"$(notes "and (detail like '%name_bytes=4000 %' or detail like '%name_bytes=5000 %') and detail like '%longer than 255 bytes%'")"
assert_eq "control characters and backslash (line break; tab, '\\', C1, CR on both routes)" 9 \
	"$(notes "and detail like '%control characters%'")"
assert_eq "every log line is one line (no raw line break from a name)" 0 \
	"$(grep -cv '^ts=' "$T/stderr")"
assert_eq "each unsafe name logged once at warn" 16 "$(grep -c 'level=warn event=unsafe_name' "$T/stderr")"
assert_match "the line break is escaped in the log" 'source=srv:[^ ]*/hostile name="line\\nbreak\.csv"' "$T/stderr"
assert_match "the C1 control is escaped in the log" 'name="c1\\xc2\\x85\.csv"' "$T/stderr"
assert_match "a name with '/' is shown whole" 'name=/etc/cron\.d/x\.csv name_bytes=17' "$T/stderr"
assert_match "a NUL is shown as %00" 'name=nul%00hide\.exe name_bytes=14' "$T/stderr"
assert_no_match "no log line carries a raw C1 control" "$(printf '\302\205')" "$T/stderr"
assert_match "a 5,000-byte name is cut in the log and says so" 'MMMM\.\.\." name_bytes=5000' "$T/stderr"

ka once
assert_eq "second once exits 0" 0 "$RC"
assert_eq "second once: no new unsafe_name events" 16 "$(notes "")"
assert_eq "second once: the names are logged at debug only" "0 16" \
	"$(grep -c 'level=warn event=unsafe_name' "$T/stderr") $(grep -c 'level=debug event=unsafe_name' "$T/stderr")"
ka status
assert_match "status counts the unsafe names" "unsafe names left at the sources: 16 \(latest: route=" "$T/stdout"
finish
