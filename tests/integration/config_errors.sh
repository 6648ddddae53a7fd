#!/bin/sh
# Every kind of configuration error names file, line, section and key, exits 78,
# and check-config reports all of them at once.
. "$(dirname "$0")/lib.sh"

cat >"$T/bad.ini" <<EOF2
[agent]
spool_dir = $T/spool
poll_interval = soon
colour = blue

[remote customer]
type = carrier-pigeon

[route no-source]
dest = $T/out

[route bad-values]
source = $T/in
dest = nowhere:/in
after = shred
on_exists = maybe
enabled = perhaps
format = cuneiform

[mystery]
key = value
EOF2
"$KA_BIN" -c "$T/bad.ini" check-config --offline >"$T/stdout" 2>"$T/stderr"
assert_eq "check-config exits 78" 78 "$?"
f="$T/bad.ini"
assert_match "bad number named" "^kargo-agent: $f:3: \\[agent\\] poll_interval: 'soon' is not a whole number" "$T/stderr"
assert_match "unknown key named" "$f:4: \\[agent\\] colour: unknown key" "$T/stderr"
assert_match "unknown remote type" "$f:7: \\[remote customer\\] type: unknown remote type 'carrier-pigeon'" "$T/stderr"
assert_match "missing required key" "$f:9: \\[route no-source\\] source: missing required key" "$T/stderr"
assert_match "unknown remote in an endpoint" "$f:14: \\[route bad-values\\] dest: 'nowhere:/in' names remote 'nowhere'" "$T/stderr"
assert_match "bad after" "$f:15: \\[route bad-values\\] after: 'shred' is not keep, delete or archive:DIR" "$T/stderr"
assert_match "bad on_exists" "$f:16: \\[route bad-values\\] on_exists: 'maybe'" "$T/stderr"
assert_match "bad boolean" "$f:17: \\[route bad-values\\] enabled: 'perhaps' is not yes or no" "$T/stderr"
assert_match "unknown format" "$f:18: \\[route bad-values\\] format: unknown format 'cuneiform'" "$T/stderr"
assert_match "unknown section" "$f:20: \\[mystery\\]: unknown section" "$T/stderr"
assert_eq "all ten problems reported at once" 10 "$(wc -l <"$T/stderr" | tr -d ' ')"

"$KA_BIN" -c "$T/bad.ini" once >"$T/stdout" 2>"$T/stderr"
assert_eq "once refuses a bad config with 78" 78 "$?"
"$KA_BIN" -c "$T/missing.ini" once >"$T/stdout" 2>"$T/stderr"
assert_eq "missing config file exits 78" 78 "$?"
assert_match "missing file explained" "missing.ini: cannot read the configuration: No such file" "$T/stderr"
KARGO_AGENT_CONFIG="$T/bad.ini" "$KA_BIN" check-config --offline >/dev/null 2>&1
assert_eq "KARGO_AGENT_CONFIG is honoured" 78 "$?"

write_config <<EOF2
[route ok]
source = $T/in
dest = $T/out
EOF2
mkdir -p "$T/in"
ka check-config
assert_eq "good config passes check-config" 0 "$RC"
assert_match "source checked" "ok +\\[route ok\\] source" "$T/stdout"
assert_match "destination checked writable" "ok +\\[route ok\\] dest .*writable" "$T/stdout"
rm -rf "$T/in"
ka check-config
assert_eq "missing source directory fails check-config with 69" 69 "$RC"
assert_match "and names it" "FAIL +\\[route ok\\] source $T/in" "$T/stdout"

# A remote's sessions go up to 16, the size of the connection pools.
for n in 16 17; do
	cat >"$T/sessions.ini" <<EOF2
[agent]
spool_dir = $T/spool

[remote far]
type = sftp
host = 127.0.0.1
user = ka
sessions = $n
EOF2
	"$KA_BIN" -c "$T/sessions.ini" check-config --offline >"$T/stdout" 2>"$T/stderr$n"
done
assert_no_match "16 sessions are allowed" "sessions:" "$T/stderr16"
assert_match "17 sessions are not" "\\[remote far\\] sessions: '17' is not a whole number between 1 and 16" "$T/stderr17"

"$KA_BIN" once --help >"$T/stdout" 2>&1
assert_eq "--help exits 0" 0 "$?"
assert_match "--help shows usage" "usage: kargo-agent \\[-c FILE\\] once" "$T/stdout"
"$KA_BIN" frobnicate >/dev/null 2>&1
assert_eq "unknown command exits 64" 64 "$?"
finish
