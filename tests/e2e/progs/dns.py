# Name resolution: localhost, a name only the recording's /etc/hosts has, reverse lookups, and a
# failing lookup.  The test records with its own /etc/hosts (in a mount namespace) and replays with
# the machine's, so a replay that resolved live would print something else.  Usage: dns.py PORT
import socket
import sys

port = int(sys.argv[1])


def show(what, call):
    try:
        print(what, call())
    except OSError as e:  # socket.gaierror and socket.herror
        print(what, "raised", type(e).__name__, e.args)


show("getaddrinfo localhost", lambda: socket.getaddrinfo("localhost", port, type=socket.SOCK_STREAM))
show("getaddrinfo peer", lambda: socket.getaddrinfo("retrace-e2e-peer.test", port, socket.AF_INET))
show("gethostbyname peer", lambda: socket.gethostbyname("retrace-e2e-peer.test"))
show("gethostbyname_ex peer", lambda: socket.gethostbyname_ex("retrace-e2e-peer.test"))
show("gethostbyaddr 127.0.0.1", lambda: socket.gethostbyaddr("127.0.0.1"))
show("gethostbyaddr 127.0.0.9", lambda: socket.gethostbyaddr("127.0.0.9"))
show("getnameinfo 127.0.0.9", lambda: socket.getnameinfo(("127.0.0.9", port), 0))
show("getaddrinfo no-such-host.invalid", lambda: socket.getaddrinfo("no-such-host.invalid", 80))
print("done")
