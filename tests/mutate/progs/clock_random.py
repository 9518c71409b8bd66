# The clock and the random source: what replay must give back exactly.
import os
import time

print(time.time())
print(os.urandom(8).hex())
print(time.monotonic_ns() > 0)
