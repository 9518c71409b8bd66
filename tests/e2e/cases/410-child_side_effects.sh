# child_side_effects: a child's side effects happen once, when recorded: the child (mkdir DIR) is
# not run again by the replay, so DIR, removed before the replays, stays absent, and the
# program prints what it printed when recorded.
# shellcheck shell=bash

if selected child_side_effects; then
	d=$T/child_side_effects
	mkdir -p "$d"
	cp "$PROGS/child_output.py" "$d/app.py"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$d/app.py" "$d/made"
	rmdir "$d/made"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
	if same "$d/record" "$d/replay" && [ ! -e "$d/made" ] && grep -q 'exited with 0' "$d/replay.out"; then
		ok "child_side_effects: the replay prints the recorded child status and runs no child"
	else
		not_ok "child_side_effects: the replay prints the recorded child status and runs no child" \
			"$(explain "$d/record" "$d/replay")" "made: $(ls -d "$d/made" 2>&1)"
	fi
fi
