"""debug_back.py — what debug_back debugs (pdb's back and lastchange): five draws of random
bytes, each kept in a local and printed as it comes, their running total in a global, then the
total.  Every recording has other values; a replay has the recorded ones."""
import os

total = 0


def main():
    global total
    for i in range(5):
        r = int.from_bytes(os.urandom(4), "big")  # the draw line
        total += r  # the total line
        print("draw", i, r, flush=True)  # the print line
    print("total", total)


main()
