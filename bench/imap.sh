#!/bin/sh
# bench/imap.sh [BUILD_DIR]: IMAP attachment intake throughput.
#
# A private Dovecot (tests/servers/dovecot-start) gets N messages (default
# 500) with one 20 KiB CSV attachment each, straight into its Maildir. Then,
# in the same run:
#   ours:  bench/imap_bench (UID SEARCH + per message UID FETCH BODY.PEEK[],
#          GMime extraction, one file per payload), then a second cycle;
#   peer:  one `curl imaps://.../INBOX;UID=[1-N]` call (one connection, one
#          FETCH per message) + a python3 email-module extraction.
# Prints messages/s of each, the ratio, and IMAP commands per message.
# BUILD_DIR defaults to build-bench/, configured without sanitizers.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
n=${N:-500}
build=${1:-$src/build-bench}
if [ ! -f "$build/libkargo.a" ]; then
	mkdir -p "$build"
	(cd "$build" && "$src/configure" CFLAGS=-O2 >/dev/null && make -j2 libkargo.a >/dev/null)
fi
# The driver links the library the way kargo-agent does.
flags=$(grep '^SAN_CFLAGS = ' "$build/Makefile" | sed 's/^SAN_CFLAGS = //')
cc -std=c11 -O2 -D_GNU_SOURCE $flags -I"$src/src" -I"$build" $(pkg-config --cflags gmime-3.0 libcurl) \
	-o "$build/imap_bench" "$src/bench/imap_bench.c" "$build/libkargo.a" \
	$(pkg-config --libs libcurl gmime-3.0 libcrypto libssh2 sqlite3) -liniparser -lcsv

dir=$(mktemp -d "${TMPDIR:-/tmp}/ka-bench-imap-XXXXXX")
trap '"$src/tests/servers/dovecot-stop" "$dir"; rm -rf "$dir"' EXIT INT TERM
"$src/tests/servers/dovecot-start" "$dir"
. "$dir/dovecot.env"
/usr/bin/python3 - "$MAILDIR" "$n" <<'PY'
import base64, os, sys
maildir, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    rows = ["shipment_id,sscc,sku,quantity,scanned_at"]
    while sum(len(r) + 2 for r in rows) < 20 * 1024:
        k = len(rows)
        rows.append("S-%05d,%018d,SKU-%04d,%d,2026-11-23T10:%02d:00Z" % (i, i * 1000 + k, k, k, k % 60))
    data = ("\r\n".join(rows) + "\r\n").encode()[: 20 * 1024]
    b64 = base64.encodebytes(data).decode().replace("\n", "\r\n")
    msg = ("From: wms@example.com\r\nTo: intake@example.com\r\nSubject: eos %d\r\n"
           "Message-ID: <bench-%d@example.com>\r\nMIME-Version: 1.0\r\n"
           'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
           "Content-Type: text/plain\r\n\r\nExport attached.\r\n--b\r\n"
           'Content-Type: text/csv; name="eos-%d.csv"\r\n'
           'Content-Disposition: attachment; filename="eos-%d.csv"\r\n'
           "Content-Transfer-Encoding: base64\r\n\r\n%s--b--\r\n") % (i, i, i, i, b64)
    with open(os.path.join(maildir, "new", "%d.bench" % i), "w") as f:
        f.write(msg)
PY
[ "$(id -u)" = 0 ] && chown -R "$MAIL_UID:$MAIL_GID" "$MAILDIR"
mkdir -p "$dir/ours" "$dir/curl-eml" "$dir/curl-out"

ours=$("$build/imap_bench" "imaps://127.0.0.1:$IMAPS_PORT" "$IMAP_USER" "$IMAP_PASSWORD_FILE" \
	"$CA_FILE" "$dir/ours")
echo "ours: $ours"

t0=$(date +%s.%N)
curl -s --cacert "$CA_FILE" -u "$IMAP_USER:$(cat "$IMAP_PASSWORD_FILE")" \
	"imaps://127.0.0.1:$IMAPS_PORT/INBOX;UID=[1-$n]" -o "$dir/curl-eml/#1.eml"
peer_payloads=$(/usr/bin/python3 "$src/bench/imap_extract.py" "$dir/curl-eml" "$dir/curl-out")
t1=$(date +%s.%N)

ours_s=$(echo "$ours" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
ours_rate=$(echo "$ours" | sed 's/.*msgs_per_s=\([0-9.]*\).*/\1/')
ours_cpm=$(echo "$ours" | sed 's/.*commands_per_msg=\([0-9.]*\).*/\1/')
awk -v n="$n" -v t0="$t0" -v t1="$t1" -v os="$ours_s" -v orate="$ours_rate" -v cpm="$ours_cpm" \
    -v pp="$peer_payloads" 'BEGIN {
	peer = n / (t1 - t0)
	printf "peer: curl UID=[1-%d] + python3 email: messages=%d payloads=%d seconds=%.3f msgs_per_s=%.1f\n", n, n, pp, t1 - t0, peer
	printf "result: ours %.1f msgs/s, peer %.1f msgs/s, ratio ours/peer = %.2f, IMAP commands per message = %s\n", orate, peer, orate / peer, cpm
}'
# The whole agent: `kargo-agent once` with a mailbox route (staging into the
# spool with sha256, manifest, delivery to a local directory), then a second
# `once` that must fetch nothing again.
cat > "$dir/agent.ini" <<INI
[agent]
spool_dir = $dir/agent/spool
manifest = $dir/agent/manifest.db
stable_seconds = 0
log_level = debug
[remote mailbox]
type = imap
url = imaps://127.0.0.1:$IMAPS_PORT
user = $IMAP_USER
password_file = $IMAP_PASSWORD_FILE
ca_file = $CA_FILE
[route intake]
source = mailbox:INBOX
pattern = *.csv
dest = $dir/agent-out
format = text
after = keep
INI
[ -x "$build/kargo-agent" ] || make -C "$build" -j2 kargo-agent >/dev/null
t0=$(date +%s.%N)
"$build/kargo-agent" -c "$dir/agent.ini" once >/dev/null 2>"$dir/agent1.log"
t1=$(date +%s.%N)
"$build/kargo-agent" -c "$dir/agent.ini" once >/dev/null 2>"$dir/agent2.log"
got=$(ls "$dir/agent-out" | wc -l)
c1=$(sed -n 's/.*event=imap_closed .*commands=\([0-9]*\).*/\1/p' "$dir/agent1.log" | head -1)
c2=$(sed -n 's/.*event=imap_closed .*commands=\([0-9]*\).*/\1/p' "$dir/agent2.log" | head -1)
f2=$(grep -c 'event=staged' "$dir/agent2.log" || true)
awk -v n="$n" -v got="$got" -v t0="$t0" -v t1="$t1" -v c1="$c1" -v c2="$c2" -v f2="$f2" 'BEGIN {
	printf "agent: kargo-agent once: messages=%d files=%d seconds=%.3f msgs_per_s=%.1f IMAP commands=%d (%.2f per message); next once: %d commands (no FETCH), %d files staged again\n", n, got, t1 - t0, n / (t1 - t0), c1, c1 / n, c2, f2
}'
# Same bytes out of both pipelines.
a=$(cat "$dir"/ours/* | sha256sum | cut -c1-16)
b=$(cat "$dir"/curl-out/* | sha256sum | cut -c1-16)
[ "$a" = "$b" ] && echo "check: payload bytes identical ($a)" || echo "check: payload bytes DIFFER ($a vs $b)"
