#!/usr/bin/env python3
"""kargo-standin: a small HTTPS server on 127.0.0.1 playing Kargo's documented
API for the tests (tests/servers/kargo-start starts it, kargo-stop stops it).

  POST /oauth/token     grant_type client_credentials (client_id, client_secret,
                        audience) or password (username, password), JSON or form
                        -> access_token, token_type Bearer, expires_in LIFETIME
  POST /login           {"username", "password"} -> {"data": {"token": ...}}
  POST /v1/documents    a Bearer token (or Basic USER:PASSWORD); the body checked
                        against the documented fields (422 when wrong); APPEND of
                        an lpn+sku already there -> 409
  POST /public_graphql  the processPayload mutation -> message, success, loggingId
  POST /v1/ANY          any body (JSON checked when sent as JSON), stored

Every reply has a Content-Length (HTTP/1.1 keep-alive) and echoes Correlation-Id.
State directory DIR: requests.jsonl (one line per request: ts, end, path,
status, correlation_id, presented (the Authorization scheme sent), auth
(bearer or basic when accepted), token_requests, fault), stored.jsonl (each body
accepted: ts, path, correlation_id, content_type, body), tokens (each token
issued, for the tests that look for them where they must not be).

Faults: DIR/faults is read again on every request; the first line that applies
is used and its count (when given) goes down by one, the line going away at 0:
  status CODE [retry-after SECONDS | retry-after-date SECONDS]   reply CODE, body not kept
  delay SECONDS                 wait, then answer as usual
  cut                           keep the body, then close the connection mid-reply
  expire-tokens                 every token issued so far becomes invalid (once)
each with optional "count N" and "path PATH". Without a path, a fault applies
to every path but the token endpoints (/oauth/token, /login).
"""
import argparse
import base64
import json
import os
import secrets
import socket
import ssl
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

DIRECTIONS = ("INBOUND", "OUTBOUND")
UNITS = ("CASE", "UNIT", "PALLET")
STRATEGIES = ("OVERWRITE", "MERGE", "APPEND", "DELETE")
TOKEN_PATHS = ("/oauth/token", "/login")


def parse_fault(line):
    """A faults line as a dict, or None for a blank line or a comment."""
    w = line.split()
    if not w or w[0].startswith("#"):
        return None
    f = {"kind": w[0], "text": line.strip(), "count": None, "path": None}
    rest = w[1:]
    if f["kind"] in ("status", "delay"):
        f["arg"], rest = w[1], w[2:]
    if f["kind"] == "expire-tokens":
        f["count"] = 1
    for k, v in zip(rest[::2], rest[1::2]):
        f[k.replace("-", "_")] = v
    if f["count"] is not None:
        f["count"] = int(f["count"])
    return f


def is_text(v):
    return isinstance(v, str) and v != ""


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0


def check_items(items, where, errs):
    if not isinstance(items, list) or not items:
        errs.append(f"{where}.items: a non-empty list")
        return
    for j, it in enumerate(items):
        p = f"{where}.items[{j}]"
        if not isinstance(it, dict):
            errs.append(f"{p}: an object")
            continue
        if not is_text(it.get("sku")):
            errs.append(f"{p}.sku: a non-empty string")
        if "lpn" in it and not is_text(it["lpn"]):
            errs.append(f"{p}.lpn: a non-empty string when present")
        if not is_number(it.get("quantity")):
            errs.append(f"{p}.quantity: a number")
        if "quantityUnit" in it and it["quantityUnit"] not in UNITS:
            errs.append(f"{p}.quantityUnit: one of {', '.join(UNITS)}")
        for k, s in enumerate(it.get("caseSerials", [])):
            if not isinstance(s, dict) or not is_text(s.get("id")) or not is_number(s.get("quantity")):
                errs.append(f"{p}.caseSerials[{k}]: id and quantity")


def check_document(d):
    """The errors of a /v1/documents body (empty when it is right)."""
    if not isinstance(d, dict):
        return ["the body is not a JSON object"]
    errs = [f"{k}: a non-empty string" for k in ("business", "facility", "shipmentNumber")
            if not is_text(d.get(k))]
    if d.get("direction", "INBOUND") not in DIRECTIONS:
        errs.append("direction: INBOUND or OUTBOUND when present")
    if d.get("orderItemUpdateStrategy", "OVERWRITE") not in STRATEGIES:
        errs.append(f"orderItemUpdateStrategy: one of {', '.join(STRATEGIES)}")
    orders = d.get("orders")
    if orders is None and "orderNumber" in d:
        orders = [{"orderNumber": d["orderNumber"], "items": d.get("items")}]
    if not isinstance(orders, list) or not orders:
        return errs + ["orders: a non-empty list"]
    for i, o in enumerate(orders):
        if not isinstance(o, dict) or not is_text(o.get("orderNumber")):
            errs.append(f"orders[{i}].orderNumber: a non-empty string")
            continue
        check_items(o.get("items"), f"orders[{i}]", errs)
    return errs


