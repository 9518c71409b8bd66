# randomness: random (seeded from os.urandom), uuid4, os.urandom and secrets replay as recorded,
# though they differ between native runs; recorded in the raw form (LD_PRELOAD=…
# RETRACE_MODE=record) rather than with retrace-record.
# shellcheck shell=bash

replay_case randomness randomness.py --varies --raw
