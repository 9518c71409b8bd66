# Temporary file names come from a random.Random seeded from os.urandom.
import os
import tempfile

print("gettempdir", tempfile.gettempdir() == os.environ.get("TMPDIR"))
print("mktemp", os.path.basename(tempfile.mktemp()))
with tempfile.NamedTemporaryFile() as f:
    print("NamedTemporaryFile", os.path.basename(f.name))
with tempfile.TemporaryDirectory() as d:
    print("TemporaryDirectory", os.path.basename(d))
print("done")
