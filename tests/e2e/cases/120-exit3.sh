# exit3: a program ending with sys.exit(3) records ending with "exit 3", and both replays print
# the same and end with status 3 too.
# shellcheck shell=bash

replay_case exit3 exit3.py --status "exit 3"
