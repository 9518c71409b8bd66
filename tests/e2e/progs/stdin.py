# Standard input: piped in while recording, absent (/dev/null or closed) on replay.
import sys

lines = sys.stdin.readlines()
print("lines", len(lines))
for line in lines:
    print("got", repr(line))
print("done")
