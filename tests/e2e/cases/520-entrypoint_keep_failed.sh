# entrypoint_keep_failed: with RETRACE_KEEP=failed (flight recorder) the trace of a run that
# exits 0 is deleted, children and all, and nothing of it is left in the directory; those of a
# run that exits 3 and of one that dies of a signal are kept, and replay to what the run printed.
# shellcheck shell=bash

if selected entrypoint_keep_failed; then
	d=$T/entrypoint_keep_failed
	mkdir -p "$d/good" "$d/bad" "$d/killed"
	entry_run "$d/good-run" "$d/good" RETRACE_KEEP=failed -- "$PYTHON" "$PROGS/transparent.py"
	entry_run "$d/good-children" "$d/good" RETRACE_KEEP=failed -- "$PYTHON" -c \
		'import subprocess; subprocess.run(["true"]); print("child ran")'
	entry_run "$d/bad-run" "$d/bad" RETRACE_KEEP=failed -- "$PYTHON" "$PROGS/exit3.py"
	run "$d/killed-run" null env RETRACE_DIR="$d/killed" RETRACE_KEEP=failed "$BIN/retrace-entrypoint" -- \
		"$PYTHON" "$PROGS/sigkill.py"
	left=$(ls -A "$d/good")
	if [ "$(status_of "$d/good-run")" = "exit 0" ] && grep -qx "child ran" "$d/good-children.out" &&
		[ -z "$left" ]; then
		ok "entrypoint_keep_failed: the traces of runs that exit 0 are deleted, nothing left"
	else
		not_ok "entrypoint_keep_failed: the traces of runs that exit 0 are deleted, nothing left" \
			"status: $(status_of "$d/good-run"), $(status_of "$d/good-children"); left: $left" \
			"stderr: $(head -c 300 "$d/good-run.err")"
	fi
	bad=$(entry_traces "$d/bad") killed=$(entry_traces "$d/killed")
	if [ "$(status_of "$d/bad-run")" = "exit 3" ] && [ "$(echo "$bad" | wc -w)" = 1 ] &&
		[ "$(status_of "$d/killed-run")" = "signal 9" ] && [ "$(echo "$killed" | wc -w)" = 1 ]; then
		ok "entrypoint_keep_failed: the traces of a run that exits 3 and of one killed are kept"
	else
		not_ok "entrypoint_keep_failed: the traces of a run that exits 3 and of one killed are kept" \
			"exit 3 run: $(status_of "$d/bad-run"), traces: $bad" \
			"killed run: $(status_of "$d/killed-run"), traces: $killed"
	fi
	[ -z "$bad" ] || entry_replays entrypoint_keep_failed "exit 3" "$d/bad-run" "$d/bad/$bad"
	[ -z "$killed" ] || entry_replays entrypoint_keep_failed "killed" "$d/killed-run" "$d/killed/$killed"
fi
