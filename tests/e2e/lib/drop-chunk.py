"""drop-chunk.py — a trace with one chunk frame cut out of its middle, for tests/e2e/run.

    drop-chunk.py TRACE OUT

Walks the frames (format/trace.h: a 16-byte prefix, then 8-aligned frames of a 24-byte head and
`reserved` payload bytes) and leaves out the middle one of the CHUNK frames whose thread is not
the first thread's (so the trace still starts and its main thread still ends as recorded).
Prints the offset of the frame dropped.
"""
import struct
import sys

PREFIX, HEAD, MAGIC, CHUNK = 16, 24, 0x52465452, 2
data = open(sys.argv[1], "rb").read()
frames, off = [], PREFIX
while off + HEAD <= len(data):
    magic, kind, reserved, _zero, commit = struct.unpack_from("<IIIIQ", data, off)
    if magic != MAGIC:
        break
    end = off + HEAD + reserved
    end += -end % 8
    tid = data[off + HEAD + 1] if kind == CHUNK else 0  # the payload: field 1's tag, the tid (< 128)
    frames.append((off, end, kind, tid))
    off = end
chunks = [f for f in frames if f[2] == CHUNK]
others = [f for f in chunks if f[3] != chunks[0][3]]
if len(others) < 3:
    sys.exit("drop-chunk: too few chunks of other threads in %s" % sys.argv[1])
drop = others[len(others) // 2]
open(sys.argv[2], "wb").write(data[:drop[0]] + data[drop[1]:])
print(drop[0])
