# signal_interrupt.py — computes until SIGINT comes from outside: the KeyboardInterrupt says
# how far it got, and its traceback where it was.
import time

turns = 0
print("ready", flush=True)
try:
    while True:
        turns += 1
        if turns % 3 == 0:
            x = [turns] * 3
except KeyboardInterrupt:
    print("interrupted after", turns, "turns", flush=True)
    raise
