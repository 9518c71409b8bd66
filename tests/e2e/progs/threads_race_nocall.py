# threads_race_nocall.py — the lost-update race of threads_race_calls.py with no call at all in
# the hot loop (no Python function, builtin or method call): the inner while loop's backward
# jump is where the interpreter may switch threads between the read and the write of the
# counter. The interleaving is logged by index into a preallocated list (itself racy) and
# hashed after the threads finish; the final count and the hash vary run to run.
import hashlib
import sys
import threading

N = 20000
counter = 0
index = 0
log = [0] * (4 * N)


def work(tid):
    global counter, index
    for _ in range(N):
        v = counter
        j = 0
        while j < 3:
            j += 1
        counter = v + 1
        i = index
        index = i + 1
        log[i] = tid


sys.setswitchinterval(1e-6)
threads = [threading.Thread(target=work, args=(t + 1,)) for t in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("final count", counter, "of", 4 * N, "- lost updates:", 4 * N - counter)
print("interleaving sha256", hashlib.sha256(bytes(log)).hexdigest())
