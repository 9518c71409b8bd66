# entrypoint_retention: RETRACE_RETAIN_COUNT, _BYTES and _DAYS delete the oldest finished traces
# of the directory (each with its children) after a run, until at most N traces, N bytes, none
# older than N days remain; the run's own trace stays.  Files that are not finished traces stay
# too: another replica's trace in progress (hidden, its lock held), and a file of someone else's.
# shellcheck shell=bash

# entry_prefill DIR STAMP...: an old finished trace for each start STAMP (1 MiB, sparse, and a
# child's trace of 4 KiB), a foreign file, and a run in progress of another replica, its lock held
# by a background flock(1) (ENTRY_HOLDER).
entry_prefill() {
	local dir=$1 stamp
	shift
	mkdir -p "$dir"
	for stamp in "$@"; do
		truncate -s 1M "$dir/old.$stamp.7.python3.pb"
		head -c 4096 /dev/zero >"$dir/old.$stamp.7.python3.pb.1"
	done
	echo "not a trace" >"$dir/notes.txt"
	local running=.other.20200101T000000Z.1.python3.pb
	echo "being written" >"$dir/$running.part"
	flock "$dir/$running.lock" sleep 300 &
	ENTRY_HOLDER=$!
	wait_until 10 test -e "$dir/$running.lock"
}

# entry_release_holder: stop the other replica's flock and the sleep it runs (killing flock alone
# would leave the sleep behind, holding the lock).
entry_release_holder() {
	pkill -TERM -P "$ENTRY_HOLDER" 2>/dev/null
	kill "$ENTRY_HOLDER" 2>/dev/null
	wait "$ENTRY_HOLDER" 2>/dev/null
}

# entry_left DIR: what is in DIR, as one line: finished traces of the prefill by stamp ("old1"
# ...), "ours" for the run's, then the others' files.
entry_left() {
	(cd "$1" && ls -A | LC_ALL=C sort | sed -e 's/^old\.\([0-9T]*Z\)\.7\.python3\.pb/old:\1/' \
		-e 's/^[^.]*\.[0-9]\{8\}T[0-9]\{6\}Z\.[0-9-]*\.python3\.pb/ours/' | tr '\n' ' ' | sed 's/ $//')
}

if selected entrypoint_retention; then
	d=$T/entrypoint_retention
	mkdir -p "$d"
	old1=20200101T000000Z old2=20200102T000000Z old3=20200103T000000Z old4=20200104T000000Z
	run "$d/native" null "$PYTHON" "$PROGS/transparent.py"
	others=".other.20200101T000000Z.1.python3.pb.lock .other.20200101T000000Z.1.python3.pb.part notes.txt"

	entry_prefill "$d/count" $old1 $old2 $old3 $old4
	entry_run "$d/count-run" "$d/count" RETRACE_RETAIN_COUNT=2 -- "$PYTHON" "$PROGS/transparent.py"
	entry_release_holder
	want="$others old:$old4 old:$old4.1 ours"
	if [ "$(entry_left "$d/count")" = "$want" ] && same "$d/native" "$d/count-run"; then
		ok "entrypoint_retention: RETRACE_RETAIN_COUNT=2 keeps the newest old trace and the run's"
	else
		not_ok "entrypoint_retention: RETRACE_RETAIN_COUNT=2 keeps the newest old trace and the run's" \
			"left:   $(entry_left "$d/count")" "wanted: $want" \
			"status: $(status_of "$d/count-run"); stderr: $(head -c 300 "$d/count-run.err")"
	fi

	# 4 x (1 MiB + 4 KiB) and the run's own (some KiB): 2600 KiB hold the two newest
	entry_prefill "$d/bytes" $old1 $old2 $old3 $old4
	entry_run "$d/bytes-run" "$d/bytes" RETRACE_RETAIN_BYTES=2600K -- "$PYTHON" "$PROGS/transparent.py"
	entry_release_holder
	want="$others old:$old3 old:$old3.1 old:$old4 old:$old4.1 ours"
	if [ "$(entry_left "$d/bytes")" = "$want" ] && same "$d/native" "$d/bytes-run"; then
		ok "entrypoint_retention: RETRACE_RETAIN_BYTES=2600K deletes the oldest until the rest fit"
	else
		not_ok "entrypoint_retention: RETRACE_RETAIN_BYTES=2600K deletes the oldest until the rest fit" \
			"left:   $(entry_left "$d/bytes")" "wanted: $want" \
			"status: $(status_of "$d/bytes-run"); stderr: $(head -c 300 "$d/bytes-run.err")"
	fi

	recent=$(date -u -d '1 day ago' +%Y%m%dT%H%M%SZ)
	entry_prefill "$d/days" $old1 $old2 "$recent"
	entry_run "$d/days-run" "$d/days" RETRACE_RETAIN_DAYS=30 -- "$PYTHON" "$PROGS/transparent.py"
	entry_release_holder
	want="$others old:$recent old:$recent.1 ours"
	if [ "$(entry_left "$d/days")" = "$want" ] && same "$d/native" "$d/days-run"; then
		ok "entrypoint_retention: RETRACE_RETAIN_DAYS=30 deletes the traces started longer ago"
	else
		not_ok "entrypoint_retention: RETRACE_RETAIN_DAYS=30 deletes the traces started longer ago" \
			"left:   $(entry_left "$d/days")" "wanted: $want" \
			"status: $(status_of "$d/days-run"); stderr: $(head -c 300 "$d/days-run.err")"
	fi
	t=$(entry_traces "$d/count" | grep -v '^old\.')
	[ -z "$t" ] || entry_replays entrypoint_retention "" "$d/count-run" "$d/count/$t"
fi
