# object_layout: id() values and the address order of a set of plain objects replay as recorded,
# which holds only if the replayed process is laid out exactly as the recording was.
# shellcheck shell=bash

replay_case object_layout object_layout.py --varies
