# threads_race_calls.py — a lost-update race through a Python function call: 4 threads bump a
# global counter with a call between the read and the write, and a 1 us switch interval, so
# switches land between them. The final count (usually short of 4 x N) and the hash of the
# order in which the increments landed depend on the interleaving, which varies run to run.
import hashlib
import sys
import threading

N = 20000
counter = 0
landed = []


def pause():
    pass


def bump(tid):
    global counter
    v = counter
    pause()                 # the call's entry is a place where the interpreter may switch
    counter = v + 1
    landed.append(tid)


def work(tid):
    for _ in range(N):
        bump(tid)


sys.setswitchinterval(1e-6)
threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("final count", counter, "of", 4 * N, "- lost updates:", 4 * N - counter)
print("interleaving sha256", hashlib.sha256(bytes(landed)).hexdigest())
