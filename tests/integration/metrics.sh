#!/bin/sh
# metrics_file: after each cycle a Prometheus text-format file with files by
# route and state, delivered bytes, retry queue, last success and cycle time.
. "$(dirname "$0")/lib.sh"

make_files "$T/in" 3 1000
AGENT_EXTRA="metrics_file = $T/metrics.prom" write_config <<EOF2
[route r1]
source = $T/in
dest = $T/out
format = text
EOF2
ka once
assert_eq "once exits 0" 0 "$RC"
m="$T/metrics.prom"
assert_match "done files counted" '^kargo_agent_files\{route="r1",state="done"\} 3$' "$m"
assert_match "delivered bytes" '^kargo_agent_delivered_bytes\{route="r1"\} 3000$' "$m"
assert_match "retry queue" '^kargo_agent_retry_queue\{route="r1"\} 0$' "$m"
assert_match "last success time" '^kargo_agent_last_success_timestamp_seconds\{route="r1"\} [0-9]{10}$' "$m"
assert_match "cycle duration" '^kargo_agent_cycle_duration_seconds [0-9]+\.[0-9]{3}$' "$m"
# Every line is a comment or a sample of the text format.
bad=$(grep -Evc '^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.]+)$' "$m")
assert_eq "every line follows the text format" 0 "$bad"
assert_eq "no temporary file left" 0 "$(ls "$T" | grep -c 'metrics.prom.tmp')"
finish
