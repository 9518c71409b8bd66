# transparent: deterministic output on both stdout and stderr is recorded unchanged (stderr as
# without retrace) and replays byte for byte.
# shellcheck shell=bash

replay_case transparent transparent.py --stderr $'line 0\nline 1\nline 2\n'
