# timed_wait: a timed wait on a deadline computed from a replayed clock (a held lock's
# acquire(timeout=), sem_clockwait in CPython 3.11) neither hangs nor spins: faithful replays,
# each under 1000 ms.
# shellcheck shell=bash

replay_case timed_wait timed_wait.py --max-ms 1000
