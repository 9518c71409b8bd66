# 56,000 os.urandom(4096) calls in a loop (bench/run): a trace of about 230 MB from a program
# whose memory does not grow, to show that retrace's does not either. Prints a hash of every
# byte it got, so a replay that hands back other bytes prints something different.
import hashlib
import os


def main():
    h = hashlib.sha256()
    for _ in range(56_000):
        h.update(os.urandom(4096))
    print(f"big_trace: 56000 calls of os.urandom(4096), sha256 {h.hexdigest()}")


main()
