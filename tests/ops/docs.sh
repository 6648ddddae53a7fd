#!/bin/sh
# docs_say_what_the_code_does: the documentation cannot drift from the code.
# - every event the code logs (each log_event call in src/) has an entry in
#   kargo-agent(8)'s LOGS list;
# - nothing in the tree points at documents that are not in it;
# - `--help` names --config, `run --help` says what SIGHUP does;
# - the man pages render without the words that once came out garbled, and
#   `mandoc -T lint` is clean (skipped without mandoc).
. "$(dirname "$0")/../integration/lib.sh"

man8=$KA_SRCDIR/man/kargo-agent.8

# --- every logged event is in LOGS -------------------------------------------
# The event is the third argument of log_event(); a conditional one names two
# (`dead ? "dead" : "retry"`). python3 reads the calls across line breaks.
python3 - "$KA_SRCDIR/src" >"$T/events" <<'EOF'
import os, re, sys
events = set()
for top, _, names in os.walk(sys.argv[1]):
    for name in names:
        if not name.endswith('.c'):
            continue
        text = open(os.path.join(top, name), encoding='utf-8', errors='replace').read()
        for m in re.finditer(r'\blog_event\(', text):
            i, depth, args = m.end(), 0, ['']
            while i < len(text) and len(args) < 4:
                c = text[i]
                if c == '"':  # a string literal, escapes and all
                    j = i + 1
                    while text[j] != '"':
                        j += 2 if text[j] == '\\' else 1
                    args[-1] += text[i:j + 1]
                    i = j + 1
                    continue
                if c in '([':
                    depth += 1
                elif c in ')]':
                    if depth == 0:
                        break
                    depth -= 1
                elif c == ',' and depth == 0:
                    args.append('')
                    i += 1
                    continue
                args[-1] += c
                i += 1
            if len(args) >= 3:
                events.update(re.findall(r'"([a-z0-9_]+)"', args[2]))
print('\n'.join(sorted(events)))
EOF
n=$(wc -l <"$T/events" | tr -d ' ')
if [ "$n" -lt 20 ]; then
	fail "found only $n logged events in src/: the scan is broken"
fi
sed -n '/^\.Sh LOGS/,/^\.Sh /p' "$man8" | sed -n 's/^\.It Cm \([a-z0-9_]*\).*/\1/p' | sort -u >"$T/documented"
missing=$(comm -23 "$T/events" "$T/documented" | tr '\n' ' ')
assert_eq "every event logged in src/ ($n) has an entry in kargo-agent(8) LOGS" "" "$missing"

# --- no pointers to documents outside the tree --------------------------------
(cd "$KA_SRCDIR" && grep -rnE 'NOTES\.md|PRODUCT\.md|DESIGN\.md|shared/' \
	src tests docs man etc README 2>/dev/null | grep -v '^tests/ops/docs\.sh:') >"$T/outside"
assert_eq "no reference to NOTES.md, PRODUCT.md, DESIGN.md or shared/" "" "$(cat "$T/outside")"

# --- --help -------------------------------------------------------------------
"$KA_BIN" --help >"$T/help" 2>&1
assert_match "--help names --config" "-c, --config FILE" "$T/help"
"$KA_BIN" run --help >"$T/run-help" 2>&1
assert_match "run --help says SIGHUP reloads the configuration" "SIGHUP reloads the configuration" "$T/run-help"

# --- the man pages -------------------------------------------------------------
if command -v mandoc >/dev/null 2>&1; then
	mandoc -T ascii "$man8" | col -b >"$T/man8.txt"
	assert_no_match "resend's filters read as words, not options" "-which|-combine" "$T/man8.txt"
	assert_no_match "the temporary name reads .NAME.part" "~\\.NAME" "$T/man8.txt"
	if mandoc -T lint -W warning "$man8" "$KA_SRCDIR/man/kargo-agent.ini.5" >"$T/lint" 2>&1; then
		ok "mandoc -T lint clean"
	else
		fail "mandoc -T lint:"; cat "$T/lint"
	fi
else
	echo "skip: mandoc not installed, man pages not rendered"
fi
finish
