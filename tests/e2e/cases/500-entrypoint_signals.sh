# entrypoint_signals: retrace-entrypoint as PID 1 of a PID namespace (a container's main
# process) passes SIGUSR1 and SIGTERM sent to it from outside on to the program, once each; the
# program's handlers run, it exits 3 on SIGTERM, and the entrypoint exits 3 too.  The trace it
# kept replays to the same output and status, byte for byte.
# shellcheck shell=bash

if selected entrypoint_signals; then
	d=$T/entrypoint_signals
	mkdir -p "$d/traces"
	entry_start "$d/record" "$d/traces" -- "$PYTHON" "$PROGS/entrypoint_signals.py"
	wait_until 30 grep -q ready "$d/record.out"
	# in progress: nothing in the directory looks finished yet
	running=$(entry_traces "$d/traces")
	[ -n "$ENTRY_PID" ] && kill -USR1 "$ENTRY_PID"
	wait_until 30 grep -q "got SIGUSR1" "$d/record.out"
	[ -n "$ENTRY_PID" ] && kill -TERM "$ENTRY_PID"
	wait "$ENTRY_WAITER"
	traces=$(entry_traces "$d/traces")
	if [ "$(status_of "$d/record")" = "exit 3" ] && [ "$(grep -c "got SIGUSR1" "$d/record.out")" = 1 ] &&
		grep -q "got SIGTERM in round [0-9]* after 1 SIGUSR1" "$d/record.out" &&
		[ ! -s "$d/record.err" ] && [ -z "$running" ] && [ "$(echo "$traces" | wc -w)" = 1 ]; then
		ok "entrypoint_signals: SIGUSR1 and SIGTERM sent to PID 1 reach the program once each; exit 3 passed on"
	else
		not_ok "entrypoint_signals: SIGUSR1 and SIGTERM sent to PID 1 reach the program once each; exit 3 passed on" \
			"status: $(status_of "$d/record"); entrypoint pid: ${ENTRY_PID:-not found}" \
			"stdout: $(head -c 400 "$d/record.out")" "stderr: $(head -c 400 "$d/record.err")" \
			"finished traces while running: ${running:-none}; after: ${traces:-none}"
	fi
	if [ -n "$traces" ]; then
		entry_replays entrypoint_signals "" "$d/record" "$d/traces/$(echo "$traces" | head -n 1)"
	fi
fi
