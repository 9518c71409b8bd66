# time.sleep(2): CPython 3.11 sleeps with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) on a
# deadline from the (replayed) monotonic clock; replay skips the sleep.
import time

t0 = time.monotonic()
time.sleep(2)
print("slept at least 2s", time.monotonic() - t0 >= 2)
print("done")
