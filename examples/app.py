"""app.py — the example program `make demo` records and replays.

A small job whose output depends on the world outside it: it reads order names on stdin, gives
each an id (uuid4), waits for a "slow service" a random while, and reports with the host name,
pid, wall clock and monotonic clock.  Run it twice and the output differs; replay a recording
and it is the same every time, without the waiting.
"""
import datetime
import os
import random
import socket
import sys
import time
import uuid


def main():
    started = time.monotonic()
    now = datetime.datetime.now().isoformat(timespec="milliseconds")
    print(f"job on {socket.gethostname()}, pid {os.getpid()}, started {now}")
    orders = [line.strip() for line in sys.stdin if line.strip()]
    for name in orders:
        order_id = uuid.uuid4()
        wait = random.uniform(0.2, 0.4)
        time.sleep(wait)  # the slow service
        print(f"  order {name:<8} id {order_id}  service took {wait * 1000:.0f} ms")
    print(f"lucky number {random.randint(1, 1000)}, session token {os.urandom(6).hex()}")
    print(f"{len(orders)} orders in {time.monotonic() - started:.3f} s")


if __name__ == "__main__":
    main()
