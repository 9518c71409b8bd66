# threads_children.py — two threads, each starting a child process: a program with both
# families, for the likely cause of a divergence inside threading's code.
import subprocess
import sys
import threading
import time

out = []


def work(i):
    r = subprocess.run([sys.executable, "-c", "import os; print(os.urandom(3).hex())"],
                       capture_output=True, text=True)
    out.append((i, r.stdout.strip()))


ts = [threading.Thread(target=work, args=(i,)) for i in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(out), time.time())
