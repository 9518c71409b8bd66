# segv: a crash with SIGSEGV in C code (through ctypes) replays up to the same point and dies of
# SIGSEGV too; its output before the crash (its pid) differs between native runs.
# shellcheck shell=bash

replay_case segv segv.py --status "signal 11" --varies
