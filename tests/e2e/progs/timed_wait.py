# Timed waits on a deadline computed from a replayed clock must neither hang nor spin:
# a held lock's acquire(timeout=) is sem_clockwait in CPython 3.11.
import threading
import time

lock = threading.Lock()
lock.acquire()
t0 = time.monotonic()
print("acquire(timeout=1)", lock.acquire(timeout=1))
print("waited at least 1s", time.monotonic() - t0 >= 1)
cond = threading.Condition()
with cond:
    print("Condition.wait(0.5)", cond.wait(0.5))
print("done")
