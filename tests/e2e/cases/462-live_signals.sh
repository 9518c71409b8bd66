# live_signals: signals sent to a replayed program do not disturb it.  A recording that received
# SIGUSR1 from outside every 50 ms replays with its handler run where the trace says, while SIGUSR1,
# SIGUSR2, SIGALRM, SIGWINCH, SIGCHLD and SIGPIPE are sent to the replayed process again and
# again: its output is the recording's, byte for byte.  The four that stop a replay on the
# user's behalf still do: SIGTERM sent to the replayed process ends it, dying of the signal.
# shellcheck shell=bash

# live_signals_send PATTERN OUT SIGNAL...: once OUT says "ready", send each SIGNAL to the process
# whose command line matches PATTERN, every 50 ms while it lives; the number of rounds sent
live_signals_send() {
	local pattern=$1 out=$2 n=0 i sig
	shift 2
	for i in $(seq 1 400); do
		grep -q "^ready" "$out" 2>/dev/null && break
		sleep 0.02
	done
	while pgrep -f "$pattern" >/dev/null; do
		for sig in "$@"; do pkill "-$sig" -f "$pattern" 2>/dev/null; done
		n=$((n + 1))
		sleep 0.05
	done
	echo "$n"
}

if selected live_signals; then
	d=$T/live_signals
	mkdir -p "$d"
	prog=$PROGS/live_signals.py
	pattern="^$PYTHON $prog $d "
	loops=15000000
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$prog" "$d" "$loops" &
	rec=$!
	sent=$(live_signals_send "$pattern" "$d/record.out" USR1 | tail -n 1)
	wait "$rec"
	if grep -q "^handled [1-9]" "$d/record.out" && [ "$(status_of "$d/record")" = "exit 0" ]; then
		ok "live_signals: the recording's handler ran for SIGUSR1s from outside"
	else
		not_ok "live_signals: the recording's handler ran for SIGUSR1s from outside" \
			"$(status_of "$d/record"), $sent rounds sent: $(cat "$d/record.out" "$d/record.err")"
	fi
	run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb" &
	rep=$!
	sent=$(live_signals_send "$pattern" "$d/replay.out" USR1 USR2 ALRM WINCH CHLD PIPE | tail -n 1)
	wait "$rep"
	if same "$d/record" "$d/replay" && [ "$sent" -ge 2 ]; then
		ok "live_signals: $sent rounds of live signals sent to the replayed program change nothing"
	else
		not_ok "live_signals: live signals sent to the replayed program change nothing" \
			"$sent rounds sent" "$(explain "$d/record" "$d/replay")"
	fi
	run "$d/stopped" null unshare -n "$BIN/retrace-replay" "$d/trace.pb" &
	rep=$!
	sent=$(live_signals_send "$pattern" "$d/stopped.out" TERM | tail -n 1)
	wait "$rep"
	if [ "$(status_of "$d/stopped")" = "signal 15" ] &&
		grep -q "^retrace: replay stopped by SIGTERM" "$d/stopped.err" && ! grep -q "^handled" "$d/stopped.out"; then
		ok "live_signals: SIGTERM sent to the replayed program still ends the replay, by SIGTERM"
	else
		not_ok "live_signals: SIGTERM sent to the replayed program still ends the replay, by SIGTERM" \
			"$(status_of "$d/stopped"), $sent rounds sent: $(cat "$d/stopped.out" "$d/stopped.err")"
	fi
fi
