#!/bin/sh
# Run each libFuzzer target (or only TARGET) for N seconds (default 30),
# from the fixtures and the committed corpus (tests/fuzz/corpus/TARGET);
# a crash fails the run and keeps its input.
#   ./configure --enable-fuzzing CC=clang && make fuzz-targets && tests/fuzz/run.sh [N] [TARGET]
# Run from the build directory; corpora go to fuzz-corpus/NAME.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-30}
DATA=$SRC/tests/formats/data
status=0
for t in ${2:-expected_shipment eos_csv x12_856 auto mime config config_checks convert}; do
	corpus=fuzz-corpus/$t
	mkdir -p "$corpus"
	case $t in
	x12_856) seeds="$DATA/*.x12" ;;
	mime) seeds="$SRC/tests/email/data/*.eml" ;;
	config_checks) seeds="$SRC/tests/fuzz/config-checks-seeds/*" ;;
	config) seeds="$SRC/samples/demo.ini $SRC/etc/kargo-agent.ini $SRC/tests/fuzz/config-seeds/*.ini" ;;
	eos_csv) seeds="$DATA/eos-*.csv" ;;
	convert) seeds="$SRC/tests/formats/conv/*.csv $SRC/tests/formats/conv/*.x12 $DATA/*.x12" ;;
	*) seeds="$DATA/*.csv $DATA/*.txt" ;;
	esac
	for s in $seeds; do
		# convert: a first byte picks the conversion (tests/fuzz/fuzz_convert.c)
		if [ "$t" = convert ]; then
			for k in 000 001 002 003 004 005 204 205; do
				{ printf "\\$k"; cat "$s"; } >"$corpus/$k-$(basename "$s")"
			done
		else
			cp "$s" "$corpus/" 2>/dev/null || true
		fi
	done
	[ -n "${FUZZ_SEEDS_ONLY:-}" ] && continue  # scripts/fuzz-deep: only the seeds
	echo "== fuzz_$t for ${N}s"
	# A fixed seed (FUZZ_SEED, default 1) makes the inputs tried the same from
	# run to run: FUZZ_RUNS=N runs exactly N; a time limit runs the same
	# sequence as far as the machine's speed takes it in N seconds.
	if [ -n "${FUZZ_RUNS:-}" ]; then limit="-runs=$FUZZ_RUNS"
	else limit="-max_total_time=$N"; fi
	# New inputs go to the first directory; the committed corpus, made by
	# scripts/fuzz-deep, is only read.
	set -- "$corpus"
	[ -d "$SRC/tests/fuzz/corpus/$t" ] && set -- "$@" "$SRC/tests/fuzz/corpus/$t"
	./fuzz_$t $limit -seed="${FUZZ_SEED:-1}" -max_len=65536 -print_final_stats=1 "$@" \
		>"fuzz_$t.out" 2>&1 || status=1
	tail -12 "fuzz_$t.out"
done
exit $status
