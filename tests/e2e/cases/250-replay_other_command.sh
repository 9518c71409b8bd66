# replay_other_command: the command given after the trace must run the recorded program: another
# one is refused with 92 and both command lines; the same file by another name (found in PATH) is
# accepted.
# shellcheck shell=bash

if selected replay_other_command; then
	d=$T/replay_other_command
	mkdir -p "$d"
	t=$(reference_trace)
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$t" -- /bin/sh "$PROGS/transparent.py"
	refused "replay_other_command: another program exits 92 and shows both command lines" 92 \
		"$d/replay" "  recorded: $PYTHON $PROGS/transparent.py" \
		"  given:    /bin/sh $PROGS/transparent.py" "  argument 0 differs"
	run "$d/by_name" null unshare -n env PATH="$(dirname "$(readlink -f "$PYTHON")"):$PATH" \
		"$BIN/retrace-replay" "$t" -- "$(basename "$(readlink -f "$PYTHON")")" "$PROGS/transparent.py"
	if same "$T/reference/record" "$d/by_name"; then
		ok "replay_other_command: the recorded program named by a PATH lookup replays faithfully"
	else
		not_ok "replay_other_command: the recorded program named by a PATH lookup replays faithfully" \
			"$(explain "$T/reference/record" "$d/by_name")"
	fi
fi
