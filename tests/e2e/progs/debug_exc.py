"""debug_exc.py — what debug_exception debugs (--break-on-exception): a random number goes into
a ValueError that the program raises and catches, and then into a RuntimeError it leaves
uncaught (exit status 1).  Every recording has another number."""
import os


def check(n):
    if n >= 0:
        raise ValueError(f"checked {n}")  # the raise line


def main():
    n = int.from_bytes(os.urandom(4), "big")
    try:
        check(n)
    except ValueError as e:
        print("caught", e, flush=True)
    v = n * 2
    raise RuntimeError(f"uncaught {v}")


main()
