#!/bin/sh
# Configurations that would eat their own files, and INI mistakes iniparser
# lets through, are configuration errors (FILE:LINE:, exit 78, all at once);
# what is allowed (an archive inside the source, the default quarantine, a
# chain of routes) still passes. Commands without operands refuse one.
. "$(dirname "$0")/lib.sh"

# check NAME: check-config --offline on $T/NAME.ini, output in $T/stderr.
check() {
	"$KA_BIN" -c "$T/$1.ini" check-config --offline >"$T/stdout" 2>"$T/stderr"
	RC=$?
}

mkdir -p "$T/in" "$T/out" "$T/other"
ln -s "$T/in" "$T/in-link"
: >"$T/id_key"
: >"$T/known_hosts"

# --- item 3: a route's own directories overlap --------------------------------
cat >"$T/overlap.ini" <<EOF2
[agent]
spool_dir = $T/spool
manifest = $T/in/manifest.db

[remote one]
type = sftp
host = files.example
user = kargo
key = $T/id_key
known_hosts = $T/known_hosts

[remote two]
type = sftp
host = FILES.example
port = 22
user = kargo
key = $T/id_key
known_hosts = $T/known_hosts

[route eats-manifest]
source = $T/in
pattern = *
dest = $T/out

[route dest-is-source]
source = $T/other
dest = $T/other/.

[route dest-is-source-by-link]
source = $T/in-link/sub
dest = $T/in/sub

[route archive-is-dest]
source = $T/other
dest = $T/a1
after = archive:$T/a1

[route twice]
source = $T/other
dest = $T/a2, $T/not-yet/../a2/

[route quarantine-in-source]
source = $T/qs
dest = $T/a3
quarantine = $T/qs

[route remote-twice]
source = $T/other
dest = one:/up, two:/up/

[route from-spool]
source = $T/spool
dest = $T/a4
EOF2
check overlap
f="$T/overlap.ini"
assert_eq "overlapping directories: check-config exits 78" 78 "$RC"
assert_match "manifest in a source that pattern * matches" \
	"^kargo-agent: $f:21: \\[route eats-manifest\\] source: the agent's own file $T/in/manifest.db is in this directory and pattern '\\*' matches it" "$T/stderr"
assert_match "dest equal to the source" \
	"$f:27: \\[route dest-is-source\\] dest: '$T/other/.' is the same directory as source '$T/other'" "$T/stderr"
assert_match "dest equal to the source through a symbolic link, not yet existing" \
	"$f:31: \\[route dest-is-source-by-link\\] dest: '$T/in/sub' is the same directory as source '$T/in-link/sub'" "$T/stderr"
assert_match "archive equal to a destination" \
	"$f:36: \\[route archive-is-dest\\] after: 'archive:$T/a1' is the same directory as dest '$T/a1'" "$T/stderr"
assert_match "the same destination twice" \
	"$f:40: \\[route twice\\] dest: '$T/not-yet/../a2/' is the same directory as dest '$T/a2'" "$T/stderr"
assert_match "quarantine inside its own source" \
	"$f:45: \\[route quarantine-in-source\\] quarantine: '$T/qs' is the same directory as source '$T/qs'" "$T/stderr"
assert_match "one server under two remote names, compared by host, port and user" \
	"$f:49: \\[route remote-twice\\] dest: 'two:/up/' is the same directory as dest 'one:/up'" "$T/stderr"
assert_match "a source in the spool" \
	"$f:52: \\[route from-spool\\] source: '$T/spool' is in the spool directory" "$T/stderr"
assert_eq "every overlap reported at once" 8 "$(wc -l <"$T/stderr" | tr -d ' ')"

# Another route's quarantine as a source.
cat >"$T/foreign-q.ini" <<EOF2
[agent]
spool_dir = $T/spool
manifest = $T/state/manifest.db
[route rejects]
source = $T/other
dest = $T/b1
quarantine = $T/rejected
[route picks-up]
source = $T/rejected
dest = $T/b2
EOF2
check foreign-q
assert_eq "a source that is another route's quarantine: exit 78" 78 "$RC"
assert_match "and says whose" "foreign-q.ini:9: \\[route picks-up\\] source: '$T/rejected' is the quarantine of route rejects" "$T/stderr"

# What stays allowed: the manifest where the pattern cannot match it, an
# archive inside the source, the default quarantine, one route's
# destination as the next one's source (a chain).
cat >"$T/allowed.ini" <<EOF2
[agent]
spool_dir = $T/in/spool
manifest = $T/in/manifest.db
stable_seconds = 1
[route first]
source = $T/in
pattern = *.csv
dest = $T/out
after = archive:sent
[route second]
source = $T/out
dest = $T/final
after = delete
EOF2
check allowed
assert_eq "archive inside the source, default quarantine, a chain: exit 0" 0 "$RC"
assert_eq "and nothing to say" "" "$(cat "$T/stderr")"

