# keep_going: replay --keep-going goes past a moved call and changed output, prints all of the
# output, counts both divergences and exits 90; without it the same replay stops at the first.
# The recording leaves the script's directory unrecorded (RETRACE_UNRECORDED), so the edit
# reaches the replay: a recorded script replays its recorded contents (edited_script).
# shellcheck shell=bash

if selected keep_going; then
	# Record, then edit a copy: (a) the clock call moves up one line, (b) the printed value
	# changes (same length).  --keep-going goes past both and prints all of the output; without
	# it the replay stops at the first with 90.
	name="keep_going: --keep-going goes past a moved call and changed output, counts 2, exits 90"
	d=$T/keep_going
	mkdir -p "$d"
	cp "$PROGS/keep_going.py" "$d/app.py"
	run "$d/record" null env RETRACE_UNRECORDED="$d" "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$d/app.py"
	moved=$(grep -n -F "# MOVE LINE" "$d/app.py" | cut -d: -f1)
	sed -i "$((moved - 1))"'{h;d};'"$moved"'{G}' "$d/app.py" # swap it with the line above
	sed -i 's/^value = 42$/value = 43/' "$d/app.py"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" --keep-going "$d/trace.pb"
	run "$d/plain" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
	if [ "$(status_of "$d/record")" = "exit 0" ] && [ "$(status_of "$d/replay")" = "exit 90" ] &&
		[ "$(cat "$d/record.out")" = "$(printf 'start\nvalue 42\nend True 1')" ] &&
		[ "$(cat "$d/replay.out")" = "$(printf 'start\nvalue 43\nend True 1')" ] &&
		[ "$(grep -c "^retrace: replay diverged at event #" "$d/replay.err")" = 2 ] &&
		grep -q -F "another place in its Python code: recorded at $d/app.py:$moved in <module>, now at $d/app.py:$((moved - 1)) in <module>" "$d/replay.err" &&
		grep -q "^retrace: likely cause: script or module changed: $d/app.py" "$d/replay.err" &&
		grep -q "^retrace: replay diverged at event #[0-9]* (thread 1): the program wrote other bytes than when recorded: now \"43\"; replayed write(fd 1, 2 bytes); going on$" "$d/replay.err" &&
		first=$(grep -m1 -o "^retrace: replay diverged at event #[0-9]*" "$d/replay.err" | grep -o "[0-9]*$") &&
		[ "$(tail -n 1 "$d/replay.err")" = "retrace: replay finished with 2 divergences (first at event #$first)" ] &&
		[ "$(grep -c "C stack:" "$d/replay.err")" = 1 ]; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/record"); replay: $(status_of "$d/replay")" \
			"stdout: $(head -c 300 "$d/replay.out")" "stderr: $(head -c 2500 "$d/replay.err")"
	fi
	name="keep_going: without --keep-going the same replay stops at the first divergence with 90"
	if [ "$(status_of "$d/plain")" = "exit 90" ] && [ "$(cat "$d/plain.out")" = start ] &&
		[ "$(grep -c "^retrace: replay diverged at event #" "$d/plain.err")" = 1 ] &&
		grep -q -F "now at $d/app.py:$((moved - 1)) in <module>" "$d/plain.err" &&
		! grep -q "finished with\|keep-going\|going on" "$d/plain.err"; then
		ok "$name"
	else
		not_ok "$name" "replay: $(status_of "$d/plain")" "stdout: $(head -c 300 "$d/plain.out")" \
			"stderr: $(head -c 1500 "$d/plain.err")"
	fi
fi
