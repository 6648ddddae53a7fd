#!/bin/sh
# Local → local figures for the spine (issue 2), measured in one run:
#   1. 10,000 files of 4 KiB through `once`: files/s, and the ratio to a plain
#      `cp` of the same files followed by `sync` (target: within 10x of cp).
#   2. a second `once` over 100,000 already-carried files (target: < 2 s).
#   3. peak RSS carrying one 2 GiB file (target: < 32 MiB).
# Usage: bench/local.sh [BUILD_DIR]   (default build/, built if missing)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
sh "$top/bench/build.sh" "$build"
ka="$build/kargo-agent"
w=$(mktemp -d "${TMPDIR:-/tmp}/kargo-bench.XXXXXX")
trap 'rm -rf "$w"' EXIT

now() { date +%s.%N; }
config() {  # config NAME SOURCE DEST
	cat >"$w/$1.ini" <<EOF
[agent]
spool_dir = $w/$1-spool
manifest = $w/$1.db
stable_seconds = 0
log_level = warn
[route bench]
source = $2
dest = $3
format = text
EOF
}
make_small() {  # make_small DIR N
	mkdir -p "$1"
	python3 - "$1" "$2" <<'EOF'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
block = os.urandom(8192)
for i in range(n):
    with open(os.path.join(d, "f%06d.csv" % i), "wb") as f:
        f.write(block[i % 4096:i % 4096 + 4096])
EOF
}

echo "== 1. 10,000 files of 4 KiB"
make_small "$w/small" 10000
sync
t0=$(now); cp -r "$w/small" "$w/cp-out"; sync; t1=$(now)
cp_s=$(echo "$t1 - $t0" | bc -l)
config small "$w/small" "$w/ka-out"
t0=$(now); "$ka" -c "$w/small.ini" once >/dev/null; t1=$(now)
ka_s=$(echo "$t1 - $t0" | bc -l)
n=$(find "$w/ka-out" -type f | wc -l)
printf 'cp+sync:     %.3f s  (%.0f files/s)\n' "$cp_s" "$(echo "10000 / $cp_s" | bc -l)"
printf 'kargo-agent: %.3f s  (%.0f files/s), %d files delivered\n' "$ka_s" "$(echo "10000 / $ka_s" | bc -l)" "$n"
printf 'ratio kargo-agent / cp: %.1fx (target <= 10x)\n' "$(echo "$ka_s / $cp_s" | bc -l)"

echo "== 2. second once over 100,000 already-carried files"
make_small "$w/many" 100000
config many "$w/many" "$w/many-out"
"$ka" -c "$w/many.ini" once >/dev/null
t0=$(now); "$ka" -c "$w/many.ini" once >/dev/null; t1=$(now)
printf 'second once: %.3f s (target < 2 s)\n' "$(echo "$t1 - $t0" | bc -l)"
rm -rf "$w/many" "$w/many-out" "$w/many-spool"

echo "== 3. peak RSS carrying a 2 GiB file"
mkdir -p "$w/big"
head -c 2147483648 /dev/zero >"$w/big/big.csv"
config big "$w/big" "$w/big-out"
/usr/bin/time -f '%M' -o "$w/rss" "$ka" -c "$w/big.ini" once >/dev/null
printf 'peak RSS: %.1f MiB (target < 32 MiB)\n' "$(echo "$(cat "$w/rss") / 1024" | bc -l)"
cmp -s "$w/big/big.csv" "$w/big-out/big.csv" && echo "2 GiB file delivered intact"
