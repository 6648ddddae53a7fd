#!/bin/sh
# Secrets, TLS and permissions against the real servers (a private Dovecot,
# SMTP server, sshd and Kargo stand-in on 127.0.0.1):
#  - a file goes outbox -> SMTP -> IMAP -> SFTP -> local with an IMAP password
#    file, an SMTP password file and an SFTP key with a passphrase; then
#    check-config, once, run, status, list and show: no password or
#    passphrase (nor its base64 form, as AUTH sends it) in any output, log,
#    the manifest (file and dump), the metrics file or the spool;
#  - the same for an https remote (OAuth2 client credentials): a file goes
#    to the stand-in's /v1/documents, its tokens expire once (a refresh):
#    neither the client secret nor any token issued is anywhere but in the
#    token cache (MANIFEST.token-kargo, 0600);
#  - secret files that group or others may read are refused with the file
#    and its mode (password and client secret files at config load, SFTP key
#    and passphrase file at connect);
#  - IMAP (imaps), SMTP (STARTTLS) and HTTPS against a certificate that the
#    configured CA did not sign are refused, and nothing moves.
# (A changed SFTP host key is refused: tests/sftp/sftp-transport.sh.)
. "$(dirname "$0")/../integration/lib.sh"
servers="$KA_SRCDIR/tests/servers"
if ! [ -x /usr/sbin/sshd ]; then echo "SKIP: no sshd"; exit 77; fi
mkdir -p "$T/mail" "$T/logs"
chmod 755 "$T"   # the mail servers run as unprivileged users
SRV="$T/sshd"
stop_servers() {
	"$servers/smtp-stop" "$T/mail" 2>/dev/null
	"$servers/dovecot-stop" "$T/mail" 2>/dev/null
	"$servers/sshd-stop" "$SRV" KILL
	"$servers/kargo-stop" "$T/kargo"
}
trap 'stop_servers; cleanup' EXIT
"$servers/dovecot-start" "$T/mail" >/dev/null || exit $?
"$servers/smtp-start" "$T/mail" >/dev/null || exit $?
"$servers/sshd-start" "$SRV" >/dev/null || exit 1
"$servers/kargo-start" "$T/kargo" >/dev/null || exit 1
. "$T/kargo/kargo.env"
. "$T/mail/dovecot.env"
. "$T/mail/smtp.env"
. "$SRV/env"
export LSAN_OPTIONS="suppressions=$KA_SRCDIR/tests/email/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
D=$SSHD_DATA

# The secrets: the mail password (one for IMAP and SMTP: the servers share
# the user), and a passphrase on a key of our own.
PASSWORD=$(head -1 "$IMAP_PASSWORD_FILE")
PASSPHRASE="pp-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
umask 077
mkdir -p "$T/secrets"
printf '%s\n' "$PASSWORD" >"$T/secrets/imap.secret"
printf '%s\n' "$PASSWORD" >"$T/secrets/smtp.secret"
printf '%s\n' "$PASSPHRASE" >"$T/secrets/key.passphrase"
ssh-keygen -q -t ed25519 -N "$PASSPHRASE" -C kargo-pp -f "$T/secrets/id_pp"
umask 022
cat "$T/secrets/id_pp.pub" >>"$SSHD_DIR/authorized_keys"
b64() { printf "$1" | base64 -w0; }
SECRETS="$PASSWORD
$PASSPHRASE
$(b64 "\\0$IMAP_USER\\0$PASSWORD")
$(b64 "$IMAP_USER\\0$IMAP_USER\\0$PASSWORD")
$(b64 "$PASSWORD")
$(b64 "$PASSPHRASE")
$(cat "$KARGO_SECRET_FILE")
$(b64 "$KARGO_CLIENT_ID:$(cat "$KARGO_SECRET_FILE")")"

