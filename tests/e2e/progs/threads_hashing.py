# threads_hashing.py — 4 threads hash 4 MiB buffers, 3 rounds each, with hashlib.sha256, which
# releases the GIL while it hashes, so the threads run in parallel on several cores. Each buffer
# is a random 4 KiB block repeated (random content, small trace). Prints each thread's digests
# and the order in which threads finished rounds, which varies with scheduling.
import hashlib
import os
import threading

finished = []
digests = {}


def work(tid):
    for r in range(3):
        buf = os.urandom(4096) * 1024
        digests[tid, r] = hashlib.sha256(buf).hexdigest()[:16]
        finished.append(f"{tid}.{r}")


threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for tid in range(4):
    print("thread", tid, " ".join(digests[tid, r] for r in range(3)))
print("finish order", " ".join(finished))
