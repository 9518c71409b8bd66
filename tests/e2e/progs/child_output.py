# child_output.py — its output comes from a child process: mkdir DIR succeeds when recorded; a
# replay that ran it again would find DIR there (or, removed, create it again).
import subprocess
import sys

rc = subprocess.run(["mkdir", sys.argv[1]], stderr=subprocess.DEVNULL).returncode
print("mkdir exited with", rc)  # PRINT LINE
