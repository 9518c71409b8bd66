# edited_script: an edited script: one more time.time() where the recording had none.  Replay
# must stop with 90 at the first event after the edit, and the message must name the script's
# file and the line.
# shellcheck shell=bash

if selected edited_script; then
	name="edited_script: replay of an edited script exits 90 naming the file and the new line"
	d=$T/edited_script
	mkdir -p "$d"
	cp "$PROGS/edited.py" "$d/app.py"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$d/app.py"
	line=$(grep -n '^# EDIT HERE' "$d/app.py" | cut -d: -f1)
	sed -i 's/^# EDIT HERE$/time.time()/' "$d/app.py"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb" -- "$PYTHON" "$d/app.py"
	if [ "$(status_of "$d/record")" = "exit 0" ] && [ "$(status_of "$d/replay")" = "exit 90" ] &&
		grep -q "^retrace: replay diverged at event #" "$d/replay.err" &&
		grep -q "now at $d/app.py:$line in <module>" "$d/replay.err" &&
		grep -q "File \"$d/app.py\", line $line, in <module>" "$d/replay.err" &&
		grep -q "^retrace: likely cause: script or module changed: $d/app.py was modified" "$d/replay.err"; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/record"); replay: $(status_of "$d/replay")" \
			"expected line $line; replay stderr: $(head -c 900 "$d/replay.err")"
	fi
fi
