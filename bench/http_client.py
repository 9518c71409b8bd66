# 1,000 keep-alive GETs over one http.client connection (bench/run), against
# bench/http_server.py. The standard library's client: the lightest a Python program has, so the
# time measured is mostly the network's and the server's, which replay takes away.
#   http_client.py URL                          plain (native, or under retrace)
#   http_client.py URL --vcr record CASSETTE    under VCR.py, writing the cassette
#   http_client.py URL --vcr replay CASSETTE    under VCR.py, playing it back (server gone)
# The first line of output is the same for every run against the server (counts, connections
# used); the second is a digest of the bodies, which are all unique, so a replay that hands back
# the wrong bytes prints something different.
import hashlib
import json
import sys

import http.client
import urllib.parse

N = 1000


def fetch(url):
    digest = hashlib.sha256()
    conns, stamps, nbytes = set(), set(), 0
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        for i in range(N):
            c.request("GET", f"/item/{i}")
            r = c.getresponse()
            if r.status != 200:
                raise SystemExit(f"http_client: status {r.status} for /item/{i}")
            body = r.read()
            doc = json.loads(body)
            if doc["path"] != f"/item/{i}":
                raise SystemExit(f"http_client: answer for {doc['path']} to /item/{i}")
            conns.add(doc["conn"])
            stamps.add((doc["t"], doc["rand"]))
            nbytes += len(body)
            digest.update(body)
    finally:
        c.close()
    print(f"http_client: {N} requests, {len(stamps)} distinct answers, over {len(conns)} "
          f"connection(s)")
    print(f"http_client: {nbytes} body bytes, sha256 {digest.hexdigest()}")


def main():
    args = sys.argv[1:]
    if len(args) == 1:
        return fetch(args[0])
    if len(args) == 4 and args[1] == "--vcr" and args[2] in ("record", "replay"):
        import vcr
        # record: "all" sends every request and writes the cassette; replay: "none" only plays
        # back, and fails on a request the cassette lacks.
        v = vcr.VCR(record_mode="all" if args[2] == "record" else "none")
        with v.use_cassette(args[3]):
            return fetch(args[0])
    raise SystemExit(f"usage: {sys.argv[0]} URL [--vcr record|replay CASSETTE]")


main()
