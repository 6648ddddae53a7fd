#!/bin/sh
# SFTP throughput of kargo-agent's transport against OpenSSH sftp and curl,
# measured in the same run against the same private sshd on 127.0.0.1.
#   bench/sftp.sh            (from the source tree; builds an optimised copy)
# Environment: SIZE_MIB (1024), SMALL_FILES (2000), SMALL_KIB (4), RUNS (2,
# best run kept), JOBS (4: sessions for the parallel small-file figure),
# BENCH_DIR (/dev/shm when it exists: the figures are transport, not disk).
# Until the CLI drives routes, kargo-agent's side is tests/sftp/sftp-tool,
# which calls the transport exactly as the pipeline does (put/get/list).
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MIB=${SIZE_MIB:-1024}
SMALL_FILES=${SMALL_FILES:-2000}
SMALL_KIB=${SMALL_KIB:-4}
RUNS=${RUNS:-2}
JOBS=${JOBS:-4}
base=${BENCH_DIR:-$([ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")}

# An optimised build without sanitizers, next to the source tree.
B="$SRC/build-bench"
if [ ! -x "$B/tests/sftp/sftp-tool" ] || [ ! -x "$B/kargo-agent" ] || [ -n "$(find "$SRC/src" "$SRC/tests/sftp" -newer "$B/tests/sftp/sftp-tool" -name '*.[ch]' | head -1)" ]; then
	[ -x "$SRC/configure" ] || (cd "$SRC" && autoreconf -fi >/dev/null 2>&1)
	mkdir -p "$B"
	[ -f "$B/Makefile" ] || (cd "$B" && "$SRC/configure" CFLAGS="-O2 -g" >/dev/null)
	make -C "$B" -j"$(nproc)" kargo-agent tests/sftp/sftp-tool >/dev/null
fi
TOOL="$B/tests/sftp/sftp-tool"
command -v curl >/dev/null || { echo "bench: curl missing (apt-get install curl)" >&2; exit 1; }

W=$(mktemp -d "$base/ka-bench.XXXXXX")
trap '"$SRC/tests/servers/sshd-stop" "$W/sshd" KILL; rm -rf "$W"' EXIT INT TERM
"$SRC/tests/servers/sshd-start" "$W/sshd" >/dev/null
. "$W/sshd/env"
export SSHD_PORT SSHD_USER SSHD_KEY SSHD_KNOWN_HOSTS
D=$SSHD_DATA
L=$W/local
mkdir -p "$L/small" "$L/small-back"

SFTP="sftp -q -i $SSHD_KEY -o UserKnownHostsFile=$SSHD_KNOWN_HOSTS -o StrictHostKeyChecking=yes -o BatchMode=yes -P $SSHD_PORT"
CURL="curl -s -S -k --key $SSHD_KEY --pubkey $SSHD_KEY.pub -u $SSHD_USER:"
URL="sftp://127.0.0.1:$SSHD_PORT"

now() { date +%s%N; }
mbs() { echo "$1 $2" | awk '{ printf "%.0f", $1 * 1048576 / 1e6 / ($2 / 1000) }'; }
fps() { echo "$1 $2" | awk '{ printf "%.0f", $1 / ($2 / 1000) }'; }
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }

echo "generating ${SIZE_MIB} MiB and ${SMALL_FILES} x ${SMALL_KIB} KiB files in $W"
head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$L/big"
i=0
while [ $i -lt "$SMALL_FILES" ]; do
	head -c $((SMALL_KIB * 1024)) /dev/urandom > "$L/small/f$i.csv"
	i=$((i + 1))
done
mkdir -p "$L/big-dir" && ln "$L/big" "$L/big-dir/big"
mkdir -p "$D/big-dir" && cp "$L/big" "$D/big-dir/big"
check_big() { [ "$(sha256sum < "$1")" = "$(sha256sum < "$L/big")" ] || { echo "bench: $1 differs" >&2; exit 1; }; }

# --- the whole agent (kargo-agent once: spool, sha256, manifest, temp
# name, upload, size check, rename), local -> SFTP or SFTP -> local ---
agent_once() {  # agent_once SOURCE DEST (endpoints: a local dir or bench:DIR)
	rm -rf "$W/agent" && mkdir -p "$W/agent"
	cat > "$W/agent/a.ini" <<INI
[agent]
spool_dir = $W/agent/spool
manifest = $W/agent/manifest.db
stable_seconds = 0
log_level = warn

[remote bench]
type = sftp
host = 127.0.0.1
port = $SSHD_PORT
user = $SSHD_USER
key = $SSHD_KEY
known_hosts = $SSHD_KNOWN_HOSTS

[route bench]
source = $1
dest = $2
format = text
after = keep
INI
	"$B/kargo-agent" -c "$W/agent/a.ini" once
}
# timed PREP CMD...: run PREP (shell text), then time CMD; prints ms.
timed() {
	eval "$1"
	shift
	t0=$(now)
	"$@" >/dev/null 2>"$W/stderr" || { cat "$W/stderr" >&2; exit 1; }
	echo $(( ($(now) - t0) / 1000000 ))
}
# keep_min VAR MS: keep the best run.
keep_min() {
	eval "cur=\${$1:-}"
	if [ -z "$cur" ] || [ "$2" -lt "$cur" ]; then eval "$1=$2"; fi
}
printf 'put %s %s\n' "$L/big" "$D/big" > "$W/put.batch"
printf 'get %s %s\n' "$D/big" "$L/big.back" > "$W/get.batch"
printf 'put %s/* %s/\n' "$L/small" "$D/small" > "$W/sput.batch"
printf 'get %s/* %s/\n' "$D/small" "$L/small-back" > "$W/sget.batch"
mkdir -p "$D/small"
rmb="rm -f '$D/big'"
rmbb="rm -f '$L/big.back'"
rms="rm -f '$D'/small/*"
rmsb="rm -f '$L'/small-back/*"
rma="rm -rf '$D/agent-big' '$D/agent-small'"

# Rounds interleave the tools, so a busy moment on the machine hits each
# of them alike; the best of RUNS rounds is kept for each.
r=0
while [ $r -lt "$RUNS" ]; do
	keep_min k_up "$(timed "$rmb" "$TOOL" put "$L/big" "$D/big")"; check_big "$D/big"
	keep_min k2_up "$(timed "$rmb" "$TOOL" -o upload_streams=2 put "$L/big" "$D/big")"; check_big "$D/big"
	keep_min s_up "$(timed "$rmb" $SFTP -b "$W/put.batch" "$SSHD_USER@127.0.0.1")"; check_big "$D/big"
	keep_min c_up "$(timed "$rmb" $CURL -T "$L/big" "$URL$D/big")"; check_big "$D/big"
	keep_min a_up "$(timed "$rma" agent_once "$L/big-dir" "bench:$D/agent-big")"; check_big "$D/agent-big/big"
	keep_min k_dn "$(timed "$rmbb" "$TOOL" get "$D/big" "$L/big.back")"; check_big "$L/big.back"
	keep_min s_dn "$(timed "$rmbb" $SFTP -b "$W/get.batch" "$SSHD_USER@127.0.0.1")"; check_big "$L/big.back"
	keep_min c_dn "$(timed "$rmbb" $CURL -o "$L/big.back" "$URL$D/big")"; check_big "$L/big.back"
	keep_min k1_dn "$(timed "$rmbb" "$TOOL" -o download_streams=1 get "$D/big" "$L/big.back")"; check_big "$L/big.back"
	keep_min a_dn "$(timed "rm -rf '$L/agent-back'" agent_once "bench:$D/big-dir" "$L/agent-back")"; check_big "$L/agent-back/big"

	keep_min k1_sup "$(timed "$rms" "$TOOL" -j 1 putdir "$L/small" "$D/small")"
	keep_min kj_sup "$(timed "$rms" "$TOOL" -j "$JOBS" putdir "$L/small" "$D/small")"
	keep_min s_sup "$(timed "$rms" $SFTP -b "$W/sput.batch" "$SSHD_USER@127.0.0.1")"
	[ "$(ls "$D/small" | wc -l)" = "$SMALL_FILES" ] || { echo "bench: small upload incomplete" >&2; exit 1; }
	keep_min a_sup "$(timed "$rma" agent_once "$L/small" "bench:$D/agent-small")"
	[ "$(ls "$D/agent-small" | wc -l)" = "$SMALL_FILES" ] || { echo "bench: agent small upload incomplete" >&2; exit 1; }
	keep_min k1_sdn "$(timed "$rmsb" "$TOOL" -j 1 getdir "$D/small" "$L/small-back")"
	keep_min kj_sdn "$(timed "$rmsb" "$TOOL" -j "$JOBS" getdir "$D/small" "$L/small-back")"
	keep_min s_sdn "$(timed "$rmsb" $SFTP -b "$W/sget.batch" "$SSHD_USER@127.0.0.1")"
	[ "$(ls "$L/small-back" | wc -l)" = "$SMALL_FILES" ] || { echo "bench: small download incomplete" >&2; exit 1; }
	r=$((r + 1))
done

echo
echo "sshd: OpenSSH $(ssh -V 2>&1 | cut -d, -f1); $(nproc) cores; best of $RUNS; data in $base"
printf '%-34s %10s %10s %10s %12s %12s\n' "${SIZE_MIB} MiB file (MB/s)" kargo sftp curl kargo/sftp kargo/curl
printf '%-34s %10s %10s %10s %12s %12s\n' upload "$(mbs "$SIZE_MIB" "$k_up")" "$(mbs "$SIZE_MIB" "$s_up")" \
	"$(mbs "$SIZE_MIB" "$c_up")" "$(ratio "$s_up" "$k_up")" "$(ratio "$c_up" "$k_up")"
printf '%-34s %10s %10s %10s %12s %12s\n' "upload, upload_streams = 2" "$(mbs "$SIZE_MIB" "$k2_up")" "$(mbs "$SIZE_MIB" "$s_up")" \
	"$(mbs "$SIZE_MIB" "$c_up")" "$(ratio "$s_up" "$k2_up")" "$(ratio "$c_up" "$k2_up")"
printf '%-34s %10s %10s %10s %12s %12s\n' download "$(mbs "$SIZE_MIB" "$k_dn")" "$(mbs "$SIZE_MIB" "$s_dn")" \
	"$(mbs "$SIZE_MIB" "$c_dn")" "$(ratio "$s_dn" "$k_dn")" "$(ratio "$c_dn" "$k_dn")"
printf '%-34s %10s %10s %10s %12s %12s\n' "download, download_streams = 1" "$(mbs "$SIZE_MIB" "$k1_dn")" "$(mbs "$SIZE_MIB" "$s_dn")" \
	"$(mbs "$SIZE_MIB" "$c_dn")" "$(ratio "$s_dn" "$k1_dn")" "$(ratio "$c_dn" "$k1_dn")"
echo
printf '%-34s %10s %10s %10s %12s %12s\n' "${SMALL_FILES} x ${SMALL_KIB} KiB (files/s)" "kargo j1" "kargo j$JOBS" "sftp -b" "j1/sftp" "j$JOBS/sftp"
printf '%-34s %10s %10s %10s %12s %12s\n' upload "$(fps "$SMALL_FILES" "$k1_sup")" "$(fps "$SMALL_FILES" "$kj_sup")" \
	"$(fps "$SMALL_FILES" "$s_sup")" "$(ratio "$s_sup" "$k1_sup")" "$(ratio "$s_sup" "$kj_sup")"
printf '%-34s %10s %10s %10s %12s %12s\n' download "$(fps "$SMALL_FILES" "$k1_sdn")" "$(fps "$SMALL_FILES" "$kj_sdn")" \
	"$(fps "$SMALL_FILES" "$s_sdn")" "$(ratio "$s_sdn" "$k1_sdn")" "$(ratio "$s_sdn" "$kj_sdn")"
echo
printf '%-34s %10s %12s\n' "kargo-agent once" agent agent/sftp
printf '%-34s %10s %12s\n' "${SIZE_MIB} MiB local -> SFTP (MB/s)" "$(mbs "$SIZE_MIB" "$a_up")" "$(ratio "$s_up" "$a_up")"
printf '%-34s %10s %12s\n' "${SIZE_MIB} MiB SFTP -> local (MB/s)" "$(mbs "$SIZE_MIB" "$a_dn")" "$(ratio "$s_dn" "$a_dn")"
printf '%-34s %10s %12s\n' "${SMALL_FILES} x ${SMALL_KIB} KiB local -> SFTP (files/s)" "$(fps "$SMALL_FILES" "$a_sup")" "$(ratio "$s_sup" "$a_sup")"
echo
echo "kargo = the SFTP transport (libssh2 1.10, aes128-ctr, 1 MiB requests, a download of"
echo "64 MiB or more in 2 parts over 2 sessions (download_streams; upload_streams is 1 by"
echo "default, 2 in the line that says so), fsync@openssh.com"
echo "after each upload, getdir includes the listing); sftp = OpenSSH sftp -b (its default"
echo "cipher); curl = curl sftp:// (libssh2); agent = the whole kargo-agent once (staging into"
echo "the spool with sha256 and fsync, manifest, upload, size check, rename; 4 sessions)."
echo "Ratios above 1 mean kargo is faster."
