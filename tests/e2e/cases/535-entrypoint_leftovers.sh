# entrypoint_leftovers: a run in progress is only hidden files (.NAME.part, .NAME.lock); when
# retrace-entrypoint is killed with SIGKILL the program dies with it (PR_SET_PDEATHSIG), and the
# next start finds the lock held by nobody, says so, and turns what was recorded into a finished
# trace, which replays up to the kill (93) with stdout a prefix of what the program printed.
# shellcheck shell=bash

if selected entrypoint_leftovers; then
	d=$T/entrypoint_leftovers
	mkdir -p "$d/traces" "$d/cwd"
	(cd "$d/cwd" && exec "$RUNWAIT" "$d/killed.status" "$TIMEOUT" env RETRACE_DIR="$d/traces" \
		"$BIN/retrace-entrypoint" -- "$PYTHON" "$PROGS/kill_points.py" </dev/null >"$d/killed.out" 2>"$d/killed.err") &
	waiter=$!
	wait_until 30 grep -q "^100 " "$d/killed.out"
	entry=$(pgrep -P "$waiter" | head -n 1)
	prog=$(pgrep -P "${entry:-0}" | head -n 1)
	during=$(ls -A "$d/traces" | sed 's/^\.[^.]*\.[0-9T]*Z\.[0-9-]*\.python3\.pb\./.NAME./' | LC_ALL=C sort | tr '\n' ' ')
	[ -n "$entry" ] && kill -KILL "$entry"
	wait "$waiter"
	program_gone=no
	[ -n "$prog" ] && wait_until 10 eval '! kill -0 "$prog"' && program_gone=yes
	if [ "$during" = ".NAME.lock .NAME.part " ] && [ "$(status_of "$d/killed")" = "signal 9" ] &&
		[ $program_gone = yes ]; then
		ok "entrypoint_leftovers: a run in progress is hidden; killed, it takes the program with it"
	else
		not_ok "entrypoint_leftovers: a run in progress is hidden; killed, it takes the program with it" \
			"files while running: $during" "entrypoint $entry: $(status_of "$d/killed"); program $prog gone: $program_gone"
	fi

	run "$d/next" null env RETRACE_DIR="$d/traces" "$BIN/retrace-entrypoint" -- "$PYTHON" "$PROGS/exit3.py"
	# the killed run's trace: the one whose header names kill_points.py
	t=""
	for f in $(entry_traces "$d/traces"); do
		"$BIN/retrace-dump" "$d/traces/$f" >"$d/dump.txt" 2>&1
		grep '^command:' "$d/dump.txt" | grep -q kill_points.py && t=$f
	done
	[ -z "$t" ] || (cd "$d/cwd" && run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/traces/$t")
	size=$(cat "$d/replay.out" 2>/dev/null | wc -c)
	hidden=$(ls -A "$d/traces" | grep '^\.')
	if [ "$(entry_traces "$d/traces" | wc -l)" = 2 ] && [ -n "$t" ] && [ -z "$hidden" ] &&
		grep -q "^retrace-entrypoint: the run recorded in .*$t ended without its entrypoint" "$d/next.err" &&
		[ "$(status_of "$d/next")" = "exit 3" ] && [ "$(status_of "$d/replay")" = "exit 93" ] &&
		[ "$size" -gt 0 ] && head -c "$size" "$d/killed.out" | cmp -s - "$d/replay.out"; then
		ok "entrypoint_leftovers: the next start keeps the killed run's trace, which replays to the kill"
	else
		not_ok "entrypoint_leftovers: the next start keeps the killed run's trace, which replays to the kill" \
			"files: $(ls -A "$d/traces" | tr '\n' ' ')" "next: $(status_of "$d/next"), stderr: $(head -c 400 "$d/next.err")" \
			"replay of ${t:-nothing}: $(status_of "$d/replay"), stderr: $(head -c 300 "$d/replay.err" 2>/dev/null)"
	fi
fi
