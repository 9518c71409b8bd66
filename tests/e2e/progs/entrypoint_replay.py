# entrypoint_replay.py — prints the clock and random bytes (two runs never print the same) and
# exits 5.
import os
import sys
import time

print("time", time.time(), "random", os.urandom(8).hex())
sys.exit(5)
