# live_signals.py — counts the SIGUSR1s that reach its handler while it computes for a while
# (no call to replay in the loop: a replay takes as long as the recording), then prints the
# count, where each landed and the clock.
import signal
import sys
import time

landed = []


def on_usr1(sig, frame):
    landed.append(frame.f_lineno)


signal.signal(signal.SIGUSR1, on_usr1)
print("ready", time.time(), flush=True)
x = 0
for i in range(int(sys.argv[2])):
    x += i % 7
print("handled", len(landed), "at lines", landed, "sum", x, flush=True)
