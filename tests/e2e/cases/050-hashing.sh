# hashing: hash() of str and bytes and the iteration order of a set of strings, seeded at startup
# from getrandom (PYTHONHASHSEED unset), replay as recorded though they differ between native runs.
# shellcheck shell=bash

replay_case hashing hashing.py --varies
