# Process identity, plus the environment and cwd replay must restore from the trace.
import os
import socket

print("getpid", os.getpid())
print("getppid", os.getppid())
print("gethostname", socket.gethostname())
print("uname.nodename", os.uname().nodename)
print("cwd", os.getcwd())
print("E2E_MARK", os.environ.get("E2E_MARK"))
print("done")
