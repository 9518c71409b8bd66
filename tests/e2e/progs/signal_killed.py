# signal_killed.py — no handler of its own: SIGTERM from outside ends it (by the signal),
# wherever it is (computing, or asleep); it prints how far it got as it goes.
import time

n = 0
print("ready at", time.time(), flush=True)
while True:
    n += 1
    if n % 100000 == 0:
        print("at", n, flush=True)
    if n % 250000 == 0:
        time.sleep(0.05)
