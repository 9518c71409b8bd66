# requests (python3-requests): a Session doing keep-alive GETs and a POST with a JSON body against
# tests/e2e/lib/http_server.py on 127.0.0.1:PORT.  Usage: net_requests.py PORT
import hashlib
import os
import sys

import requests

port = int(sys.argv[1])
base = f"http://127.0.0.1:{port}"
with requests.Session() as session:
    session.trust_env = False  # no proxy or netrc from the environment
    for path in ("/items/1", "/items/2", "/items/3"):
        r = session.get(base + path, timeout=30)
        print("GET", path, r.status_code, r.headers["Content-Type"], "connection", r.headers["X-Connection"],
              "clock", r.headers["X-Server-Clock"])
        print("  json", r.json())
    payload = {"order": os.urandom(4).hex(), "items": [1, 2, 3], "note": "keep-alive"}
    r = session.post(base + "/orders", json=payload, timeout=30)
    print("POST /orders", r.status_code, "connection", r.headers["X-Connection"])
    body = r.json()
    print("  echo matches", body["echo"] == payload, "token", body["token"], "clock", body["clock"])
    r = session.get(base + "/bytes/100000", timeout=30)
    print("GET /bytes/100000", r.status_code, len(r.content), hashlib.sha256(r.content).hexdigest(),
          "connection", r.headers["X-Connection"])
print("done")
