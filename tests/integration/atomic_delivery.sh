#!/bin/sh
# A destination never shows a partial file under its final name: a watcher
# looks at the final name throughout a 64 MiB delivery, and a crash right
# after the upload leaves only the temporary name.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in" "$T/out"
head -c 67108864 /dev/urandom >"$T/in/big.csv"
size=$(stat -c %s "$T/in/big.csv")
write_config <<EOF2
[route big]
source = $T/in
dest = $T/out
format = text
EOF2

KARGO_AGENT_CRASH_AT=after_put "$KA_BIN" -c "$T/agent.ini" once >/dev/null 2>&1
assert_eq "crash after upload: nothing under the final name" "no" "$([ -e "$T/out/big.csv" ] && echo yes || echo no)"
assert_eq "crash after upload: the temporary name holds it" "$size" "$(stat -c %s "$T/out/.big.csv.part" 2>/dev/null)"

# Watch the final name while the delivery runs.
( while :; do
	if [ -e "$T/out/big.csv" ]; then stat -c %s "$T/out/big.csv" >>"$T/seen"; fi
  done ) &
BG_PIDS="$!"
ka once
sleep 0.2
kill "$BG_PIDS"; wait "$BG_PIDS" 2>/dev/null; BG_PIDS=""
assert_eq "delivery exits 0" 0 "$RC"
partial=$(grep -vc "^$size\$" "$T/seen" 2>/dev/null)
assert_eq "watcher never saw a partial size under the final name" 0 "${partial:-0}"
assert_eq "final file complete" "$(sha256sum <"$T/in/big.csv")" "$(sha256sum <"$T/out/big.csv")"
assert_eq "temporary name gone" "no" "$([ -e "$T/out/.big.csv.part" ] && echo yes || echo no)"
finish
