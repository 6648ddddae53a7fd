#!/bin/sh
# conn_cut: connections to the SFTP server cut in the middle of files, through
# tcp-cut (a proxy in front of the private sshd that resets both sides after
# N bytes or N ms). Two routes run together: local -> SFTP (upload) and
# SFTP -> local (download), after = delete on both.
#   0. A cut at every point of connecting (every 200 bytes, then every 10
#      over the login and the start of SFTP): each is a transient failure
#      ("did not complete", never "refused": the credentials are fine).
#   1. Every connection cut after 4 MB, in a 16 MB upload and a 16 MB
#      download: `once` exits 69 and logs the drop, neither large file is
#      under its final name, their sources are still there; once the proxy
#      lets connections through, everything arrives exactly once.
#   2. Rounds of new files with a cut at a random byte count (handshake,
#      listing, puts, fsyncs, renames, stats) or a random delay in every
#      run; after each run no file under a final name is partial or extra.
#      Then, with no more cuts, every file is at its destination once with
#      its sha256, nothing temporary is left, the manifest says each file
#      was delivered once, and verify is clean.
#   3. A delivery interrupted after its rename (the agent killed there), and
#      in the next run the look at the destination cut and the reconnection
#      reset: that run must not put the file again (on_exists = rename would
#      deliver it twice, as NAME-2); a later run records it delivered once.
# Default: 16 runs with cuts. KARGO_FAULTS_LONG=1: 300 (KARGO_FAULTS_CUTS).
# Prints: cuts N, files N, lost N, duplicates N, partial N
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
need_sshd
trap '"$SERVERS/sshd-stop" "$SRV" KILL; cleanup' EXIT
sshd_up
proxy_up
D=$SSHD_DATA
if [ "${KARGO_FAULTS_LONG:-0}" = 1 ]; then runs_wanted=${KARGO_FAULTS_CUTS:-300}
else runs_wanted=${KARGO_FAULTS_CUTS:-16}; fi

mkdir -p "$T/in" "$T/out" "$D/up" "$D/down"
{ remote_section "$PX_PORT" "$PX/known_hosts" "connect_timeout = 5
io_timeout = 5"; up_down_routes; } | AGENT_EXTRA="max_attempts = 1000
log_level = info" write_config
sed -i '/^log_level = debug/d' "$T/agent.ini"

# A random size: half of the files small (renames and stats are then a
# good share of the traffic a cut can land in), half up to 2 MB.
rsize() { if [ "$(rnd 2)" = 0 ]; then echo $((1 + $(rnd 5000))); else echo $((1 + $(rnd 2000000))); fi; }

# add_files TAG N: N files of random sizes on each side.
add_files() {
	i=1
	while [ "$i" -le "$2" ]; do
		head -c "$(rsize)" /dev/urandom >"$T/in/$1-$i.csv"
		head -c "$(rsize)" /dev/urandom >"$D/down/$1-$i.csv"
		i=$((i + 1))
	done
	sums "$T/in" >>"$T/up.sums"
	sums "$D/down" >>"$T/down.sums"
	sort -u -k2 -o "$T/up.sums" "$T/up.sums"
	sort -u -k2 -o "$T/down.sums" "$T/down.sums"
}

# after_run WHAT: nothing partial or extra under a final name, nothing lost.
after_run() {
	no_bad_final_names "$D/up" "$T/up.sums" "$1: nothing partial under a final name (server)"
	no_bad_final_names "$T/out" "$T/down.sums" "$1: nothing partial under a final name (local)"
	nothing_lost "$T/in" "$D/up" "$T/up.sums" "$1: upload sources kept until delivered"
	nothing_lost "$D/down" "$T/out" "$T/down.sums" "$1: download sources kept until delivered"
}

# --- 0. a cut at each point of connecting ---
setup_bytes
setup_end=$SETUP_END
n=$((setup_end > 600 ? setup_end - 600 : 0))
while [ $n -lt "$setup_end" ]; do connecting $n; n=$((n + 10)); done
echo "# connecting takes about $setup_end bytes through the proxy"
assert_no_match "a cut while connecting is never blamed on the credentials or host key" \
	'refused|host key' "$T/setup.err"
assert_match "a cut during the login is seen as such" \
	'authentication as [^ ]+ did not complete: ' "$T/setup.err"
assert_match "a cut during the key exchange is seen as such" 'SSH handshake failed: ' "$T/setup.err"
: >"$PX/events"

# --- 1. every connection cut after 4 MB, in a 16 MB upload and download ---
: >"$T/up.sums"
: >"$T/down.sums"
add_files a 5
head -c 16000000 /dev/urandom >"$T/in/big.csv"
head -c 16000000 /dev/urandom >"$D/down/big.csv"
sums "$T/in" >"$T/up.sums"
sums "$D/down" >"$T/down.sums"
proxy_mode cut 4000000
ka once
cat "$T/stderr" >>"$T/run.err"
assert_eq "cut after 4 MB: once exits 69" 69 "$RC"
assert_match "cut after 4 MB: the proxy cut connections there" '^cut conn=[0-9]+ bytes=4000000' "$PX/events"
assert_match "cut after 4 MB: the upload's drop is logged" \
	'level=warn event=retry file=[0-9]+ route=up .*: connection failed: ' "$T/stderr"
assert_match "cut after 4 MB: the download's drop is logged" \
	'level=error event=route_failed route=down .*: connection failed: ' "$T/stderr"
assert_eq "cut after 4 MB: the upload is not under its final name" no \
	"$([ -e "$D/up/big.csv" ] && echo yes || echo no)"
assert_eq "cut after 4 MB: the download is not under its final name" no \
	"$([ -e "$T/out/big.csv" ] && echo yes || echo no)"
after_run "cut after 4 MB"
proxy_mode pass
sleep 1.1
settle || fail "cut after 4 MB: not settled once the proxy lets connections through"
exactly_once "cut after 4 MB: upload" "$D/up" "$T/up.sums"
exactly_once "cut after 4 MB: download" "$T/out" "$T/down.sums"

# --- 2. a cut at a random point in every run ---
cuts=0 runs=0 round=0
start=$(date +%s)
while [ "$runs" -lt "$runs_wanted" ]; do
	round=$((round + 1))
	add_files "r$round" 12
	k=0
	while [ $k -lt 8 ] && [ "$runs" -lt "$runs_wanted" ]; do
		case $(rnd 4) in
		0) mode="cut-ms $(rnd 1000)" ;;
		1) mode="cut $(rnd 20000)" ;;
		2) mode="cut $(rnd 300000)" ;;
		*) mode="cut $(rnd 3000000)" ;;
		esac
		proxy_mode "$mode"
		n0=$(grep -c '^cut' "$PX/events")
		ka once
		cat "$T/stderr" >>"$T/run.err"
		runs=$((runs + 1)) k=$((k + 1))
		n1=$(grep -c '^cut' "$PX/events")
		cuts=$((cuts + n1 - n0))
		if [ "$RC" != 0 ] && [ "$RC" != 69 ]; then
			fail "run $runs ($mode): exit $RC"
			tail -20 "$T/stderr" | sed 's/^/#   /'
		fi
		after_run "run $runs ($mode)" >"$T/check.out"
		grep -v '^ok' "$T/check.out"
		sql "update files set next_attempt = 0"  # no waiting out retry_base
	done
