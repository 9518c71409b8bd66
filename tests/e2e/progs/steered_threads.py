# steered_threads.py — steered.py with a second thread: a worker thread is started and joined
# before the first line of the given file decides how many clock reads the main thread makes.
# The divergence case changes that file (keeping its old mtime), so the cause retrace can name
# is the one it cannot replay yet: the threads.
import sys
import threading
import time

worker = threading.Thread(target=lambda: None)
worker.start()
worker.join()
with open(sys.argv[1]) as f:
    count = int(f.readline())
for _ in range(count):
    time.time()  # STEERED LINE
print("clock read", count, "times")
