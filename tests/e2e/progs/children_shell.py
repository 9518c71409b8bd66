# children_shell.py — os.system (the shell's echo writes to our stdout itself) and os.popen.
import os

status = os.system("echo system says $(cat /proc/sys/kernel/random/uuid); exit 7")
print("os.system returned", os.waitstatus_to_exitcode(status))
with os.popen("cat /proc/sys/kernel/random/uuid") as p:
    print("os.popen read", p.read().strip())
