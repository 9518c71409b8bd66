"""app.py SERVICE_URL — the example program `make demo` records and replays.

A small ordering job that talks to a service over HTTP (examples/server.py, which the demo starts):
it reads item names on stdin, asks the service for a quote for each from a pool of threads (the
quotes arrive in whatever order the service answers), places an order for each, and reports
with its host name, pid, the clock, uuids and random numbers.  The service answers differently
every time and takes its time; run the job twice and its output differs.  Replay a recording and
it is the same every time, threads included, with the service stopped and no network at all,
and without the waiting.
"""
import concurrent.futures
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

    def call(conn, method, path, body=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        resp = conn.getresponse()
        return json.loads(resp.read())

    def quote(name):
        conn = http.client.HTTPConnection(service.hostname, service.port, timeout=30)
        asked = time.monotonic()
        q = call(conn, "GET", "/quote?" + urllib.parse.urlencode({"item": name}))
        conn.close()
        return name, q, (time.monotonic() - asked) * 1000

    items = [line.strip() for line in sys.stdin if line.strip()]
    total = 0.0
    conn = http.client.HTTPConnection(service.hostname, service.port, timeout=30)
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(items) or 1) as pool:
        for done in concurrent.futures.as_completed([pool.submit(quote, n) for n in items]):
            name, quote_, took = done.result()
            qty = random.randint(1, 12)
            order = call(conn, "POST", "/orders", {"item": name, "qty": qty, "quote": quote_["quote"],
                                                   "ref": str(uuid.uuid4())})
            total += qty * quote_["price"]
            print(f"  {name:<7} {qty:>2} x {quote_['price']:.2f}  quote {quote_['quote']} at "
                  f"{quote_['served_at']} ({took:.0f} ms)  order #{order['order']}, eta "
                  f"{order['eta_days']} days")
    conn.close()
    print(f"total {total:.2f}, session token {os.urandom(6).hex()}")
    print(f"{len(items)} orders in {time.monotonic() - started:.3f} s")


if __name__ == "__main__":
    main()
