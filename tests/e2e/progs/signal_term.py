# signal_term.py — a SIGTERM handler that prints the program's state and exits 3; the program
# sleeps and computes until the signal comes. The handler prints the clock too: where the signal
# lands can be the same in two recordings, the time it lands never is.
import signal
import sys
import time

state = {"rounds": 0, "sum": 0}


def on_term(sig, frame):
    print("terminated in round", state["rounds"], "sum", state["sum"], "at line", frame.f_lineno,
          "time", time.time(), flush=True)
    sys.exit(3)


signal.signal(signal.SIGTERM, on_term)
print("ready", flush=True)
while True:
    state["rounds"] += 1
    for i in range(10000):
        state["sum"] += i % 7
    time.sleep(0.01)
