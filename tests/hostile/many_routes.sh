#!/bin/sh
# An INI with 10,000 routes (10,000 source and destination directories, a
# file in every 100th source): check-config checks each route, once carries
# the 100 files to the right places, status reports every route, each within
# a bound (loading used to be quadratic: 25 s per command).
. "$(dirname "$0")/lib.sh"
N=10000
awk -v n=$N -v t="$T" 'BEGIN {
	for (i = 0; i < n; i++) {
		printf "[route r%05d]\nsource = %s/in/%05d\ndest = %s/out/%05d\nformat = text\n\n", i, t, i, t, i
		system("")   # flush: the file gets big
	}
}' | write_config
i=0
mkdir -p "$T/in"
(cd "$T/in" && seq -f '%05g' 0 $((N - 1)) | xargs mkdir)
for i in $(seq 0 100 $((N - 1))); do
	d=$(printf '%05d' "$i")
	printf 'route %s\n' "$d" >"$T/in/$d/f-$d.csv"
done
assert_eq "the config has $N routes" $N "$(grep -c '^\[route ' "$T/agent.ini")"

measure "$KA_BIN" -c "$T/agent.ini" check-config
assert_eq "check-config exits 0" 0 "$RC"
assert_eq "check-config checked every source and destination" "$((2 * N))" "$(grep -c '^ok  *\[route r' "$T/stdout")"
assert_match "check-config counts the routes" "^ok  *.*agent.ini: 0 remotes, $N routes" "$T/stdout"
assert_below "check-config with $N routes: seconds (a probe file is written and synced per destination)" 30 "$SECS"
echo "# check-config: ${SECS}s, ${RSS_KB} KiB"

measure "$KA_BIN" -c "$T/agent.ini" once
assert_eq "once exits 0" 0 "$RC"
assert_match "once staged and delivered the 100 files" "once: 100 staged, 100 delivered, 0 rejected" "$T/stdout"
assert_below "once with $N routes: seconds" 10 "$SECS"
echo "# once: ${SECS}s, ${RSS_KB} KiB"
wrong=0
for i in $(seq 0 100 $((N - 1))); do
	d=$(printf '%05d' "$i")
	[ "$(cat "$T/out/$d/f-$d.csv" 2>/dev/null)" = "route $d" ] || wrong=$((wrong + 1))
done
assert_eq "each file reached its own route's destination" 0 "$wrong"
assert_eq "and nothing else was delivered" 100 "$(find "$T/out" -type f | wc -l | tr -d ' ')"
measure "$KA_BIN" -c "$T/agent.ini" once
assert_match "a second once takes nothing" "once: 0 staged" "$T/stdout"
assert_below "second once: seconds" 10 "$SECS"

measure "$KA_BIN" -c "$T/agent.ini" status
assert_eq "status exits 0 (every route healthy)" 0 "$RC"
assert_eq "status reports every route" $N "$(grep -c '^route r[0-9]*: healthy$' "$T/stdout")"
assert_eq "status counts the routes' files" 100 "$(grep -c 'done=1 ' "$T/stdout")"
assert_below "status with $N routes: seconds" 10 "$SECS"
echo "# status: ${SECS}s, ${RSS_KB} KiB"
finish
