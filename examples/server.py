"""server.py PORTFILE — the "pricing service" `make demo` starts for examples/app.py.

A small HTTP/1.1 service on 127.0.0.1 and a port the kernel picks (written to PORTFILE once it
listens).  Like a real backend, its answers are never the same twice: prices move, every quote
and order gets a fresh id and the service's own clock, and it takes a random while to answer.

    GET  /quote?item=NAME    {"item", "price", "quote", "served_at"}
    POST /orders             {"order", "quote", "eta_days", "accepted_at"}   (JSON body in)
"""
import datetime
import http.server
import itertools
import json
import os
import random
import signal
import sys
import time
import urllib.parse

orders = itertools.count(1001)


class Service(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the app sends all its requests on one connection

    def reply(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        item = urllib.parse.parse_qs(url.query).get("item", ["?"])[0]
        time.sleep(random.uniform(0.15, 0.35))  # a slow backend
        self.reply({"item": item, "price": round(random.uniform(0.5, 5.0), 2),
                    "quote": os.urandom(4).hex(), "served_at": datetime.datetime.now().strftime("%H:%M:%S.%f")})

    def do_POST(self):
        order = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.reply({"order": next(orders), "quote": order.get("quote"), "eta_days": random.randint(1, 9),
                    "accepted_at": time.time()})

    def log_message(self, fmt, *args):
        pass


def main():
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Service)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
