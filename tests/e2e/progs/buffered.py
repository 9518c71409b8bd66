# buffered.py — prints to a block-buffered stdout, then (with argument "b") makes a call the
# recording with "a" did not: the replay stops there, and what was printed before must not be
# lost in the buffer.
import os
import sys
import time

for i in range(3):
    print("line", i, os.urandom(4).hex())
if sys.argv[1] == "b":
    os.getpid()  # DIVERGES HERE
time.time()
print("end")
