# sqlite3 on a database file and a config file that the test deletes and rewrites between the
# recording and the replays: both must replay as they were read.  Usage: files_sqlite.py DB CONFIG
import os
import random
import sqlite3
import sys

db, config = sys.argv[1], sys.argv[2]
with open(config) as f:
    text = f.read()
print("config says:", text, end="")
conn = sqlite3.connect(db)
conn.execute("CREATE TABLE IF NOT EXISTS readings (id INTEGER PRIMARY KEY, label TEXT, value REAL)")
with conn:
    conn.execute("INSERT INTO readings (label, value) VALUES (?, ?)", (f"new-{os.urandom(3).hex()}", random.random()))
for row in conn.execute("SELECT id, label, value FROM readings ORDER BY id"):
    print("row", row)
print("count", conn.execute("SELECT count(*) FROM readings").fetchone()[0])
conn.close()
print("done")
