#!/bin/sh
# On a terminal, once, resend and validate show a progress line on stderr
# (\r, the file name, bytes done of the total, per cent) for files of at
# least 1 MiB; never for smaller files, never with --no-progress, never when
# stderr is not a terminal, and never from the daemon. The terminal is a
# pseudo-terminal from script(1).
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null 2>&1 || { echo "SKIP: no script(1) (bsdutils)"; exit 77; }
script -qfec true /dev/null >/dev/null 2>&1 </dev/null || { echo "SKIP: no pseudo-terminal"; exit 77; }

CR=$(printf '\r')
# on_tty OUT CMD...: run the agent with a pseudo-terminal as stdin, stdout
# and stderr; everything it wrote to the terminal lands in OUT.
on_tty() {
	out=$1
	shift
	script -qfec "$KA_BIN -c '$T/agent.ini' $*" /dev/null >"$out" 2>&1 </dev/null
	RC=$?
}

mkdir -p "$T/in"
head -c 3000000 /dev/urandom >"$T/in/big.csv"
head -c 20000 /dev/urandom >"$T/in/small.csv"
write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
EOF2

on_tty "$T/once.tty" once
assert_eq "once on a terminal exits 0" 0 "$RC"
assert_eq "both files delivered" 2 "$(count_files "$T/out")"
bar="[0-9.]+ (B|KiB|MiB) / 2\\.9 MiB +[0-9]+%"
assert_match "staging shows a progress line" "${CR}stage big\\.csv  $bar" "$T/once.tty"
assert_match "validation shows a progress line" "${CR}validate big\\.csv  $bar" "$T/once.tty"
assert_match "delivery shows a progress line" "${CR}deliver big\\.csv  $bar" "$T/once.tty"
assert_match "the line has a rate and an ETA" "MiB/s  ETA [0-9]+:[0-9]{2}" "$T/once.tty"
assert_no_match "a file under 1 MiB has no line" "small\\.csv  [0-9]" "$T/once.tty"
assert_match "a log line starts at the line's start" "(^|$CR)ts=[^$CR]* event=delivered [^$CR]*big\\.csv" "$T/once.tty"
assert_no_match "no log line glued to a progress line" "ETA [-0-9:]+ *ts=" "$T/once.tty"

on_tty "$T/validate.tty" validate "'$T/in/big.csv'" --format text
assert_eq "validate on a terminal exits 0" 0 "$RC"
assert_match "validate shows a progress line" "${CR}validate big\\.csv  $bar" "$T/validate.tty"
assert_match "the report follows" "big\\.csv: valid text file" "$T/validate.tty"

id=$(sql "select id from files where name='big.csv'")
on_tty "$T/resend.tty" resend "$id" --to "'$T/replay'" --mkdir
assert_eq "resend on a terminal exits 0" 0 "$RC"
assert_match "resend shows a progress line" "${CR}deliver big\\.csv  $bar" "$T/resend.tty"

on_tty "$T/quiet.tty" validate --no-progress "'$T/in/big.csv'" --format text
assert_match "--no-progress: the report" "big\\.csv: valid text file" "$T/quiet.tty"
assert_no_match "--no-progress: no line" "validate big\\.csv  [0-9]" "$T/quiet.tty"
KARGO_AGENT_PROGRESS_MIN=4000000 on_tty "$T/min.tty" validate "'$T/in/big.csv'" --format text
assert_match "KARGO_AGENT_PROGRESS_MIN: the report" "big\\.csv: valid text file" "$T/min.tty"
assert_no_match "KARGO_AGENT_PROGRESS_MIN raises the threshold" "validate big\\.csv  [0-9]" "$T/min.tty"

# stderr not a terminal: not a single carriage return in it.
head -c 3000000 /dev/urandom >"$T/in/big2.csv"
ka once
assert_eq "once to a file exits 0" 0 "$RC"
assert_match "big2 staged" "event=staged .*name=big2\\.csv" "$T/stderr"
assert_no_match "no progress when stderr is a file" "$CR" "$T/stderr"
"$KA_BIN" validate "$T/in/big2.csv" --format text 2>&1 >/dev/null | cat >"$T/piped"
assert_no_match "no progress when stderr is a pipe" "$CR|MiB/s" "$T/piped"

# The daemon never shows one, even on a terminal.
head -c 3000000 /dev/urandom >"$T/in/big3.csv"
on_tty "$T/run.tty" "run & pid=\$!; i=0; while [ ! -e '$T/out/big3.csv' ] && [ \$i -lt 300 ];" \
	"do sleep 0.1; i=\$((i + 1)); done; kill -TERM \$pid; wait \$pid"
assert_match "the daemon staged big3" "event=staged .*name=big3\\.csv" "$T/run.tty"
assert_no_match "the daemon shows no progress line" "big3\\.csv  [0-9]" "$T/run.tty"
finish
