# threads_sync.py — threading.Timer, Event.wait(timeout), Condition.wait_for and a Barrier,
# each raced against random delays: whether a Timer fires before it is cancelled, whether an
# Event.wait times out, the order a Condition's waiter sees items, and which thread reaches a
# Barrier last (its returned index). Outcomes depend on the delays and scheduling, so vary.
import random
import threading
import time

# Timers: each fires after 5 ms unless cancelled first; they are cancelled one by one, after a
# random 0-5 ms each.
fired = []
timers = [threading.Timer(0.005, fired.append, args=(i,)) for i in range(4)]
for t in timers:
    t.start()
for t in timers:
    time.sleep(random.uniform(0, 0.005))
    t.cancel()
for t in timers:
    t.join()
print("timers fired", sorted(fired), "cancelled", sorted(set(range(4)) - set(fired)))

# Event.wait(timeout): 3 waiters with 5 ms timeouts; the event is set after a random 0-10 ms.
event = threading.Event()
waited = {}


def wait_event(i):
    waited[i] = event.wait(0.005)


waiters = [threading.Thread(target=wait_event, args=(i,)) for i in range(3)]
for t in waiters:
    t.start()
time.sleep(random.uniform(0, 0.010))
event.set()
for t in waiters:
    t.join()
print("event waits", ["set" if waited[i] else "timed out" for i in range(3)])

# Condition.wait_for: 3 threads add items after random delays; the main thread waits for 4.
cond = threading.Condition()
items = []


def add(name):
    for k in range(2):
        time.sleep(random.uniform(0, 0.002))
        with cond:
            items.append(f"{name}{k}")
            cond.notify()


adders = [threading.Thread(target=add, args=(n,)) for n in "abc"]
for t in adders:
    t.start()
with cond:
    ok = cond.wait_for(lambda: len(items) >= 4, timeout=5)
    first = list(items)
for t in adders:
    t.join()
print("condition", ok, "saw", first, "then", items[len(first):])

# Barrier: 4 threads arrive after random delays; wait() returns the arrival index.
barrier = threading.Barrier(4)
arrival = {}


def meet(i):
    time.sleep(random.uniform(0, 0.003))
    arrival[barrier.wait()] = i


meeters = [threading.Thread(target=meet, args=(i,)) for i in range(4)]
for t in meeters:
    t.start()
for t in meeters:
    t.join()
print("barrier arrival order", [arrival[k] for k in range(4)], "last", arrival[3])
