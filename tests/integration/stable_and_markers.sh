#!/bin/sh
# A file still being written is not picked up until it has been unchanged for
# stable_seconds; with done_marker a file waits for its marker; dotfiles and
# temporary names are never taken; symlinks are not followed.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in" "$T/in2" "$T/outside"
write_config <<EOF2
[route growing]
source = $T/in
dest = $T/out
format = text
stable_seconds = 2

[route marked]
source = $T/in2
dest = $T/out2
format = text
done_marker = .done
after = delete
EOF2

# A writer appending every 0.3 s for ~4 s.
( i=0; while [ $i -lt 14 ]; do echo "line $i" >>"$T/in/growing.csv"; sleep 0.3; i=$((i + 1)); done ) &
BG_PIDS="$!"
sleep 0.5
ka once
assert_eq "growing file not delivered while appended" 0 "$(count_files "$T/out")"
assert_match "growing file noticed, left for later" "once: 0 staged" "$T/stdout"
wait
BG_PIDS=""
lines=$(wc -l <"$T/in/growing.csv" | tr -d ' ')
sleep 2.2
ka once
assert_eq "complete file delivered once stable" 1 "$(count_files "$T/out")"
assert_eq "delivered with every line" "$lines" "$(wc -l <"$T/out/growing.csv" | tr -d ' ')"

# Done markers.
echo "a,b" >"$T/in2/waiting.csv"
echo "a,b" >"$T/in2/ready.csv"
: >"$T/in2/ready.csv.done"
echo "x" >"$T/in2/.hidden.csv"
echo "x" >"$T/in2/upload.csv.part"
echo "secret" >"$T/outside/secret.csv"
ln -s "$T/outside/secret.csv" "$T/in2/link.csv"
: >"$T/in2/link.csv.done"
ka once
assert_eq "only the marked file delivered" "ready.csv" "$(ls "$T/out2" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "marker removed with its file (after = delete)" "no" "$([ -e "$T/in2/ready.csv.done" ] && echo yes || echo no)"
assert_eq "unmarked file still waiting" "yes" "$([ -e "$T/in2/waiting.csv" ] && echo yes || echo no)"
assert_eq "symlink target untouched" "secret" "$(cat "$T/outside/secret.csv")"
: >"$T/in2/waiting.csv.done"
ka once
assert_eq "file delivered after its marker appears" 2 "$(count_files "$T/out2")"
finish
