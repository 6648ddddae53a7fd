#!/bin/sh
# Benchmark the format validators against bare baselines, same files, same run.
#   bench/formats.sh [MB] [RUNS]   (default 200 MB, 5 runs; BENCH_DIR=dir keeps files/builds)
# Prints MB/s (median of RUNS) and peak RSS for: `kargo-agent validate` on
# expected-shipment CSV vs a bare libcsv field counter vs Python csv with the
# same checks; `kargo-agent validate` on X12 856 vs a bare memchr segment counter.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
MB=${1:-200}
RUNS=${2:-5}
WORK=${BENCH_DIR:-/tmp/ka-bench}
CC=${CC:-cc}
command -v /usr/bin/time >/dev/null || { echo "install GNU time (apt-get install time)" >&2; exit 1; }

# Our own optimised build (-O2, no sanitizers) of this source tree, out of
# tree; rebuilt from scratch when the directory belongs to another tree or
# was configured with other flags.
BUILD=$WORK/build-O2
[ -x "$SRC/configure" ] || (cd "$SRC" && autoreconf -fi >/dev/null 2>&1)
if [ -f "$BUILD/Makefile" ] && ! { grep -qx "abs_top_srcdir = $SRC" "$BUILD/Makefile" &&
    grep -qx "CFLAGS = -O2 -g" "$BUILD/Makefile" && grep -qx "SAN_CFLAGS = " "$BUILD/Makefile"; }; then
	rm -rf "$BUILD"
fi
mkdir -p "$BUILD"
cd "$BUILD"
[ -f Makefile ] || "$SRC/configure" CFLAGS="-O2 -g" --disable-sanitizers >/dev/null
grep -qx "SAN_CFLAGS = " Makefile || { echo "bench build has sanitizers" >&2; exit 1; }
make -j2 kargo-agent >/dev/null 2>&1 || { echo "bench build failed (make -C $BUILD kargo-agent)" >&2; exit 1; }
$CC -O2 -o "$WORK/csvcount" "$SRC/bench/formats/csvcount.c" -lcsv
$CC -O2 -o "$WORK/x12count" "$SRC/bench/formats/x12count.c"
# -c /dev/null: no site configuration is read (built-in formats only).
VALIDATE="$BUILD/kargo-agent validate -c /dev/null"
$VALIDATE --help 2>&1 | grep -q -- --format || { echo "kargo-agent has no validate --format" >&2; exit 1; }

CSV=$WORK/es-$MB.csv
X12=$WORK/asn-$MB.x12
[ -s "$CSV" ] || python3 "$SRC/bench/formats/gen.py" csv "$CSV" "$MB"
[ -s "$X12" ] || python3 "$SRC/bench/formats/gen.py" x12 "$X12" "$MB"
cat "$CSV" "$X12" >/dev/null   # warm the page cache

# once NAME FILE CMD...: one timed run of CMD FILE; appends the wall time (ns)
# to $WORK/t.NAME, keeps the output in $WORK/out.NAME and the peak RSS (KiB)
# in $WORK/rss.NAME.
once() {
	name=$1 file=$2; shift 2
	t0=$(date +%s%N)
	/usr/bin/time -f %M -o "$WORK/rss.$name" "$@" "$file" >"$WORK/out.$name" 2>&1 || true
	t1=$(date +%s%N)
	echo $((t1 - t0)) >>"$WORK/t.$name"
}
# speed NAME FILE: MB/s of the median run.
speed() {
	ns=$(sort -n "$WORK/t.$1" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }')
	awk -v b="$(stat -c %s "$2")" -v ns="$ns" 'BEGIN { printf "%.1f\n", b / 1e6 / (ns / 1e9) }'
}

rows=$(($(wc -l <"$CSV") - 1))
echo "files: $(du -m "$CSV" | cut -f1) MB CSV ($rows rows), $(du -m "$X12" | cut -f1) MB X12;" \
	"median of $RUNS runs (Python: up to 3), each validate run next to its baseline's"
rm -f "$WORK"/t.*
# The machine may be shared: interleave each validate run with its
# baseline's, so a busy moment hits both sides alike.
i=0
while [ "$i" -lt "$RUNS" ]; do
	once v "$CSV" $VALIDATE --format expected-shipment
	once c "$CSV" "$WORK/csvcount"
	once x "$X12" $VALIDATE --format x12-856
	once m "$X12" "$WORK/x12count"
	i=$((i + 1))
done
i=0
while [ "$i" -lt "$RUNS" ] && [ "$i" -lt 3 ]; do   # Python is slow: at most 3 runs
	once py "$CSV" python3 "$SRC/bench/formats/validate.py"
	i=$((i + 1))
done
v=$(speed v "$CSV"); c=$(speed c "$CSV"); py=$(speed py "$CSV")
x=$(speed x "$X12"); m=$(speed m "$X12")
vrss=$(tail -1 "$WORK/rss.v"); xrss=$(tail -1 "$WORK/rss.x")
head -c 300 "$WORK/out.v" | sed -n 1p | sed 's/^/  validate: /'
sed -n 1p "$WORK/out.py" | sed 's/^/  python: /'
head -c 300 "$WORK/out.x" | sed -n 1p | sed 's/^/  validate: /'
# X12's distinct keys are its shipment ids (BSN02), counted by validate.
xkeys=$(sed -n 's/.* \([0-9][0-9]*\) shipments.*/\1/p' "$WORK/out.x" | head -1)
awk -v v="$v" -v c="$c" -v py="$py" -v x="$x" -v m="$m" -v vrss="$vrss" -v xrss="$xrss" \
    -v rows="$rows" -v xkeys="${xkeys:-0}" 'BEGIN {
	printf "CSV  validate %8.1f MB/s | bare libcsv %8.1f MB/s | python csv %6.1f MB/s\n", v, c, py
	printf "     ratio vs libcsv %.2f (target >= 0.60) %s | vs python %.1fx (target >= 8) %s\n",
		v / c, ((v / c >= 0.6) ? "OK" : "MISS"), v / py, ((v / py >= 8) ? "OK" : "MISS")
	limit = 16 * 1024 + rows * 16 / 1024
	printf "     peak RSS %d KiB (limit 16 MiB + 16 B x %d keys = %d KiB) %s\n", vrss, rows, limit,
		((vrss <= limit) ? "OK" : "MISS")
	printf "X12  validate %8.1f MB/s | bare memchr %8.1f MB/s | ratio %.2f (target >= 0.50) %s\n",
		x, m, x / m, ((x / m >= 0.5) ? "OK" : "MISS")
	limit = 16 * 1024 + xkeys * 16 / 1024
	printf "     peak RSS %d KiB (limit 16 MiB + 16 B x %d shipment ids = %d KiB) %s\n", xrss, xkeys,
		limit, ((xrss <= limit) ? "OK" : "MISS")
}'
