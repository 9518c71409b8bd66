# python_stacks: whole Python stacks (retrace-record --python-stacks): a faithful replay, the
# callers in retrace-dump --stacks, and an edit that changes only the callers of a call: caught
# there with both stacks, where a recording with only locations replays it without noticing.
# The recording leaves the script's directory unrecorded (RETRACE_UNRECORDED), so the edit
# reaches the replay: a recorded script replays its recorded contents (edited_script).
# shellcheck shell=bash

if selected python_stacks; then
	d=$T/python_stacks
	mkdir -p "$d"
	cp "$PROGS/stacks.py" "$d/app.py"
	line_of() { grep -n -F "$1" "$d/app.py" | head -n 1 | cut -d: -f1; }
	inner=$(line_of "# INNER LINE") aline=$(line_of "# A LINE") bline=$(line_of "# B LINE")
	called=$(grep -n -x "b()" "$d/app.py" | cut -d: -f1)
	run "$d/record" null env RETRACE_UNRECORDED="$d" "$BIN/retrace-record" --python-stacks -o "$d/trace.pb" -- "$PYTHON" "$d/app.py"
	run "$d/plain" null env RETRACE_UNRECORDED="$d" "$BIN/retrace-record" -o "$d/plain.pb" -- "$PYTHON" "$d/app.py"
	run "$d/faithful" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
	if same "$d/record" "$d/faithful" && [ "$(status_of "$d/record")" = "exit 0" ]; then
		ok "python_stacks: a recording with whole stacks replays faithfully"
	else
		not_ok "python_stacks: a recording with whole stacks replays faithfully" \
			"$(explain "$d/record" "$d/faithful")"
	fi
	"$BIN/retrace-dump" --stacks "$d/trace.pb" >"$d/dump.txt" 2>&1
	if grep -A2 "clock_gettime(CLOCK_REALTIME) .* at $d/app.py:$inner (inner)$" "$d/dump.txt" |
		tr '\n' '|' | grep -q -F "at $d/app.py:$inner (inner)|    from $d/app.py:$bline (b)|    from $d/app.py:$called (<module>)|"; then
		ok "python_stacks: retrace-dump --stacks shows the callers of an event"
	else
		not_ok "python_stacks: retrace-dump --stacks shows the callers of an event" \
			"$(grep -A2 "(inner)$" "$d/dump.txt" | head -n 9)"
	fi
	sed -i "s/return inner()  # B LINE/return a()  # B LINE/" "$d/app.py"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" --report-json "$d/report.json" "$d/trace.pb"
	run "$d/replay_plain" null unshare -n "$BIN/retrace-replay" "$d/plain.pb"
	name="python_stacks: a call reached through other callers exits 90 with both stacks"
	if [ "$(status_of "$d/replay")" = "exit 90" ] &&
		grep -q -F "through other Python callers: the stacks part at frame 3 from the outermost: recorded $d/app.py:$inner in inner, now $d/app.py:$aline in a" "$d/replay.err" &&
		grep -q -F "now at $d/app.py:$inner in inner" "$d/replay.err" &&
		grep -A3 "recorded Python stack (most recent call last):" "$d/replay.err" | tr '\n' '|' |
		grep -q -F "File \"$d/app.py\", line $called, in <module>|retrace:     File \"$d/app.py\", line $bline, in b|retrace:     File \"$d/app.py\", line $inner, in inner|" &&
		/usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert [f["function"] for f in r["recorded_python_stack"]] == ["<module>", "b", "inner"], r
assert [f["function"] for f in r["python_traceback"]] == ["<module>", "b", "a", "inner"], r' "$d/report.json" 2>"$d/json.check"; then
		ok "$name"
	else
		not_ok "$name" "replay: $(status_of "$d/replay")" "$(head -c 2000 "$d/replay.err")" \
			"$(tail -n 2 "$d/json.check" 2>/dev/null)"
	fi
	if [ "$(status_of "$d/replay_plain")" = "exit 0" ] && [ "$(cat "$d/replay_plain.out")" = "done" ]; then
		ok "python_stacks: the same edit goes unseen without whole stacks (locations alone match)"
	else
		not_ok "python_stacks: the same edit goes unseen without whole stacks (locations alone match)" \
			"replay: $(status_of "$d/replay_plain")" "$(head -c 600 "$d/replay_plain.err")"
	fi
fi
