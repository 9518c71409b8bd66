# inherited_fds.py — reads what its caller handed it on fd 5 (a pipe, not a file it opened), then
# opens a file of its own (fd 3, the lowest free one) and prints both with random bytes.
import os

with os.fdopen(5, "rb") as given:
    data = given.read()
with open(__file__, "rb") as f:
    print("given on fd 5:", data.decode().strip(), "| own file on fd", f.fileno(), len(f.read()))
print(os.urandom(8).hex())
