# signal_timer.py — signal.setitimer fires every millisecond while the program computes; the
# Python handler counts the ticks and reads time.time().
import signal
import time

ticks = []


def on_tick(sig, frame):
    ticks.append(time.time())


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


signal.signal(signal.SIGALRM, on_tick)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
start = time.time()
total = 0
while len(ticks) < 150:
    total += fib(12)
n = 0
while len(ticks) < 200:
    n += 1
signal.setitimer(signal.ITIMER_REAL, 0, 0)
print("ticks", len(ticks), "total", total, "loops", n)
print("first tick after", round(ticks[0] - start, 6), "last after", round(ticks[-1] - start, 6))
