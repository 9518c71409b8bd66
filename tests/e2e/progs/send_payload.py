# send_payload.py — sends the first line of a file (argv[1]) over a socket pair and reads it back
# on the other end.  The divergence case changes the file between record and replay.
import socket
import sys

with open(sys.argv[1], "rb") as f:
    payload = f.readline().strip()
a, b = socket.socketpair()
a.send(payload)  # SEND LINE
print("echoed", b.recv(100))
