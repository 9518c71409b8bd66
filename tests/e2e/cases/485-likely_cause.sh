# likely_cause: the likely cause fits the divergence, not the first family found.  Two forged
# recordings put the evidence where it belongs: an event inside threading's own code turned into
# a fork in a program that runs threads and children (the cause is the threads' schedule, not
# children), and a timer's SIGALRM turned into a SIGUSR1 whose handler makes another call (the
# cause names the signal).
# shellcheck shell=bash

if selected likely_cause; then
	d=$T/likely_cause
	mkdir -p "$d"
	run "$d/tc-record" null "${PLAIN_RECORD[@]}" -o "$d/tc.pb" -- "$PYTHON" "$PROGS/threads_children.py"
	seq=$("$BIN/retrace-dump" "$d/tc.pb" | grep -m 1 'clock_gettime.* at .*/threading.py:' | sed 's/^#\([0-9]*\).*/\1/')
	"$FORGE" "$d/tc.pb" "$d/tc-forged.pb" "event.$seq.call=61" >/dev/null # CALL_FORK
	run "$d/tc-replay" null unshare -n "$BIN/retrace-replay" "$d/tc-forged.pb"
	name="likely_cause: a divergence in threading's code of a program with children blames the threads"
	if [ "$(status_of "$d/tc-replay")" = "exit 90" ] &&
		grep -q "^retrace: likely cause: the program's [0-9]* threads left their recorded schedule" "$d/tc-replay.err"; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/tc-record"); replay: $(status_of "$d/tc-replay")" \
			"$(grep -m 3 -e 'likely cause' -e 'diverged' "$d/tc-replay.err")"
	fi

	run "$d/sig-record" null "${PLAIN_RECORD[@]}" -o "$d/sig.pb" -- "$PYTHON" "$PROGS/signal_cause.py"
	seq=$("$BIN/retrace-dump" "$d/sig.pb" | grep -m 1 ' signal(SIGALRM, ' | sed 's/^#\([0-9]*\).*/\1/')
	"$FORGE" "$d/sig.pb" "$d/sig-forged.pb" "event.$seq.arg0=10" >/dev/null # SIGUSR1
	run "$d/sig-replay" null unshare -n "$BIN/retrace-replay" "$d/sig-forged.pb"
	name="likely_cause: a divergence in the handler of a signal just handed over names the signal"
	if [ "$(status_of "$d/sig-record")" = "exit 0" ] && [ "$(status_of "$d/sig-replay")" = "exit 90" ] &&
		grep -q "^retrace: likely cause: a signal: the recording handed SIG" "$d/sig-replay.err"; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/sig-record"); replay: $(status_of "$d/sig-replay"); signal event: $seq" \
			"$(grep -m 3 -e 'likely cause' -e 'diverged' "$d/sig-replay.err")"
	fi
fi
