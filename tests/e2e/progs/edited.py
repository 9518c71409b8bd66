# Recorded as is, then replayed with an extra time.time() inserted at the marked line (the test
# edits a copy): replay must stop at the first event after the edit and name this file and line.
import time

print("first", time.time())
# EDIT HERE
print("second", time.time())
