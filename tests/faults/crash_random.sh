#!/bin/sh
# crash_random: files carried local -> SFTP -> local (two chained routes,
# after = delete on both) while `kargo-agent once` is killed with SIGKILL at
# random moments and restarted, until everything settles. Then: every file is
# at the final destination exactly once with its original sha256, no
# temporary or partial file is left under any name (local, spool, and the
# SFTP server's directory), the manifest agrees with the disk (`verify`),
# every file is done and each delivery has exactly one `delivered` event.
# After every kill, every file visible under a final name (on the server and
# at the destination) must already be complete.
#
# Default: rounds of 500 files until at least 50 kills (KARGO_FAULTS_KILLS).
# KARGO_FAULTS_LONG=1: at least 1,000 kills. KARGO_FAULTS_MAX_MS: the upper
# bound of the random delay before each kill (default 1200 ms).
# Prints: kills survived N, files lost N, duplicates N, partial files N
. "$(dirname "$0")/../integration/lib.sh"
SERVERS="$KA_SRCDIR/tests/servers"
if ! [ -x /usr/sbin/sshd ]; then echo "SKIP: no sshd"; exit 77; fi
SRV="$T/sshd"
trap '"$SERVERS/sshd-stop" "$SRV" KILL; cleanup' EXIT
"$SERVERS/sshd-start" "$SRV" >/dev/null || exit 1
. "$SRV/env"
MID=$SSHD_DATA/mid

if [ "${KARGO_FAULTS_LONG:-0}" = 1 ]; then target=${KARGO_FAULTS_KILLS:-1000}
else target=${KARGO_FAULTS_KILLS:-50}; fi
per_round=${KARGO_FAULTS_FILES:-500}
max_ms=${KARGO_FAULTS_MAX_MS:-1200}

mkdir -p "$T/in" "$T/out" "$MID"
write_config <<EOF2
batch_size = 50

