# exec_failed.py — an exec that fails returns to the program (os.execvpe of a program that is
# nowhere on PATH, os.execv of a file that is not executable), which goes on; replay returns
# the same failures.
import os
import time

try:
    os.execvpe("no such program", ["x"], {"PATH": "/nonexistent"})
except OSError as e:
    print("execvpe failed with errno", e.errno, "at", time.time())
try:
    os.execv("/etc/hostname", ["x"])
except OSError as e:
    print("execv failed with errno", e.errno)
