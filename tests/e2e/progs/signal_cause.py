# signal_cause.py — a millisecond SIGALRM timer counted by a handler, and a SIGUSR1 handler
# that asks for the pid: a recording whose SIGALRM is forged into a SIGUSR1 runs the other
# handler on replay, and the divergence is the signal's.
import os
import signal
import time

ticks = 0


def on_alarm(sig, frame):
    global ticks
    ticks += 1


def on_usr1(sig, frame):
    os.getpid()


signal.signal(signal.SIGALRM, on_alarm)
signal.signal(signal.SIGUSR1, on_usr1)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
n = 0
while ticks < 20:
    n += 1
    if n % 20000 == 0:
        time.sleep(0.0005)
signal.setitimer(signal.ITIMER_REAL, 0)
print("ticks", ticks, "time", time.time())
