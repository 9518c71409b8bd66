# different_bytes_sent: a program that sends other bytes on replay (read from an unrecorded file
# rewritten after the recording) exits 90 at the send, and the report names the socket call, the
# new bytes and the file as the cause.
# shellcheck shell=bash

if selected different_bytes_sent; then
	d=$T/different_bytes_sent
	mkdir -p "$d/live"
	cp "$PROGS/send_payload.py" "$d/app.py"
	echo 12345 >"$d/live/payload"
	run "$d/record" null env RETRACE_UNRECORDED="$d/live" "$BIN/retrace-record" -o "$d/trace.pb" -- \
		"$PYTHON" "$d/app.py" "$d/live/payload"
	sleep 0.01
	echo 54321 >"$d/live/payload"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
	diverged_as "different_bytes_sent: other bytes sent on replay are reported at the send, with their cause" \
		"$d" "$d/app.py" "# SEND LINE" \
		"the program sent other bytes than when recorded: now \"54321\"" \
		"file not recorded: $d/live/payload"
	grep -q "^retrace:   recorded: send(fd [0-9]*, 5 bytes" "$d/replay.err" ||
		not_ok "different_bytes_sent: the report names the socket call" "$(head -c 900 "$d/replay.err")"
fi
