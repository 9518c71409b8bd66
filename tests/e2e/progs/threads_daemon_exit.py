# threads_daemon_exit.py — daemon threads still running while the interpreter finalizes: one
# spins with no call at all, three others compute and sleep now and then.  The main thread
# prints how far they got (which varies from run to run) and exits under them, so they are cut
# short wherever they are: taking the GIL, sleeping, or between calls.
import threading
import time

counts = [0, 0, 0, 0]


def spin():
    while True:
        counts[0] += 1


def nap(i):
    n = 0
    while True:
        n += 1
        counts[i] = n
        if n % 1000 == 0:
            time.sleep(0.0001)


threading.Thread(target=spin, daemon=True).start()
for i in (1, 2, 3):
    threading.Thread(target=nap, args=(i,), daemon=True).start()
time.sleep(0.01)
print("progress", counts[0] > 0, counts[1:], flush=True)
