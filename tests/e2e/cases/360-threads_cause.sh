# threads_cause: the weak_live_file change in a program that ran a second thread.  With the
# threads replayed in their recorded order, the replay leaves the trace at the changed line every
# time (the main thread's extra clock read), and the likely cause is the file read live, not the
# threads.
# shellcheck shell=bash

if selected threads_cause; then
	name="threads_cause: a two-thread program diverges at the changed line and names the live file"
	d=$T/threads_cause
	mkdir -p "$d/live"
	cp "$PROGS/steered_threads.py" "$d/app.py"
	line=$(grep -n -F "# STEERED LINE" "$d/app.py" | cut -d: -f1)
	echo 1 >"$d/live/count"
	touch -d '2020-01-01' "$d/live/count"
	run "$d/record" null env RETRACE_UNRECORDED="$d/live" "$BIN/retrace-record" -o "$d/trace.pb" -- \
		"$PYTHON" "$d/app.py" "$d/live/count"
	echo 2 >"$d/live/count"
	touch -d '2020-01-01' "$d/live/count"
	good=0
	for i in 1 2 3; do
		run "$d/replay$i" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
		if [ "$(status_of "$d/record")" = "exit 0" ] && [ "$(status_of "$d/replay$i")" = "exit 90" ] &&
			grep -q "^retrace: replay diverged at event #[0-9]* (thread 1): the program made a different call" "$d/replay$i.err" &&
			grep -q "^retrace:   now at $d/app.py:$line in <module>" "$d/replay$i.err" &&
			grep -q "^retrace: likely cause: read live, not recorded: $d/live/count" "$d/replay$i.err"; then
			good=$((good + 1))
		fi
	done
	if [ $good = 3 ]; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/record"); $good of 3 replays as expected" \
			"$(head -c 1500 "$d/replay1.err")"
	fi
fi
