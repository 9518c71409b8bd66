# A child process: a FORK event, a child trace (TRACE.1), and the child's output read back.
import subprocess
import time

r = subprocess.run(["/bin/echo", "from the child"], capture_output=True)
print(r.stdout.decode().strip(), r.returncode, time.time())
