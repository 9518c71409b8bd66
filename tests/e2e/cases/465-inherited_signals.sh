# inherited_signals: replay starts the program with the signal dispositions and mask it was
# recorded with, not the replayer's: a program recorded at a terminal replays with its
# KeyboardInterrupt handler from a job that ignores SIGINT (a background job, nohup), one recorded
# with SIGINT ignored and SIGUSR1 blocked replays so from a plain shell.  (Before, the first kind
# lost its handler on replay, and a recorded Ctrl-C then never arrived: the replay spun forever.)
# shellcheck shell=bash

if selected inherited_signals; then
	d=$T/inherited_signals
	mkdir -p "$d"
	prog=$PROGS/inherited_signals.py
	# ignoring: run CMD with SIGINT and SIGQUIT ignored and SIGUSR1 blocked, as the caller left them
	ignoring=("$SYSPY" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN); signal.signal(signal.SIGQUIT, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
os.execvp(sys.argv[1], sys.argv[1:])')
	# sigdfl.py: every disposition default and nothing blocked (what a terminal gives)
	plain=("$SYSPY" "$HELPERS/sigdfl.py")
	run "$d/rec-plain" null "${plain[@]}" "$BIN/retrace-record" -o "$d/plain.pb" -- "$PYTHON" "$prog"
	run "$d/rec-ign" null "${ignoring[@]}" "$BIN/retrace-record" -o "$d/ign.pb" -- "$PYTHON" "$prog"
	run "$d/rep-plain" null "${ignoring[@]}" unshare -n "$BIN/retrace-replay" "$d/plain.pb"
	run "$d/rep-ign" null "${plain[@]}" unshare -n "$BIN/retrace-replay" "$d/ign.pb"
	if grep -q "^SIGINT: <built-in function default_int_handler>" "$d/rec-plain.out" &&
		grep -q "^SIGINT: 1" "$d/rec-ign.out" && grep -q "^blocked: \[10\]" "$d/rec-ign.out" &&
		grep -q "^blocked: \[\]" "$d/rec-plain.out"; then
		ok "inherited_signals: the recordings saw what their callers left them"
	else
		not_ok "inherited_signals: the recordings saw what their callers left them" \
			"$(cat "$d/rec-plain.out" "$d/rec-ign.out")"
	fi
	for k in plain ign; do
		if same "$d/rec-$k" "$d/rep-$k"; then
			ok "inherited_signals: the $k recording replays with what it inherited, from a caller that differs"
		else
			not_ok "inherited_signals: the $k recording replays with what it inherited, from a caller that differs" \
				"$(explain "$d/rec-$k" "$d/rep-$k")"
		fi
	done
	if "$BIN/retrace-dump" --header "$d/ign.pb" | grep -q "^signals: *ignored SIGINT, SIGQUIT.*; blocked SIGUSR1 "; then
		ok "inherited_signals: retrace-dump --header shows them"
	else
		not_ok "inherited_signals: retrace-dump --header shows them" \
			"$("$BIN/retrace-dump" --header "$d/ign.pb" | grep -i signal)"
	fi
fi
