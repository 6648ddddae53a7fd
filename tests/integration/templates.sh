#!/bin/sh
# templates_list_and_fill: `kargo-agent templates` lists the templates
# (config_template.c) with the keys each sets and needs, as text and as
# JSON, exit 0, reading no configuration (it helps to write one); and
# `template =` fills a [remote] and a [route]: check-config --offline passes
# with a templated remote that gives only its credentials, a key the
# section gives wins over the template's, and an unknown template or a key
# the template needs but the section leaves out fail with FILE:LINE, exit 78.
. "$(dirname "$0")/lib.sh"

# --- the list ------------------------------------------------------------------
printf '[agent]\nbroken\n' >"$T/broken.ini"
"$KA_BIN" -c "$T/broken.ini" templates >"$T/stdout" 2>"$T/stderr"
assert_eq "templates exits 0, even with a broken configuration named" 0 "$?"
assert_eq "templates: nothing on stderr" 0 "$(wc -c <"$T/stderr" | tr -d ' ')"
assert_eq "templates: each template's name on a line of its own" \
	"kargo-documents kargo-unified kargo-data-sharing" \
	"$(grep -E '^[a-z]' "$T/stdout" | tr '\n' ' ' | sed 's/ $//')"
assert_match "templates: what kargo-documents is for" \
	"^  Kargo's REST API: one POST /v1/documents per shipment" "$T/stdout"
assert_match "templates: a key it sets, with its value" \
	"^  \\[remote\\] +sets +type = https\$" "$T/stdout"
assert_match "templates: the remote's keys it needs" \
	"^ +needs +client_id, client_secret_file\$" "$T/stdout"
assert_match "templates: kargo-data-sharing needs its login from the section" \
	"^ +needs +url, login_url, token_field, user, password_file\$" "$T/stdout"
"$KA_BIN" templates --json >"$T/stdout" 2>"$T/stderr"
assert_eq "templates --json exits 0" 0 "$?"
assert_eq "templates --json: an array of name, description, remote, route" \
	"3 kargo-documents True https client_id,client_secret_file kargo-documents business" \
	"$(python3 -c 'import json,sys; a=json.load(sys.stdin); t=a[0]
print(len(a), t["name"], t["description"].startswith("Kargo"), t["remote"]["sets"]["type"],
      ",".join(t["remote"]["requires"]), t["route"]["sets"]["convert"],
      ",".join(t["route"]["requires"]))' <"$T/stdout")"
"$KA_BIN" templates extra >"$T/stdout" 2>"$T/stderr"
assert_eq "templates with an operand: exit 64" 64 "$?"
assert_match "templates: its usage on stderr" "^usage: kargo-agent \\[-c FILE\\] templates \\[--json\\]" "$T/stderr"
"$KA_BIN" --help >"$T/stdout"
assert_match "kargo-agent --help lists templates" "^  templates \\[--json\\]\$" "$T/stdout"

# --- template = ----------------------------------------------------------------
mkdir -p "$T/in"
printf 's3cret\n' >"$T/secret"
chmod 600 "$T/secret"
# config TEMPLATE REMOTE_EXTRA ROUTE_EXTRA: a remote of TEMPLATE, a route of
# kargo-documents.
config() {
	write_config <<EOF2

[remote kargo]
template = $1
client_id = test-client
$2

[route docs]
template = kargo-documents
source = $T/in
dest = kargo:/v1/documents
format = expected-shipment
$3
EOF2
}
line_of() { grep -n -- "$1" "$T/agent.ini" | head -n 1 | cut -d: -f1; }

config kargo-nope "" "business = acme"
ka check-config --offline
assert_eq "an unknown template: exit 78" 78 "$RC"
assert_match "an unknown template: FILE:LINE, and the templates there are" \
	"agent\\.ini:$(line_of 'template = kargo-nope'): \\[remote kargo\\] template: 'kargo-nope' is not a template \\(kargo-documents, kargo-unified, kargo-data-sharing\\)" \
	"$T/stderr"

config kargo-documents "" ""
ka check-config --offline
assert_eq "a key the template needs left out: exit 78" 78 "$RC"
assert_match "the remote's client_secret_file: FILE:LINE of the section" \
	"agent\\.ini:$(line_of '^\[remote kargo\]'): \\[remote kargo\\] client_secret_file: missing, and template kargo-documents needs it" \
	"$T/stderr"
assert_match "the route's business: FILE:LINE of the section" \
	"agent\\.ini:$(line_of '^\[route docs\]'): \\[route docs\\] business: missing, and template kargo-documents needs it" \
	"$T/stderr"

# What follows needs the https transport (type = https, which the template
# sets); until it is built in, say so instead of failing.
config kargo-documents "client_secret_file = $T/secret" "business = acme"
ka check-config --offline
if grep -q "unknown remote type 'https'" "$T/stderr"; then
	echo "skip: no https transport yet: a templated remote passing check-config, an explicit auth winning"
	finish
fi
assert_eq "a templated remote giving client_id and client_secret_file passes check-config" 0 "$RC"
assert_match "check-config: 1 remote, 1 route" "agent\\.ini: 1 remote, 1 route\$" "$T/stdout"
config kargo-documents "client_secret_file = $T/secret
auth = bogus" "business = acme"
ka check-config --offline
assert_eq "an explicit auth wins over the template's: exit 78 for a bad one" 78 "$RC"
assert_match "the explicit auth is the one checked, at its line" \
	"agent\\.ini:$(line_of '^auth = bogus'): \\[remote kargo\\] auth: 'bogus' is not" "$T/stderr"
finish
