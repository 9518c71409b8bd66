# changed_unrecorded_file: a file at an unrecorded path (RETRACE_UNRECORDED) rewritten between
# the recording and the replay is named as the cause of the divergence, and --report-json writes
# the same report as one JSON object, mode 0600.
# shellcheck shell=bash

if selected changed_unrecorded_file; then
	d=$T/changed_unrecorded_file
	mkdir -p "$d/live"
	cp "$PROGS/steered.py" "$d/app.py"
	echo 1 >"$d/live/count"
	run "$d/record" null env RETRACE_UNRECORDED="$d/live" "$BIN/retrace-record" -o "$d/trace.pb" -- \
		"$PYTHON" "$d/app.py" "$d/live/count"
	sleep 0.01 # the rewrite must be later than the recording's start, to the clock's resolution
	echo 3 >"$d/live/count"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" --report-json "$d/report.json" "$d/trace.pb"
	diverged_as "changed_unrecorded_file: a file at an unrecorded path rewritten before replay is named as the cause" \
		"$d" "$d/app.py" "# STEERED LINE" "replayed: clock_gettime" \
		"file not recorded: $d/live/count was read live and changed since the recording .* RETRACE_RECORDED=$d/live"
	line=$(grep -n -F "# STEERED LINE" "$d/app.py" | cut -d: -f1)
	if [ "$(stat -c %a "$d/report.json" 2>/dev/null)" = 600 ] &&
		/usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert isinstance(r["event"], int) and r["event"] > 0 and r["thread"] == 1, r
assert r["expected"]["call"] == "write" and r["actual"]["call"] == "clock_gettime", r
assert r["actual"]["python"] == {"file": sys.argv[2], "line": int(sys.argv[3]), "function": "<module>"}, r
assert r["python_traceback"][-1]["line"] == int(sys.argv[3]), r
assert r["cause"].startswith("file not recorded: " + sys.argv[4]), r
assert "RETRACE_RECORDED=" in r["hint"], r
assert r["c_stack"][0].startswith("clock_gettime+0x"), r' "$d/report.json" "$d/app.py" "$line" "$d/live/count" 2>"$d/json.check"; then
		ok "changed_unrecorded_file: --report-json writes the same report as one JSON object, mode 0600"
	else
		not_ok "changed_unrecorded_file: --report-json writes the same report as one JSON object, mode 0600" \
			"$(tail -n 3 "$d/json.check")" "$(head -c 900 "$d/report.json" 2>&1)"
	fi
fi
