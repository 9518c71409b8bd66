# Files C code opens through stdio: libc's fopen/fgets and fdopen through ctypes, /dev/urandom
# through fopen/fread, and OpenSSL reading a CA file (ssl.create_default_context(cafile=...)).
# argv[1] is a directory of files the e2e case deletes before the replays.
import ctypes
import os
import ssl
import sys
import time

d = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.fdopen.restype = ctypes.c_void_p
libc.fdopen.argtypes = [ctypes.c_int, ctypes.c_char_p]
libc.fgets.restype = ctypes.c_char_p
libc.fgets.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
libc.fread.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p]
libc.fputs.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
libc.fileno.argtypes = [ctypes.c_void_p]
libc.fseek.argtypes = [ctypes.c_void_p, ctypes.c_long, ctypes.c_int]
libc.ftell.argtypes = [ctypes.c_void_p]
libc.ftell.restype = ctypes.c_long

buf = ctypes.create_string_buffer(256)
f = libc.fopen(os.path.join(d, "data.txt").encode(), b"r")
print("fopen data.txt: fileno is an fd:", libc.fileno(f) > 2, "fstat size:", os.fstat(libc.fileno(f)).st_size)
while libc.fgets(buf, 256, f):
    print("fgets:", buf.value.decode().rstrip())
libc.fseek(f, 0, 0)
print("after rewind, ftell:", libc.ftell(f), "first line again:", libc.fgets(buf, 256, f).decode().rstrip())
libc.fclose(f)

fd = os.open(os.path.join(d, "data.txt"), os.O_RDONLY)
f = libc.fdopen(fd, b"r")
print("fdopen:", libc.fgets(buf, 256, f).decode().rstrip())
libc.fclose(f)

f = libc.fopen(os.path.join(d, "out.txt").encode(), b"w")
libc.fputs(b"written through stdio\n", f)
libc.fclose(f)

print("missing file:", libc.fopen(os.path.join(d, "missing").encode(), b"r"), ctypes.get_errno())

f = libc.fopen(b"/dev/urandom", b"rb")
n = libc.fread(buf, 1, 16, f)
print("fread /dev/urandom:", n, buf.raw[:16].hex())
libc.fclose(f)

ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
print("CA from the cafile:", [dict(x[0] for x in c["subject"]) for c in ctx.get_ca_certs()])
print("time:", time.time())
