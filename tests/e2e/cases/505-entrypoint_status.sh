# entrypoint_status: retrace-entrypoint ends as its program did: exit 3 passed on; death by
# SIGKILL passed on as that same death when it is an ordinary process, and as exit 137
# (128 + 9, as shells and tini do) when it is PID 1, where a process cannot die of a signal it
# sends itself.  Stdout and stderr are the program's, and each trace kept replays to them.
# shellcheck shell=bash

if selected entrypoint_status; then
	d=$T/entrypoint_status
	mkdir -p "$d/exit3" "$d/killed1" "$d/killed"
	run "$d/native-exit3" null "$PYTHON" "$PROGS/exit3.py"
	run "$d/native-killed" null "$PYTHON" "$PROGS/sigkill.py"
	entry_run "$d/exit3/record" "$d/exit3" -- "$PYTHON" "$PROGS/exit3.py"
	entry_run "$d/killed1/record" "$d/killed1" -- "$PYTHON" "$PROGS/sigkill.py"
	run "$d/killed/record" null env RETRACE_DIR="$d/killed" "$BIN/retrace-entrypoint" -- "$PYTHON" "$PROGS/sigkill.py"
	for c in exit3:native-exit3:"exit 3" killed1:native-killed:"exit 137" killed:native-killed:"signal 9"; do
		case_dir=${c%%:*} rest=${c#*:}
		native=${rest%%:*} want=${rest#*:}
		rec=$d/$case_dir/record
		if [ "$(status_of "$rec")" = "$want" ] && cmp -s "$rec.out" "$d/$native.out" &&
			cmp -s "$rec.err" "$d/$native.err" && [ "$(entry_traces "$d/$case_dir" | wc -l)" = 1 ]; then
			ok "entrypoint_status: $case_dir: ends with '$want', output as native, one trace"
		else
			not_ok "entrypoint_status: $case_dir: ends with '$want', output as native, one trace" \
				"$(explain "$d/$native" "$rec")" "traces: $(entry_traces "$d/$case_dir" | tr '\n' ' ')"
		fi
	done
	t=$(entry_traces "$d/exit3" | head -n 1)
	[ -z "$t" ] || entry_replays entrypoint_status exit3 "$d/exit3/record" "$d/exit3/$t"
	t=$(entry_traces "$d/killed" | head -n 1)
	[ -z "$t" ] || entry_replays entrypoint_status killed "$d/killed/record" "$d/killed/$t"
	# the trace of the run as PID 1 holds the death itself: its replay dies of SIGKILL
	t=$(entry_traces "$d/killed1" | head -n 1)
	if [ -n "$t" ]; then
		run "$d/killed1/replay" null unshare -n "$BIN/retrace-replay" "$d/killed1/$t"
		if [ "$(status_of "$d/killed1/replay")" = "signal 9" ] &&
			cmp -s "$d/killed1/replay.out" "$d/native-killed.out" &&
			cmp -s "$d/killed1/replay.err" "$d/native-killed.err"; then
			ok "entrypoint_status: the trace recorded under PID 1 replays to the death by SIGKILL"
		else
			not_ok "entrypoint_status: the trace recorded under PID 1 replays to the death by SIGKILL" \
				"$(explain "$d/native-killed" "$d/killed1/replay")"
		fi
	fi
fi