# --- item 4: the INI file ------------------------------------------------------
cat >"$T/ini.ini" <<EOF2
orphan = 1
[agent]
spool_dir = $T/spool
manifest = $T/state/manifest.db
[route es]
source = $T/in
dest = $T/c1
pattern = *.csv
pattern = *.txt
[route ES]
source = $T/other
dest = $T/c2
[route empty-pattern]
source = $T/in
dest = $T/c3
pattern =
[route bracket]
source = $T/in
dest = $T/c4
pattern = [abc
[route path-pattern]
source = $T/in
dest = $T/c5
pattern = sub/*.csv
[route no-such-format]
source = $T/in
dest = $T/c6
format = cuneiform
EOF2
check ini
f="$T/ini.ini"
assert_eq "INI mistakes: exit 78" 78 "$RC"
assert_match "a key before any section, with its line" "^kargo-agent: $f:1: orphan: a key before any section" "$T/stderr"
assert_match "a repeated key names both lines" "$f:9: \\[route es\\] pattern: set again \\(first at line 8\\)" "$T/stderr"
assert_match "a repeated section names both lines, case-insensitively" \
	"$f:10: \\[route es\\]: the same section as line 5 \\(section names compare case-insensitively\\)" "$T/stderr"
assert_match "an empty pattern" "$f:16: \\[route empty-pattern\\] pattern: '' is empty" "$T/stderr"
assert_match "a pattern with an unclosed bracket" "$f:20: \\[route bracket\\] pattern: '\\[abc' has a '\\[' without its closing '\\]'" "$T/stderr"
assert_match "a pattern with a slash" "$f:24: \\[route path-pattern\\] pattern: 'sub/\\*.csv' contains '/'" "$T/stderr"
assert_match "an unknown format lists the known ones" \
	"$f:28: \\[route no-such-format\\] format: unknown format 'cuneiform' \\(known: auto, x12-856, x12, eos-csv, expected-shipment, text\\)" "$T/stderr"
assert_eq "all seven reported at once" 7 "$(wc -l <"$T/stderr" | tr -d ' ')"

printf '[agent]\nspool_dir = %s/spool\nthis is no key\n[route x\n[route y] ; a comment\n' "$T" >"$T/syntax.ini"
check syntax
assert_eq "a line iniparser refuses: exit 78" 78 "$RC"
assert_match "a line without '=' in our FILE:LINE: form" "^kargo-agent: $T/syntax.ini:3: 'this is no key' is not a \\[section\\] header, a KEY = value line or a comment" "$T/stderr"
assert_match "a header without ']'" "^kargo-agent: $T/syntax.ini:4: '\\[route x': a section header needs a closing '\\]'" "$T/stderr"
assert_match "a comment after a header" "^kargo-agent: $T/syntax.ini:5: '\\[route y\\] ; a comment': nothing may follow the '\\]'" "$T/stderr"
assert_no_match "iniparser's own message is not shown" "iniparser" "$T/stderr"
assert_eq "and nothing else" 3 "$(wc -l <"$T/stderr" | tr -d ' ')"

"$KA_BIN" -c "$T/in" check-config --offline >"$T/stdout" 2>"$T/stderr"
assert_eq "-c DIRECTORY: exit 78" 78 "$?"
assert_match "and says it is a directory" "$T/in: cannot read the configuration: is a directory" "$T/stderr"
"$KA_BIN" -c "$T/in" once >/dev/null 2>&1
assert_eq "once refuses it too" 78 "$?"

for cmd in status verify check-config list once run; do
	"$KA_BIN" -c "$T/allowed.ini" $cmd extra >"$T/stdout" 2>"$T/stderr"
	assert_eq "$cmd refuses an operand with 64" 64 "$?"
	assert_match "$cmd names it" "unexpected argument 'extra'" "$T/stderr"
done

# --- item 6: stable_seconds = 0 without a done marker is a warning ------------
cat >"$T/unstable.ini" <<EOF2
[agent]
spool_dir = $T/spool
manifest = $T/state/manifest.db
stable_seconds = 2
[route at-once]
source = $T/in
dest = $T/d1
stable_seconds = 0
[route marked]
source = $T/other
dest = $T/d2
done_marker = .done
stable_seconds = 0
[route waits]
source = $T/other
dest = $T/d3
EOF2
check unstable
assert_eq "stable_seconds = 0 is allowed: exit 0" 0 "$RC"
assert_match "but warned about, with its line" \
	"^kargo-agent: warning: $T/unstable.ini:8: \\[route at-once\\] stable_seconds: 0 without a done_marker" "$T/stderr"
assert_eq "only for the route without a done marker" 1 "$(grep -c warning "$T/stderr")"
sed -i 's/^stable_seconds = 2/stable_seconds = 0/' "$T/unstable.ini"
check unstable
assert_match "from [agent]: one warning at its line, naming a route" \
	"^kargo-agent: warning: $T/unstable.ini:4: \\[agent\\] stable_seconds: 0, for route at-once and others without a done_marker" "$T/stderr"
assert_eq "once, not once per route" 1 "$(grep -c warning "$T/stderr")"

"$KA_BIN" -c "$KA_SRCDIR/samples/demo.ini" check-config --offline >"$T/stdout" 2>"$T/stderr"
assert_eq "samples/demo.ini passes" 0 "$?"
assert_no_match "without a warning" "warning" "$T/stderr"
finish
