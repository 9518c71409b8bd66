"""pdb_drive.py OUT COMMANDS CMD... — run CMD on a new terminal (a pty, its controlling
terminal and stdin), its stdout and stderr into OUT.out and OUT.err, and type COMMANDS (one pdb
command a line) one at a time, each after the next "(Pdb) " prompt the
terminal shows; then print everything the terminal showed and "status N".

The pdb cases (tests/e2e/cases/5*-debug*.sh) drive retrace-replay --break through it, the way
ctrl_c.py drives Ctrl-C: the program's own output stays apart from pdb's, so it can be compared
byte for byte with the recording's.

With PDB_DRIVE_TIMES=FILE in the environment, FILE gets one line per prompt: the seconds from
the start (the first prompt) or from the command typed before it to that prompt (bench/run
times pdb's back with it)."""
import os
import pty
import sys
import time

out, commands, cmd = sys.argv[1], sys.argv[2].split("\n"), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    o = os.open(out + ".out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    e = os.open(out + ".err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(o, 1)
    os.dup2(e, 2)
    os.execvp(cmd[0], cmd)
shown = b""
typed = 0
times, since = [], time.monotonic()
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    shown += data
    if typed < len(commands) and shown.count(b"(Pdb) ") > typed:
        times.append(time.monotonic() - since)
        since = time.monotonic()
        os.write(fd, commands[typed].encode() + b"\n")
        typed += 1
_, status = os.waitpid(pid, 0)
sys.stdout.write(shown.decode(errors="replace").replace("\r\n", "\n"))
print("status", os.waitstatus_to_exitcode(status))
if os.environ.get("PDB_DRIVE_TIMES"):
    with open(os.environ["PDB_DRIVE_TIMES"], "w") as f:
        f.writelines(f"{t:.6f}\n" for t in times)
