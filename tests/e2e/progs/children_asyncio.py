# children_asyncio.py — asyncio.create_subprocess_exec of cat /proc/sys/kernel/random/uuid, its
# output read through the event loop; with the child watcher given (threaded: a thread blocks in
# waitpid, asyncio's default; pidfd: the loop polls a pidfd).
import asyncio
import sys


async def main():
    p = await asyncio.create_subprocess_exec("cat", "/proc/sys/kernel/random/uuid",
                                             stdout=asyncio.subprocess.PIPE)
    out, _ = await p.communicate()
    print("uuid", out.decode().strip(), "exit", p.returncode)


watcher = asyncio.PidfdChildWatcher() if sys.argv[1] == "pidfd" else asyncio.ThreadedChildWatcher()
asyncio.set_child_watcher(watcher)
asyncio.run(main())
