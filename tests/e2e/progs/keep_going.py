# Recorded as is, then replayed with --keep-going after two edits the test makes to a copy: the
# clock call moves up one line (swapped with the line above it, so no other call moves) and the
# printed value changes (same length).  Replay goes past both and prints everything.
import time

print("start", flush=True)
x = 1
t = time.time()  # MOVE LINE
value = 42
print("value", value, flush=True)  # PRINT LINE
print("end", t > 0, x, flush=True)
