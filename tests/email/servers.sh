#!/bin/sh
# Run tests/email/test_email_servers against a private Dovecot and SMTP
# server on 127.0.0.1 (tests/servers), stopped again whatever happens.
# Skips (exit 77) when dovecot or python3-aiosmtpd is not installed.
set -eu
src=${KA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KA_BUILDDIR:-$src/build}
dir=$(mktemp -d "${TMPDIR:-/tmp}/ka-mail-XXXXXX")
cleanup() {
	"$src/tests/servers/smtp-stop" "$dir" || true
	"$src/tests/servers/dovecot-stop" "$dir" || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
"$src/tests/servers/dovecot-start" "$dir" || exit $?
"$src/tests/servers/smtp-start" "$dir" || exit $?
set -a
. "$dir/dovecot.env"
. "$dir/smtp.env"
set +a
DOWN_PORT=$("$src/tests/servers/free-port")
KA_SRCDIR=$src
export DOWN_PORT KA_SRCDIR
export LSAN_OPTIONS="suppressions=$src/tests/email/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
"$build/tests/email/test_email_servers"
