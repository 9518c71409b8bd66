"""ctrl_c.py WRAPPER... — run WRAPPER... /usr/bin/python3 -c PROG on a new terminal (a pty, as
its controlling terminal), type Ctrl-C once PROG is ready, and print everything the terminal
showed, then "status N".

PROG counts the SIGINTs it gets: once it has one it waits half a second more (a second one, sent
on by a wrapper, would arrive within it) and prints "count N".  The terminal sends SIGINT to its
whole foreground process group, wrapper and program alike; the program must get it once."""
import os
import pty
import sys

PROG = """import signal, time
n = [0]
def on_int(sig, frame):
    n[0] += 1
signal.signal(signal.SIGINT, on_int)
print("ready", flush=True)
while n[0] == 0:
    time.sleep(0.01)
time.sleep(0.5)
print("count", n[0], flush=True)
"""

pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:] + ["/usr/bin/python3", "-c", PROG])
shown = b""
typed = False
while True:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    shown += data
    if not typed and b"ready" in shown:
        os.write(fd, b"\x03")
        typed = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(shown.decode(errors="replace").replace("\r\n", "\n").replace("^C", ""))
print("status", os.waitstatus_to_exitcode(status))
