# threads_loop_global.py — a thread loops with only builtin calls (no Python frame entered,
# nothing recorded) while the main thread starts and joins 30 short-lived threads: its turns
# differ only in the length of a module-level list, so its forced switches are found again on
# replay by the globals its code names.  How far it got varies from run to run.
import hashlib
import threading

sizes = []
stop = False


def allocator():
    while not stop:
        b = bytearray(5000)
        sizes.append(len(b) + len(sizes))
        del b


def short_lived(i):
    keep = [bytearray(4000 + i) for _ in range(5)]
    return keep


a = threading.Thread(target=allocator)
a.start()
for r in range(30):
    t = threading.Thread(target=short_lived, args=(r,))
    t.start()
    t.join()
stop = True
a.join()
print(len(sizes), hashlib.sha256(str(sizes).encode()).hexdigest()[:16])
