# asyncio_streams: asyncio streams, client and server in the same process exchanging random
# messages, replay offline; there is nothing outside to stop.
# shellcheck shell=bash

replay_case asyncio_streams net_asyncio.py --varies
