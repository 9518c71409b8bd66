# changed_argument: a changed argument: the program runs with it (a warning at start names it)
# until it leaves the trace, and the report names the argument, through retrace-replay and in the
# raw form alike.
# shellcheck shell=bash

if selected changed_argument; then
	d=$T/changed_argument
	mkdir -p "$d"
	cp "$PROGS/steered.py" "$d/app.py"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$d/app.py" 1
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb" -- "$PYTHON" "$d/app.py" 2
	diverged_as "changed_argument: a replay given another argument exits 90 naming the argument" \
		"$d" "$d/app.py" "# STEERED LINE" "replayed: clock_gettime" \
		'command line differs: argument 2 is "2" now, "1" when recorded .* hint: replay with the recorded command'
	head -n 1 "$d/replay.err" | grep -q -F 'retrace: warning: the command line differs from the recording: argument 2 is "2" now, "1" when recorded' ||
		not_ok "changed_argument: the replay warns at start, naming the argument" \
			"$(head -c 600 "$d/replay.err")"
	mkdir -p "$d/raw"
	run "$d/raw/record" null env LD_PRELOAD="$LIB" RETRACE_MODE=record RETRACE_TRACE="$d/raw/trace.pb" \
		"$PYTHON" "$d/app.py" 2
	run "$d/raw/replay" null unshare -n env -u E2E_COUNT LD_PRELOAD="$LIB" RETRACE_MODE=replay \
		RETRACE_TRACE="$d/raw/trace.pb" "$PYTHON" "$d/app.py"
	diverged_as "changed_argument: a raw-form replay without the argument exits 90 naming it" \
		"$d/raw" "$d/app.py" 'print("clock read"' "replayed: write" \
		'command line differs: 2 arguments now, 3 when recorded (argument 2, "2", is missing)'
fi
