# Randomness: the random module (seeded from os.urandom), uuid4, os.urandom, secrets.
import os
import random
import secrets
import uuid

print("random.random", repr(random.random()))
print("random.randint", random.randint(0, 10**12))
print("random.sample", random.sample(range(1000), 8))
print("SystemRandom", repr(random.SystemRandom().random()))
print("uuid4", uuid.uuid4(), uuid.uuid4())
print("os.urandom", os.urandom(16).hex())
print("os.getrandom", os.getrandom(16).hex())
print("secrets.token_hex", secrets.token_hex(16))
print("secrets.token_urlsafe", secrets.token_urlsafe(16))
print("secrets.randbelow", secrets.randbelow(10**9))
print("done")
