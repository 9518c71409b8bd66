# psycopg2 (libpq does its own I/O in C) against the PostgreSQL 15 server the test starts on
# 127.0.0.1:PORT.  Usage: net_psycopg2.py PORT USER
import os
import random
import sys

import psycopg2

port, user = int(sys.argv[1]), sys.argv[2]
conn = psycopg2.connect(host="127.0.0.1", port=port, user=user, dbname="postgres", connect_timeout=30)
print("server version", conn.server_version)
with conn:
    with conn.cursor() as cur:
        cur.execute("SELECT now(), pg_backend_pid(), random()")
        now, backend, server_random = cur.fetchone()
        print("now", now.isoformat(), "backend pid", backend, "server random", server_random)
        cur.execute("CREATE TEMP TABLE readings (id serial PRIMARY KEY, label text, value double precision,"
                    " blob bytea, at timestamptz DEFAULT clock_timestamp())")
        rows = [(f"label-{os.urandom(3).hex()}", random.random(), os.urandom(8)) for _ in range(5)]
        cur.executemany("INSERT INTO readings (label, value, blob) VALUES (%s, %s, %s)", rows)
        cur.execute("SELECT id, label, value, blob, at FROM readings ORDER BY id")
        for rid, label, value, blob, at in cur.fetchall():
            print("row", rid, label, repr(value), bytes(blob).hex(), at.isoformat())
        cur.execute("SELECT count(*), sum(value) FROM readings")
        print("count and sum", cur.fetchone())
conn.close()
print("done")
