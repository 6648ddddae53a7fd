#!/bin/sh
# read_only_dirs_say_ReadWritePaths: a route directory on a read-only file
# system (what the systemd unit's ProtectSystem=strict makes of every
# directory it does not list) fails with an error that says what to add:
# "Read-only file system; ... ReadWritePaths=DIR ... systemctl edit
# kargo-agent". Checked for a destination (once exits 69, nothing lost),
# a quarantine and the manifest's directory (the lock file), each a
# read-only tmpfs; an archive directory on another mount says that a rename
# cannot cross mounts (each ReadWritePaths= entry is one).
# Needs root to mount tmpfs; skipped (77) otherwise.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
trap 'unmount_all; cleanup' EXIT

# ro_fs DIR: an empty read-only tmpfs at DIR, or skip the test.
ro_fs() { mount_tmpfs "$1" "ro,size=1m,mode=0755"; }

# route SECTION: a fresh manifest, spool and source ($T/in), and a config
# with the [agent] section and SECTION (stdin) only.
route() {
	rm -rf "$T/manifest.db"* "$T/spool" "$T/in"
	mkdir -p "$T/in"
	write_config
}

hint() { printf 'Read-only file system; under systemd \\(ProtectSystem=strict\\) add ReadWritePaths=%s to a drop-in \\(systemctl edit kargo-agent\\)' "$1"; }

ro_fs "$T/ro-out"
ro_fs "$T/ro-quarantine"
ro_fs "$T/ro-archive"
ro_fs "$T/ro-state"

# --- a read-only destination ----------------------------------------------------
route <<EOF2
[route r]
source = $T/in
dest = $T/ro-out
format = text
after = delete
EOF2
echo "payload" >"$T/in/a.csv"
ka once
assert_eq "read-only destination: once exits 69" 69 "$RC"
assert_match "the log names the destination and ReadWritePaths" \
	"event=(dead|retry) file=1 route=r .*$T/ro-out/\\.a\\.csv\\.part: $(hint "$T/ro-out")" "$T/stderr"
assert_eq "the source is kept" "payload" "$(cat "$T/in/a.csv" 2>/dev/null)"

# --- a read-only quarantine -----------------------------------------------------
route <<EOF2
[route q]
source = $T/in
dest = $T/out
format = expected-shipment
quarantine = $T/ro-quarantine
EOF2
printf 'shipment_id,order_number\n' >"$T/in/bad.csv"
ka once
assert_match "read-only quarantine: ReadWritePaths for the quarantine" \
	"event=(dead|retry) file=1 route=q .*$T/ro-quarantine.*: $(hint "$T/ro-quarantine")" "$T/stderr"

# --- a read-only archive --------------------------------------------------------
route <<EOF2
[route a]
source = $T/in
dest = $T/out-a
format = text
after = archive:$T/ro-archive
EOF2
echo "to archive" >"$T/in/b.csv"
ka once
assert_eq "read-only archive: the file is delivered" "to archive" "$(cat "$T/out-a/b.csv" 2>/dev/null)"
# A rename into another mount fails with EXDEV before the kernel looks at
# read-only: under systemd each ReadWritePaths= entry is such a mount.
assert_match "archive on another mount: the rename names the cause and ReadWritePaths" \
	"event=retry file=1 route=a .*$T/ro-archive/b\.csv: Invalid cross-device link; a rename cannot cross file systems or mount points \(under systemd each ReadWritePaths= entry is a mount of its own" "$T/stderr"
assert_eq "read-only archive: the source stays" "to archive" "$(cat "$T/in/b.csv" 2>/dev/null)"

# --- the manifest's directory ---------------------------------------------------
printf '[agent]\nspool_dir = %s/spool\nmanifest = %s/ro-state/manifest.db\n' "$T" "$T" >"$T/agent.ini"
ka once
assert_eq "read-only manifest directory: once exits 74" 74 "$RC"
assert_match "read-only manifest directory: ReadWritePaths for it" \
	"cannot open $T/ro-state/manifest\\.db\\.lock: $(hint "$T/ro-state")" "$T/stderr"
finish
