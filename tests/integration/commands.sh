#!/bin/sh
# The command table and its dispatcher (cli/commands.c, cli/dispatch.c):
# every command's own options are read before anything is opened (a usage
# error is 64 and --help is 0 whatever the configuration, and neither reads
# it); each command gets what its row asks for (the configuration for all
# but validate, which reads one only when named or present; a manifest
# that must exist for the read-only ones; the lock for run, once and
# retry), and check-config --offline connects to nothing.
. "$(dirname "$0")/lib.sh"

CMDS="run once status list show resend retry validate check-config verify manifest"
# --- options before anything is opened ---
for cmd in $CMDS; do
	"$KA_BIN" -c "$T/none.ini" "$cmd" --help >"$T/stdout" 2>"$T/stderr"
	assert_eq "$cmd --help exits 0 without a configuration" 0 "$?"
	assert_eq "$cmd --help prints its usage first" "usage: kargo-agent [-c FILE] $cmd" \
		"$(head -n 1 "$T/stdout" | cut -d' ' -f1-5)"
	assert_eq "$cmd --help prints nothing on stderr" 0 "$(wc -c <"$T/stderr" | tr -d ' ')"
	"$KA_BIN" -c "$T/none.ini" "$cmd" --frobnicate >"$T/stdout" 2>"$T/stderr"
	assert_eq "$cmd --frobnicate exits 64 before the configuration is read" 64 "$?"
	assert_match "$cmd: its usage on stderr" "^usage: kargo-agent \\[-c FILE\\] $cmd" "$T/stderr"
	assert_no_match "$cmd: no word of the configuration" "none.ini" "$T/stderr"
	assert_eq "$cmd: nothing on stdout" 0 "$(wc -c <"$T/stdout" | tr -d ' ')"
	"$KA_BIN" --help >"$T/stdout"
	assert_match "kargo-agent --help lists $cmd" "^  $cmd( |$)" "$T/stdout"
done

# --- the configuration: every command but validate needs it ---
for cmd in run once status list "show 1" "resend 1" "retry 1" check-config verify "manifest backup x"; do
	# shellcheck disable=SC2086
	"$KA_BIN" -c "$T/none.ini" $cmd >"$T/stdout" 2>"$T/stderr"
	assert_eq "$cmd without its configuration: exit 78" 78 "$?"
	assert_match "$cmd names it" "none.ini: cannot read the configuration" "$T/stderr"
done
printf 'a,b\n1,2\n' >"$T/file.csv"
KARGO_AGENT_CONFIG=$T/none.ini "$KA_BIN" validate --format text "$T/file.csv" >"$T/stdout" 2>"$T/stderr"
assert_eq "validate needs no configuration when none is named and the default is missing" 0 "$?"
assert_match "and validates" "valid" "$T/stdout"
"$KA_BIN" -c "$T/none.ini" validate "$T/file.csv" >"$T/stdout" 2>"$T/stderr"
assert_eq "validate with a named configuration that is missing: exit 78" 78 "$?"

# --- what each row opens ---
mkdir -p "$T/in"
write_config <<EOF2
[remote far]
type = sftp
host = 127.0.0.1
port = 9
user = nobody
password_file = $T/password
known_hosts = $T/known_hosts
connect_timeout = 2
[route r1]
source = $T/in
dest = $T/out, far:/drop
format = text
EOF2
: >"$T/known_hosts"
echo x >"$T/password"
chmod 600 "$T/password"
for cmd in status list "show 1" verify "resend 1"; do
	# shellcheck disable=SC2086
	ka $cmd
	assert_eq "$cmd before any cycle: exit 66" 66 "$RC"
	assert_match "$cmd: no manifest there" "no manifest there" "$T/stderr"
done
assert_eq "and none of them made the manifest" no "$([ -e "$T/manifest.db" ] && echo yes || echo no)"
ka check-config --offline
assert_eq "check-config --offline: exit 0 with a remote that is down" 0 "$RC"
assert_match "check-config --offline: the summary line" "^ok    $T/agent.ini: 1 remote, 1 route$" "$T/stdout"
assert_no_match "check-config --offline connects to nothing" "connect|route r1" "$T/stdout"
ka check-config
assert_eq "check-config: the remote that is down is 69" 69 "$RC"
assert_match "check-config: source line" "^ok    \\[route r1\\] source $T/in: readable, 0 entries$" "$T/stdout"
assert_match "check-config: local dest line" "^ok    \\[route r1\\] dest $T/out: writable$" "$T/stdout"
assert_match "check-config: remote dest line" "^FAIL  \\[route r1\\] dest far:/drop: " "$T/stdout"
exec 9>"$T/manifest.db.lock"
flock 9
for cmd in once "retry --state dead"; do
	# shellcheck disable=SC2086
	ka $cmd
	assert_eq "$cmd while another holds the lock: exit 75" 75 "$RC"
done
ka status
assert_eq "status is not held up by the lock" 66 "$RC"
exec 9>&-
finish
