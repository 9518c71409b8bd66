# Many clock readings, more than a 2 MiB file system holds as a trace, then a line of output:
# the recording runs out of disk half way, and the program must finish all the same.
import time

t = time.time
for _ in range(400000):
    t()
print("finished", flush=True)
