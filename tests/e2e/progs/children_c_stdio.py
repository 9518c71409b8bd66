# children_c_stdio.py — C children that write to the terminal through stdio, not write(2): date,
# sort reading its stdin through stdio too, and coreutils' printf, their output not captured (it
# goes straight to the stdout the parent was given), and a Python child whose C printf (through
# ctypes) stays in stdio's buffer until the child exits.  The parent's replay, which runs none
# of them, must still show what they printed.
import os
import subprocess
import sys

subprocess.run(["date", "+%s.%N"])
subprocess.run(["sort"], input=f"b\n{os.urandom(4).hex()}\na\n".encode())
subprocess.run(["printf", "%s|%s\n", "printf says", os.urandom(4).hex()])
code = "import ctypes, os; ctypes.CDLL(None).printf(b'ctypes printf %s\\n', os.urandom(3).hex().encode())"
subprocess.run([sys.executable, "-c", code])
print("done", flush=True)
