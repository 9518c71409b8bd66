"""app.py SERVICE_URL — the example program `make demo` records and replays.

A small ordering job that talks to a service over HTTP (examples/server.py, which the demo starts):
it reads item names on stdin, asks the service for a quote for each, places an order for it, and
reports with its host name, pid, the clock, uuids and random numbers.  The service answers
differently every time and takes its time; run the job twice and its output differs.  Replay a
recording and it is the same every time, with the service stopped and no network at all, and
without the waiting.
"""
import datetime
import http.client
import json
import os
import random
import socket
import sys
import time
import urllib.parse
import uuid


def main():
    service = urllib.parse.urlsplit(sys.argv[1])
    started = time.monotonic()
    now = datetime.datetime.now().isoformat(timespec="milliseconds")
    print(f"job on {socket.gethostname()}, pid {os.getpid()}, started {now}")
    conn = http.client.HTTPConnection(service.hostname, service.port, timeout=30)

    def call(method, path, body=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        resp = conn.getresponse()
        return json.loads(resp.read())

    items = [line.strip() for line in sys.stdin if line.strip()]
    total = 0.0
    for name in items:
        asked = time.monotonic()
        quote = call("GET", "/quote?" + urllib.parse.urlencode({"item": name}))
        took = (time.monotonic() - asked) * 1000
        qty = random.randint(1, 12)
        order = call("POST", "/orders", {"item": name, "qty": qty, "quote": quote["quote"],
                                         "ref": str(uuid.uuid4())})
        total += qty * quote["price"]
        print(f"  {name:<7} {qty:>2} x {quote['price']:.2f}  quote {quote['quote']} at {quote['served_at']}"
              f" ({took:.0f} ms)  order #{order['order']}, eta {order['eta_days']} days")
    conn.close()
    print(f"total {total:.2f}, session token {os.urandom(6).hex()}")
    print(f"{len(items)} orders in {time.monotonic() - started:.3f} s")


if __name__ == "__main__":
    main()
