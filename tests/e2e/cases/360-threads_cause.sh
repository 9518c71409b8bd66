# threads_cause: the weak_live_file change in a program that ran a second thread: the threads are
# the cause retrace names, since it cannot replay thread order yet and knows of nothing more
# certain.  Where the replay leaves the trace varies: at the changed line, or earlier where the
# threads took turns otherwise (in threading.py); so this checks the event line and the cause.
# shellcheck shell=bash

if selected threads_cause; then
	name="threads_cause: a divergence in a program that ran two threads names the threads"
	d=$T/threads_cause
	mkdir -p "$d/live"
	cp "$PROGS/steered_threads.py" "$d/app.py"
	echo 1 >"$d/live/count"
	touch -d '2020-01-01' "$d/live/count"
	run "$d/record" null env RETRACE_UNRECORDED="$d/live" "$BIN/retrace-record" -o "$d/trace.pb" -- \
		"$PYTHON" "$d/app.py" "$d/live/count"
	echo 2 >"$d/live/count"
	touch -d '2020-01-01' "$d/live/count"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
	if [ "$(status_of "$d/record")" = "exit 0" ] && [ "$(status_of "$d/replay")" = "exit 90" ] &&
		grep -q "^retrace: replay diverged at event #[0-9]* (thread [12])" "$d/replay.err" &&
		grep -q "^retrace: likely cause: unsupported: the program runs 2 threads; their order is not replayed — hint: replaying threads" "$d/replay.err"; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/record"); replay: $(status_of "$d/replay")" \
			"$(head -c 1500 "$d/replay.err")"
	fi
fi
