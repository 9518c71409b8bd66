# hash() of str and bytes is seeded at startup from getrandom (PYTHONHASHSEED is unset), and so
# is the iteration order of a set of strings.
import sys

assert sys.flags.hash_randomization, "PYTHONHASHSEED must be unset for this test"
print("hash(str)", hash("retrace"), hash("another string"))
print("hash(bytes)", hash(b"retrace"), hash(b"\x00\x01\x02"))
print("set order", list({"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}))
print("dict of hashes", {k: hash(k) % 1000 for k in ("a", "b", "c")})
print("done")
