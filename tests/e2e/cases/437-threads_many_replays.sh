# threads_many_replays: a flaky schedule is a bug, not noise.  One recording of each lost-update
# race (with a call in the loop, without, and without one where only an attribute changes) is
# replayed 20 times in a row, and a loop whose turns change only a global list 5 times; every
# replay must print exactly what the recording printed.
# shellcheck shell=bash

many_replays threads_many_replays_calls threads_race_calls.py 20
many_replays threads_many_replays_nocall threads_race_nocall.py 20
many_replays threads_many_replays_attribute threads_race_attribute.py 20
many_replays threads_many_replays_global threads_loop_global.py 5
