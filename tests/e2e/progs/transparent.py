# Deterministic output on both streams: recording must not change a byte of it.
import sys

print("hello from stdout")
for i in range(3):
    print("line", i, file=sys.stderr)
sys.stdout.write("no newline at the end")
