# children_subprocess.py — subprocess.run of date, of cat /proc/sys/kernel/random/uuid and of a
# Python child printing os.urandom; the parent prints what each printed, and keeps it in
# child-out.N for the replay of child N alone.  The Python child leaves a marker file (ran.PID).
import subprocess
import sys


def keep(n, out):
    with open(f"child-out.{n}", "wb") as f:
        f.write(out)


r = subprocess.run(["date", "+%s.%N"], capture_output=True)
keep(1, r.stdout)
print("date printed", r.stdout.decode().strip(), "and exited", r.returncode)
r = subprocess.run(["cat", "/proc/sys/kernel/random/uuid"], capture_output=True)
keep(2, r.stdout)
print("uuid", r.stdout.decode().strip())
code = "import os, pathlib; pathlib.Path('ran.%d' % os.getpid()).touch(); print(os.urandom(16).hex())"
r = subprocess.run([sys.executable, "-c", code], capture_output=True)
keep(3, r.stdout)
print("python child printed", r.stdout.decode().strip())
