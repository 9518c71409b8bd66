# Clocks: every value below changes from run to run; replay must give the recorded ones.
import datetime
import os
import resource
import time

print("time.time", repr(time.time()))
print("time.time_ns", time.time_ns())
print("time.monotonic", repr(time.monotonic()))
print("time.perf_counter", repr(time.perf_counter()))
print("time.process_time", repr(time.process_time()))
print("time.thread_time", repr(time.thread_time()))
for name in ("CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_MONOTONIC_RAW", "CLOCK_BOOTTIME",
             "CLOCK_PROCESS_CPUTIME_ID", "CLOCK_THREAD_CPUTIME_ID", "CLOCK_TAI"):
    print(name, time.clock_gettime_ns(getattr(time, name)))
print("datetime.now", datetime.datetime.now().isoformat())
print("datetime.utcnow", datetime.datetime.utcnow().isoformat())
print("os.times", tuple(os.times()))
print("getrusage", resource.getrusage(resource.RUSAGE_SELF))
print("done")
