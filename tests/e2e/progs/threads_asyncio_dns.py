# threads_asyncio_dns.py — asyncio resolving "localhost" (from /etc/hosts, offline) in the
# threads of its default executor: 4 loop.getaddrinfo tasks, each after a random 0-5 ms sleep,
# run concurrently with 4 plain asyncio.sleep tasks of random length. Prints the addresses and
# the order the 8 tasks completed, which varies with the random sleeps and the executor threads.
import asyncio
import random
import socket

done = []


async def resolve(i):
    await asyncio.sleep(random.uniform(0, 0.005))
    infos = await asyncio.get_running_loop().getaddrinfo("localhost", 8000 + i,
                                                         type=socket.SOCK_STREAM)
    done.append(f"dns{i}")
    return sorted(f"{sockaddr[0]}:{sockaddr[1]}" for *_, sockaddr in infos)


async def nap(i):
    await asyncio.sleep(random.uniform(0, 0.005))
    done.append(f"nap{i}")


async def main():
    results = await asyncio.gather(*(resolve(i) for i in range(4)), *(nap(i) for i in range(4)))
    for i in range(4):
        print("localhost", 8000 + i, "->", " ".join(results[i]))
    print("completed", " ".join(done))


asyncio.run(main())
