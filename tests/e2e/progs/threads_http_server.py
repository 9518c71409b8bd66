# threads_http_server.py — a ThreadingHTTPServer in a thread of this process (127.0.0.1, port 0)
# and 4 client threads each making 3 http.client requests to it. The handler sleeps a random
# 0-5 ms and answers with random bytes; prints the order the server handled requests and the
# order responses completed, which vary with the delays and thread scheduling.
import hashlib
import http.client
import http.server
import os
import random
import threading
import time

handled = []
completed = []
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with lock:
            handled.append(self.path)
        time.sleep(random.uniform(0, 0.005))
        body = f"{self.path} {os.urandom(8).hex()}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


def client(name, port, bodies):
    for k in range(3):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", f"/{name}{k}")
        body = conn.getresponse().read()
        conn.close()
        assert body.startswith(f"/{name}{k} ".encode()), body
        with lock:
            completed.append(f"/{name}{k}")
            bodies.append(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
serving.start()
bodies = []
clients = [threading.Thread(target=client, args=(n, server.server_address[1], bodies))
           for n in "abcd"]
for t in clients:
    t.start()
for t in clients:
    t.join()
server.shutdown()
serving.join()
server.server_close()
print("handled  ", " ".join(handled))
print("completed", " ".join(completed))
print("bodies sha256", hashlib.sha256(b"".join(sorted(bodies))).hexdigest())
