# threads_layout: the schedule of threads relies on CPython internals (the GIL's place and
# layout), which the header names.  A recording whose header names other internals than this
# interpreter's (as another build of it would) is refused with 92 and both layouts where the
# second thread starts, never misread; a single-threaded recording does not care.
# shellcheck shell=bash

if selected threads_layout; then
	d=$T/threads_layout
	mkdir -p "$d"
	run "$d/record" null "${PLAIN_RECORD[@]}" -o "$d/trace.pb" -- "$PYTHON" "$PROGS/threads_race_calls.py"
	"$SYSPY" "$HELPERS/set-threads-layout.py" "$d/trace.pb" "$d/forged.pb" >"$d/forge.txt" 2>&1
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/forged.pb"
	name="threads_layout: another interpreter layout is refused with 92 where the second thread starts"
	ours=$(sed -n 's/^old //p' "$d/forge.txt") forged=$(sed -n 's/^new //p' "$d/forge.txt")
	if [ "$(status_of "$d/record")" = "exit 0" ] && [ "$(status_of "$d/replay")" = "exit 92" ] &&
		[ -n "$ours" ] && [ "$ours" != "$forged" ] &&
		grep -q -F "retrace: the program starts a second thread here, and this interpreter's internals ($ours) are not the recording's ($forged)" "$d/replay.err" &&
		[ ! -s "$d/replay.out" ]; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/record"); replay: $(status_of "$d/replay")" \
			"$(cat "$d/forge.txt")" "$(head -c 1000 "$d/replay.err")"
	fi
	run "$d/record1" null "${PLAIN_RECORD[@]}" -o "$d/single.pb" -- "$PYTHON" "$PROGS/clocks.py"
	"$SYSPY" "$HELPERS/set-threads-layout.py" "$d/single.pb" "$d/single-forged.pb" >"$d/forge1.txt" 2>&1
	run "$d/replay1" null unshare -n "$BIN/retrace-replay" "$d/single-forged.pb"
	if grep -q "^new " "$d/forge1.txt" && same "$d/record1" "$d/replay1"; then
		ok "threads_layout: a single-threaded recording replays whatever layout its header names"
	else
		not_ok "threads_layout: a single-threaded recording replays whatever layout its header names" \
			"$(cat "$d/forge1.txt")" "$(explain "$d/record1" "$d/replay1")"
	fi
fi
