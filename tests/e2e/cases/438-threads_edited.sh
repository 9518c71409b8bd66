# threads_edited: an edited threaded script never hangs a replay.  One edit gives a thread one
# more round of its loop: replay stops at that call with 90.  Another makes a thread loop
# without any call where it used to read the clock: the other two threads wait for their turns,
# and replay stops within seconds with 90, naming every thread, what it waits for and where its
# Python code is, in one report however many threads wait.  Both reports name the edited script as
# the likely cause.  The recording leaves the script's directory unrecorded (RETRACE_UNRECORDED): a
# recorded script replays its recorded contents whatever the edit (edited_script), and these
# edits must reach the replay.
# shellcheck shell=bash

if selected threads_edited; then
	d=$T/threads_edited
	mkdir -p "$d"
	cp "$PROGS/threads_edited.py" "$d/app.py"
	run "$d/record" null env RETRACE_UNRECORDED="$d" "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$d/app.py"
	cp "$d/app.py" "$d/app.py.recorded"

	sed -i 's/range(5):  # EDIT ME/range(6):  # EDIT ME/' "$d/app.py"
	run "$d/more" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
	name="threads_edited: one more round in a thread stops the replay there, naming the threads"
	if [ "$(status_of "$d/record")" = "exit 0" ] && [ "$(status_of "$d/more")" = "exit 90" ] &&
		grep -q "^retrace: replay diverged at event #[0-9]* (thread [0-9])" "$d/more.err" &&
		grep -q "^retrace:   threads (the recording has 3):" "$d/more.err" &&
		grep -q "^retrace:   thread 2 (Thread-1 (worker_a))" "$d/more.err" &&
		grep -q "^retrace:   thread 3 (Thread-2 (worker_b))" "$d/more.err" &&
		grep -q "^retrace: likely cause: script or module changed: $d/app.py was modified" "$d/more.err"; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/record"); replay: $(status_of "$d/more")" \
			"$(head -c 2000 "$d/more.err")"
	fi

	cp "$d/app.py.recorded" "$d/app.py"
	"$SYSPY" - "$d/app.py" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace('    for i in range(5):  # EDIT ME\n        tick("b", i)', '    x = 0\n    while x >= 0:  # SPINS\n        x += 1')
open(p, "w").write(s)
PY
	line=$(grep -n -F "# SPINS" "$d/app.py" | cut -d: -f1)
	run "$d/spin" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
	ms=$(ms_of "$d/spin")
	name="threads_edited: a thread that no longer makes its calls stops the replay within seconds, naming each thread"
	if [ "$(status_of "$d/spin")" = "exit 90" ] && [ "${ms:-999999}" -lt 30000 ] &&
		grep -q "^retrace: replay diverged: the program left the recorded schedule: nothing happened for" "$d/spin.err" &&
		[ "$(grep -c "^retrace: replay diverged" "$d/spin.err")" = 1 ] &&
		grep -q "^retrace:   thread 1 (main) waits for its turn" "$d/spin.err" &&
		grep -q "^retrace:   thread 2 (Thread-1 (worker_a)) " "$d/spin.err" &&
		grep -E -q "^retrace:   thread 3 \(Thread-2 \(worker_b\)\) is running, holds the GIL, now at $d/app.py:($line|$((line + 1))) in worker_b; its next recorded event is #[0-9]*, clock_gettime\(CLOCK_MONOTONIC\) at $d/app.py:[0-9]* in tick" "$d/spin.err" &&
		grep -q "^retrace: likely cause: script or module changed: $d/app.py was modified" "$d/spin.err"; then
		ok "$name (${ms} ms)"
	else
		not_ok "$name" "replay: $(status_of "$d/spin") after ${ms:-?} ms" "$(head -c 2000 "$d/spin.err")"
	fi
fi
