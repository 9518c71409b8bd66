# flat_memory, flat_memory_threads: memory stays flat however big the trace.  A program that
# records 110 MB of os.urandom data (one thread, then two taking turns) runs natively, under
# retrace-record and under retrace-replay; the recorded and the replayed runs' peak resident
# memory (wait4's ru_maxrss, through runwait) must be within FLAT_SLACK_KB of the native run's,
# where a trace kept mapped would add its 110 MB; and the replay must match the recording byte
# for byte.  Memory is no timing: its peak is the same on a busy machine.
# shellcheck shell=bash

FLAT_SLACK_KB=16384
FLAT_TRACE_MIN=$((100 * 1024 * 1024))

flat_memory_case() {
	local name=$1 threads=$2
	selected "$name" || selected flat_memory || return 0
	local d=$T/$name
	mkdir -p "$d"
	local prog=("$PYTHON" "$PROGS/flat_memory.py" "$threads" 110)
	run "$d/native" null "${prog[@]}"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "${prog[@]}"
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb" -- "${prog[@]}"
	local size native record replay
	size=$(stat -c %s "$d/trace.pb" 2>/dev/null || echo 0)
	native=$(maxrss_of "$d/native") record=$(maxrss_of "$d/record") replay=$(maxrss_of "$d/replay")
	local sizes="trace $size bytes; peak RSS native ${native:-?} KiB, record ${record:-?} KiB, replay ${replay:-?} KiB"
	if [ "$(status_of "$d/native")" = "exit 0" ] && [ "$(status_of "$d/record")" = "exit 0" ] &&
		[ "$size" -ge "$FLAT_TRACE_MIN" ] && cmp -s "$d/native.err" "$d/record.err"; then
		ok "$name: a recording of $((size >> 20)) MiB ends as the native run does"
	else
		not_ok "$name: a recording of at least 100 MiB ends as the native run does" "$sizes" \
			"$(explain "$d/native" "$d/record")"
		return
	fi
	if [ -n "$native" ] && [ -n "$record" ] && [ "$record" -le $((native + FLAT_SLACK_KB)) ]; then
		ok "$name: the recording's peak RSS is within $((FLAT_SLACK_KB >> 10)) MiB of native ($((record - native)) KiB more)"
	else
		not_ok "$name: the recording's peak RSS is within $((FLAT_SLACK_KB >> 10)) MiB of native" "$sizes"
	fi
	if same "$d/record" "$d/replay"; then
		ok "$name: the replay matches the recording"
	else
		not_ok "$name: the replay matches the recording" "$(explain "$d/record" "$d/replay")"
	fi
	if [ -n "$native" ] && [ -n "$replay" ] && [ "$replay" -le $((native + FLAT_SLACK_KB)) ]; then
		ok "$name: the replay's peak RSS is within $((FLAT_SLACK_KB >> 10)) MiB of native ($((replay - native)) KiB more)"
	else
		not_ok "$name: the replay's peak RSS is within $((FLAT_SLACK_KB >> 10)) MiB of native" "$sizes"
	fi
	# 110 MB traces: not kept for the cases after this one
	rm -f "$d/trace.pb"
}

flat_memory_case flat_memory 1
flat_memory_case flat_memory_threads 2
