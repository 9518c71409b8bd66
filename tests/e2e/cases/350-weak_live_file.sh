# weak_live_file: an unrecorded file whose contents changed but whose mtime says it did not
# (copied with its times kept, say): retrace cannot tell it changed, so it names it as the file
# the program read live, a weaker cause than a file changed since the recording.
# shellcheck shell=bash

if selected weak_live_file; then
	d=$T/weak_live_file
	mkdir -p "$d/live"
	cp "$PROGS/steered.py" "$d/app.py"
	echo 1 >"$d/live/count"
	touch -d '2020-01-01' "$d/live/count"
	run "$d/record" null env RETRACE_UNRECORDED="$d/live" "$BIN/retrace-record" -o "$d/trace.pb" -- \
		"$PYTHON" "$d/app.py" "$d/live/count"
	echo 2 >"$d/live/count"
	touch -d '2020-01-01' "$d/live/count"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
	diverged_as "weak_live_file: an unrecorded file changed behind an old mtime is named as read live" \
		"$d" "$d/app.py" "# STEERED LINE" "replayed: clock_gettime" \
		"read live, not recorded: $d/live/count; if it changed since recording, that explains it — hint: RETRACE_RECORDED=$d/live"
fi
