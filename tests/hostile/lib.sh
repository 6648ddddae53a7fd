# Helpers for the hostile-input tests, on top of tests/integration/lib.sh.
. "$(dirname "$0")/../integration/lib.sh"

# measure CMD...: run CMD with its output in $T/stdout and $T/stderr; sets
# RC, SECS (wall-clock seconds, two decimals), RSS_KB (peak resident set
# of CMD, from GNU time) and CPU (user + system seconds).
measure() {
	/usr/bin/time -f '%e %M %U %S' -o "$T/time.out" "$@" >"$T/stdout" 2>"$T/stderr"
	RC=$?
	SECS=$(tail -1 "$T/time.out" | cut -d' ' -f1)
	RSS_KB=$(tail -1 "$T/time.out" | cut -d' ' -f2)
	CPU=$(tail -1 "$T/time.out" | awk '{ printf "%.2f", $3 + $4 }')
}

# assert_below WHAT LIMIT VALUE: VALUE (a number, maybe with decimals) < LIMIT.
assert_below() {
	if awk -v v="$3" -v l="$2" 'BEGIN { exit !(v + 0 < l + 0) }'; then ok "$1 ($3 < $2)"
	else fail "$1: $3 is not below $2"; fi
}

if ! [ -x /usr/bin/time ]; then
	echo "SKIP: GNU time is not installed (apt-get install time)"
	exit 77
fi
