#!/bin/sh
# E-mail end to end through the real binary, against a private Dovecot and
# SMTP server on 127.0.0.1: a file sent by one route over SMTP comes back out
# of the mailbox by IMAP on another with identical bytes; attachments of
# fixture messages (path traversal, duplicates, broken MIME) are taken as the
# contract says; nothing is taken twice across restarts or a UIDVALIDITY
# change; seen, move and delete are checked on the server; a wrong password
# and an untrusted certificate are refused with a clear message. A message
# whose payloads would pass spool_max_bytes stays unread until they fit.
. "$(dirname "$0")/../integration/lib.sh"
servers="$KA_SRCDIR/tests/servers"
mkdir -p "$T/mail"
chmod 755 "$T"   # the mail servers run as unprivileged users
stop_servers() { "$servers/smtp-stop" "$T/mail" 2>/dev/null; "$servers/dovecot-stop" "$T/mail" 2>/dev/null; }
trap 'stop_servers; cleanup' EXIT
"$servers/dovecot-start" "$T/mail" >/dev/null || exit $?
"$servers/smtp-start" "$T/mail" >/dev/null || exit $?
. "$T/mail/dovecot.env"
. "$T/mail/smtp.env"
export LSAN_OPTIONS="suppressions=$KA_SRCDIR/tests/email/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

msgs() { find "$1/cur" "$1/new" -type f 2>/dev/null | wc -l | tr -d ' '; }
mail_config() {  # mail_config AFTER [CA_FILE_LINE] [PASSWORD_FILE]
	write_config <<EOF2
[remote mailbox]
type = imap
url = imaps://127.0.0.1:$IMAPS_PORT
user = $IMAP_USER
password_file = ${3:-$IMAP_PASSWORD_FILE}
${2-ca_file = $CA_FILE}

[remote mailer]
type = smtp
url = smtps://127.0.0.1:$SMTPS_PORT
user = $IMAP_USER
password_file = $IMAP_PASSWORD_FILE
ca_file = $CA_FILE
from = agent@warehouse.example
to = $IMAP_USER@localhost

[route send]
source = $T/outbox
dest = mailer:intake
format = text

[route intake]
source = mailbox:INBOX
pattern = *.csv
dest = $T/received
format = text
after = $1
EOF2
}
mkdir -p "$T/outbox"
printf 'shipment_id,sku,quantity\nSHP-1,SKU-1,5\n' >"$T/outbox/expected-0800.csv"
mail_config seen
ka once
assert_eq "send + intake cycle exits 0" 0 "$RC"
ka once   # the intake route may have run before the message arrived
assert_eq "round trip: identical bytes" "$(sha256sum <"$T/outbox/expected-0800.csv")" \
	"$(sha256sum <"$T/received/expected-0800.csv" 2>/dev/null)"
assert_eq "seen: message flagged S in the Maildir" 1 "$(ls "$MAILDIR/cur" | grep -c ':2,[A-Z]*S')"

# Fixture messages straight into the Maildir.
for f in path_traversal duplicate_names malformed_boundary no_attachment; do
	cp "$KA_SRCDIR/tests/email/data/$f.eml" "$MAILDIR/new/$f.$$:2,"
