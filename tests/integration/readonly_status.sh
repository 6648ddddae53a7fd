#!/bin/sh
# status, list, show and verify only read the manifest: a wrong `manifest =`
# is exit 66 and creates nothing; a manifest older than the program is
# exit 75 and left as it is (only run/once migrate); and a user who may
# only read the files (a member of the service's group, as root here) can
# run them, with and without an agent holding the database open, because
# the agent keeps the -wal and -shm files after it closes.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
EOF2

# --- a typo in manifest = ---
sed "s|^manifest = .*|manifest = $T/typo/manifest.db|" "$T/agent.ini" >"$T/typo.ini"
for cmd in status list "show 1" verify; do
	# shellcheck disable=SC2086
	"$KA_BIN" -c "$T/typo.ini" $cmd >"$T/stdout" 2>"$T/stderr"
	assert_eq "$cmd with a missing manifest: exit 66" 66 "$?"
	assert_match "$cmd names the missing manifest" "typo/manifest.db: .*no manifest there" "$T/stderr"
done
assert_eq "the missing manifest's directory is not created" no "$([ -e "$T/typo" ] && echo yes || echo no)"

# --- the writer keeps -wal and -shm after it exits ---
echo one >"$T/in/a.csv"
ka once
assert_eq "once carried the file" 0 "$RC"
assert_eq "-wal kept after once exits" yes "$([ -e "$T/manifest.db-wal" ] && echo yes || echo no)"
assert_eq "-shm kept after once exits" yes "$([ -e "$T/manifest.db-shm" ] && echo yes || echo no)"

# --- an older schema: read-only commands say so and do not migrate it ---
v=$(sql "PRAGMA user_version")
sql "PRAGMA user_version = $((v - 1))" >/dev/null
ka status
assert_eq "older schema: status exits 75" 75 "$RC"
assert_match "older schema: the message says who upgrades it" "schema version $((v - 1)) is older .*once.* or .*run.* upgrades it" "$T/stderr"
assert_eq "older schema: not migrated by status" "$((v - 1))" "$(sql "PRAGMA user_version")"
sql "PRAGMA user_version = $v" >/dev/null

# --- a user who may only read (a member of the files' group) ---
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null || ! command -v runuser >/dev/null; then
	echo "# not root (or no useradd/runuser): the unprivileged reader is not tested"
	finish
fi
U="karo$$"
groupadd "$U" && useradd -M -N -g users -G "$U" -s /usr/sbin/nologin "$U" || { fail "useradd"; finish; }
trap 'userdel "$U" 2>/dev/null; groupdel "$U" 2>/dev/null; cleanup' EXIT
chgrp "$U" "$T" "$T"/manifest.db*
chmod 750 "$T"
chmod 640 "$T"/manifest.db*
chmod 644 "$T/agent.ini"
cp "$KA_BIN" "$T/kargo-agent"   # the build directory may be closed to others
if ! runuser -u "$U" -- test -x "$T/kargo-agent"; then
	echo "# $T cannot be reached by another user (a closed parent): the reader is not tested"
	finish
fi
as_user() { runuser -u "$U" -- "$T/kargo-agent" -c "$T/agent.ini" "$@" >"$T/stdout" 2>"$T/stderr"; RC=$?; }

echo two >"$T/in/b.csv"
ka once
as_user status
assert_eq "reader: status exit 0 with no agent running" 0 "$RC"
assert_match "reader: status sees both files" "done=2" "$T/stdout"
assert_no_match "reader: nothing about a read-only database" "readonly|read-only" "$T/stderr"
as_user list
assert_eq "reader: list exit 0" 0 "$RC"
assert_match "reader: list shows b.csv" "b.csv" "$T/stdout"
as_user show 2
assert_eq "reader: show exit 0" 0 "$RC"
as_user verify   # the spool is the service's alone: only the manifest part is asked
assert_match "reader: verify reads the manifest" "^verify: 2 files" "$T/stdout"

# with the daemon holding the database open and writing
"$KA_BIN" -c "$T/agent.ini" run 2>"$T/run.err" &
BG_PIDS=$!
sleep 1
echo three >"$T/in/c.csv"
sleep 1
as_user status
assert_eq "reader: status exit 0 while run holds the manifest" 0 "$RC"
assert_match "reader: status sees the daemon's file" "done=3" "$T/stdout"
finish
