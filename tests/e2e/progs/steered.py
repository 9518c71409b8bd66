# steered.py — a program steered by its input: how many clock reads it makes comes from its
# argument when that is a number, from the first line of the file it names otherwise, or from
# the environment (E2E_COUNT).  The divergence cases change that input between record and replay.
import os
import sys
import time

if len(sys.argv) > 1 and sys.argv[1].isdigit():
    count = int(sys.argv[1])
elif len(sys.argv) > 1:
    with open(sys.argv[1]) as f:
        count = int(f.readline())
else:
    count = int(os.environ.get("E2E_COUNT", "1"))
for _ in range(count):
    time.time()  # STEERED LINE
print("clock read", count, "times")
