# threads_cpu.py — 4 CPU-bound pure-Python threads (make bench), about 1 s natively: each runs a
# recursive fib and a Collatz loop calling a helper function, so the hot loops are full of
# Python calls and the threads take turns on the GIL. No clock, randomness or I/O inside; the
# checksum is the same on every run.
import threading

FIB_N, COLLATZ_N = 27, 50000


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def step(n):
    return n // 2 if n % 2 == 0 else 3 * n + 1


def collatz_steps(n):
    steps = 0
    while n != 1:
        n = step(n)
        steps += 1
    return steps


def work(tid, out):
    total = fib(FIB_N + tid % 2)
    for n in range(1 + tid, COLLATZ_N, 4):
        total += collatz_steps(n)
    out[tid] = total


out = [0] * 4
threads = [threading.Thread(target=work, args=(t, out)) for t in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"threads_cpu: per thread {out}, checksum {sum(out) % 1_000_000_007}")
