# clocks: clocks.py prints clock readings that change from run to run (two native runs check that
# they do); both replays, offline, print exactly the recorded ones.
# shellcheck shell=bash

replay_case clocks clocks.py --varies
