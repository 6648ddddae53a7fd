# Shared helpers for integration tests: each test sources this, gets its own
# scratch directory ($T), and drives the real binary ($KA_BIN).
set -u

KA_BIN=${KA_BIN:-$(pwd)/kargo-agent}
KA_SRCDIR=${KA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/kargo-test.XXXXXX")
FAILS=0
TEST_NAME=$(basename "$0" .sh)
BG_PIDS=""

cleanup() {
	for p in $BG_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	if [ "$FAILS" -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$T"; else echo "# kept $T"; fi
}
trap cleanup EXIT

fail() { echo "FAIL: $TEST_NAME: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

# assert_match WHAT REGEX FILE
assert_match() {
	if grep -Eq -- "$2" "$3"; then ok "$1"; else fail "$1: /$2/ not in $3:"; sed 's/^/    /' "$3" | head -20; fi
}

assert_no_match() {
	if grep -Eq -- "$2" "$3"; then fail "$1: /$2/ found in $3"; else ok "$1"; fi
}

# Run the agent with the test config; output in $T/stdout and $T/stderr; sets RC.
ka() {
	"$KA_BIN" -c "$T/agent.ini" "$@" >"$T/stdout" 2>"$T/stderr"
	RC=$?
}

# Write a config with the [agent] section pointing into $T (plus the lines in
# $AGENT_EXTRA), then the rest from stdin.
write_config() {
	{
		printf '[agent]\nspool_dir = %s/spool\nmanifest = %s/manifest.db\n' "$T" "$T"
		printf 'stable_seconds = 0\nlog_level = debug\nretry_base = 1\nretry_max = 1\n'
		[ -n "${AGENT_EXTRA:-}" ] && printf '%s\n' "$AGENT_EXTRA"
		cat
	} >"$T/agent.ini"
}

# A [remote srv] section for the test sshd (tests/servers/sshd-start, its env
# sourced) on PORT with KNOWN_HOSTS, plus EXTRA lines.
remote_section() {
	printf '[remote srv]\ntype = sftp\nhost = 127.0.0.1\nport = %s\nuser = %s\nkey = %s\n' \
		"$1" "$SSHD_USER" "$SSHD_KEY"
	printf 'known_hosts = %s\n%s\n\n' "$2" "${3:-}"
}

# Number of regular files (not dotfiles) in a directory.
count_files() { find "$1" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | wc -l | tr -d ' '; }

# Manifest query.
sql() { sqlite3 "$T/manifest.db" "$1"; }

# sha256 of every regular file in a directory, "sum name" sorted by name.
sums() { (cd "$1" && find . -maxdepth 1 -type f ! -name '.*' -print0 | sort -z | xargs -0r sha256sum); }

# make_files DIR N SIZE: N files of SIZE random bytes.
make_files() {
	mkdir -p "$1"
	i=1
	while [ "$i" -le "$2" ]; do
		head -c "$3" /dev/urandom >"$1/file-$i.csv"
		i=$((i + 1))
	done
}

finish() {
	if [ "$FAILS" -eq 0 ]; then echo "PASS: $TEST_NAME"; exit 0; fi
	echo "FAILED: $TEST_NAME ($FAILS)"; exit 1
}
