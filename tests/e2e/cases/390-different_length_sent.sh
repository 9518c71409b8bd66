# different_length_sent: as different_bytes_sent, but with a different NUMBER of bytes: the length
# is a key argument of send, so the report is about the call's arguments, and shows both lengths.
# shellcheck shell=bash

if selected different_length_sent; then
	d=$T/different_length_sent
	mkdir -p "$d/live"
	cp "$PROGS/send_payload.py" "$d/app.py"
	echo 12345 >"$d/live/payload"
	run "$d/record" null env RETRACE_UNRECORDED="$d/live" "$BIN/retrace-record" -o "$d/trace.pb" -- \
		"$PYTHON" "$d/app.py" "$d/live/payload"
	sleep 0.01
	echo 1234567 >"$d/live/payload"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
	diverged_as "different_length_sent: a different number of bytes sent is reported at the send, with both lengths" \
		"$d" "$d/app.py" "# SEND LINE" \
		"the program called it with other arguments" \
		"file not recorded: $d/live/payload"
	if ! grep -q "^retrace:   recorded: send(fd [0-9]*, 5 bytes" "$d/replay.err" ||
		! grep -q "^retrace:   replayed: send(fd [0-9]*, 7 bytes" "$d/replay.err"; then
		not_ok "different_length_sent: the report shows the recorded and the new length" \
			"$(head -c 900 "$d/replay.err")"
	fi
fi
