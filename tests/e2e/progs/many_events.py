# Enough events and data to fill several trace chunks, with output between them: a trace cut in
# its middle must replay the output of its complete chunks.
import os
import sys

for i in range(400):
    print(i, os.urandom(512).hex()[:16])
    sys.stdout.flush()
print("done")
