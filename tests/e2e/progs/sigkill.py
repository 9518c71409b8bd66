# Kills itself halfway: replay reproduces the output up to here, then dies of SIGKILL too.
import os
import signal
import sys
import time

for i in range(5):
    print("line", i, time.time() > 0)
print("to stderr before the kill", file=sys.stderr)
sys.stdout.flush()
sys.stderr.flush()
os.kill(os.getpid(), signal.SIGKILL)
print("never printed")
