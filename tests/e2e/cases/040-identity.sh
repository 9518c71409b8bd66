# identity: process identity, the environment and the working directory come from the trace: the
# replays run from the repository root with E2E_MARK=replayed, yet print the recorded values.
# shellcheck shell=bash

replay_case identity identity.py --varies