class State:
    """What the server remembers: tokens, counts, items per shipment, files."""

    def __init__(self, opts):
        self.o = opts
        self.lock = threading.Lock()
        self.tokens = {}        # token -> expiry (time.monotonic())
        self.token_requests = 0
        self.logging_ids = 0
        self.items = {}         # (business, facility, shipmentNumber) -> {(lpn, sku)}
        self.requests = open(os.path.join(opts.dir, "requests.jsonl"), "a", encoding="utf-8")
        self.stored = open(os.path.join(opts.dir, "stored.jsonl"), "a", encoding="utf-8")
        self.issued = open(os.path.join(opts.dir, "tokens"), "a", encoding="utf-8")
        self.faults = os.path.join(opts.dir, "faults")

    def take_fault(self, path):
        """The first fault that applies to PATH, its count used up in the file."""
        with self.lock:
            try:
                with open(self.faults, encoding="utf-8") as fh:
                    lines = fh.read().splitlines()
            except FileNotFoundError:
                return None
            for i, line in enumerate(lines):
                f = parse_fault(line)
                if not f or (f["path"] or path) != path or (not f["path"] and path in TOKEN_PATHS):
                    continue
                if f["count"] is not None:
                    w = line.split()
                    if f["count"] <= 1:
                        del lines[i]
                    else:
                        w[w.index("count") + 1] = str(f["count"] - 1)
                        lines[i] = " ".join(w)
                    with open(self.faults + ".tmp", "w", encoding="utf-8") as fh:
                        fh.write("".join(x + "\n" for x in lines))
                    os.replace(self.faults + ".tmp", self.faults)
                if f["kind"] == "expire-tokens":
                    self.tokens.clear()
                return f
            return None

    def issue_token(self):
        t = "tok-" + secrets.token_hex(16)
        with self.lock:
            self.tokens[t] = time.monotonic() + self.o.lifetime
            self.issued.write(t + "\n")
            self.issued.flush()
        return t

    def count_token_request(self):
        with self.lock:
            self.token_requests += 1

    def authorised(self, header):
        """Which authorisation HEADER is: "bearer", "basic" or None when wrong."""
        kind, _, cred = (header or "").partition(" ")
        if kind == "Bearer":
            with self.lock:
                exp = self.tokens.get(cred)
            return "bearer" if exp is not None and exp > time.monotonic() else None
        if kind == "Basic" and self.o.user:
            want = f"{self.o.user}:{self.o.password}".encode()
            return "basic" if base64.b64decode(cred or "=") == want else None
        return None

    def append_conflict(self, d):
        """Record the items of document D; True when APPEND meets an item already there."""
        key = (d["business"], d["facility"], d["shipmentNumber"])
        orders = d.get("orders") or [{"items": d.get("items")}]
        new = {(it.get("lpn"), it["sku"]) for o in orders for it in o["items"]}
        with self.lock:
            have = self.items.setdefault(key, set())
            strategy = d.get("orderItemUpdateStrategy", "OVERWRITE")
            if strategy == "APPEND" and have & new:
                return True
            if strategy == "OVERWRITE":
                have.clear()
            if strategy == "DELETE":
                have.difference_update(new)
            else:
                have.update(new)
            return False

    def log(self, fh, rec):
        with self.lock:
            fh.write(json.dumps(rec) + "\n")
            fh.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kargo-standin"
    timeout = 120
    disable_nagle_algorithm = True  # headers and body are two writes

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.connection.do_handshake()

    def do_POST(self):
        st = self.server.state
        path = self.path.split("?")[0]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        rec = {"ts": time.time(), "method": self.command, "path": path, "correlation_id": self.headers.get("Correlation-Id"),
               "bytes": len(raw), "auth": None, "fault": None,
               "presented": (self.headers.get("Authorization") or "").partition(" ")[0] or None}
        f = st.take_fault(path)
        headers = {}
        if f:
            rec["fault"] = f["text"]
        if f and f["kind"] == "delay":
            time.sleep(float(f["arg"]))
        if f and f["kind"] == "status":
            status = int(f["arg"])
            reply = {"message": f"injected fault {status}", "status": status}
            if f.get("retry_after"):
                headers["Retry-After"] = f["retry_after"]
            if f.get("retry_after_date"):
                headers["Retry-After"] = formatdate(time.time() + float(f["retry_after_date"]), usegmt=True)
        else:
            status, reply = self.answer(st, path, raw, rec, headers)
        rec["token_requests"] = st.token_requests
        rec["status"] = status
        body = json.dumps(reply).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if rec["correlation_id"]:
                self.send_header("Correlation-Id", rec["correlation_id"])
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if f and f["kind"] == "cut":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                self.wfile.write(body)
        except OSError as e:
            rec["error"] = str(e)
            self.close_connection = True
        rec["end"] = time.time()
        st.log(st.requests, rec)

    def answer(self, st, path, raw, rec, headers):
        """STATUS, REPLY for a request with no status fault."""
        ctype = self.headers.get("Content-Type", "")
        try:
            if "json" in ctype:
                doc = json.loads(raw)
            elif "x-www-form-urlencoded" in ctype:
                doc = dict(parse_qsl(raw.decode()))
            else:
                doc = raw.decode()
        except (ValueError, UnicodeDecodeError) as e:
            return 400, {"message": f"the body does not parse: {e}"}
        if self.command != "POST":
            return 405, {"message": f"{self.command} is not served here"}
        if path in TOKEN_PATHS:
            return self.token(st, path, doc if isinstance(doc, dict) else {})
        if not st.o.open:
            rec["auth"] = st.authorised(self.headers.get("Authorization"))
            if rec["auth"] is None:
                headers["WWW-Authenticate"] = "Bearer"
                return 401, {"message": "Unauthorized"}
        reply = {"message": "ok", "success": True}
        if path == "/v1/documents":
            errs = check_document(doc)
            if errs:
                return 422, {"message": "validation failed", "errors": errs}
            if st.append_conflict(doc):
                return 409, {"message": "an item with this lpn and sku already exists"}
        elif path == "/public_graphql":
            inp = (doc.get("variables") or {}).get("input") if isinstance(doc, dict) else None
            if ("processPayload" not in str(doc.get("query")) or not isinstance(inp, dict)
                    or not is_text(inp.get("businessSlug")) or not is_text(inp.get("facilitySlug"))
                    or "payload" not in inp):
                return 400, {"errors": [{"message": "processPayload(input: {businessSlug, "
                                         "facilitySlug, payload}) expected"}]}
            with st.lock:
                st.logging_ids += 1
                n = st.logging_ids
            reply = {"data": {"processPayload": {"message": "ok", "success": True,
                                                 "loggingId": f"log-{n}"}}}
        elif not path.startswith("/v1/"):
            return 404, {"message": f"no such path {path}"}
        st.log(st.stored, {"ts": rec["ts"], "path": path, "correlation_id": rec["correlation_id"],
                           "content_type": ctype, "body": doc})
        return 200, reply

    def token(self, st, path, doc):
        """STATUS, REPLY of a token request: the client's or the user's credentials."""
        st.count_token_request()
        o = st.o
        if path == "/login":
            good = o.user and doc.get("username") == o.user and doc.get("password") == o.password
            return (200, {"data": {"token": st.issue_token()}}) if good else \
                (401, {"message": "wrong username or password"})
        grant = doc.get("grant_type")
        if grant == "client_credentials":
            good = doc.get("client_id") == o.client_id and doc.get("client_secret") == o.client_secret
            if good and doc.get("audience") != o.audience:
                return 403, {"error": "access_denied", "error_description": "unknown audience"}
        elif grant == "password":
            good = o.user and doc.get("username") == o.user and doc.get("password") == o.password
        else:
            return 400, {"error": "unsupported_grant_type"}
        if not good:
            return 401, {"error": "access_denied", "error_description": "Unauthorized"}
        return 200, {"access_token": st.issue_token(), "token_type": "Bearer",
                     "expires_in": o.lifetime}


    do_GET = do_PUT = do_POST


def read_secret(path):
    if not path:
        return None
    with open(path, encoding="utf-8") as fh:
        return fh.read().strip()


def main():
    p = argparse.ArgumentParser(description="Kargo's API, played on 127.0.0.1 for tests.")
    p.add_argument("dir")
    p.add_argument("port", type=int)
    p.add_argument("cert")
    p.add_argument("key")
    p.add_argument("--lifetime", type=int, default=3600, help="expires_in of a token (s)")
    p.add_argument("--client-id", default="test-client")
    p.add_argument("--client-secret-file")
    p.add_argument("--audience", default="https://api.kargo.zone/public_graphql")
    p.add_argument("--user")
    p.add_argument("--password-file")
    p.add_argument("--open", action="store_true", help="no authorisation needed")
    o = p.parse_args()
    o.client_secret = read_secret(o.client_secret_file)
    o.password = read_secret(o.password_file)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(o.cert, o.key)
    srv = ThreadingHTTPServer(("127.0.0.1", o.port), Handler)
    srv.daemon_threads = True
    srv.state = State(o)
    # The handshake in the handler's thread: a slow client holds up no other.
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
