# children_pidfd.py — a child watched through a pidfd: os.fork, then os.pidfd_open, select on
# it until the child has exited, and os.waitid(P_PIDFD) for its status (the child prints random
# bytes and exits with a random status; it keeps both in child-out.1 for its replay alone).
import os
import random
import select

pid = os.fork()
if pid == 0:
    text = f"child says {os.urandom(8).hex()}"
    code = random.randrange(1, 100)
    print(text, flush=True)
    with open("child-out.1", "w") as f:
        f.write(text + "\n")
    with open("child-out.1.status", "w") as f:
        f.write(f"exit {code}\n")
    os._exit(code)
fd = os.pidfd_open(pid)
ready, _, _ = select.select([fd], [], [], 30)
info = os.waitid(os.P_PIDFD, fd, os.WEXITED)
print("pidfd readable:", ready == [fd], "child exited with", info.si_status)
os.close(fd)
