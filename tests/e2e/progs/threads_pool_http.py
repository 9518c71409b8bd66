# threads_pool_http.py PORT — 24 urllib GETs from a ThreadPoolExecutor(max_workers=8) to
# tests/e2e/lib/http_server.py --random-delay-ms 20, which answers each after a random 0-20 ms.
# Prints the as_completed order (which varies with the server's delays and the scheduling of the
# 8 worker threads) and a digest of the bodies (which carry random bytes).
import concurrent.futures
import hashlib
import json
import sys
import urllib.request

port = int(sys.argv[1])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy: local server


def get(i):
    with opener.open(f"http://127.0.0.1:{port}/item/{i}", timeout=30) as r:
        return r.read()


with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
    futures = {pool.submit(get, i): i for i in range(24)}
    order, bodies = [], {}
    for f in concurrent.futures.as_completed(futures):
        i = futures[f]
        order.append(i)
        bodies[i] = f.result()

for i, body in bodies.items():
    if json.loads(body)["path"] != f"/item/{i}":
        raise SystemExit(f"wrong answer for /item/{i}: {body!r}")
print("completed:", " ".join(map(str, order)))
print("bodies sha256:", hashlib.sha256(b"".join(bodies[i] for i in range(24))).hexdigest())
