# Shared helpers for the SFTP tests: a private sshd per test run, a temp dir,
# and small assertions. Source it; needs KA_BUILDDIR and KA_SRCDIR (set by
# make check) or runs from the build directory.
set -u
: "${KA_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KA_BUILDDIR:=$(pwd)}"
TOOL="$KA_BUILDDIR/tests/sftp/sftp-tool"
SERVERS="$KA_SRCDIR/tests/servers"

if ! [ -x /usr/sbin/sshd ] && [ -z "${SSHD:-}" ]; then
	echo "SKIP: no sshd (apt-get install openssh-server)"
	exit 77
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ka-sftp.XXXXXX")
SRV="$WORK/sshd"
cleanup() {
	"$SERVERS/sshd-stop" "$SRV" KILL
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

sshd_up() {
	"$SERVERS/sshd-start" "$SRV" >/dev/null || { echo "FAIL: sshd-start"; exit 1; }
	. "$SRV/env"
	export SSHD_PORT SSHD_USER SSHD_KEY SSHD_KNOWN_HOSTS
}

FAILS=0
ok() { echo "ok - $1"; }
fail() { echo "FAIL - $1"; FAILS=$((FAILS + 1)); }
# check NAME COMMAND...: the command must succeed.
check() { name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

# expect_err NAME STATUS PATTERN...: run the tool with the rest of the
# arguments after "--"; its exit status must be STATUS and stderr must
# contain every PATTERN (fixed strings).
expect_err() {
	name=$1 want=$2
	shift 2
	pats=""
	while [ "$1" != "--" ]; do pats="$pats
$1"; shift; done
	shift
	"$TOOL" "$@" 2>"$WORK/stderr" >/dev/null
	got=$?
	if [ "$got" != "$want" ]; then
		fail "$name (exit $got, wanted $want: $(cat "$WORK/stderr"))"
		return
	fi
	echo "$pats" | while IFS= read -r p; do
		[ -z "$p" ] && continue
		grep -qF -- "$p" "$WORK/stderr" || { echo "  missing '$p' in: $(cat "$WORK/stderr")"; echo x >> "$WORK/missing"; }
	done
	if [ -f "$WORK/missing" ]; then rm -f "$WORK/missing"; fail "$name"; else ok "$name"; fi
}

same_file() { [ "$(sha256sum < "$1")" = "$(sha256sum < "$2")" ]; }
