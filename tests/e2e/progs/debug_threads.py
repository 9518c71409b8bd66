"""debug_threads.py — what debug_threads debugs: two threads each read 8 random bytes three
times into a local and keep its hex; the main thread prints them all, and where a few new
objects were put (id()s), once both are done."""
import os
import threading

found = {}


def worker(name):
    mine = []
    for _ in range(3):
        r = os.urandom(8)
        mine.append(r.hex())
    found[name] = mine


threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(found.items()))
print("ids", [id(object()) % 1000003 for _ in range(3)])
