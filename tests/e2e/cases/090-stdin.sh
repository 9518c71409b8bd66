# stdin: standard input piped in while recording comes from the trace on replay, with the replays'
# stdin at /dev/null and, once more, closed.
# shellcheck shell=bash

replay_case stdin stdin.py --stdin $'line1\nline2\n' --closed-stdin
