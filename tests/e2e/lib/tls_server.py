"""tls_server.py CERTDIR PORTFILE — the TLS server of the `tls` end-to-end case.

Makes a certificate authority and a server certificate for "localhost" and 127.0.0.1 with trustme
(python3-trustme), writes the CA to CERTDIR/ca.pem for the client to verify against, listens on
127.0.0.1 and a port the kernel picks, and writes the port to PORTFILE.  Runs natively, never
under retrace.  For each connection: reads one line, answers with that line, random bytes and its
own clock on two lines, and closes, so every answer is unique.
"""
import os
import signal
import socket
import ssl
import sys
import threading
import time

import trustme


def serve(conn, context):
    try:
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.settimeout(30)
            line = b""
            while not line.endswith(b"\n"):
                chunk = tls.recv(4096)
                if not chunk:
                    return
                line += chunk
            tls.sendall(b"you said: " + line)
            tls.sendall(f"server token {os.urandom(16).hex()} clock {time.time():.6f}\n".encode())
    except (OSError, ssl.SSLError) as e:
        print(f"tls_server: {e!r}", file=sys.stderr)


def main():
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    certdir, portfile = sys.argv[1], sys.argv[2]
    ca = trustme.CA(organization_name="retrace e2e CA")
    cert = ca.issue_cert("localhost", "127.0.0.1", organization_name="retrace e2e server")
    ca.cert_pem.write_to_path(os.path.join(certdir, "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)

    listener = socket.create_server(("127.0.0.1", 0))
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{listener.getsockname()[1]}\n")
    os.rename(tmp, portfile)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, context), daemon=True).start()


if __name__ == "__main__":
    main()
