#!/bin/sh
# An INI with 10,000 routes (10,000 source and destination directories, a
# file in every 100th source): check-config checks each route, once carries
# the 100 files to the right places, status reports every route. Each
# command must scale with the routes, not with their square (loading used
# to be quadratic: 25 s per command): the same commands on 1,000 routes are
# measured in the same run, and 10 times the routes may cost at most 30
# times the CPU time (user + system; linear is 10, quadratic would be 100).
# CPU time and a ratio, not wall-clock seconds, so a loaded machine, a slow
# disk or a sanitizer build does not fail it.
. "$(dirname "$0")/lib.sh"

# setup N: a config of N routes in $T/agent.ini, its sources with a file in
# every 100th, nothing carried yet.
setup() {
	rm -rf "$T/in" "$T/out" "$T/spool" "$T"/manifest.db*
	awk -v n="$1" -v t="$T" 'BEGIN {
		for (i = 0; i < n; i++) {
			printf "[route r%05d]\nsource = %s/in/%05d\ndest = %s/out/%05d\nformat = text\n\n", i, t, i, t, i
			system("")   # flush: the file gets big
		}
	}' | write_config
	mkdir -p "$T/in"
	(cd "$T/in" && seq -f '%05g' 0 $(($1 - 1)) | xargs mkdir)
	for i in $(seq 0 100 $(($1 - 1))); do
		d=$(printf '%05d' "$i")
		printf 'route %s\n' "$d" >"$T/in/$d/f-$d.csv"
	done
}

# run_all N: setup N, then check-config, once, once and status, each
# checked; their CPU seconds in CHECK_N, ONCE_N, AGAIN_N, STATUS_N.
run_all() {
	n=$1 files=$(($1 / 100))
	setup "$n"
	assert_eq "$n routes: the config has them" "$n" "$(grep -c '^\[route ' "$T/agent.ini")"

	measure "$KA_BIN" -c "$T/agent.ini" check-config
	eval "CHECK_$n=$CPU"
	assert_eq "$n routes: check-config exits 0" 0 "$RC"
	assert_eq "$n routes: check-config checked every source and destination" "$((2 * n))" \
		"$(grep -c '^ok  *\[route r' "$T/stdout")"
	assert_match "$n routes: check-config counts the routes" \
		"^ok  *.*agent.ini: 0 remotes, $n routes" "$T/stdout"
	echo "# $n routes: check-config ${SECS}s (CPU ${CPU}s), ${RSS_KB} KiB"

	measure "$KA_BIN" -c "$T/agent.ini" once
	eval "ONCE_$n=$CPU"
	assert_eq "$n routes: once exits 0" 0 "$RC"
	assert_match "$n routes: once staged and delivered the $files files" \
		"once: $files staged, $files delivered, 0 rejected" "$T/stdout"
	echo "# $n routes: once ${SECS}s (CPU ${CPU}s), ${RSS_KB} KiB"
	wrong=0
	for i in $(seq 0 100 $((n - 1))); do
		d=$(printf '%05d' "$i")
		[ "$(cat "$T/out/$d/f-$d.csv" 2>/dev/null)" = "route $d" ] || wrong=$((wrong + 1))
	done
	assert_eq "$n routes: each file reached its own route's destination" 0 "$wrong"
	assert_eq "$n routes: and nothing else was delivered" "$files" \
		"$(find "$T/out" -type f | wc -l | tr -d ' ')"

	measure "$KA_BIN" -c "$T/agent.ini" once
	eval "AGAIN_$n=$CPU"
	assert_match "$n routes: a second once takes nothing" "once: 0 staged" "$T/stdout"
	echo "# $n routes: second once ${SECS}s (CPU ${CPU}s)"

	measure "$KA_BIN" -c "$T/agent.ini" status
	eval "STATUS_$n=$CPU"
	assert_eq "$n routes: status exits 0 (every route healthy)" 0 "$RC"
	assert_eq "$n routes: status reports every route" "$n" \
		"$(grep -c '^route r[0-9]*: healthy$' "$T/stdout")"
	assert_eq "$n routes: status counts the routes' files" "$files" \
		"$(grep -c 'done=1 ' "$T/stdout")"
	echo "# $n routes: status ${SECS}s (CPU ${CPU}s), ${RSS_KB} KiB"
}

# linear WHAT SMALL LARGE: LARGE (10 times the routes) cost at most 30
# times SMALL's CPU seconds (at least 0.2 s, so a tiny SMALL does not make
# it strict).
linear() {
	limit=$(awk -v s="$2" 'BEGIN { if (s < 0.2) s = 0.2; printf "%.2f", 30 * s }')
	assert_below "$1 with 10,000 routes: CPU seconds, against 30 x those with 1,000" "$limit" "$3"
}

run_all 1000
run_all 10000
linear "check-config" "$CHECK_1000" "$CHECK_10000"
linear "once" "$ONCE_1000" "$ONCE_10000"
linear "second once" "$AGAIN_1000" "$AGAIN_10000"
linear "status" "$STATUS_1000" "$STATUS_10000"
finish
