# A second thread: chunks of two threads interleave, and the schedule is in the events.
import os
import threading
import time

out = []


def work():
    out.append(os.urandom(4).hex())
    out.append(time.time())


t = threading.Thread(target=work)
t.start()
t.join()
print(out[0], out[1], time.time())
