# children_paths.py — the two other ways subprocess starts a child: with preexec_fn (fork, then
# exec in the child) and with close_fds=False (posix_spawn).
import os
import subprocess


def keep(n, out):
    with open(f"child-out.{n}", "wb") as f:
        f.write(out)


r = subprocess.run(["date", "+%N"], capture_output=True, preexec_fn=lambda: os.umask(0o22))
keep(1, r.stdout)
print("preexec_fn child:", r.stdout.decode().strip(), r.returncode)
r = subprocess.run(["cat", "/proc/sys/kernel/random/uuid"], capture_output=True, close_fds=False)
keep(2, r.stdout)
print("posix_spawn child:", r.stdout.decode().strip(), r.returncode)
