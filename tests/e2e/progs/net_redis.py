# redis-py (python3-redis) against the redis-server the test starts on 127.0.0.1:PORT.
# Usage: net_redis.py PORT
import os
import sys

import redis

r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), socket_timeout=30)
print("ping", r.ping())
info = r.info("server")
print("run_id", info["run_id"], "version", info["redis_version"])
print("server time", r.time())
key = f"key:{os.urandom(4).hex()}"
r.set(key, os.urandom(16).hex())
print("get", key, r.get(key))
print("incr", r.incr("counter"), r.incr("counter", 5))
pipe = r.pipeline()
for i in range(5):
    pipe.set(f"p:{i}", os.urandom(6).hex())
    pipe.get(f"p:{i}")
pipe.incrby("counter", 10)
pipe.lpush("list", *[os.urandom(2).hex() for _ in range(3)])
pipe.lrange("list", 0, -1)
print("pipeline", pipe.execute())
print("dbsize", r.dbsize())
r.close()
print("done")
