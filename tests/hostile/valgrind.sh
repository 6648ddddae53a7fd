#!/bin/sh
# valgrind memcheck over a 1,000-file `once`, local -> local and local ->
# SFTP -> local (a private sshd): no definite or indirect leak, no memory
# error. Needs a build without sanitizers (valgrind and ASan do not mix):
# scripts/test builds one in build-valgrind/ and runs this with KA_BIN set;
# under make check with --enable-sanitizers it skips (77), as it does
# without valgrind.
. "$(dirname "$0")/../integration/lib.sh"
if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind is not installed (apt-get install valgrind)"; exit 77
fi
if nm -D "$KA_BIN" 2>/dev/null | grep -q __asan_init || ldd "$KA_BIN" 2>/dev/null | grep -q libasan; then
	echo "SKIP: $KA_BIN is built with AddressSanitizer; scripts/test runs this on build-valgrind/"
	exit 77
fi
SERVERS="$KA_SRCDIR/tests/servers"
SRV="$T/sshd"
trap '"$SERVERS/sshd-stop" "$SRV" KILL 2>/dev/null; cleanup' EXIT

# vg NAME ARGS...: the agent under memcheck; RC, and the report in $T/NAME.vg.
vg() {
	name=$1; shift
	valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		--log-file="$T/$name.vg" "$KA_BIN" -c "$T/agent.ini" "$@" >"$T/stdout" 2>"$T/stderr"
	RC=$?
}
clean_report() {
	assert_eq "$1: valgrind exit (99 on any error or leak)" 0 "$RC"
	assert_match "$1: no memory error" "ERROR SUMMARY: 0 errors from 0 contexts" "$T/$1.vg"
	assert_match "$1: nothing definitely lost" "definitely lost: 0 bytes in 0 blocks|All heap blocks were freed" "$T/$1.vg"
	grep -E "ERROR SUMMARY|definitely lost|indirectly lost|total heap usage" "$T/$1.vg" | sed 's/^==[0-9]*== */# /'
}

make_files "$T/in" 1000 300
sums "$T/in" >"$T/in.sums"
write_config <<EOF2
[route local]
source = $T/in
dest = $T/out
format = text
EOF2
vg local once
clean_report local
assert_match "local: 1,000 files delivered" "once: 1000 staged, 1000 delivered" "$T/stdout"
assert_eq "local: every byte arrived" "$(cat "$T/in.sums")" "$(sums "$T/out")"

if [ -x /usr/sbin/sshd ]; then
	"$SERVERS/sshd-start" "$SRV" >/dev/null || { fail "sshd-start"; finish; }
	. "$SRV/env"
	write_config <<EOF2
$(remote_section "$SSHD_PORT" "$SSHD_KNOWN_HOSTS")
[route up]
source = $T/in
dest = srv:$SSHD_DATA/up
format = text

[route down]
source = srv:$SSHD_DATA/up
dest = $T/down
format = text
EOF2
	vg sftp once
	clean_report sftp
	assert_match "sftp: 1,000 files up and 1,000 down" "once: 2000 staged, 2000 delivered" "$T/stdout"
	assert_eq "sftp: every byte came back" "$(cat "$T/in.sums")" "$(sums "$T/down")"
else
	echo "# no sshd: the SFTP round is left out"
fi
finish
