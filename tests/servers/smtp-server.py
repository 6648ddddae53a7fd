#!/usr/bin/python3
"""A small SMTP server for tests (aiosmtpd) that delivers every accepted
message into a Maildir, as a local delivery agent would: written to tmp/,
fsynced, then renamed into new/ under a unique name.

  smtp-server.py MAILDIR PORT SMTPS_PORT CERT KEY USER PASSWORD_FILE [UID GID]

PORT offers STARTTLS (not required, for tls = none tests); SMTPS_PORT is
implicit TLS. AUTH PLAIN/LOGIN is required and checked against USER and
the password in PASSWORD_FILE. Runs until SIGTERM."""
import os, signal, socket, ssl, sys, threading, time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

maildir, port, sport, cert, key, user, pwfile = sys.argv[1:8]
owner = (int(sys.argv[8]), int(sys.argv[9])) if len(sys.argv) > 9 else None
password = open(pwfile).read().strip()
counter = [0]


class MaildirHandler:
    async def handle_DATA(self, server, session, envelope):
        counter[0] += 1
        name = "%d.P%dQ%d.kargo-test" % (time.time(), os.getpid(), counter[0])
        tmp = os.path.join(maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(envelope.original_content)
            f.flush()
            os.fsync(f.fileno())
        if owner:
            os.chown(tmp, *owner)
        os.rename(tmp, os.path.join(maildir, "new", name))
        return "250 2.0.0 Ok: delivered as " + name


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
          and auth_data.password.decode() == password)
    return AuthResult(success=ok, handled=False)


def context():
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


common = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False,
              hostname="127.0.0.1")
plain = Controller(MaildirHandler(), port=int(port), tls_context=context(),
                   require_starttls=False, server_hostname="localhost", **common)
implicit = Controller(MaildirHandler(), port=int(sport), ssl_context=context(),
                      server_hostname="localhost", **common)
plain.start()
implicit.start()
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: done.set())
signal.signal(signal.SIGINT, lambda *a: done.set())
print("ready", flush=True)
done.wait()
plain.stop()
implicit.stop()
