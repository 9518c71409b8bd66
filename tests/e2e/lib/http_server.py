"""http_server.py [--random-delay-ms N] PORTFILE — the HTTP/1.1 server the network end-to-end tests
talk to.

Runs natively (never under retrace), on 127.0.0.1 and a port the kernel picks, which it writes to
PORTFILE once it listens.  Every answer is unique: random bytes, the server's own clock (in a
header and in the body) and a request counter, so a replay that went to the network instead of
the trace would print different bytes.  Keep-alive (HTTP/1.1, Content-Length on every answer);
X-Connection says which connection and which request on it, so reuse shows in the output.

    GET  /bytes/N     N random bytes (application/octet-stream)
    GET  /anything    a JSON object: path, request number, random token, server clock, and the
                      request's Authorization header, when it has one, echoed as "authorization"
    POST /anything    the same, with the JSON body it received echoed back as "echo"

--random-delay-ms N: every answer waits a random 0..N ms first, so concurrent clients see their
answers complete in a random order (threads_pool_http).
"""
import http.server
import itertools
import json
import os
import random
import signal
import sys
import threading
import time

requests_seen = itertools.count(1)
connections_seen = itertools.count(1)
lock = threading.Lock()
max_delay_s = 0.0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with lock:
            self.connection_number = next(connections_seen)
        self.requests_on_connection = 0

    def answer(self, body, content_type):
        if max_delay_s:
            time.sleep(random.uniform(0, max_delay_s))
        with lock:
            number = next(requests_seen)
        self.requests_on_connection += 1
        clock = f"{time.time():.6f}"
        if isinstance(body, dict):
            body.update(request=number, token=os.urandom(12).hex(), clock=clock)
            body = json.dumps(body, sort_keys=True).encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Server-Clock", clock)
        self.send_header("X-Request-Number", str(number))
        self.send_header("X-Connection", f"{self.connection_number}/{self.requests_on_connection}")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/bytes/"):
            self.answer(os.urandom(int(self.path[len("/bytes/"):])), "application/octet-stream")
        else:
            body = {"method": "GET", "path": self.path}
            if "Authorization" in self.headers:
                body["authorization"] = self.headers["Authorization"]
            self.answer(body, "application/json")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length)
        try:
            echo = json.loads(data)
        except ValueError:
            echo = data.decode("latin-1")
        self.answer({"method": "POST", "path": self.path, "echo": echo}, "application/json")

    def log_message(self, fmt, *args):
        sys.stderr.write("http_server: " + (fmt % args) + "\n")


def main():
    global max_delay_s
    if sys.argv[1:2] == ["--random-delay-ms"]:
        max_delay_s = float(sys.argv[2]) / 1000
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = sys.argv[-1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(tmp, sys.argv[-1])
    server.serve_forever()


if __name__ == "__main__":
    main()
