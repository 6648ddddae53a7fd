#!/bin/sh
# Hostile attachments through IMAP (a private Dovecot on 127.0.0.1): names
# with '../', '/' (RFC 2231 %2F), a NUL (%00 and an encoded word), a line
# break, a C1 control and 4,000 bytes are saved under safe names inside the
# destination, and the name as sent is recorded (a "renamed" event); a
# message nested 1,000 multiparts deep and one with 1,000 forwarded messages
# inside each other are rejected with the reason, quarantined, never crash.
. "$(dirname "$0")/../integration/lib.sh"
servers="$KA_SRCDIR/tests/servers"
mkdir -p "$T/mail"
chmod 755 "$T"   # the mail servers run as unprivileged users
trap '"$servers/dovecot-stop" "$T/mail" 2>/dev/null; cleanup' EXIT
"$servers/dovecot-start" "$T/mail" >/dev/null || exit $?
. "$T/mail/dovecot.env"
export LSAN_OPTIONS="suppressions=$KA_SRCDIR/tests/email/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

# Messages straight into the Maildir, written by python3 byte by byte.
/usr/bin/python3 - "$MAILDIR/new" <<'PY'
import sys
new = sys.argv[1]
head = "From: wms@example.com\r\nTo: intake@example.com\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
names = [
    "filename*=UTF-8''report.csv%00.exe",
    "filename*=UTF-8''..%2F..%2F..%2Fescaped.csv",
    "filename=\"../../up.csv\"",
    "filename*=UTF-8''line%0Abreak.csv",
    "filename=\"=?UTF-8?B?bnVsAGluLXdvcmQuY3N2?=\"",
    "filename*=UTF-8''c1%C2%85ctl.csv",
    "filename=\"%s.csv\"" % ("L" * 3996),
]
m = head % "names" + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
for n in names:
    m += '--b\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; %s\r\n\r\na,b\r\n' % n
m += "--b--\r\n"
open(new + "/names.eml:2,", "w").write(m)
d = head % "deep" + 'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
for i in range(1000):
    d += '--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i, i + 1)
d += '--b1000\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename="deep.csv"\r\n\r\na,b\r\n'
for i in range(1000, -1, -1):
    d += "--b%d--\r\n" % i
open(new + "/deep.eml:2,", "w").write(d)
f = 'Content-Type: text/csv\r\nContent-Disposition: attachment; filename="fwd.csv"\r\n\r\na,b\r\n'
for i in range(1000):
    f = "Content-Type: message/rfc822\r\n\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n" + f
open(new + "/forwarded.eml:2,", "w").write(head % "forwarded" + f)
PY
write_config <<EOF2
[remote mailbox]
type = imap
url = imaps://127.0.0.1:$IMAPS_PORT
user = $IMAP_USER
password_file = $IMAP_PASSWORD_FILE
ca_file = $CA_FILE

[route intake]
source = mailbox:INBOX
dest = $T/received
format = text
EOF2
touch "$T/before"
ka once
assert_eq "once exits 65: two messages rejected" 65 "$RC"
long200=$(head -c 196 /dev/zero | tr '\0' 'L').csv
assert_eq "the attachments got safe names inside the destination" \
	"$long200
attachment-1.csv
c1_ctl.csv
escaped.csv
line_break.csv
nul?in-word.csv
up.csv" "$(ls -A "$T/received" | LC_ALL=C sort)"
assert_eq "nothing written outside the destination and the spool" "" \
	"$(find "$T" -newer "$T/before" -type f ! -path "$T/received/*" ! -path "$T/spool/*" \
		! -path "$T/mail/*" ! -name 'manifest.db*' ! -name stdout ! -name stderr)"
assert_eq "no saved name holds a control character" 0 \
	"$(ls -A "$T/received" | LC_ALL=C grep -c '[[:cntrl:]]')"
renamed() { sql "select count(*) from events where event='renamed' and detail like '$1'"; }
assert_eq "the name cut at %00 is recorded as sent" 1 "$(renamed 'sent_name=report.csv%00...')"
assert_eq "the traversal is recorded as sent" 1 "$(renamed 'sent_name=../../../escaped.csv')"
assert_eq "the line break is recorded escaped" 1 "$(renamed 'sent_name="line\nbreak.csv"')"
# GMime itself turns the NUL of an encoded word into '?': that name is not changed.
assert_eq "every changed name recorded (6 of the 7)" 6 "$(renamed 'sent_name=%')"
assert_match "the log names what was sent" 'event=staged .*name=attachment-1\.csv .*sent_name=report\.csv%00\.\.\.' "$T/stderr"
assert_eq "every log line is one line" 0 "$(grep -cv '^ts=' "$T/stderr")"

assert_match "the deep message is rejected: too many boundaries" \
	'event=rejected .*error="message has a broken MIME structure: 1001 multipart boundaries, more than the limit of 128"' "$T/stderr"
assert_match "the forwarded chain is rejected: too deep" \
	'event=rejected .*error="message has a broken MIME structure: part [0-9.]* is nested deeper than the limit of 32 levels"' "$T/stderr"
assert_eq "both quarantined with their report" 2 \
	"$(ls "$T/spool/quarantine/intake/" | grep -c '^message-.*\.eml\.errors\.txt$')"
assert_eq "the manifest records them rejected as broken_mime" 2 \
	"$(sql "select count(*) from files where state='rejected' and summary like '%broken_mime%'")"
ka once
assert_match "the next cycle takes nothing again" "once: 0 staged" "$T/stdout"
finish