# config CA_FILE SMTP_URL [KARGO_CA_FILE]: every remote, the three routes
# of the chain, and a route to the Kargo stand-in.
config() {
	AGENT_EXTRA="metrics_file = $T/metrics.prom
poll_interval = 1" write_config <<EOF2
[remote mailbox]
type = imap
url = imaps://127.0.0.1:$IMAPS_PORT
user = $IMAP_USER
password_file = $T/secrets/imap.secret
ca_file = $1

[remote mailer]
type = smtp
url = $2
user = $IMAP_USER
password_file = $T/secrets/smtp.secret
ca_file = $1
from = agent@warehouse.example
to = $IMAP_USER@localhost

[remote srv]
type = sftp
host = 127.0.0.1
port = $SSHD_PORT
user = $SSHD_USER
key = $T/secrets/id_pp
passphrase_file = $T/secrets/key.passphrase
known_hosts = $SSHD_KNOWN_HOSTS

[remote kargo]
type = https
url = $KARGO_URL
auth = oauth2-client-credentials
token_url = $KARGO_URL/oauth/token
client_id = $KARGO_CLIENT_ID
client_secret_file = $KARGO_SECRET_FILE
audience = $KARGO_AUDIENCE
ca_file = ${3:-$KARGO_CA}

[route send]
source = $T/outbox
dest = mailer:intake
format = text
after = delete

[route intake]
source = mailbox:INBOX
pattern = *.csv
dest = srv:$D/inbox
format = text

[route down]
source = srv:$D/inbox
dest = $T/received
format = text
after = delete

[route api]
source = $T/api-in
dest = kargo:/v1/documents
format = expected-shipment
convert = kargo-documents
business = acme
facility = dock-1
EOF2
}
# step NAME ARGS...: run the agent, keep its output under logs/NAME.*
step() {
	name=$1; shift
	"$KA_BIN" -c "$T/agent.ini" "$@" >"$T/logs/$name.out" 2>"$T/logs/$name.err"
	RC=$?
}

mkdir -p "$T/outbox" "$T/api-in"
printf 'shipment_id,order_number,scheduled_departure,direction,sku,lpn,quantity,quantity_unit\nSHP-9,PO-9,2026-11-23,LOADING,SKU-9,LPN-9,4,CASE\n' \
	>"$T/api-in/api-1.csv"
printf 'shipment_id,sku,quantity\nSHP-1,SKU-1,5\n' >"$T/outbox/plan-1.csv"
sum=$(sha256sum <"$T/outbox/plan-1.csv")
config "$CA_FILE" "smtps://127.0.0.1:$SMTPS_PORT"
step check-config check-config
assert_eq "check-config with every secret exits 0" 0 "$RC"
assert_match "check-config logged into IMAP, SMTP and SFTP" \
	"ok +\[route down\] source srv:" "$T/logs/check-config.out"
step "once-1" once
# The stand-in forgets its tokens: the agent fetches another (a refresh).
printf 'expire-tokens\n' >"$T/kargo/faults"
printf 'shipment_id,order_number,scheduled_departure,direction,sku,lpn,quantity,quantity_unit\nSHP-10,PO-10,2026-11-23,LOADING,SKU-9,LPN-10,4,CASE\n' \
	>"$T/api-in/api-2.csv"
for i in 2 3; do step "once-$i" once; done
assert_eq "both files reached the stand-in's /v1/documents, with two tokens issued" "2 2" \
	"$(grep -c '"path": "/v1/documents"' "$T/kargo/stored.jsonl") $(grep -c . "$T/kargo/tokens")"
assert_eq "the file went outbox -> SMTP -> IMAP -> SFTP -> local intact" "$sum" \
	"$(sha256sum <"$T/received/plan-1.csv" 2>/dev/null)"
