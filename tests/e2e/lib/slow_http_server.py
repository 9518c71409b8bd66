"""slow_http_server.py PORTFILE — the slow HTTP server of the threads_pool_http end-to-end case.

Runs natively (never under retrace): a ThreadingHTTPServer on 127.0.0.1 at a port the kernel
picks, written to PORTFILE once it listens (via a temporary name and a rename).  Every GET is
answered after a random 0-20 ms sleep, so concurrent clients see answers complete in a random
order; the body names the path and carries random bytes, so every answer is unique.
"""
import http.server
import os
import random
import signal
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        time.sleep(random.uniform(0, 0.020))
        body = f"{self.path} {os.urandom(8).hex()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


def main():
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(tmp, sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
