#!/bin/sh
# A year of history in a manifest, for the figures at scale (bench/history.sh
# and any other script that needs a big manifest).
# Usage: bench/history-fill.sh KARGO_AGENT MANIFEST N [DAYS]
#   The agent creates MANIFEST (its own schema, at its own version), then
#   sqlite3 adds N files, all `done`, in routes r1..r4 (file i in route
#   r(i%4+1), source /x/in/fI.csv, 4096 bytes, content sha256 = I in hex),
#   created evenly over the DAYS days before now (default 365), each with two
#   shipment ids (S<i/6>, shared by 6 files, and T<i/3>, by 3), one delivery
#   to bench:/out and one `delivered` event. The spool paths name no real
#   object. Takes about 30 s for N = 1,000,000.
set -eu
ka=${1:?usage: bench/history-fill.sh KARGO_AGENT MANIFEST N [DAYS]}
db=${2:?usage: bench/history-fill.sh KARGO_AGENT MANIFEST N [DAYS]}
n=${3:?usage: bench/history-fill.sh KARGO_AGENT MANIFEST N [DAYS]}
days=${4:-365}
case $db in /*) ;; *) db=$(pwd)/$db ;; esac
t=$(mktemp -d "${TMPDIR:-/tmp}/kargo-fill.XXXXXX")
trap 'rm -rf "$t"' EXIT
cat >"$t/fill.ini" <<EOF
[agent]
spool_dir = $t/spool
manifest = $db
log_level = warn
EOF
"$ka" -c "$t/fill.ini" once >/dev/null
now=$(date +%s)
sqlite3 "$db" <<EOF
PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $n)
INSERT INTO files(id, route, source_uri, name, size, mtime, sha256, format, state, attempts,
  next_attempt, spool_path, summary, source_done, created, updated)
SELECT i, 'r'||(i%4+1), '/x/in/f'||i||'.csv', 'f'||i||'.csv', 4096,
  $now - $days*86400 + i*$days*86400/$n, printf('%064x', i), 'text', 'done', 1, 0,
  '/x/spool/objects/'||printf('%064x', i), '{"format":"text","valid":true}', 1,
  $now - $days*86400 + i*$days*86400/$n, $now - $days*86400 + i*$days*86400/$n FROM n;
INSERT INTO shipments(shipment_id, file_id) SELECT 'S'||(id/6), id FROM files;
INSERT INTO shipments(shipment_id, file_id) SELECT 'T'||(id/3), id FROM files;
INSERT INTO deliveries(file_id, dest, final_path, state, resend, updated)
  SELECT id, 'bench:/out', '/x/out/'||name, 'delivered', 0, updated FROM files;
INSERT INTO events(file_id, ts, event, detail)
  SELECT id, updated*1000, 'delivered', 'dest=bench:/out path=/x/out/'||name FROM files;
COMMIT;
EOF
# sqlite3 removed the -wal and -shm files when it closed; the agent makes
# them again (a read-only `status` needs them).
"$ka" -c "$t/fill.ini" once >/dev/null
