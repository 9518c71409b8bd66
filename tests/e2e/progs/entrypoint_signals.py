# entrypoint_signals.py — waits for signals from outside: each SIGUSR1 is reported, SIGTERM is
# reported and ends the program with status 3.  Each report has the clock in it, so that two
# recordings differ.
import signal
import sys
import time

state = {"rounds": 0, "usr1": 0}


def on_usr1(sig, frame):
    state["usr1"] += 1
    print("got SIGUSR1 in round", state["rounds"], "time", time.time(), flush=True)


def on_term(sig, frame):
    print("got SIGTERM in round", state["rounds"], "after", state["usr1"], "SIGUSR1, time",
          time.time(), flush=True)
    sys.exit(3)


signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGTERM, on_term)
print("ready", flush=True)
while True:
    state["rounds"] += 1
    time.sleep(0.01)
