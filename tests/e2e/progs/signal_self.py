# signal_self.py — signals a program sends itself (os.kill, signal.raise_signal) reach its
# handlers where they landed, and signal.alarm interrupts a blocking time.sleep (EINTR) with a
# handler that raises.
import os
import signal
import time

got = []
signal.signal(signal.SIGUSR1, lambda s, f: got.append(("usr1", time.time())))
signal.signal(signal.SIGUSR2, lambda s, f: got.append(("usr2", time.time())))
os.kill(os.getpid(), signal.SIGUSR1)
signal.raise_signal(signal.SIGUSR2)
print("handlers ran:", got)


class Alarm(Exception):
    pass


def on_alarm(s, f):
    raise Alarm()


signal.signal(signal.SIGALRM, on_alarm)
signal.setitimer(signal.ITIMER_REAL, 0.05 + (os.getpid() % 50) / 1000)
t0 = time.monotonic()
try:
    time.sleep(5)
except Alarm:
    print("sleep interrupted after", round(time.monotonic() - t0, 4), "s")
