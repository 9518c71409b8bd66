# threads_daemon.py — a daemon thread still printing numbered lines (each with how long its last
# random 0-2 ms sleep took) when the main thread finishes after 20 ms and the program exits. How
# far the daemon got by then (the main thread's snapshot of its count), the sleeps and whether it
# prints again during shutdown vary with timing. Every line is one os.write: whole lines, unbuffered, and no sys.stdout
# lock for the daemon to hold at exit (which would make finalization abort).
import os
import random
import threading
import time

count = 0


def chatter():
    global count
    slept = 0
    while True:
        count += 1
        os.write(1, f"daemon line {count} (slept {slept} ns)\n".encode())
        t0 = time.monotonic_ns()
        time.sleep(random.uniform(0, 0.002))
        slept = time.monotonic_ns() - t0


threading.Thread(target=chatter, daemon=True).start()
time.sleep(0.020)
os.write(1, f"main exits with the daemon's count at {count}\n".encode())
