# threads_identity.py — who the threads are: threading.get_ident() (the thread's pthread_t, an
# address), get_native_id() (the kernel's id), names, and the id()s of objects made in each thread
# after the threads start, and a set of them in its iteration order.  Natively each run differs
# (address space randomisation, the kernel's ids); a replay must print exactly what was recorded.
import threading

results = {}
made = []
lock = threading.Lock()


def work(n):
    objs = [object() for _ in range(3)] + [bytearray(1000 + n), [n] * 200]
    with lock:
        made.extend(objs)
        results[threading.current_thread().name] = (
            hex(threading.get_ident()),
            threading.get_native_id(),
            [hex(id(o)) for o in objs],
        )


threads = [threading.Thread(target=work, args=(n,), name=f"worker-{n}") for n in range(3)]
threads.append(threading.Thread(target=work, args=(9,)))
for t in threads:
    t.start()
for t in threads:
    t.join()
print("main", hex(threading.get_ident()), threading.get_native_id(), threading.current_thread().name)
for name in sorted(results):
    ident, native, ids = results[name]
    print(name, ident, native, " ".join(ids))
plain = [o for o in made if type(o) is object]
print("set order", [plain.index(o) for o in set(plain)])
