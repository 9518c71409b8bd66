# reports_reach_user: a divergence report reaches the user whatever the program did with its
# stderr, and the output the program printed before the divergence is not lost.
#  - pytest captures fd 2 while a test runs: a replay diverging inside the test still shows the
#    report on retrace-replay's stderr; the raw form (no retrace-replay) writes it to
#    TRACE.report;
#  - a block-buffered stdout is flushed before replay stops, as Python would at exit.
# shellcheck shell=bash

if selected reports_reach_user; then
	d=$T/reports_reach_user
	mkdir -p "$d"
	cp "$PROGS/pytest_capture/test_capture.py" "$d/"
	line=$(grep -n "DIVERGES HERE" "$d/test_capture.py" | cut -d: -f1)
	pytest=("$PYTHON" -m pytest -q -p no:cacheprovider test_capture.py)
	if ! "$PYTHON" -c 'import pytest' 2>/dev/null; then
		skip "reports_reach_user: under pytest's capture" "no pytest for $PYTHON (Debian's serves /usr/bin/python3)"
	else
	(cd "$d" && run "$d/record" null "${PLAIN_RECORD[@]}" -o "$d/trace.pb" -- "${pytest[@]}" --tb=short)
	(cd "$d" && run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb" -- "${pytest[@]}" --tb=long)
	name="reports_reach_user: under pytest's capture, the report is on retrace-replay's stderr"
	if [ "$(status_of "$d/record")" = "exit 0" ] && [ "$(status_of "$d/replay")" = "exit 90" ] &&
		grep -q "^retrace: replay diverged at event #" "$d/replay.err" &&
		grep -qF "now at $d/test_capture.py:$line in test_clock" "$d/replay.err"; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/record") $(head -c 300 "$d/record.err"); replay: $(status_of "$d/replay")" \
			"replay stderr: $(head -c 900 "$d/replay.err")"
	fi
	(cd "$d" && run "$d/raw" null env LD_PRELOAD="$LIB" RETRACE_MODE=replay RETRACE_TRACE="$d/trace.pb" \
		"${pytest[@]}" --tb=long)
	name="reports_reach_user: under pytest's capture, the raw form writes the report to TRACE.report"
	if [ "$(status_of "$d/raw")" = "exit 90" ] && grep -q "^retrace: replay diverged at event #" "$d/trace.pb.report" &&
		grep -qF "now at $d/test_capture.py:$line in test_clock" "$d/trace.pb.report"; then
		ok "$name"
	else
		not_ok "$name" "raw: $(status_of "$d/raw"); stderr: $(head -c 400 "$d/raw.err"); report: $(head -c 400 "$d/trace.pb.report" 2>&1)"
	fi
	fi

	run "$d/buf-record" null "$BIN/retrace-record" -o "$d/buf.pb" -- "$PYTHON" "$PROGS/buffered.py" a
	run "$d/buf-replay" null unshare -n "$BIN/retrace-replay" "$d/buf.pb" -- "$PYTHON" "$PROGS/buffered.py" b
	name="reports_reach_user: what the program printed before the divergence is on stdout"
	if [ "$(status_of "$d/buf-replay")" = "exit 90" ] && [ "$(wc -l <"$d/buf-replay.out")" = 3 ] &&
		head -n 3 "$d/buf-record.out" | cmp -s - "$d/buf-replay.out"; then
		ok "$name"
	else
		not_ok "$name" "replay: $(status_of "$d/buf-replay"); recorded stdout: $(head -c 200 "$d/buf-record.out")" \
			"replayed stdout: $(head -c 200 "$d/buf-replay.out"); stderr: $(head -c 300 "$d/buf-replay.err")"
	fi
fi
