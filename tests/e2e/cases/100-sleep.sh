# sleep: time.sleep(2), on a deadline from the replayed monotonic clock, replays faithfully and
# without the waiting: each replay takes under 1500 ms.
# shellcheck shell=bash

replay_case sleep sleep.py --max-ms 1500
