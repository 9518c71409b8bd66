"""debug_net.py PORT — what the pdb cases debug (debug_*): fetches /anything from
tests/e2e/lib/http_server.py in one recv, then runs a loop line five times and prints the
server's token, a sum and where a few new objects were put (id()s and a set's order: a replay
the debugger disturbed would print others)."""
import json
import socket
import sys


def fetch(port):
    s = socket.create_connection(("127.0.0.1", int(port)))
    s.sendall(b"GET /anything HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = s.recv(1 << 20, socket.MSG_WAITALL)
    s.close()
    return data


def main():
    reply = fetch(sys.argv[1])
    token = json.loads(reply.split(b"\r\n\r\n", 1)[1])["token"]
    total = 0
    for i in range(5):
        total += i * len(token)  # the loop line
    objs = [object() for _ in range(20)]
    print("token", token, "total", total)
    print("ids", [id(o) % 1000003 for o in objs[:4]], [objs.index(o) for o in set(objs)][:8])


main()