done
proxy_mode pass
settle 20 || fail "not settled after the cuts"
secs=$(($(date +%s) - start))

exactly_once "upload" "$D/up" "$T/up.sums"
exactly_once "download" "$T/out" "$T/down.sums"
assert_eq "upload sources finished" 0 "$(count_files "$T/in")"
assert_eq "download sources finished" 0 "$(count_files "$D/down")"
temps=$(find "$T/in" "$T/out" "$D" -name '.*' -type f | wc -l | tr -d ' ')
assert_eq "no temporary file left (local and server)" 0 "$temps"
files=$(( $(wc -l <"$T/up.sums") + $(wc -l <"$T/down.sums") ))
manifest_exactly_once "$files"
# A cut can land after a run's last byte; most must not.
if [ $((cuts * 2)) -ge "$runs" ]; then ok "the proxy cut $cuts connections in $runs runs"
else fail "only $cuts cuts in $runs runs"; fi

# --- 3. recovering an interrupted delivery when the destination cannot be seen ---
mkdir -p "$T/in3"
write_config <<EOF2
$(remote_section "$PX_PORT" "$PX/known_hosts" "connect_timeout = 5
io_timeout = 5")
[route rec]
source = $T/in3
dest = srv:$D/rec
format = text
on_exists = rename
EOF2
n=$setup_end
while [ $n -le $((setup_end + 400)) ]; do
	proxy_mode pass
	echo "recovered $n" >"$T/in3/rec-$n.csv"
	(KARGO_AGENT_CRASH_AT=after_rename "$KA_BIN" -c "$T/agent.ini" once; true) >/dev/null 2>&1
	printf 'cut %s\ncut 0\npass\n' "$n" >"$PX/mode"  # then one reset, then through
	ka once
	cat "$T/stderr" >>"$T/rec.err"
	proxy_mode pass
	sql "update files set next_attempt = 0"
	ka once
	cat "$T/stderr" >>"$T/rec.err"
	n=$((n + 40))
done
assert_match "recovery: a run could not see the destination and said so" \
	'cannot tell whether .*rec-[0-9]+\.csv was delivered' "$T/rec.err"
assert_eq "recovery: no interrupted delivery was repeated (no NAME-2)" "" \
	"$(ls "$D/rec" | grep -- '-2\.csv$')"
assert_eq "recovery: every file delivered once" \
	"$(ls "$T/in3" | wc -l | tr -d ' ')" "$(ls "$D/rec" | wc -l | tr -d ' ')"
assert_eq "recovery: every file recorded delivered (after = keep: done)" 0 \
	"$(sql "select count(*) from files where route = 'rec' and state != 'done'")"
assert_eq "recovery: one delivered event per file" \
	"$(sql "select count(*) from files where route = 'rec'")" \
	"$(sql "select count(*) from events e join files f on f.id = e.file_id where f.route = 'rec' and e.event = 'delivered'")"

lost=$(FAILS=0; { nothing_lost "$T/in" "$D/up" "$T/up.sums" x; nothing_lost "$D/down" "$T/out" "$T/down.sums" x; } | grep -c FAIL)
echo "cuts $cuts, files $files, lost $lost, duplicates $(sql "select count(*) - count(distinct file_id) from events where event = 'delivered'"), partial $temps"
echo "# $runs runs with cuts over $round round(s), ${secs}s"
finish
