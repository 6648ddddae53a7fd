#!/bin/sh
# Password authentication against a real sshd (tests/servers/sshd-start with
# SSHD_PASSWORD: the password lives in a private copy of /etc/shadow, so this
# needs root and unshare). A file goes local -> SFTP with password_file; a
# password file others can read is refused; a wrong password is refused with
# a clear error, the file waits and arrives once the password is right; the
# password appears in no output, log or manifest row.
. "$(dirname "$0")/../integration/lib.sh"
SERVERS="$KA_SRCDIR/tests/servers"
if ! [ -x /usr/sbin/sshd ]; then echo "SKIP: no sshd"; exit 77; fi
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	echo "SKIP: password authentication needs root and unshare (a private /etc/shadow)"; exit 77
fi
SRV="$T/sshd"
PASS='Corr3ct horse:battery'
trap '"$SERVERS/sshd-stop" "$SRV" KILL; cleanup' EXIT
SSHD_PASSWORD=$PASS "$SERVERS/sshd-start" "$SRV" >/dev/null || exit 1
. "$SRV/env"
D=$SSHD_DATA

printf '%s\n' "$PASS" > "$T/password"
chmod 600 "$T/password"
printf 'not the password\n' > "$T/wrong"
chmod 600 "$T/wrong"
config() {  # config PASSWORD_FILE
	{ printf '[remote srv]\ntype = sftp\nhost = 127.0.0.1\nport = %s\nuser = %s\n' "$SSHD_PORT" "$SSHD_USER"
	  printf 'password_file = %s\nknown_hosts = %s\n\n' "$1" "$SSHD_KNOWN_HOSTS"
	  printf '[route up]\nsource = %s/in\ndest = srv:%s/inbox\nformat = text\nafter = delete\n' "$T" "$D"
	} | write_config
}
# Every byte the agent wrote anywhere, for the secret check at the end.
keep_output() { cat "$T/stdout" "$T/stderr" >> "$T/all-output"; }

mkdir -p "$T/in"
head -c 200000 /dev/urandom > "$T/in/a.csv"
want=$(sha256sum < "$T/in/a.csv")

# --- the right password: check-config logs in, the file arrives ---
config "$T/password"
ka check-config; keep_output
assert_eq "check-config logs in with the password" 0 "$RC"
ka once; keep_output
assert_eq "once exits 0" 0 "$RC"
assert_eq "file arrives with its bytes" "$want" "$(sha256sum < "$D/inbox/a.csv" 2>/dev/null)"

# --- a password file others can read is refused before connecting ---
chmod 644 "$T/password"
head -c 1000 /dev/urandom > "$T/in/b.csv"
ka once; keep_output
assert_eq "once exits 69: delivery to be retried" 69 "$RC"
assert_match "loose password file refused, with the fix" "password file .*mode 0644.*chmod 600" "$T/stderr"
assert_eq "nothing delivered with a loose password file" no "$([ -e "$D/inbox/b.csv" ] && echo yes || echo no)"
assert_eq "source kept" 1 "$(count_files "$T/in")"
chmod 600 "$T/password"

# --- a wrong password: refused, the file waits ---
config "$T/wrong"
ka check-config; keep_output
assert_eq "check-config fails on a wrong password" 69 "$RC"
assert_match "refusal names the user and the password file" "authentication as $SSHD_USER with the password from $T/wrong refused" "$T/stdout"
sleep 1.1  # the file's retry is due (retry_base = 1)
ka once; keep_output
assert_eq "once with a wrong password exits 69" 69 "$RC"
assert_eq "nothing delivered with a wrong password" no "$([ -e "$D/inbox/b.csv" ] && echo yes || echo no)"
assert_eq "the file waits for a retry, with the reason" "pending 1" "$(sql "select state, attempts >= 1 and last_error like '%authentication%refused%' from files where name='b.csv'" | tr '|' ' ')"

# --- the right password again: delivered once ---
config "$T/password"
sleep 1.1  # retry_base = 1
ka once; keep_output
assert_eq "delivered after the password is fixed" 0 "$RC"
assert_eq "delivered once" 1 "$(sql "select count(*) from events e join files f on f.id = e.file_id where f.name='b.csv' and e.event='delivered'")"
assert_eq "source finished" 0 "$(count_files "$T/in")"

# --- the password is nowhere ---
sqlite3 "$T/manifest.db" .dump > "$T/manifest.dump"
for f in "$T/all-output" "$T/manifest.dump"; do
	assert_eq "password not in $(basename "$f")" 0 "$(grep -cF "$PASS" "$f")"
done
finish
