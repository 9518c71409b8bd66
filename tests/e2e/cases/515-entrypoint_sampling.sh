# entrypoint_sampling: RETRACE_CAPTURE=0 records no start (the directory stays empty) and
# RETRACE_CAPTURE=1 every one; either way the program's output and status are a native run's
# and it sees no RETRACE_* variable; the trace of the recorded start replays to the same output.
# shellcheck shell=bash

if selected entrypoint_sampling; then
	d=$T/entrypoint_sampling
	mkdir -p "$d/none" "$d/all" "$d/env0" "$d/env1"
	env_prog='import os; print(sorted(k for k in os.environ if k.startswith("RETRACE")))'
	run "$d/native" null "$PYTHON" "$PROGS/transparent.py"
	for n in 1 2 3; do
		entry_run "$d/run0-$n" "$d/none" RETRACE_CAPTURE=0 -- "$PYTHON" "$PROGS/transparent.py"
	done
	entry_run "$d/run1" "$d/all" RETRACE_CAPTURE=1 -- "$PYTHON" "$PROGS/transparent.py"
	entry_run "$d/env0" "$d/env0" RETRACE_CAPTURE=0 RETRACE_KEEP=all -- "$PYTHON" -c "$env_prog"
	entry_run "$d/env1" "$d/env1" RETRACE_CAPTURE=1 RETRACE_KEEP=all -- "$PYTHON" -c "$env_prog"
	files=$(ls -A "$d/none")
	if same "$d/native" "$d/run0-1" && same "$d/native" "$d/run0-2" && same "$d/native" "$d/run0-3" &&
		[ -z "$files" ] && [ "$(cat "$d/env0.out")" = "[]" ]; then
		ok "entrypoint_sampling: RETRACE_CAPTURE=0 records nothing, output and status native, no RETRACE_* seen"
	else
		not_ok "entrypoint_sampling: RETRACE_CAPTURE=0 records nothing, output and status native, no RETRACE_* seen" \
			"$(explain "$d/native" "$d/run0-1")" "files: $files" "environment: $(cat "$d/env0.out")"
	fi
	t=$(entry_traces "$d/all")
	if same "$d/native" "$d/run1" && [ "$(echo "$t" | wc -w)" = 1 ] &&
		[ "$(entry_traces "$d/env1" | wc -l)" = 1 ] && [ "$(cat "$d/env1.out")" = "[]" ]; then
		ok "entrypoint_sampling: RETRACE_CAPTURE=1 records every start, output and status native, no RETRACE_* seen"
	else
		not_ok "entrypoint_sampling: RETRACE_CAPTURE=1 records every start, output and status native, no RETRACE_* seen" \
			"$(explain "$d/native" "$d/run1")" "traces: $t" "environment: $(cat "$d/env1.out")"
	fi
	[ -z "$t" ] || entry_replays entrypoint_sampling "" "$d/run1" "$d/all/$t"
fi
