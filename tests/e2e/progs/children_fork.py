# children_fork.py — os.fork: the child prints random bytes itself and exits with a random
# status, which the parent prints.
import os
import random

pid = os.fork()
if pid == 0:
    print("child says", os.urandom(8).hex(), flush=True)
    os._exit(random.randrange(1, 100))
_, status = os.waitpid(pid, 0)
print("child exited with", os.waitstatus_to_exitcode(status))
