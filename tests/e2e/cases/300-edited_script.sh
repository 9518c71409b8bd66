# edited_script: a script edited after the recording.  The script is a recorded file (CPython
# reads it with fopen, stdio.c records it), so replay runs the recorded code: its output and
# status are the recording's, and stderr has one note naming the file.  Recorded with the
# script's directory unrecorded (RETRACE_UNRECORDED), the edit reaches the replay: one more
# time.time() where the recording had none stops it with 90 at the first event after the edit,
# and the message names the script's file and the line.
# shellcheck shell=bash

if selected edited_script; then
	name="edited_script: replay of an edited recorded script replays the recorded code and says so once"
	d=$T/edited_script
	mkdir -p "$d"
	cp "$PROGS/edited.py" "$d/app.py"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$d/app.py"
	sed -i 's/^# EDIT HERE$/time.time()/' "$d/app.py"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb" -- "$PYTHON" "$d/app.py"
	printf 'retrace: %s differs from the recording; replaying the recorded contents\n' "$d/app.py" >"$d/want.err"
	if [ "$(status_of "$d/record")" = "exit 0" ] && [ "$(status_of "$d/replay")" = "exit 0" ] &&
		cmp -s "$d/record.out" "$d/replay.out" && cmp -s "$d/want.err" "$d/replay.err"; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/record"); replay: $(status_of "$d/replay")" \
			"replay stderr: $(head -c 900 "$d/replay.err")" "$(explain "$d/record" "$d/replay")"
	fi

	name="edited_script: replay of an edited unrecorded script exits 90 naming the file and the new line"
	d=$T/edited_script/live
	mkdir -p "$d"
	cp "$PROGS/edited.py" "$d/app.py"
	run "$d/record" null env RETRACE_UNRECORDED="$d" "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$d/app.py"
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