$(remote_section "$SSHD_PORT" "$SSHD_KNOWN_HOSTS" "connect_timeout = 5
io_timeout = 5")
[route up]
source = $T/in
dest = srv:$MID
format = text
after = delete

[route down]
source = srv:$MID
dest = $T/out
format = text
after = delete
EOF2
# debug logs of 1,000 runs are large and not needed here
sed -i 's/^log_level = debug/log_level = info/' "$T/agent.ini"

rnd() { echo $(( $(od -An -N4 -tu4 /dev/urandom) % $1 )); }

# check_final_names DIR: files under a final name that are not an original
# file with its original bytes. Adds to PARTIAL (wrong bytes) and EXTRA
# (a name no original has: a duplicate such as NAME-2.csv).
PARTIAL=0 EXTRA=0
check_final_names() {
	sums "$1" | awk -v orig="$T/orig.sums" '
		BEGIN { while ((getline l < orig) > 0) { split(l, a, "  "); want[a[2]] = a[1] } }
		{ n = $0; sub(/^[0-9a-f]+  /, "", n)
		  if (!(n in want)) { print "extra " n; next }
		  if (want[n] != $1) print "partial " n }' >"$T/check.out"
	p=$(grep -c '^partial' "$T/check.out"); e=$(grep -c '^extra' "$T/check.out")
	if [ "$p" -gt 0 ] || [ "$e" -gt 0 ]; then
		echo "# after kill $kills in $1:"; head -5 "$T/check.out" | sed 's/^/#   /'
	fi
	PARTIAL=$((PARTIAL + p)) EXTRA=$((EXTRA + e))
}

settled() {
	[ "$(count_files "$T/out")" -ge "$total" ] && [ "$(count_files "$T/in")" -eq 0 ] &&
		[ "$(count_files "$MID")" -eq 0 ] &&
		[ "$(sql "select count(*) from files where state != 'done'")" = 0 ]
}

kills=0 runs=0 total=0 round=0 stuck=0
: >"$T/orig.sums"
start=$(date +%s)
while [ "$kills" -lt "$target" ]; do
	round=$((round + 1))
	i=1
	while [ "$i" -le "$per_round" ]; do
		head -c $((100 + $(rnd 3000))) /dev/urandom >"$T/in/r$round-$i.csv"
		i=$((i + 1))
	done
	sums "$T/in" | sed "s|  \./|  ./|" >>"$T/orig.sums"
	total=$((total + per_round))
	# Kill at random moments until this round has settled (or the target is met).
	while [ "$kills" -lt "$target" ] && ! settled; do
		"$KA_BIN" -c "$T/agent.ini" once >>"$T/stdout" 2>>"$T/stderr" &
		apid=$!
		ms=$(rnd "$max_ms")
		sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
		kill -KILL "$apid" 2>/dev/null
		wait "$apid"
		rc=$?
		runs=$((runs + 1))
		if [ "$rc" = 137 ]; then kills=$((kills + 1)); fi
		check_final_names "$MID"
		check_final_names "$T/out"
		[ "$runs" -lt $((target * 20 + 200)) ] || { fail "no progress after $runs runs"; break 2; }
	done
done
# Let it settle without kills: a retry may wait retry_max (1 s).
n=0
while ! settled && [ $n -lt 20 ]; do
	ka once
	n=$((n + 1))
	settled || sleep 1
done
secs=$(($(date +%s) - start))
settled && ok "settled after $kills kills, $runs runs, $round round(s), ${secs}s" || fail "not settled after $n runs without kills"

# Final state.
check_final_names "$T/out"
check_final_names "$MID"
sums "$T/out" >"$T/final.sums"
lost=$(awk 'NR == FNR { have[$2] = $1; next } !($2 in have) || have[$2] != $1' \
	"$T/final.sums" "$T/orig.sums" | wc -l | tr -d ' ')
temps=$(find "$T/in" "$T/out" "$SSHD_DATA" -name '.*' -type f | wc -l | tr -d ' ')
spool_tmp=$(find "$T/spool/tmp" -type f 2>/dev/null | wc -l | tr -d ' ')
[ "$temps" -eq 0 ] || { echo "# temporary files left:"; find "$T/in" "$T/out" "$SSHD_DATA" -name '.*' -type f | head -5; }
# A delivered event per delivery, and one manifest row per file and route.
dup_events=$(sql "select coalesce(sum(ev - 1), 0) from (select count(*) ev from events
	where event = 'delivered' group by file_id, substr(detail, 1, instr(detail, ' path=')))
	where ev > 1")
dup_rows=$(sql "select coalesce(sum(c - 1), 0) from (select count(*) c from files group by route, name) where c > 1")
dups=$((EXTRA + dup_events + dup_rows))
partial=$((PARTIAL + temps))

assert_eq "no file lost (all $total at the destination with their sha256)" 0 "$lost"
assert_eq "no duplicate at the destination" 0 "$EXTRA"
assert_eq "no file delivered twice (delivered events)" 0 "$dup_events"
assert_eq "no file staged twice" 0 "$dup_rows"
assert_eq "no partial file under a final name, ever" 0 "$PARTIAL"
assert_eq "no temporary file left (local and SFTP server)" 0 "$temps"
assert_eq "no temporary left in the spool" 0 "$spool_tmp"
assert_eq "destination holds exactly the files" "$total" "$(ls -A "$T/out" | wc -l | tr -d ' ')"
assert_eq "every file done (both routes)" $((total * 2)) "$(sql "select count(*) from files where state = 'done'")"
assert_eq "one delivered delivery per file and route" $((total * 2)) \
	"$(sql "select count(*) from deliveries where state = 'delivered'")"
assert_eq "one delivered event per delivery" $((total * 2)) \
	"$(sql "select count(*) from events where event = 'delivered'")"
if "$KA_BIN" -c "$T/agent.ini" verify >"$T/verify.out" 2>&1; then ok "verify: manifest and spool agree"
else rc=$?; [ "$rc" = 64 ] && grep -q "unknown command" "$T/verify.out" && echo "# (no verify command in this build)" ||
	{ fail "verify exit $rc"; head -5 "$T/verify.out"; }; fi

echo "kills survived $kills, files lost $lost, duplicates $dups, partial files $partial"
echo "# $total files, $round round(s) of $per_round, $runs runs, delay 0-${max_ms} ms, ${secs}s"
finish
