# entrypoint_zombies: as PID 1, retrace-entrypoint reaps the orphans re-parented to it: the
# program leaves a grandchild whose parent exits at once; once that grandchild is killed, no
# zombie is left under PID 1, and the program's own end is still passed on.
# shellcheck shell=bash

if selected entrypoint_zombies; then
	d=$T/entrypoint_zombies
	mkdir -p "$d/traces"
	# (sleep &) in a subshell: the subshell exits, and sleep's parent becomes PID 1
	entry_start "$d/run" "$d/traces" RETRACE_CAPTURE=off -- sh -c \
		'(sleep 300 &); trap "echo terminated; exit 4" TERM; echo ready; while :; do sleep 0.1; done'
	wait_until 30 grep -q ready "$d/run.out"
	orphan=""
	wait_until 20 eval 'orphan=$(pgrep -P "$ENTRY_PID" -x sleep)'
	[ -n "$orphan" ] && kill -TERM "$orphan"
	gone=no
	# a zombie not reaped stays one for good; one reaped is gone from the process table
	wait_until 20 eval '! ps -o stat= --ppid "$ENTRY_PID" | grep -q "^Z" && ! kill -0 "$orphan"' && gone=yes
	left=$(ps -o pid=,stat=,args= --ppid "$ENTRY_PID")
	[ -n "$ENTRY_PID" ] && kill -TERM "$ENTRY_PID"
	wait "$ENTRY_WAITER"
	if [ -n "$orphan" ] && [ $gone = yes ] && [ "$(status_of "$d/run")" = "exit 4" ] &&
		grep -qx terminated "$d/run.out"; then
		ok "entrypoint_zombies: the orphan re-parented to PID 1 is reaped; the program's exit 4 passed on"
	else
		not_ok "entrypoint_zombies: the orphan re-parented to PID 1 is reaped; the program's exit 4 passed on" \
			"entrypoint: ${ENTRY_PID:-not found}; orphan: ${orphan:-never seen under PID 1}" \
			"left under PID 1: $left" "status: $(status_of "$d/run"); stdout: $(head -c 200 "$d/run.out")" \
			"stderr: $(head -c 300 "$d/run.err")"
	fi
fi
