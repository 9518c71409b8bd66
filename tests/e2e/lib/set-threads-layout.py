"""set-threads-layout.py — give a trace's header another Capture.threads_layout, for tests/e2e/run.

    set-threads-layout.py TRACE OUT

As if another build of the interpreter had recorded it: the first digit of the first offset in
the layout string (the interpreter version and GIL offsets libretrace read, retrace.proto) is
changed, keeping its length, and the header frame's commit (length and CRC32C, format/trace.h)
recomputed.
Prints the old and the new layout.  Fails when the header has no layout (pyhooks were off).
"""
import struct
import sys

PREFIX, HEAD, FRAME_MAGIC = 16, 24, 0x52465452


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def enc_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def fields(buf):
    """(number, wire type, raw bytes of the whole field, value or payload) of a message."""
    i = 0
    while i < len(buf):
        start = i
        tag, i = varint(buf, i)
        num, wt = tag >> 3, tag & 7
        if wt == 0:
            val, i = varint(buf, i)
        elif wt == 2:
            n, i = varint(buf, i)
            val, i = buf[i:i + n], i + n
        elif wt == 1:
            val, i = buf[i:i + 8], i + 8
        elif wt == 5:
            val, i = buf[i:i + 4], i + 4
        else:
            sys.exit("set-threads-layout: unknown wire type %d" % wt)
        yield num, wt, buf[start:i], val


def ld(num, payload):
    return enc_varint(num << 3 | 2) + enc_varint(len(payload)) + payload


data = bytearray(open(sys.argv[1], "rb").read())
off = PREFIX
magic, kind, reserved, _zero, commit = struct.unpack_from("<IIIIQ", data, off)
if magic != FRAME_MAGIC or kind != 1:
    sys.exit("set-threads-layout: %s does not start with a header frame" % sys.argv[1])
used = commit & 0xFFFFFFFF
header = bytes(data[off + HEAD:off + HEAD + used])
out, old = b"", None
for num, wt, raw, val in fields(header):
    if num == 11 and wt == 2:  # Header.capture
        cap = b""
        for cnum, cwt, craw, cval in fields(val):
            if cnum == 7 and cwt == 2:  # Capture.threads_layout
                old = cval.decode()
                at = old.index(" gil ") + 5
                new = old[:at] + str((int(old[at]) + 1) % 10) + old[at + 1:]
                cap += ld(7, new.encode())
            else:
                cap += craw
        out += ld(11, cap)
    else:
        out += raw
if not old:
    sys.exit("set-threads-layout: the header of %s has no threads_layout" % sys.argv[1])
if len(out) > reserved:
    sys.exit("set-threads-layout: the new header does not fit its frame")
crc = crc32c(out, crc32c(bytes(data[off:off + 8])))
data[off + HEAD:off + HEAD + reserved] = out + bytes(reserved - len(out))
struct.pack_into("<Q", data, off + 16, crc << 32 | len(out))
open(sys.argv[2], "wb").write(data)
print("old", old)
print("new", new)
