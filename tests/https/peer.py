#!/usr/bin/env python3
"""peer.py: the other ends tests/https/transport.sh needs besides the Kargo
stand-in, on 127.0.0.1, each printing "ready" once it listens:

  peer.py proxy DIR PORT            a plain-HTTP forward proxy that only
                                    tunnels (CONNECT host:port), as a site's
                                    outbound proxy does; each CONNECT line
                                    goes to DIR/proxy.log
  peer.py capture DIR PORT CERT KEY an HTTPS server answering 200 to
                                    everything; each request's head (method,
                                    path, headers) goes to DIR/heads.jsonl
"""
import json
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def pipe(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client, log):
    head = b""
    while b"\r\n\r\n" not in head:
        data = client.recv(4096)
        if not data:
            client.close()
            return
        head += data
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    method, target = line.split()[:2]
    if method != "CONNECT":
        client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    host, port = target.rsplit(":", 1)
    upstream = socket.create_connection((host, int(port)))
    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    pipe(upstream, client)


def proxy(d, port):
    log = d + "/proxy.log"
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    print("ready", flush=True)
    while True:
        client, _ = srv.accept()
        threading.Thread(target=serve, args=(client, log), daemon=True).start()


class Capture(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        rec = {"method": self.command, "path": self.path, "headers": dict(self.headers.items())}
        with open(self.server.log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_PUT = do_POST


def capture(d, port, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = ThreadingHTTPServer(("127.0.0.1", port), Capture)
    srv.daemon_threads = True
    srv.log = d + "/heads.jsonl"
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("ready", flush=True)
    srv.serve_forever()


def main():
    if sys.argv[1] == "proxy":
        proxy(sys.argv[2], int(sys.argv[3]))
    else:
        capture(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])


if __name__ == "__main__":
    main()
