# sigkill: a program that kills itself with SIGKILL halfway, after writing to stdout and stderr,
# replays its output up to there and dies of SIGKILL too.
# shellcheck shell=bash

replay_case sigkill sigkill.py --status "signal 9" --stderr $'to stderr before the kill\n'
