# threads_*: multi-threaded programs whose output depends on how their threads interleaved (two
# native runs check that it varies), recorded and replayed twice offline, byte for byte: lost-
# update races with and without a call in the loop, queue timeouts, the threading primitives, an
# HTTP server and its clients in one process, hashing with the GIL released, asyncio's resolver
# thread, a daemon thread still printing at exit, and the threads' identities and id()s.
# shellcheck shell=bash

replay_case threads_race_calls threads_race_calls.py --varies
replay_case threads_race_nocall threads_race_nocall.py --varies
replay_case threads_race_attribute threads_race_attribute.py --varies
replay_case threads_loop_global threads_loop_global.py --varies
replay_case threads_queue threads_queue.py --varies
replay_case threads_sync threads_sync.py --varies
replay_case threads_http_server threads_http_server.py --varies
replay_case threads_hashing threads_hashing.py --varies
replay_case threads_asyncio_dns threads_asyncio_dns.py --varies
replay_case threads_daemon threads_daemon.py --varies
replay_case threads_identity threads_identity.py --varies
# Daemon threads cut short by the interpreter's finalization, wherever they are: the recording
# replays as it ran, ten times in a row.
replay_case threads_daemon_exit threads_daemon_exit.py --varies
many_replays threads_daemon_exit_repeated threads_daemon_exit.py 10
# Waits that time out in threads (Queue.get, Event.wait, Lock.acquire with timeouts, 1.5 s in
# all when recorded) time out again on replay, at once.
replay_case threads_timeouts threads_timeouts.py --varies --max-ms 1000