printf 'shipment_id,sku,quantity\nSHP-2,SKU-2,7\n' >"$T/outbox/plan-2.csv"
"$KA_BIN" -c "$T/agent.ini" run >"$T/logs/run.out" 2>"$T/logs/run.err" &
pid=$!
BG_PIDS=$pid
i=0
while [ ! -e "$T/received/plan-2.csv" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM "$pid"; wait "$pid"; rc=$?; BG_PIDS=""
assert_eq "run carried a second file through the chain, then stopped on SIGTERM with 0" "yes 0" \
	"$([ -e "$T/received/plan-2.csv" ] && echo yes || echo no) $rc"
step status status
step list list
step show show 1
step check-config-2 check-config
sqlite3 "$T/manifest.db" .dump >"$T/logs/manifest.dump"
assert_eq "the manifest recorded the chain (6 files, 3 per file)" 6 "$(sql "select count(*) from files where route != 'api'")"
assert_eq "the token cache beside the manifest is mode 600" 600 "$(stat -c %a "$T/manifest.db.token-kargo" 2>/dev/null)"
SECRETS="$SECRETS
$(cat "$T/kargo/tokens")"

# The control: the search finds each secret where it belongs.
assert_eq "the search finds the password in its file" 1 \
	"$(grep -rlF -- "$PASSWORD" "$T/secrets/imap.secret" | wc -l | tr -d ' ')"
assert_eq "the search finds a token the stand-in issued in the token cache" 1 \
	"$(tail -1 "$T/kargo/tokens" | grep -lFf - "$T/manifest.db.token-kargo" | wc -l | tr -d ' ')"
found=$(printf '%s\n' "$SECRETS" | while IFS= read -r s; do
	grep -rlaF --exclude=manifest.db.token-kargo -- "$s" "$T/logs" "$T"/manifest.db* "$T/metrics.prom" "$T/spool" \
		"$T/received" "$T/stdout" "$T/stderr" 2>/dev/null
done | sort -u)
assert_eq "no password, passphrase, client secret or token in any output, log, manifest, metrics or spool file" "" "$found"
assert_eq "the files searched are there (logs of 9 steps, manifest, metrics)" "9 yes yes" \
	"$(ls "$T/logs" | grep -c '\.err$') $([ -s "$T/manifest.db" ] && echo yes) $([ -s "$T/metrics.prom" ] && echo yes)"

# --- secret files others may read are refused, naming the file and mode ---
chmod 644 "$T/secrets/imap.secret"
chmod 640 "$T/secrets/smtp.secret"
ka check-config
assert_eq "loose password files: check-config exits 78" 78 "$RC"
assert_match "IMAP password file refused with its mode" \
	"\[remote mailbox\] password_file: $T/secrets/imap.secret is readable by others \(mode 0644\); chmod 600 it" "$T/stderr"
assert_match "SMTP password file refused with its mode" \
	"\[remote mailer\] password_file: $T/secrets/smtp.secret is readable by others \(mode 0640\); chmod 600 it" "$T/stderr"
ka once
assert_eq "loose password files: once refuses to start (78)" 78 "$RC"
chmod 600 "$T/secrets/imap.secret" "$T/secrets/smtp.secret"
chmod 640 "$KARGO_SECRET_FILE"
ka check-config
assert_eq "loose client secret file: check-config exits 78" 78 "$RC"
assert_match "client secret file refused with its mode" \
	"\[remote kargo\] client_secret_file: $KARGO_SECRET_FILE is readable by others \(mode 0640\)" "$T/stderr"
chmod 600 "$KARGO_SECRET_FILE"
chmod 644 "$T/secrets/id_pp"
ka check-config
assert_eq "loose SFTP key: check-config exits 69" 69 "$RC"
assert_match "SFTP key refused with its mode" \
	"FAIL .*key file $T/secrets/id_pp is accessible by group or others \(mode 0644\); refusing to use it" "$T/stdout"
chmod 600 "$T/secrets/id_pp"
chmod 604 "$T/secrets/key.passphrase"
ka check-config
assert_eq "loose passphrase file: check-config exits 69" 69 "$RC"
assert_match "passphrase file refused with its mode" \
	"FAIL .*passphrase file $T/secrets/key.passphrase is accessible by group or others \(mode 0604\)" "$T/stdout"
chmod 600 "$T/secrets/key.passphrase"

# --- certificates the configured CA did not sign ---
"$servers/test-ca" "$T/other-ca"
printf 'shipment_id,sku,quantity\nSHP-3,SKU-3,9\n' >"$T/outbox/plan-3.csv"
msgs_before=$(find "$MAILDIR/new" "$MAILDIR/cur" -type f | wc -l | tr -d ' ')
config "$T/other-ca/ca.crt" "smtp://127.0.0.1:$SMTP_PORT" "$T/other-ca/ca.crt"
ka check-config
assert_eq "another CA: check-config exits 69" 69 "$RC"
assert_match "IMAP (imaps) certificate refused" "FAIL +\[route intake\] source mailbox:INBOX: .*certificate" "$T/stdout"
assert_match "SMTP (STARTTLS) certificate refused" "FAIL +\[route send\] dest mailer:intake: .*certificate" "$T/stdout"
assert_match "HTTPS certificate refused" "FAIL +\[route api\] dest kargo:/v1/documents: .*certificate" "$T/stdout"
ka once
assert_eq "another CA: once exits 69" 69 "$RC"
assert_match "the intake cycle fails on the certificate" "event=route_failed route=intake .*certificate" "$T/stderr"
assert_match "the send is refused for good (dead: TLS refusals are permanent), naming the certificate" \
	"event=dead .*route=send .*its TLS certificate is not trusted" "$T/stderr"
assert_eq "nothing was sent" "$msgs_before" "$(find "$MAILDIR/new" "$MAILDIR/cur" -type f | wc -l | tr -d ' ')"
assert_eq "the file waits in the outbox" yes "$([ -e "$T/outbox/plan-3.csv" ] && echo yes || echo no)"
finish
