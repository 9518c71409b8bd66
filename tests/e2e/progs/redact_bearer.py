# A client that sends a secret of its environment: Authorization: Bearer $API_TOKEN to
# tests/e2e/lib/http_server.py, which echoes the header back; it also writes the token to a file
# and reads it back from /proc/self/environ.  What it prints never holds the token (so record
# and replay print the same) but varies run to run.  Usage: redact_bearer.py PORT [MODE]
#   (none)  as above
#   show    also print the token itself (replay prints its placeholder)
#   basic   send Authorization: Basic base64(user:token) instead: a value computed from the
#           secret, which the trace cannot hold redacted
import base64
import http.client
import json
import os
import sys

port = int(sys.argv[1])
mode = sys.argv[2] if len(sys.argv) > 2 else ""
token = os.environ["API_TOKEN"]
if mode == "basic":
    auth = "Basic " + base64.b64encode(f"user:{token}".encode()).decode()
else:
    auth = "Bearer " + token

conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
conn.request("GET", "/anything", headers={"Authorization": auth})
resp = conn.getresponse()
answer = json.loads(resp.read())
conn.close()
print("status", resp.status, "request", answer["request"], "token", answer["token"],
      "clock", answer["clock"])
print("the server echoed our Authorization header:", answer.get("authorization") == auth)

with open("token.txt", "w") as f:
    f.write(f"API_TOKEN={token}\n")
with open("/proc/self/environ", "rb") as f:
    environ = f.read().split(b"\0")
print("/proc/self/environ has our API_TOKEN:", f"API_TOKEN={token}".encode() in environ)
print("token length", len(token))
if mode == "show":
    print("token", token)
