# children_c_popen.py — popen(3) called from C (through ctypes): a command read through the
# stream, which leaves a marker file (ran.PID) and exits 3, and one written to (tr prints what it
# is given).  glibc's popen spawns and reads past every wrapper; replay must run neither.
import ctypes
import os

libc = ctypes.CDLL(None)
libc.popen.restype = ctypes.c_void_p
libc.popen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.fgets.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
libc.fputs.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
libc.pclose.argtypes = [ctypes.c_void_p]

f = libc.popen(b"cat /proc/sys/kernel/random/uuid; touch ran.$$; exit 3", b"r")
buf = ctypes.create_string_buffer(100)
libc.fgets(buf, 100, f)
status = libc.pclose(f)
print("popen read", buf.value.decode().strip(), "exit", os.waitstatus_to_exitcode(status), flush=True)
w = libc.popen(b"tr a-z A-Z", b"w")
libc.fputs(f"shouted {os.urandom(4).hex()}\n".encode(), w)
print("pclose of the writer:", libc.pclose(w), flush=True)
