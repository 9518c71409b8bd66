# threads_c_library.py LIB — threads made by a C library, not by Python: tests/e2e/lib/cthreads.c,
# loaded with ctypes.  Its idle threads make no call retrace records; its workers, without the
# GIL, read the clock and random bytes and write a line each time to stdout, so the lines come
# in the order the threads interleaved.  That order and the values vary on every native run; a
# replay prints the recorded ones, in the recorded order.
import ctypes
import hashlib
import sys

lib = ctypes.CDLL(sys.argv[1])
lib.cthreads_run.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_uint64), ctypes.c_int]
print("idle threads:", lib.cthreads_idle(4), flush=True)
room = 4 * 50
out = (ctypes.c_uint64 * room)()
n = lib.cthreads_run(4, 50, out, room)
print("values", n, "digest", hashlib.sha256(bytes(out)).hexdigest())
