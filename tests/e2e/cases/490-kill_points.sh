# kill_points: 50 recordings of one program, each killed with SIGKILL from outside at a random
# point (Python's start-up included); each replays to where it was killed (exit 93) with stdout
# a prefix of what the recording printed, whatever the kill cut: an event, a chunk, a write.
# shellcheck shell=bash

if selected kill_points; then
	d=$T/kill_points
	mkdir -p "$d"
	good=0 started=0 bad="" why=""
	for i in $(seq 1 50); do
		mkdir -p "$d/$i"
		(cd "$d/$i" && exec "$BIN/retrace-record" -o "$d/$i/trace.pb" -- "$PYTHON" "$PROGS/kill_points.py" \
			</dev/null >"$d/$i/record.out" 2>"$d/$i/record.err") &
		pid=$!
		sleep "$(printf '0.%03d' $((RANDOM % 600 + 20)))"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		[ -s "$d/$i/trace.pb" ] || continue # killed before libretrace started
		# The program dies after its wrapper (PDEATHSIG): until then it may still write to its
		# trace and stdout.  libretrace holds a shared flock on the trace while it may write.
		flock -x -w 10 "$d/$i/trace.pb" true
		started=$((started + 1))
		(cd "$d/$i" && run "$d/$i/replay" null unshare -n "$BIN/retrace-replay" "$d/$i/trace.pb")
		size=$(wc -c <"$d/$i/replay.out")
		if [ "$(status_of "$d/$i/replay")" = "exit 93" ] &&
			head -c "$size" "$d/$i/record.out" | cmp -s - "$d/$i/replay.out" &&
			grep -q "^retrace: replay reached" "$d/$i/replay.err"; then
			good=$((good + 1))
		else
			bad="$bad $i:$(status_of "$d/$i/replay")"
			[ -n "${why-}" ] || why="recording $i: recorded $(wc -c <"$d/$i/record.out") bytes of stdout, replayed $size; retrace's lines on the replay's stderr: $(grep -v '^at [0-9]*$' "$d/$i/replay.err" | head -c 600); the trace's last events: $("$BIN/retrace-dump" "$d/$i/trace.pb" 2>&1 | tail -n 3)"
		fi
	done
	if [ "$started" -ge 40 ] && [ "$good" = "$started" ]; then
		ok "kill_points: $good recordings killed at random points replay to the kill (93), stdout a prefix"
	else
		not_ok "kill_points: recordings killed at random points replay to the kill (93), stdout a prefix" \
			"$good of $started started recordings as expected; bad:$bad" \
			"$why"
	fi
fi
