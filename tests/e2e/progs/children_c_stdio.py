# children_c_stdio.py — C children that write to the terminal through stdio, not write(2): date,
# sort reading its stdin through stdio too, and coreutils' printf, their output not captured (it
# goes straight to the stdout the parent was given).  The parent's replay, which runs none of
# them, must still show what they printed.
import os
import subprocess

subprocess.run(["date", "+%s.%N"])
subprocess.run(["sort"], input=f"b\n{os.urandom(4).hex()}\na\n".encode())
subprocess.run(["printf", "%s|%s\n", "printf says", os.urandom(4).hex()])
print("done", flush=True)
