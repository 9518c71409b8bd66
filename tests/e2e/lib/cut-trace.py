"""cut-trace.py — cut a trace in the middle of its last chunk, for tests/e2e/run.

    cut-trace.py TRACE OUT

Walks the frames as format/trace.h lays them out (16-byte prefix, then 24-byte heads
{u32 magic, u32 kind, u32 reserved, u32 0, u64 commit} each followed by `reserved` payload
bytes, 8-aligned; the low 32 bits of commit are the bytes used) and writes to OUT the file up to
the middle of the used payload of the last CHUNK frame, as a crash or a full disk might leave it.
Prints "chunks N complete_before_cut K cut_at OFFSET". Fails when the trace has fewer than two
chunks: then the cut would leave no complete chunk, and the test would prove less than it says.
"""
import struct
import sys

PREFIX, HEAD = 16, 24
FRAME_MAGIC, KIND_CHUNK = 0x52465452, 2

data = open(sys.argv[1], "rb").read()
if data[:8] != b"RETRACE\n":
    sys.exit("cut-trace: %s: not a retrace trace" % sys.argv[1])
chunks = []  # (payload offset, used)
off = PREFIX
while off + HEAD <= len(data):
    magic, kind, reserved, _zero, commit = struct.unpack_from("<IIIIQ", data, off)
    if magic != FRAME_MAGIC:
        break  # zero head: preallocated space the writer never used
    if kind == KIND_CHUNK:
        chunks.append((off + HEAD, commit & 0xFFFFFFFF))
    off += HEAD + ((reserved + 7) & ~7)
if len(chunks) < 2:
    sys.exit("cut-trace: %s has %d chunk(s); need at least 2" % (sys.argv[1], len(chunks)))
payload, used = chunks[-1]
cut = payload + used // 2
open(sys.argv[2], "wb").write(data[:cut])
print("chunks", len(chunks), "complete_before_cut", len(chunks) - 1, "cut_at", cut)
