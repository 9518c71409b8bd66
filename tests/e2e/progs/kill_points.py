# kill_points.py — runs for about a second doing a bit of everything a recording holds (clocks,
# random bytes, a file written and read back, stdout and stderr) until SIGKILL comes from
# outside, at a point the test picks at random.
import os
import sys
import time

path = os.path.join(os.getcwd(), "scratch")
for i in range(1000):
    with open(path, "w") as f:
        f.write("%d %s\n" % (i, os.urandom(6).hex()))
    with open(path) as f:
        line = f.read().strip()
    print(i, line, time.time(), flush=True)
    if i % 10 == 0:
        print("at", i, file=sys.stderr, flush=True)
    time.sleep(0.001)
print("done")
