# threads_http_client.py PORT — 8 threads x 50 keep-alive GETs, one http.client connection per
# thread, against bench/http_server.py on 127.0.0.1:PORT (make bench). Prints a summary: the
# responses, distinct answers and connections seen (the same on every run against the server),
# and the body bytes with a digest of all bodies (which are unique, so a wrong replay shows).
import hashlib
import http.client
import json
import sys
import threading

THREADS, N = 8, 50
port = int(sys.argv[1])
results = [None] * THREADS


def fetch(tid):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    bodies = []
    try:
        for i in range(N):
            conn.request("GET", f"/t{tid}/item/{i}")
            r = conn.getresponse()
            body = r.read()
            if r.status != 200 or json.loads(body)["path"] != f"/t{tid}/item/{i}":
                raise SystemExit(f"threads_http_client: bad answer {r.status} {body!r}")
            bodies.append(body)
    finally:
        conn.close()
    results[tid] = bodies


threads = [threading.Thread(target=fetch, args=(t,)) for t in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if None in results:
    raise SystemExit("threads_http_client: a thread failed")
bodies = [b for per_thread in results for b in per_thread]
docs = [json.loads(b) for b in bodies]
print(f"threads_http_client: {len(bodies)} responses, {len({(d['t'], d['rand']) for d in docs})} "
      f"distinct answers, over {len({d['conn'] for d in docs})} connection(s)")
print(f"threads_http_client: {sum(map(len, bodies))} body bytes, sha256 "
      f"{hashlib.sha256(b''.join(bodies)).hexdigest()}")
