# ssl: a client against tests/e2e/lib/tls_server.py on 127.0.0.1:PORT, verifying the server's
# certificate against the test's CA.  Usage: net_tls.py PORT CAFILE
import os
import socket
import ssl
import sys

port, cafile = int(sys.argv[1]), sys.argv[2]
context = ssl.create_default_context(cafile=cafile)
with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
    with context.wrap_socket(raw, server_hostname="localhost") as tls:
        cert = tls.getpeercert()
        print("subject", dict(x[0] for x in cert["subject"]))
        print("issuer", dict(x[0] for x in cert["issuer"]))
        print("serial", cert["serialNumber"], "not after", cert["notAfter"])
        print("version", tls.version(), "cipher", tls.cipher())
        tls.sendall(f"hello from the client {os.urandom(8).hex()}\n".encode())
        data = b""
        while True:
            chunk = tls.recv(4096)
            if not chunk:
                break
            data += chunk
print("received", data.decode(), end="")
print("done")
