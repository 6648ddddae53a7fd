#!/bin/sh
# A year of history (issue 13): the per-file cost and the operator reads on
# a manifest of 1,000,000 done files (bench/history-fill.sh), measured in one
# run:
#   1. `once` carrying 50 new small files local -> local, on the big manifest
#      / on an empty one (target: <= 1.3x); `once` with nothing new.
#   2. `list --shipment X` (6 rows), `list --shipment X --json`, `show ID`,
#      `status`, each on the big manifest (target: <= 50 ms each), after the
#      time the program takes to start at all (`--help`).
# Each figure is the best of 3 runs (5 for the reads), in wall-clock ms and in CPU ms (user +
# system time: what a shared, loaded machine does not inflate). The route
# carrying the new files is r1, one of the four routes of the history, so its
# 250,000 done files are in the way of every per-route query.
# Usage: bench/history.sh [BUILD_DIR]   (default build/, built -O2 if missing)
#   ROWS=N bench/history.sh  for another size of history.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
rows=${ROWS:-1000000}
sh "$top/bench/build.sh" "$build"
ka="$build/kargo-agent"
w=$(mktemp -d "${TMPDIR:-/tmp}/kargo-history.XXXXXX")
trap 'rm -rf "$w"' EXIT

ms() { echo $(($(date +%s%N) / 1000000)); }
# timed CMD...: run CMD once, its output dropped; prints "WALL_MS CPU_MS".
timed() {
	python3 -c '
import resource, subprocess, sys, time
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
t1 = time.monotonic()
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
print("%d %d" % ((t1 - t0) * 1000, cpu * 1000))' "$@"
}
best=
cpu=
keep_best() {  # keep_best "WALL CPU": the lower of each so far in $best, $cpu
	# shellcheck disable=SC2086  # two numbers
	set -- $1
	if [ -z "$best" ] || [ "$1" -lt "$best" ]; then best=$1; fi
	if [ -z "$cpu" ] || [ "$2" -lt "$cpu" ]; then cpu=$2; fi
}
best_of() {  # best_of N CMD...: the fastest of N runs in $best and $cpu
	n=$1
	shift
	best= cpu=
	while [ "$n" -gt 0 ]; do keep_best "$(timed "$@")"; n=$((n - 1)); done
}
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
once50() {  # once50 NAME: the best of 3 onces, each carrying 50 new files
	best= cpu=
	for round in 1 2 3; do
		i=0
		while [ $i -lt 50 ]; do
			printf 'round %s file %s\n' "$round" "$i" >"$w/$1-in/n$round-$i.csv"
			i=$((i + 1))
		done
		keep_best "$(timed "$ka" -c "$w/$1.ini" once)"
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
empty_ms=$best empty_cpu=$cpu
once50 big
big_ms=$best big_cpu=$cpu
printf '%-14s %5d ms (CPU %4d ms)\n' "empty manifest" "$empty_ms" "$empty_cpu"
printf '%-14s %5d ms (CPU %4d ms), %d files carried\n' "$rows rows" "$big_ms" "$big_cpu" \
	"$(find "$w/big-out" -type f | wc -l)"
ratio=$(echo "$big_ms / $empty_ms" | bc -l)
printf 'ratio: %.2fx, CPU %.2fx (target <= 1.3x) %s\n' "$ratio" \
	"$(echo "$big_cpu / $empty_cpu" | bc -l)" "$(verdict "$ratio" 1.3)"
best_of 3 "$ka" -c "$w/big.ini" once
printf 'once with nothing new: %d ms (CPU %d ms)\n' "$best" "$cpu"

echo "== 2. operator reads on the $rows-row manifest (target <= 50 ms each)"
best_of 5 "$ka" --help
printf '%-30s %5d ms (CPU %3d ms) starting the program at all\n' "--help" "$best" "$cpu"
best_of 5 "$ka" -c "$w/empty.ini" status
printf '%-30s %5d ms (CPU %3d ms) on the empty manifest\n' "status" "$best" "$cpu"
ship=S$((rows / 12))
id=$((rows / 2))
for what in "list --shipment $ship" "list --shipment $ship --json" "show $id" "status"; do
	# shellcheck disable=SC2086  # the words of the command
	best_of 5 "$ka" -c "$w/big.ini" $what
	printf '%-30s %5d ms (CPU %3d ms) %s\n' "$what" "$best" "$cpu" "$(verdict "$best" 50)"
done
printf '(list --shipment %s: %d rows)\n' "$ship" \
	"$("$ka" -c "$w/big.ini" list --shipment "$ship" | tail -n +2 | wc -l)"
