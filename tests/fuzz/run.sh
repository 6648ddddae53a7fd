#!/bin/sh
# Run each libFuzzer target (or only TARGET) for N seconds (default 30),
# seeded from the fixtures; a crash fails the run and keeps its input.
#   ./configure --enable-fuzzing CC=clang && make fuzz-targets && tests/fuzz/run.sh [N] [TARGET]
# Run from the build directory; corpora go to fuzz-corpus/NAME.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-30}
DATA=$SRC/tests/formats/data
status=0
for t in ${2:-expected_shipment eos_csv x12_856 auto mime config config_checks}; do
	corpus=fuzz-corpus/$t
	mkdir -p "$corpus"
	case $t in
	x12_856) seeds="$DATA/*.x12" ;;
	mime) seeds="$SRC/tests/email/data/*.eml" ;;
	config_checks) seeds="$SRC/tests/fuzz/config-checks-seeds/*" ;;
	config) seeds="$SRC/samples/demo.ini $SRC/etc/kargo-agent.ini $SRC/tests/fuzz/config-seeds/*.ini" ;;
	eos_csv) seeds="$DATA/eos-*.csv" ;;
	*) seeds="$DATA/*.csv $DATA/*.txt" ;;
	esac
	for s in $seeds; do cp "$s" "$corpus/" 2>/dev/null || true; done
	echo "== fuzz_$t for ${N}s"
	# A fixed seed (FUZZ_SEED, default 1) makes the inputs tried the same from
	# run to run: FUZZ_RUNS=N runs exactly N; a time limit runs the same
	# sequence as far as the machine's speed takes it in N seconds.
	if [ -n "${FUZZ_RUNS:-}" ]; then limit="-runs=$FUZZ_RUNS"
	else limit="-max_total_time=$N"; fi
	./fuzz_$t $limit -seed="${FUZZ_SEED:-1}" -max_len=65536 -print_final_stats=1 "$corpus" \
		>"fuzz_$t.out" 2>&1 || status=1
	tail -12 "fuzz_$t.out"
done
exit $status
