# The local HTTP server of the network workloads (bench/run starts it natively, never under
# retrace). HTTP/1.1 with keep-alive on 127.0.0.1 at a port the kernel picks, which it prints
# as "PORT <n>" once it listens; it stops on SIGTERM. Every answer is unique: a small JSON body
# with the connection's serial number, the request's number on it, the server's clock and random
# bytes. Headers and body leave in one send, as real servers do. SERVICE_MS (default 0.1) is the
# time each answer takes to prepare, a stand-in for the work a real service does behind it (a
# query, a template): the wait a client spends on the network and the server, which is what
# replay takes away.
import http.server
import json
import os
import signal
import sys
import threading
import time

SERVICE_S = float(os.environ.get("SERVICE_MS", "0.1")) / 1000
_conns = 0
_lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"       # keep-alive
    wbufsize = 65536                    # the response goes out in one send, at the flush
    disable_nagle_algorithm = True

    def setup(self):
        global _conns
        super().setup()
        with _lock:
            _conns += 1
            self.conn_id = _conns
        self.served = 0

    def do_GET(self):
        self.served += 1
        if SERVICE_S:
            time.sleep(SERVICE_S)
        body = json.dumps({"conn": self.conn_id, "n": self.served, "path": self.path,
                           "t": time.time_ns(), "rand": os.urandom(16).hex()}).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    print(f"PORT {srv.server_address[1]}", flush=True)
    srv.serve_forever(poll_interval=0.05)
    srv.server_close()


if __name__ == "__main__":
    sys.exit(main())
