# tempnames: temporary file names (tempfile's random.Random, seeded from os.urandom) replay as
# recorded, though they differ between native runs.
# shellcheck shell=bash

replay_case tempnames tempnames.py --varies
