# test_capture.py — a pytest test (pytest captures fd 1 and 2 while it runs) that makes one more
# clock read when pytest is given --tb=long: replayed with --tb=long after a recording with
# --tb=short, it diverges inside the test, where its stderr is pytest's.
import os
import sys
import time


def test_clock():
    print("in the test", os.urandom(4).hex())
    t = time.time()
    if "--tb=long" in sys.argv:
        time.time()  # DIVERGES HERE
    assert t > 0
