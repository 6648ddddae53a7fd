#!/bin/sh
# A year of history (issue 13): the per-file cost and the operator reads on
# a manifest of 1,000,000 done files (bench/history-fill.sh), measured in one
# run:
#   1. `once` carrying 50 new small files local -> local, on the big manifest
#      / on an empty one (target: <= 1.3x); `once` with nothing new.
#   2. `list --shipment X` (6 rows), `list --shipment X --json`, `show ID`,
#      `status`, each on the big manifest (target: <= 50 ms each).
# Each figure is the best of 3 runs (the machine may be shared). The route
# carrying the new files is r1, one of the four routes of the history, so its
# 250,000 done files are in the way of every per-route query.
# Usage: bench/history.sh [BUILD_DIR]   (default build/, built -O2 if missing)
#   ROWS=N bench/history.sh  for another size of history.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
rows=${ROWS:-1000000}
if [ ! -x "$build/kargo-agent" ]; then
	(cd "$top" && { [ -x configure ] || autoreconf -fi; })
	mkdir -p "$build" && (cd "$build" && "$top/configure" -q CFLAGS="-O2" && make -s -j"$(nproc)")
fi
ka="$build/kargo-agent"
w=$(mktemp -d "${TMPDIR:-/tmp}/kargo-history.XXXXXX")
trap 'rm -rf "$w"' EXIT

ms() { echo $(($(date +%s%N) / 1000000)); }
config() {  # config NAME: route r1 from $w/NAME-in to $w/NAME-out, manifest $w/NAME.db
	mkdir -p "$w/$1-in"
	cat >"$w/$1.ini" <<EOF
[agent]
spool_dir = $w/$1-spool
manifest = $w/$1.db
stable_seconds = 0
log_level = warn
[route r1]
source = $w/$1-in
dest = $w/$1-out
format = text
EOF
}
new_files() {  # new_files NAME ROUND: 50 small files in NAME's source
	i=0
	while [ $i -lt 50 ]; do
		printf 'round %s file %s\n' "$2" "$i" >"$w/$1-in/n$2-$i.csv"
		i=$((i + 1))
	done
}
best=0
best_of_3() {  # best_of_3 CMD...: the fastest of 3 runs, in ms, in $best
	best=
	for _ in 1 2 3; do
		t0=$(ms); "$@" >/dev/null; t1=$(ms)
		if [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
	done
}
once50() {  # once50 NAME: best of 3 onces, each carrying 50 new files, in $best
	best=
	for round in 1 2 3; do
		new_files "$1" "$round"
		t0=$(ms); "$ka" -c "$w/$1.ini" once >/dev/null; t1=$(ms)
		if [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
	done
}
verdict() {  # verdict FIGURE TARGET: PASS when FIGURE <= TARGET (numbers, bc)
	if [ "$(echo "$1 <= $2" | bc -l)" = 1 ]; then echo PASS; else echo MISS; fi
}

printf '== filling a manifest with %s done files\n' "$rows"
t0=$(ms)
config big
sh "$top/bench/history-fill.sh" "$ka" "$w/big.db" "$rows"
t1=$(ms)
printf 'filled in %.1f s, %s MiB\n' "$(echo "($t1 - $t0) / 1000" | bc -l)" \
	"$(($(stat -c %s "$w/big.db") / 1048576))"
config empty
"$ka" -c "$w/empty.ini" once >/dev/null

echo "== 1. once with 50 new files, local -> local"
once50 empty
empty_ms=$best
once50 big
big_ms=$best
ratio=$(echo "$big_ms / $empty_ms" | bc -l)
carried=$(find "$w/big-out" -type f | wc -l)
printf 'empty manifest: %d ms; %s-row manifest: %d ms (%d files carried)\n' "$empty_ms" \
	"$rows" "$big_ms" "$carried"
printf 'ratio: %.2fx (target <= 1.3x) %s\n' "$ratio" "$(verdict "$ratio" 1.3)"
best_of_3 "$ka" -c "$w/big.ini" once
printf 'once with nothing new: %d ms\n' "$best"

echo "== 2. operator reads on the $rows-row manifest (target <= 50 ms each)"
ship=S$((rows / 12))
id=$((rows / 2))
for what in "list --shipment $ship" "list --shipment $ship --json" "show $id" "status"; do
	# shellcheck disable=SC2086  # the words of the command
	best_of_3 "$ka" -c "$w/big.ini" $what
	printf '%-32s %5d ms %s\n' "$what" "$best" "$(verdict "$best" 50)"
done
printf '(list --shipment %s: %d rows)\n' "$ship" \
	"$("$ka" -c "$w/big.ini" list --shipment "$ship" | tail -n +2 | wc -l)"
