# threads_timeouts.py — waits that time out, in threads: a Queue.get(timeout=1) in the main thread
# and an Event.wait(1.5) and a Lock.acquire(timeout=1.2) in two others, each with nothing coming.
# Recorded, the run takes 1.5 s; a replay times them out at once.  The waits' measured lengths
# (to the nanosecond) vary from run to run.
import queue
import threading
import time

results = {}


def wait_event():
    t0 = time.monotonic_ns()
    got = threading.Event().wait(1.5)
    results["event"] = (got, time.monotonic_ns() - t0)


def wait_lock(lock):
    t0 = time.monotonic_ns()
    got = lock.acquire(timeout=1.2)
    results["lock"] = (got, time.monotonic_ns() - t0)


held = threading.Lock()
held.acquire()
threads = [threading.Thread(target=wait_event), threading.Thread(target=wait_lock, args=(held,))]
for t in threads:
    t.start()
t0 = time.monotonic_ns()
try:
    queue.Queue().get(timeout=1)
    results["queue"] = (True, time.monotonic_ns() - t0)
except queue.Empty:
    results["queue"] = (False, time.monotonic_ns() - t0)
for t in threads:
    t.join()
for k in sorted(results):
    got, ns = results[k]
    print(k, "got" if got else "timed out", "after", ns, "ns", "(at least the timeout:", ns >= {"event": 1.5e9, "lock": 1.2e9, "queue": 1e9}[k], ")")
