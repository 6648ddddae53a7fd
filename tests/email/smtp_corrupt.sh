#!/bin/sh
# A spool copy changed on disk while its SMTP delivery waits for a retry is
# never sent: the attachment is checked as libcurl reads it and the message
# is cut off before its end, so the server accepts nothing. The file becomes
# corrupt, its source is kept, and the next cycle stages it again and sends
# it once with the original bytes.
. "$(dirname "$0")/../integration/lib.sh"
servers="$KA_SRCDIR/tests/servers"
mkdir -p "$T/mail"
chmod 755 "$T"   # the mail servers run as unprivileged users
stop_servers() { "$servers/smtp-stop" "$T/mail" 2>/dev/null; "$servers/dovecot-stop" "$T/mail" 2>/dev/null; }
trap 'stop_servers; cleanup' EXIT
"$servers/dovecot-start" "$T/mail" >/dev/null || exit $?
"$servers/smtp-start" "$T/mail" >/dev/null || exit $?
. "$T/mail/dovecot.env"
export LSAN_OPTIONS="suppressions=$KA_SRCDIR/tests/email/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

msgs() { find "$MAILDIR/cur" "$MAILDIR/new" -type f 2>/dev/null | wc -l | tr -d ' '; }
# The sha256 of every attachment in the Maildir, one a line.
attachments() {
	python3 - "$MAILDIR" <<'PY'
import email, email.policy, hashlib, os, sys
for sub in ("cur", "new"):
    d = os.path.join(sys.argv[1], sub)
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        for part in m.iter_attachments():
            print(hashlib.sha256(part.get_payload(decode=True)).hexdigest())
PY
}
mail_config() {
	. "$T/mail/smtp.env"
	write_config <<EOF2
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
after = delete
EOF2
}
mkdir -p "$T/outbox"
# Larger than libcurl's buffers, so the change is read after sending began.
head -c 300000 /dev/urandom | od -An -tx1 | tr -d ' \n' | fold -w 76 >"$T/outbox/eos.csv"
good=$(sha256sum <"$T/outbox/eos.csv" | cut -d' ' -f1)
mail_config
"$servers/smtp-stop" "$T/mail"   # the SMTP server is down
ka once
assert_eq "server down: once exits 69" 69 "$RC"
obj=$(sql "select spool_path from files")
size=$(stat -c %s "$obj")
printf 'X' | dd of="$obj" bs=1 seek=$((size - 10)) count=1 conv=notrunc 2>/dev/null
"$servers/smtp-start" "$T/mail" >/dev/null || exit 1
mail_config
sleep 1.1
ka once
assert_eq "a corrupt spool copy: once exits 74" 74 "$RC"
assert_eq "the server accepted no message" 0 "$(msgs)"
assert_eq "the file is corrupt" corrupt "$(sql "select state from files")"
assert_eq "the source is kept (after = delete)" 1 "$(count_files "$T/outbox")"
assert_match "the log names both digests" "event=spool_corrupt .*expected=$good actual=[0-9a-f]{64}" "$T/stderr"
ka once
assert_eq "staged again and sent: once exits 0" 0 "$RC"
assert_eq "one message" 1 "$(msgs)"
assert_eq "its attachment has the original bytes" "$good" "$(attachments)"
assert_eq "the source is finished now" 0 "$(count_files "$T/outbox")"
ka once
assert_eq "sent exactly once" 1 "$(msgs)"
finish
