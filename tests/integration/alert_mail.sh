#!/bin/sh
# [agent] alert = REMOTE: one e-mail per file and state when a file goes
# dead or rejected, through a real SMTP server (tests/servers, delivering
# into Dovecot's Maildir): it names the file id, route, name, state, last
# error and the command to retry; never twice, also across runs (an
# `alerted` event); a mail server that is down is logged, holds no file
# back, and the alert goes on the next cycle; no password in it.
# check-config refuses a bad alert or alert_on with its line number.
. "$(dirname "$0")/lib.sh"
servers="$KA_SRCDIR/tests/servers"
mkdir -p "$T/mail"
chmod 755 "$T"   # the mail servers run as unprivileged users
trap '"$servers/smtp-stop" "$T/mail" 2>/dev/null; "$servers/dovecot-stop" "$T/mail" 2>/dev/null; cleanup' EXIT
"$servers/dovecot-start" "$T/mail" >/dev/null || exit $?
"$servers/smtp-start" "$T/mail" >/dev/null || exit $?
. "$T/mail/dovecot.env"
. "$T/mail/smtp.env"
export LSAN_OPTIONS="suppressions=$KA_SRCDIR/tests/email/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
PASSWORD=$(head -1 "$IMAP_PASSWORD_FILE")
umask 077
printf '%s\n' "$PASSWORD" >"$T/smtp.secret"
umask 022

# config PORT [ALERT_LINES]: a route that dies (blocked destination), one
# that rejects (an invalid expected-shipment file), one that works.
config() {
	AGENT_EXTRA="${2:-alert = ops}" write_config <<EOF2
[remote ops]
type = smtp
url = smtps://127.0.0.1:$1
user = $IMAP_USER
password_file = $T/smtp.secret
ca_file = $CA_FILE
from = agent@warehouse.example
to = $IMAP_USER@localhost
connect_timeout = 5

[route dies]
source = $T/in1
dest = $T/block/out
format = text
max_attempts = 1

[route rejects]
source = $T/in2
dest = $T/out2
format = expected-shipment

[route works]
source = $T/in3
dest = $T/out3
format = text
EOF2
}
mails() { find "$MAILDIR/new" -type f | wc -l | tr -d ' '; }

mkdir -p "$T/in1" "$T/in2" "$T/in3"
echo "payload" >"$T/in1/dead-one.csv"
printf 'no,header,here\n1,2\n' >"$T/in2/bad-plan.csv"
: >"$T/block"

# The mail server is down (a port nobody listens on): the alert fails,
# is logged, and files are carried all the same.
config "$("$servers/free-port")"
ka check-config --offline
assert_eq "check-config accepts alert = an smtp remote" 0 "$RC"
echo "works" >"$T/in3/a.csv"
ka once
assert_eq "once exits 69 (a file is dead), not held by the alert" 69 "$RC"
assert_eq "the working route's file is delivered" works "$(cat "$T/out3/a.csv" 2>/dev/null)"
assert_eq "one dead, one rejected" "dead rejected" \
	"$(sql "select state from files where route in ('dies','rejects') order by route" | tr '\n' ' ' | sed 's/ $//')"
assert_match "the failed alert is logged" "event=alert_failed file=[0-9]+ route=dies state=dead remote=ops error=" "$T/stderr"
assert_eq "no alert recorded while it failed" 0 "$(sql "select count(*) from events where event='alerted'")"
assert_eq "no mail yet" 0 "$(mails)"
assert_eq "the alert remote's failed attempt is recorded for status" 1 \
	"$(sql "select failures from remotes where remote='ops'")"

# The server is back: the next cycle sends both, once each.
config "$SMTPS_PORT"
ka once
assert_match "alerted logged" "event=alerted file=[0-9]+ route=dies state=dead remote=ops" "$T/stderr"
assert_eq "two mails: one dead, one rejected" 2 "$(mails)"
assert_eq "two alerted events" 2 "$(sql "select count(*) from events where event='alerted'")"
ka once
"$KA_BIN" -c "$T/agent.ini" once >/dev/null 2>&1
assert_eq "no second mail across runs" 2 "$(mails)"
dead_id=$(sql "select id from files where route='dies'")
dead_mail=$(grep -l "route=dies\|route dies" "$MAILDIR/new"/* | head -1)
# The body is quoted-printable; undo soft line breaks and =3D before looking.
body() { sed -e ':a' -e '/=\r\{0,1\}$/{N;s/=\r\{0,1\}\n//;ba' -e '}' "$1" | sed 's/=3D/=/g; s/\r$//'; }
body "$dead_mail" >"$T/dead.txt"
assert_match "subject names id, name, state, route" "^Subject: kargo-agent: file $dead_id dead-one.csv is dead \(route dies\)" "$T/dead.txt"
assert_match "body names the file id" "^file: +$dead_id$" "$T/dead.txt"
assert_match "body names the route" "^route: +dies$" "$T/dead.txt"
assert_match "body names the name" "^name: +dead-one.csv$" "$T/dead.txt"
assert_match "body names the state" "^state: +dead$" "$T/dead.txt"
assert_match "body has the last error" "^last error: .*block" "$T/dead.txt"
assert_match "body says how to retry" "kargo-agent -c $T/agent.ini retry $dead_id$" "$T/dead.txt"
rej_mail=$(grep -L "route dies" "$MAILDIR/new"/* | head -1)
body "$rej_mail" >"$T/rejected.txt"
assert_match "the rejected file's mail" "^state: +rejected$" "$T/rejected.txt"
assert_match "it points at the error report" "bad-plan.csv.errors.txt" "$T/rejected.txt"
if grep -qF "$PASSWORD" "$MAILDIR/new"/*; then fail "a password in an alert"; else ok "no password in the alerts"; fi

# Retried, then dead again: no new mail.
ka retry "$dead_id"
ka once
assert_eq "dead again after retry: at most one mail per file and state" 2 "$(mails)"

# check-config: bad alert settings, with their line numbers.
config "$SMTPS_PORT" "alert = nowhere
alert_on = dead, lost"
ka check-config --offline
assert_eq "bad alert settings: exit 78" 78 "$RC"
assert_match "an unknown alert remote, with its line" "agent.ini:8: \[agent\] alert: 'nowhere' names no \[remote nowhere\] section" "$T/stderr"
assert_match "an unknown alert_on state, with its line" "agent.ini:9: \[agent\] alert_on: 'lost' is not dead, corrupt or rejected" "$T/stderr"
config "$SMTPS_PORT" "alert = box"
printf '[remote box]\ntype = imap\nurl = imaps://127.0.0.1:1\n' >>"$T/agent.ini"
ka check-config --offline
assert_match "an alert remote that cannot send" "agent.ini:8: \[agent\] alert: remote 'box' is of type imap, which cannot send a message" "$T/stderr"
finish
