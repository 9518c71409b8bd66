# The libc calls of issue 2 that CPython does not make on its own, called through ctypes
# (dlsym finds the preloaded wrappers first): gettimeofday, time, clock, getentropy,
# syscall(SYS_getrandom), gettid, syscall(SYS_gettid), getloadavg, usleep, sleep.
import ctypes
import os
import threading

libc = ctypes.CDLL(None, use_errno=True)

class Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]

tv = Timeval()
print("gettimeofday", libc.gettimeofday(ctypes.byref(tv), None), tv.tv_sec, tv.tv_usec)
libc.time.restype = ctypes.c_long
print("time", libc.time(None))
libc.clock.restype = ctypes.c_long
print("clock", libc.clock())

buf = ctypes.create_string_buffer(32)
print("getentropy", libc.getentropy(buf, 32), buf.raw.hex())
SYS_getrandom, SYS_gettid = 318, 186  # x86_64
libc.syscall.restype = ctypes.c_long
print("syscall(getrandom)", libc.syscall(SYS_getrandom, buf, 32, 0), buf.raw.hex())
print("gettid", libc.gettid(), libc.syscall(SYS_gettid), threading.get_native_id())
print("getppid", os.getppid())
print("uname", tuple(os.uname()))
print("getloadavg", os.getloadavg())
loads = (ctypes.c_double * 3)()
print("getloadavg(libc)", libc.getloadavg(loads, 3), list(loads))
print("usleep", libc.usleep(200000))
print("sleep", libc.sleep(1))
print("done")
