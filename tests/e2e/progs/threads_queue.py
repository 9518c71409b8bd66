# threads_queue.py — a producer thread puts 20 items on a queue.Queue, sleeping a random 0-3 ms
# before each; the consumer (main thread) takes them with get(timeout=0.001). Prints items and
# timeouts in the order the consumer saw them: where the timeouts fall depends on the random
# sleeps and on timing, so the output varies run to run.
import queue
import random
import threading
import time

q = queue.Queue()


def produce():
    for i in range(20):
        time.sleep(random.uniform(0, 0.003))
        q.put(i)
    q.put(None)


producer = threading.Thread(target=produce)
producer.start()
seen = []
while True:
    try:
        item = q.get(timeout=0.001)
    except queue.Empty:
        seen.append("timeout")
        continue
    if item is None:
        break
    seen.append(f"item {item}")
producer.join()
print("\n".join(seen))
print("items", sum(s != "timeout" for s in seen), "timeouts", seen.count("timeout"))
