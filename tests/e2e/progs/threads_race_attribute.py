# threads_race_attribute.py — a loop with no call at all whose turns differ only in an instance
# attribute (self.n += 1 changes no dict's version and no local variable): 3 threads race on it
# with a 1 us switch interval, and every 50000th increment notes which thread made it.  The
# forced switches inside the loop are found again on replay by the state of the frame, which
# has to include the instance's attributes to tell the turns apart.  Varies run to run.
import sys
import threading


class Counter:
    def __init__(self):
        self.n = 0


shared = Counter()
order = []


def work(tid):
    c = shared
    while c.n < 300000:
        c.n += 1
        if c.n % 50000 == 0:
            order.append(tid)


sys.setswitchinterval(1e-6)
threads = [threading.Thread(target=work, args=(t,)) for t in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(shared.n, order)
