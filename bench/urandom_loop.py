# 200,000 os.urandom(16) calls in a loop (bench/run). Prints the last value, so a replay that
# hands back the wrong bytes prints something different.
import os


def main():
    last = b""
    for _ in range(200_000):
        last = os.urandom(16)
    print(f"urandom_loop: 200000 calls, last {last.hex()}")


main()
