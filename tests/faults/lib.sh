# Shared helpers for the fault tests: a private sshd, the breaking proxy
# (tcp-cut), and the end-state checks every fault test makes. Source it
# after tests/integration/lib.sh.
SERVERS="$KA_SRCDIR/tests/servers"
KA_BUILDDIR=${KA_BUILDDIR:-$(pwd)}
TCP_CUT="$KA_BUILDDIR/tests/faults/tcp-cut"
SRV="$T/sshd"
PX="$T/proxy"
PX_PID=""
# A known libssh2 leak when a handshake is cut (see lsan.supp); full stacks,
# so that the suppression can see libssh2 under OpenSSL's allocations.
export LSAN_OPTIONS="suppressions=$KA_SRCDIR/tests/faults/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"

# Small file systems (root only): mount_tmpfs DIR OPTIONS mounts a tmpfs
# with OPTIONS at DIR, or skips the test (77); unmount_all, called from the
# test's EXIT trap, takes every one down again.
MOUNTS=""
unmount_all() { for m in $MOUNTS; do umount "$m" 2>/dev/null || umount -l "$m"; done; MOUNTS=""; }
mount_tmpfs() {
	mkdir -p "$1"
	if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o "$2" tmpfs "$1" 2>"$T/mount.err"; then
		echo "SKIP: cannot mount a tmpfs (needs root): $(cat "$T/mount.err" 2>/dev/null)"
		exit 77
	fi
	MOUNTS="$1 $MOUNTS"
}

need_sshd() {
	if ! [ -x /usr/sbin/sshd ]; then echo "SKIP: no sshd"; exit 77; fi
}

# Start (or restart, same port and keys) the private sshd; sets SSHD_*.
sshd_up() {
	"$SERVERS/sshd-start" "$SRV" >/dev/null || { echo "FAIL: sshd-start"; exit 1; }
	. "$SRV/env"
}

# The private sshd's pid and its sessions' (never another test's), from
# one ps call so that a kill lands when the test means it to.
sshd_pids() {
	ps -eo pid=,ppid= | awk -v root="$(cat "$SRV/sshd.pid")" '
		{ parent[$1] = $2 }
		END { for (p in parent) { q = p
			while (q != "" && q != root && q in parent && parent[q] != q) q = parent[q]
			if (q == root) print p } }'
}

# sshd_kill SIGNAL: signal the private sshd and its sessions at once, then
# let sshd-stop wait for them and tidy up.
sshd_kill() {
	kill -s "$1" $(sshd_pids) 2>/dev/null
	"$SERVERS/sshd-stop" "$SRV" KILL
}

