# asyncio streams: a server (asyncio.start_server) and a client (asyncio.open_connection) in the
# same process exchange a few messages with random content.  Numeric addresses only: a host name
# would make asyncio resolve it in a thread of its executor, and this case is single-threaded.
import asyncio
import os
import threading
import time


handled = None


async def handle(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        reply = f"server got {line.decode().strip()} and adds {os.urandom(4).hex()}\n"
        writer.write(reply.encode())
        await writer.drain()
    writer.close()
    await writer.wait_closed()
    handled.set()


async def main():
    global handled
    # The server side finishes before the server closes: on some 3.11 releases (3.11.7) closing
    # it first cancels the handler and asyncio prints that on stderr, with or without retrace.
    handled = asyncio.Event()
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print("server listening on an ephemeral port:", port > 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for i in range(5):
        message = f"message {i} {os.urandom(8).hex()} at {time.time():.6f}"
        writer.write((message + "\n").encode())
        await writer.drain()
        reply = await asyncio.wait_for(reader.readline(), timeout=10)
        print("client sent", message)
        print("client received", reply.decode().strip())
    writer.close()
    await writer.wait_closed()
    await handled.wait()
    server.close()
    await server.wait_closed()
    print("threads", threading.active_count())


asyncio.run(main())
print("done")
