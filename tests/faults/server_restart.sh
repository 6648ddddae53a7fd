#!/bin/sh
# server_restart: the SFTP server stopped in the middle of transfers and
# started again. Two routes run together: local -> SFTP (upload) and
# SFTP -> local (download), after = delete on both, each with a 64 MB file
# and small ones.
#   1. sshd and its sessions killed (SIGKILL) during the 64 MB upload
#   2. sshd and its sessions stopped (SIGTERM) during the 64 MB download
#   3. sshd killed at a random moment of a run, several times, with new
#      small files each time (puts, renames, stats, listings, gets)
# After each stop `once` exits 69 and logs the failure, no file under a
# final name is partial or extra, and no source is finished unless its file
# was delivered. Once the server is back for good, every file arrives
# exactly once with its sha256, no temporary or partial file is left
# (server, destination, spool), each file has one delivered delivery and
# event, and verify is clean.
# Default: 6 random kills. KARGO_FAULTS_LONG=1: 100 (KARGO_FAULTS_RESTARTS).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
need_sshd
trap '"$SERVERS/sshd-stop" "$SRV" KILL; cleanup' EXIT
sshd_up
D=$SSHD_DATA
if [ "${KARGO_FAULTS_LONG:-0}" = 1 ]; then kills_wanted=${KARGO_FAULTS_RESTARTS:-100}
else kills_wanted=${KARGO_FAULTS_RESTARTS:-6}; fi

