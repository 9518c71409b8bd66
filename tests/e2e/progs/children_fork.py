# children_fork.py — os.fork: the child prints random bytes itself, forks a grandchild that
# prints a random number, and exits with a random status, which the parent prints.  Each keeps
# what it printed (and how it ends) in child-out.N for its replay alone.
import os
import random


def say(ns, text, status=None):
    print(text, flush=True)
    for n in ns:
        with open(f"child-out.{n}", "a") as f:
            f.write(text + "\n")
    n = ns[0]
    if status is not None:
        with open(f"child-out.{n}.status", "w") as f:
            f.write(f"exit {status}\n")


pid = os.fork()
if pid == 0:
    say(["1"], f"child says {os.urandom(8).hex()}")
    pid2 = os.fork()
    if pid2 == 0:
        say(["1.1", "1"], f"grandchild says {random.random()}", status=5)
        os._exit(5)
    _, st = os.waitpid(pid2, 0)
    code = random.randrange(1, 100)
    say(["1"], f"grandchild exited with {os.waitstatus_to_exitcode(st)}", status=code)
    os._exit(code)
_, status = os.waitpid(pid, 0)
print("child exited with", os.waitstatus_to_exitcode(status))
