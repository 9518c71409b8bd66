# unsupported_call: output that comes from a child process, which retrace does not record and
# which runs live on replay, diverges with 90, and the report names the child as the cause.
# shellcheck shell=bash

if selected unsupported_call; then
	d=$T/unsupported_call
	mkdir -p "$d"
	cp "$PROGS/child_output.py" "$d/app.py"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$d/app.py" "$d/made"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
	diverged_as "unsupported_call: output from a child process, which runs live on replay, is explained" \
		"$d" "$d/app.py" "# PRINT LINE" "the program wrote other bytes" \
		"unsupported: the program started 1 child process; children run live on replay"
fi
