# Reading /dev/urandom and /dev/random directly, not through getrandom.
with open("/dev/urandom", "rb") as f:
    print("/dev/urandom", f.read(16).hex())
with open("/dev/urandom", "rb", buffering=0) as f:
    print("/dev/urandom unbuffered", f.read(16).hex())
with open("/dev/random", "rb", buffering=0) as f:
    print("/dev/random", f.read(16).hex())
print("done")