# proxy_up: start tcp-cut in front of the sshd; sets PX_PORT and writes
# $PX/known_hosts naming the server's key under the proxy's port.
proxy_up() {
	mkdir -p "$PX"
	rm -f "$PX/port"
	"$TCP_CUT" "$PX" "$SSHD_PORT" 2>>"$PX/stderr" &
	PX_PID=$!
	BG_PIDS="$BG_PIDS $PX_PID"
	n=0
	while [ ! -s "$PX/port" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	[ -s "$PX/port" ] || { echo "FAIL: tcp-cut did not start"; exit 1; }
	PX_PORT=$(cat "$PX/port")
	sed "s/^\[127\.0\.0\.1\]:$SSHD_PORT /[127.0.0.1]:$PX_PORT /" "$SSHD_KNOWN_HOSTS" >"$PX/known_hosts"
}

# proxy_mode MODE [N]: how the proxy treats connections from now on (see tcp-cut.c).
proxy_mode() { echo "$*" >"$PX/mode"; }

# connecting N: run `once` with the next connections cut after N bytes;
# true when that failed the connection's setup (handshake, login, start of
# SFTP). Each run's log is added to $T/setup.err.
connecting() {
	proxy_mode cut "$1"
	ka once
	cat "$T/stderr" >>"$T/setup.err"
	grep -Eq 'cannot connect|handshake failed|authentication as|cannot start the SFTP subsystem' "$T/stderr"
}

# setup_bytes: set SETUP_END to about how many bytes connecting through the
# proxy takes (the first multiple of 200 that no longer fails the setup).
# A reset before any byte can surface as "cannot connect" (the reset comes
# while libssh2 waits for the banner), so that counts as failing the setup.
# $T/agent.ini needs a route that connects in every run, with nothing to carry.
setup_bytes() {
	SETUP_END=0
	while [ "$SETUP_END" -le 20000 ] && connecting "$SETUP_END"; do
		SETUP_END=$((SETUP_END + 200))
	done
	proxy_mode pass
	[ "$SETUP_END" -gt 0 ] || fail "setup_bytes: a connection reset at once did not fail the setup"
}

# up_down_routes: [route up] $T/in -> srv:$D/up and [route down]
# srv:$D/down -> $T/out, both after = delete (after a remote_section).
up_down_routes() {
	printf '[route up]\nsource = %s/in\ndest = srv:%s/up\nformat = text\nafter = delete\n\n' "$T" "$D"
	printf '[route down]\nsource = srv:%s/down\ndest = %s/out\nformat = text\nafter = delete\n' "$D" "$T"
}

rnd() { echo $(( $(od -An -N4 -tu4 /dev/urandom) % $1 )); }

# Run `once` in the background with output appended to $T/run.out and
# $T/run.err (the last run alone in $T/stdout, $T/stderr); sets APID.
once_bg() {
	"$KA_BIN" -c "$T/agent.ini" once >"$T/stdout" 2>"$T/stderr" &
	APID=$!
}

# Wait for the background run; sets RC and MS (its wall time from START_MS).
once_wait() {
	wait "$APID"
	RC=$?
	MS=$(( $(date +%s%3N) - START_MS ))
	cat "$T/stdout" >>"$T/run.out"
	cat "$T/stderr" >>"$T/run.err"
}

# Timed `once` in the foreground: RC, MS.
once_timed() {
	START_MS=$(date +%s%3N)
	once_bg
	once_wait
}

# wait_for_file FIND_ARGS...: wait (10 s at most) until find prints something.
wait_for_file() {
	n=0
	while [ -z "$(find "$@" 2>/dev/null | head -1)" ] && [ $n -lt 200 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	[ -n "$(find "$@" 2>/dev/null | head -1)" ]
}

# no_bad_final_names DIR ORIG_SUMS WHAT: every file under a final name in DIR
# is an original one with its original bytes.
no_bad_final_names() {
	bad=$(sums "$1" | awk -v orig="$2" '
		BEGIN { while ((getline l < orig) > 0) { split(l, a, "  "); want[a[2]] = a[1] } }
		{ n = $0; sub(/^[0-9a-f]+  /, "", n); if (!(n in want) || want[n] != $1) print n }')
	assert_eq "$3" "" "$bad"
}

# nothing_lost SRC DEST ORIG_SUMS WHAT: each original file is still at the
# source or already at the destination, with its original bytes.
nothing_lost() {
	lost=$( { sums "$1"; sums "$2"; } | awk -v orig="$3" '
		{ n = $0; sub(/^[0-9a-f]+  /, "", n); have[n "  " $1] = 1 }
		END { while ((getline l < orig) > 0) { split(l, a, "  ")
			if (!((a[2] "  " a[1]) in have)) print a[2] } }')
	assert_eq "$4" "" "$lost"
}

# settle: run `once` (waiting out the 1 s retry backoff) until a run
# carries nothing and exits 0, at most N times (default 10).
settle() {
	n=0
	while [ $n -lt "${1:-10}" ]; do
		ka once
		cat "$T/stdout" >>"$T/run.out"
		cat "$T/stderr" >>"$T/run.err"
		[ "$RC" = 0 ] && [ -z "$(sql "select id from files where state != 'done' limit 1")" ] && return 0
		n=$((n + 1))
		sleep 1.1
	done
	return 1
}

# exactly_once WHAT DEST_DIR ORIG_SUMS: DEST_DIR holds exactly the original
# files with their sha256, no temporary file, and the manifest agrees.
exactly_once() {
	sums "$2" >"$T/got.sums"
	if cmp -s "$3" "$T/got.sums"; then ok "$1: every file arrived with its sha256"
	else fail "$1: destination differs"; diff "$3" "$T/got.sums" | head -5; fi
	assert_eq "$1: nothing else at the destination (no temporary, no NAME-2)" \
		"$(wc -l <"$3" | tr -d ' ')" "$(ls -A "$2" | wc -l | tr -d ' ')"
}

# manifest_exactly_once FILES: FILES files, all done, one delivered delivery
# and one delivered event each, nothing left in spool/tmp, verify clean.
manifest_exactly_once() {
	assert_eq "manifest: every file done" "$1" "$(sql "select count(*) from files where state = 'done'")"
	assert_eq "manifest: no file staged twice" 0 \
		"$(sql "select count(*) from (select 1 from files group by route, name having count(*) > 1)")"
	assert_eq "manifest: one delivered delivery per file" "$1" \
		"$(sql "select count(*) from deliveries where state = 'delivered'")"
	assert_eq "manifest: one delivered event per file" "$1" \
		"$(sql "select count(*) from events where event = 'delivered'")"
	assert_eq "spool: no temporary left" 0 "$(find "$T/spool/tmp" -type f | wc -l | tr -d ' ')"
	ka verify
	assert_eq "verify: manifest and spool agree" 0 "$RC"
}
