# child_output.py — its output comes from a child process, which retrace does not record: the
# child (mkdir DIR) succeeds when recorded and, running live again on replay, finds DIR there
# and fails, so the program prints another status.
import subprocess
import sys

rc = subprocess.run(["mkdir", sys.argv[1]], stderr=subprocess.DEVNULL).returncode
print("mkdir exited with", rc)  # PRINT LINE
