# One million time.time() calls in a loop (bench/run). The final line depends on the clock
# values, so a replay that hands back the wrong values prints something different.
import time


def main():
    first = last = time.time()
    for _ in range(1_000_000):
        last = time.time()
    print(f"clock_loop: 1000000 calls, span {last - first!r}, last {last!r}")


main()
