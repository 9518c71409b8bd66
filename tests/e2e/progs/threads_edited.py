# threads_edited.py — for the threads divergence test: recorded as is, then replayed after an
# edit. Two worker threads and the main thread read the clock and take a shared lock in loops.
# THE EDIT: on the line marked "# EDIT ME", replace `range(5)` by `range(6)`, so thread "b"
# makes one more round of clock reads and lock operations than when recorded; replay must stop
# there with a report. Prints the order in which the rounds took the lock.
import threading
import time

lock = threading.Lock()
rounds = []
stamps = []


def tick(name, i):
    with lock:
        rounds.append(f"{name}{i}")
        stamps.append(time.monotonic_ns())
    time.sleep(0.001)


def worker_a():
    for i in range(5):
        tick("a", i)


def worker_b():
    for i in range(5):  # EDIT ME
        tick("b", i)


threads = [threading.Thread(target=worker_a), threading.Thread(target=worker_b)]
for t in threads:
    t.start()
for i in range(3):
    tick("m", i)
for t in threads:
    t.join()
print("lock order", " ".join(rounds))
print("clock monotonic under the lock", stamps == sorted(stamps))