done
ka once
assert_eq "fixtures cycle: a rejected message makes once exit 65" 65 "$RC"
assert_eq "path traversal name made safe" yes "$([ -f "$T/received/passwd.csv" ] && echo yes || echo no)"
assert_eq "nothing written outside the destination" 0 "$(find "$T" -name passwd.csv ! -path "$T/received/*" ! -path "$T/spool/*" | wc -l | tr -d ' ')"
assert_match "broken MIME recorded as rejected" "event=rejected .*name=message-" "$T/stderr"
assert_eq "rejected message quarantined with its report" 1 \
	"$(ls "$T/spool/quarantine/intake/" | grep -c '^message-.*\.eml\.errors\.txt$')"
n_received=$(count_files "$T/received")

ka once
assert_match "next cycle takes nothing again" "once: 0 staged" "$T/stdout"

# UIDVALIDITY change: the mailbox is renumbered; nothing is carried twice.
"$servers/smtp-stop" "$T/mail"
"$servers/dovecot-stop" "$T/mail"
rm -f "$MAILDIR"/dovecot*
"$servers/dovecot-start" "$T/mail" >/dev/null || exit 1
"$servers/smtp-start" "$T/mail" >/dev/null || exit 1
. "$T/mail/dovecot.env"
. "$T/mail/smtp.env"
mail_config seen
ka once
assert_match "UIDVALIDITY change noticed" "event=uidvalidity_changed" "$T/stderr"
assert_eq "UIDVALIDITY change: no file carried twice" "$n_received" "$(count_files "$T/received")"

# move and delete, each checked on the server.
printf 'a,b\n1,2\n' >"$T/outbox/move-me.csv"
mail_config move:Processed
ka once; ka once
assert_eq "move: the message is in the Processed folder" 1 "$(msgs "$MAILDIR/.Processed")"
printf 'a,b\n3,4\n' >"$T/outbox/delete-me.csv"
before=$(msgs "$MAILDIR")
mail_config delete
ka once; ka once
assert_eq "delete: the file was taken" yes "$([ -f "$T/received/delete-me.csv" ] && echo yes || echo no)"
assert_eq "delete: the message is gone from the server" "$before" "$(msgs "$MAILDIR")"

# The spool's budget: a message whose payloads would pass it stays unread
# at the server, and is taken once the budget allows it.
printf 'From: wms@example.com\r\nTo: %s@localhost\r\nSubject: held\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\nContent-Type: text/csv; name=held.csv\r\nContent-Disposition: attachment; filename=held.csv\r\n\r\na,b\r\n7,8\r\n--b1--\r\n' \
	"$IMAP_USER" >"$MAILDIR/new/held.$$:2,"
AGENT_EXTRA="spool_max_bytes = 1B" mail_config seen
ka once
assert_eq "budget reached: once exits 69" 69 "$RC"
assert_match "spool_full names the payload" "event=spool_full .*route=intake name=held.csv" "$T/stderr"
assert_eq "the payload is not taken" no "$([ -f "$T/received/held.csv" ] && echo yes || echo no)"
assert_eq "the message stays unread" 0 "$(ls "$MAILDIR/cur" "$MAILDIR/new" | grep "^held\.$$" | grep -c ':2,[A-Z]*S')"
AGENT_EXTRA="spool_max_bytes = 1G" mail_config seen
ka once
assert_eq "budget raised: once exits 0" 0 "$RC"
assert_match "staging resumed" "event=spool_resumed" "$T/stderr"
assert_eq "the payload is taken" 1 "$(grep -c '^7,8' "$T/received/held.csv" 2>/dev/null)"
assert_eq "and the message flagged seen" 1 "$(ls "$MAILDIR/cur" | grep "^held\.$$" | grep -c ':2,[A-Z]*S')"

# check-config logs into both servers.
mail_config seen
ka check-config
assert_eq "check-config with good credentials exits 0" 0 "$RC"
assert_match "IMAP login and mailbox checked" "ok +\\[route intake\\] source mailbox:INBOX: logged in, mailbox selected" "$T/stdout"
assert_match "SMTP login checked" "ok +\\[route send\\] dest mailer:intake: logged in" "$T/stdout"

# Refusals.
umask 077; echo wrong >"$T/wrong.secret"; umask 022
mail_config seen "ca_file = $CA_FILE" "$T/wrong.secret"
ka check-config
assert_eq "wrong password: check-config exits 69" 69 "$RC"
assert_match "wrong password explained" "FAIL .*mailbox.*(login|auth|password)" "$T/stdout"
assert_no_match "password never printed" "$(cat "$IMAP_PASSWORD_FILE")" "$T/stdout"
mail_config seen "" 
ka check-config
assert_eq "untrusted certificate: check-config exits 69" 69 "$RC"
assert_match "untrusted certificate explained" "FAIL .*certificate" "$T/stdout"
finish
