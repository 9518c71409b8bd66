# CPU-bound pure Python, about 1 s natively (bench/run): no clock, randomness or I/O inside the
# loop, so under retrace it costs only what startup and the library's presence cost.


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def sieve(n):
    flags = bytearray([1]) * (n + 1)
    flags[0] = flags[1] = 0
    for i in range(2, int(n ** 0.5) + 1):
        if flags[i]:
            flags[i * i::i] = bytes(len(range(i * i, n + 1, i)))
    return sum(flags)


def words(n):
    counts = {}
    for i in range(n):
        w = format(i * 2654435761 % 1000003, "x")[-3:]
        counts[w] = counts.get(w, 0) + 1
    return len(counts), max(counts.values())


def main():
    a = fib(FIB_N)
    b = sieve(SIEVE_N)
    c = words(WORDS_N)
    print(f"cpu: fib({FIB_N})={a} primes<={SIEVE_N}={b} words={c}")


FIB_N, SIEVE_N, WORDS_N = 32, 4_000_000, 2_000_000
main()
