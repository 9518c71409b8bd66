# devrandom: bytes read from /dev/urandom and /dev/random directly, not through getrandom, replay
# as recorded, though they differ between native runs.
# shellcheck shell=bash

replay_case devrandom devrandom.py --varies
