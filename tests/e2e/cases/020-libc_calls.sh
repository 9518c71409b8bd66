# libc_calls: the libc calls CPython does not make on its own (gettimeofday, time, clock,
# getentropy, syscall(SYS_getrandom), gettid, getloadavg, usleep, sleep), called through ctypes,
# replay as recorded, and each replay skips the sleeping (under 1000 ms).
# shellcheck shell=bash

replay_case libc_calls libc_calls.py --varies --max-ms 1000
