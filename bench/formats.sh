#!/bin/sh
# Benchmark the format validators against bare baselines, same files, same run.
#   bench/formats.sh [MB]        (default 200; BENCH_DIR=dir keeps files/builds)
# Prints MB/s and peak RSS for: validate on expected-shipment CSV vs a bare
# libcsv field counter vs Python csv with the same checks; validate on X12 856
# vs a bare memchr segment counter. Validate is `kargo-agent validate` when the
# binary has that command, else the fmtcheck harness (same library calls).
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
MB=${1:-200}
WORK=${BENCH_DIR:-/tmp/ka-bench}
CC=${CC:-cc}
mkdir -p "$WORK/build"
command -v /usr/bin/time >/dev/null || { echo "install GNU time (apt-get install time)" >&2; exit 1; }

# An optimised build (no sanitizers) of the library and the harness.
[ -x "$SRC/configure" ] || (cd "$SRC" && autoreconf -fi >/dev/null 2>&1)
cd "$WORK/build"
[ -f Makefile ] || "$SRC/configure" CFLAGS="-O2 -g" >/dev/null
make -j2 kargo-agent fmtcheck >/dev/null 2>&1
$CC -O2 -o "$WORK/csvcount" "$SRC/bench/formats/csvcount.c" -lcsv
$CC -O2 -o "$WORK/x12count" "$SRC/bench/formats/x12count.c"
if ./kargo-agent validate --help 2>&1 | grep -q -- --format; then
	VALIDATE="$WORK/build/kargo-agent validate"
else
	VALIDATE="$WORK/build/fmtcheck"
fi

CSV=$WORK/es-$MB.csv
X12=$WORK/asn-$MB.x12
[ -s "$CSV" ] || python3 "$SRC/bench/formats/gen.py" csv "$CSV" "$MB"
[ -s "$X12" ] || python3 "$SRC/bench/formats/gen.py" x12 "$X12" "$MB"
cat "$CSV" "$X12" >/dev/null   # warm the page cache

# run NAME FILE CMD...: best wall time of 2 runs; prints "MB/s RSS_KiB".
run() {
	file=$1; shift
	best=""
	for i in 1 2; do
		t0=$(date +%s%N)
		/usr/bin/time -f %M -o "$WORK/rss" "$@" "$file" >"$WORK/out" 2>&1 || true
		t1=$(date +%s%N)
		ns=$((t1 - t0))
		if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then best=$ns; fi
	done
	bytes=$(stat -c %s "$file")
	awk -v b="$bytes" -v ns="$best" -v rss="$(tail -1 "$WORK/rss")" \
		'BEGIN { printf "%.1f %d\n", b / 1e6 / (ns / 1e9), rss }'
}

echo "files: $(du -m "$CSV" | cut -f1) MB CSV ($(($(wc -l <"$CSV") - 1)) rows), $(du -m "$X12" | cut -f1) MB X12"
set -- $(run "$CSV" $VALIDATE --format expected-shipment); v=$1; vrss=$2
head -c 300 "$WORK/out" | sed -n 1p | sed 's/^/  validate: /'
set -- $(run "$CSV" "$WORK/csvcount"); c=$1
set -- $(run "$CSV" python3 "$SRC/bench/formats/validate.py"); py=$1
set -- $(run "$X12" $VALIDATE --format x12-856); x=$1; xrss=$2
head -c 300 "$WORK/out" | sed -n 1p | sed 's/^/  validate: /'
set -- $(run "$X12" "$WORK/x12count"); m=$1
rows=$(($(wc -l <"$CSV") - 1))
awk -v v="$v" -v c="$c" -v py="$py" -v x="$x" -v m="$m" -v vrss="$vrss" -v xrss="$xrss" \
    -v rows="$rows" 'BEGIN {
	printf "CSV  validate %8.1f MB/s | bare libcsv %8.1f MB/s | python csv %6.1f MB/s\n", v, c, py
	printf "     ratio vs libcsv %.2f (target >= 0.60) %s | vs python %.1fx (target >= 8) %s\n",
		v / c, ((v / c >= 0.6) ? "OK" : "MISS"), v / py, ((v / py >= 8) ? "OK" : "MISS")
	limit = 16 * 1024 + rows * 16 / 1024
	printf "     peak RSS %d KiB (limit 16 MiB + 16 B x %d keys = %d KiB) %s\n", vrss, rows, limit,
		((vrss <= limit) ? "OK" : "MISS")
	printf "X12  validate %8.1f MB/s | bare memchr %8.1f MB/s | ratio %.2f (target >= 0.50) %s\n",
		x, m, x / m, ((x / m >= 0.5) ? "OK" : "MISS")
	printf "     peak RSS %d KiB (limit 16384 KiB) %s\n", xrss, ((xrss <= 16384) ? "OK" : "MISS")
}'