mkdir -p "$T/in" "$T/out" "$D/up" "$D/down"
make_files "$T/in" 10 50000
make_files "$D/down" 10 50000
head -c 64000000 /dev/urandom >"$T/in/big-up.csv"
head -c 64000000 /dev/urandom >"$D/down/big-down.csv"
sums "$T/in" >"$T/up.sums"
sums "$D/down" >"$T/down.sums"
{ remote_section "$SSHD_PORT" "$SSHD_KNOWN_HOSTS" "connect_timeout = 5
io_timeout = 5"; up_down_routes; } | AGENT_EXTRA="max_attempts = 1000" write_config

# after_stop WHAT: the run that lost its server failed cleanly.
after_stop() {
	assert_eq "$1: once exits 69" 69 "$RC"
	assert_match "$1: the failure is logged" \
		'level=(warn|error) event=(retry|route_failed) .*(connection failed|cannot connect|handshake failed)' "$T/stderr"
	no_damage "$1"
}

# no_damage WHAT: nothing partial or extra under a final name, nothing lost.
no_damage() {
	no_bad_final_names "$D/up" "$T/up.sums" "$1: nothing partial under a final name (server)"
	no_bad_final_names "$T/out" "$T/down.sums" "$1: nothing partial under a final name (local)"
	nothing_lost "$T/in" "$D/up" "$T/up.sums" "$1: upload sources kept until delivered"
	nothing_lost "$D/down" "$T/out" "$T/down.sums" "$1: download sources kept until delivered"
}

# --- 1. killed during the upload ---
START_MS=$(date +%s%3N)
once_bg
if wait_for_file "$D/up" -name '.big-up.csv.part' -size +2M; then
	sshd_kill KILL
	once_wait
	after_stop "killed mid-upload"
	assert_eq "killed mid-upload: the large file is not under its final name" no \
		"$([ -e "$D/up/big-up.csv" ] && echo yes || echo no)"
else
	once_wait
	fail "killed mid-upload: the upload was not seen in progress"
fi
sshd_up

# --- 2. stopped during the download (the upload is redone first) ---
sleep 1.1  # retry_base
START_MS=$(date +%s%3N)
once_bg
if wait_for_file "$T/spool/tmp" -name 'in.*' -size +2M; then
	sshd_kill TERM
	once_wait
	after_stop "stopped mid-download"
	assert_eq "stopped mid-download: the large file is not under its final name" no \
		"$([ -e "$T/out/big-down.csv" ] && echo yes || echo no)"
	assert_eq "stopped mid-download: its partial copy left the spool" 0 \
		"$(find "$T/spool/tmp" -type f | wc -l | tr -d ' ')"
else
	once_wait
	fail "stopped mid-download: the download was not seen in progress"
fi
sshd_up
sleep 1.1
settle || fail "stopped mid-download: not settled after the restart"
exactly_once "after two stops: upload" "$D/up" "$T/up.sums"
exactly_once "after two stops: download" "$T/out" "$T/down.sums"

# wait_for FIND_ARGS...: poll every 10 ms (3 s at most) until find prints something.
wait_for() {
	n=0
	while [ -z "$(find "$@" 2>/dev/null | head -1)" ] && [ $n -lt 300 ]; do sleep 0.01; n=$((n + 1)); done
}

# wait_for_uploads ROUND: until the round's 12 uploads are under their final
# names (then the download route runs), 3 s at most.
wait_for_uploads() {
	n=0
	while [ "$(find "$D/up" -name "k$1-*" | wc -l)" -lt 12 ] && [ $n -lt 300 ]; do
		sleep 0.01
		n=$((n + 1))
	done
}

# --- 3. killed at random moments ---
kills=0 round=0
while [ "$kills" -lt "$kills_wanted" ]; do
	round=$((round + 1))
	i=1
	while [ $i -le 12 ]; do
		head -c $((1 + $(rnd 1500000))) /dev/urandom >"$T/in/k$round-$i.csv"
		head -c $((1 + $(rnd 1500000))) /dev/urandom >"$D/down/k$round-$i.csv"
		i=$((i + 1))
	done
	sums "$T/in" >>"$T/up.sums"
	sums "$D/down" >>"$T/down.sums"
	sort -u -k2 -o "$T/up.sums" "$T/up.sums"
	sort -u -k2 -o "$T/down.sums" "$T/down.sums"
	sql "update files set next_attempt = 0"  # no waiting out retry_base
	touch "$T/mark"
	once_bg
	# A random moment of the run, or shortly after the round's first upload
	# began, or after its uploads were done (the downloads then begin).
	ms=$(rnd 40)
	case $(rnd 3) in
	0) ms=$(rnd 1200); when="${ms} ms" ;;
	1) when="first upload + ${ms} ms"; wait_for "$D/up" -name "*k$round-*" ;;
	2) when="uploads done + ${ms} ms"; wait_for_uploads "$round" ;;
	esac
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	sshd_kill KILL
	once_wait
	kills=$((kills + 1))
	[ "$RC" = 0 ] || [ "$RC" = 69 ] || fail "kill $kills: exit $RC"
	echo "# kill $kills at $when: exit $RC$(grep -m1 -o 'error="[^"]*' "$T/stderr" | sed 's|/tmp/[^ :]*||g; s/^error=/, first error: /')"
	no_damage "kill $kills at $when" >"$T/check.out"
	grep -v '^ok' "$T/check.out"
	sshd_up
done

# --- the server stays up: everything arrives exactly once ---
sql "update files set next_attempt = 0"
settle 20 || fail "not settled after the server came back"
exactly_once "upload" "$D/up" "$T/up.sums"
exactly_once "download" "$T/out" "$T/down.sums"
assert_eq "upload sources finished" 0 "$(count_files "$T/in")"
assert_eq "download sources finished" 0 "$(count_files "$D/down")"
assert_eq "no temporary file left (local and server)" "" "$(find "$T/in" "$T/out" "$D" -name '.*' -type f)"
manifest_exactly_once $(( $(wc -l <"$T/up.sums") + $(wc -l <"$T/down.sums") ))
assert_no_match "no failure was blamed on the credentials or the host key" \
	'authentication as [^ ]+ with .* refused|host key for' "$T/run.err"
echo "# 2 stops in transfers, $kills random kills"
finish
