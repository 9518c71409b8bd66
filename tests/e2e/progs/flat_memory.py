# A trace far bigger than the program (tests/e2e/cases/495-flat_memory.sh): os.urandom(4096) in a
# loop, 4 KiB of recorded data each, by THREADS threads (argv[1], default 1) in turn, about
# MB megabytes (argv[2], default 110) of them.  Prints a hash of every byte it got, so a replay
# that hands back other bytes prints something else.
import hashlib
import os
import sys
import threading

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
MB = int(sys.argv[2]) if len(sys.argv) > 2 else 110
CALLS = MB * 256 // THREADS


def work(h):
    for _ in range(CALLS):
        h.update(os.urandom(4096))


hashes = [hashlib.sha256() for _ in range(THREADS)]
threads = [threading.Thread(target=work, args=(h,)) for h in hashes[1:]]
for t in threads:
    t.start()
work(hashes[0])
for t in threads:
    t.join()
print(f"flat_memory: {THREADS} thread(s), {THREADS * CALLS} calls of os.urandom(4096)")
for h in hashes:
    print(h.hexdigest())
