# hostile.py — a small program with one of each kind of result the hostile-trace cases forge:
# a file read, random bytes, a clock, a path looked up, writes to stdout; and the environment
# variables the loader acts on, as the program sees them.
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
with open(sys.argv[1], "rb") as f:
    data = f.read()
print("data", len(data), data[:16].hex())
print("random", os.urandom(8).hex(), "time", time.time())
print("exists", os.path.exists(os.path.join(sys.argv[2], "probe")))
print("LD_LIBRARY_PATH", os.environ.get("LD_LIBRARY_PATH"))
print("done", flush=True)
