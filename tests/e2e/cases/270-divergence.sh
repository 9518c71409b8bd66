# divergence: the same command line, but the script changed since the recording: it reads
# randomness where the trace holds a clock read.  Replay must stop with 90, naming the event and
# both calls.
# The recording leaves the script's directory unrecorded (RETRACE_UNRECORDED), so the edit
# reaches the replay: a recorded script replays its recorded contents (edited_script).
# shellcheck shell=bash

if selected divergence; then
	name="divergence: a changed program stops replay with 90, naming the event and both calls"
	d=$T/divergence
	mkdir -p "$d"
	printf 'import os, time\nprint(time.time())\nprint(os.urandom(4).hex())\n' >"$d/prog.py"
	run "$d/record" null env RETRACE_UNRECORDED="$d" "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$d/prog.py"
	printf 'import os, time\nprint(os.urandom(4).hex())\nprint(time.time())\n' >"$d/prog.py"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb" -- "$PYTHON" "$d/prog.py"
	if [ "$(status_of "$d/record")" = "exit 0" ] && [ "$(status_of "$d/replay")" = "exit 90" ] &&
		[ ! -s "$d/replay.out" ] && ! grep -qvE '^retrace(-replay)?: ' "$d/replay.err" &&
		grep -qE 'event #?[0-9]+' "$d/replay.err" && grep -q clock_gettime "$d/replay.err" &&
		grep -q getrandom "$d/replay.err"; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/record"), replay: $(status_of "$d/replay")" \
			"replay stdout: $(head -c 200 "$d/replay.out")" "replay stderr: $(head -c 800 "$d/replay.err")"
	fi
fi
