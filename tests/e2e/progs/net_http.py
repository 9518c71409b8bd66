# urllib.request and http.client against tests/e2e/lib/http_server.py on 127.0.0.1:PORT, whose
# every answer is unique (random bytes, its own clock).  Usage: net_http.py PORT
import hashlib
import http.client
import json
import sys
import urllib.request

port = int(sys.argv[1])
base = f"http://127.0.0.1:{port}"
# No proxy from the environment: the request must go to the local server.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

with opener.open(base + "/hello?via=urllib", timeout=30) as r:
    print("urllib GET", r.status, r.headers["Content-Type"], "clock", r.headers["X-Server-Clock"])
    print("  body", r.read().decode())

post = urllib.request.Request(base + "/submit", data=json.dumps({"n": 42, "via": "urllib"}).encode(),
                              headers={"Content-Type": "application/json"}, method="POST")
with opener.open(post, timeout=30) as r:
    print("urllib POST", r.status, "request", r.headers["X-Request-Number"])
    print("  body", r.read().decode())

with opener.open(base + "/bytes/4096", timeout=30) as r:
    data = r.read()
    print("urllib bytes", len(data), data[:16].hex(), hashlib.sha256(data).hexdigest())

# http.client: one keep-alive connection, several requests, one large answer read in pieces.
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
for path in ("/one", "/two", "/three"):
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    print("http.client GET", path, resp.status, resp.reason, "connection", resp.getheader("X-Connection"))
    print("  body", body.decode())
conn.request("GET", "/bytes/300000")
resp = conn.getresponse()
pieces = []
while True:
    piece = resp.read(65536)
    if not piece:
        break
    pieces.append(piece)
data = b"".join(pieces)
print("http.client bytes", resp.status, len(data), "connection", resp.getheader("X-Connection"))
print("  sha256", hashlib.sha256(data).hexdigest(), "head", data[:16].hex(), "tail", data[-16:].hex())
conn.close()
print("done")
