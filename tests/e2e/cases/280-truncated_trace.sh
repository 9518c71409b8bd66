# truncated_trace: crash consistency as a reader sees it: the complete chunks before the cut
# replay, the torn one is ignored, and replay stops where the trace ends with 93 and a retrace
# message.  many_events.py writes about 200 KB of getrandom data, several of libretrace's 64 KiB
# chunks.
# shellcheck shell=bash

if selected truncated_trace; then
	name="truncated_trace: replays the output of its complete chunks, then exits 93"
	d=$T/truncated_trace
	mkdir -p "$d"
	run "$d/record" null "${PLAIN_RECORD[@]}" -o "$d/trace.pb" -- "$PYTHON" "$PROGS/many_events.py"
	if ! info=$(/usr/bin/python3 "$HELPERS/cut-trace.py" "$d/trace.pb" "$d/cut.pb" 2>&1); then
		not_ok "$name" "$info" "record: $(status_of "$d/record") $(head -c 300 "$d/record.err")"
	else
		run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/cut.pb" -- "$PYTHON" "$PROGS/many_events.py"
		n=$(wc -c <"$d/replay.out")
		# Not a line of stderr that is not retrace's, at least one, and a prefix of the output.
		if [ "$(status_of "$d/replay")" = "exit 93" ] && [ "$n" -gt 0 ] &&
			cmp -s "$d/replay.out" <(head -c "$n" "$d/record.out") &&
			[ -s "$d/replay.err" ] && ! grep -qvE '^retrace(-replay)?: ' "$d/replay.err"; then
			ok "$name ($info; $n of $(wc -c <"$d/record.out") bytes)"
		else
			not_ok "$name" "$info" "status: $(status_of "$d/replay"); stdout: $n of $(wc -c <"$d/record.out") bytes" \
				"stdout is a prefix of the recorded one: $(cmp -s "$d/replay.out" <(head -c "$n" "$d/record.out") && echo yes || echo no)" \
				"stderr: $(head -c 600 "$d/replay.err")"
		fi
	fi
fi
