# debug_back_line, debug_back_event, debug_lastchange, debug_exception: pdb's back and
# lastchange (a new replay from the start to an earlier point) and --break-on-exception, driven
# on a real terminal by tests/e2e/lib/pdb_drive.py.  debug_back.py draws five random numbers, so
# each recording has other values: going back to an earlier run of a line, to the previous
# event, or to where a variable last changed, pdb shows the value the recording had there, not
# the current one; `continue` afterwards ends with the program's stdout the recording's byte for
# byte (the re-run does not write again what the abandoned run wrote).
# shellcheck shell=bash

# back_drive BASE COMMANDS REPLAY-ARGS...: retrace-replay REPLAY-ARGS on a new terminal, pdb
# typed COMMANDS (newline-separated); BASE.out/.err the program's, BASE.tty the terminal's.
back_drive() {
	local base=$1 commands=$2
	shift 2
	run "$base.drive" null "$SYSPY" "$HELPERS/pdb_drive.py" "$base" "$commands" \
		unshare -n "$BIN/retrace-replay" "$@"
	cp "$base.drive.out" "$base.tty"
}

if selected debug_back_line || selected debug_back_event || selected debug_lastchange; then
	d=$T/debug_back
	mkdir -p "$d"
	cp "$PROGS/debug_back.py" "$d/app.py"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$d/app.py"
	draw() { sed -n "s/^draw $1 //p" "$d/record.out"; }
	draw_line=$(grep -n "# the draw line" "$d/app.py" | cut -d: -f1)
	total_line=$(grep -n "# the total line" "$d/app.py" | cut -d: -f1)
	print_line=$(grep -n "# the print line" "$d/app.py" | cut -d: -f1)

	if selected debug_back_line; then
		name="debug_back_line: back app.py:LINE from its 4th run stops at its 3rd, where r has the recording's earlier value"
		back_drive "$d/line" $'p ("r is", r)\nback app.py:'"$print_line"$'\np ("r was", r)\nc' \
			--break "app.py:$print_line:4" "$d/trace.pb"
		if [ -n "$(draw 3)" ] && [ "$(draw 2)" != "$(draw 3)" ] &&
			grep -qx "('r is', $(draw 3))" "$d/line.tty" &&
			grep -q "^retrace: back to app.py:$print_line, its run 3 (of 3 before where you were)" "$d/line.tty" &&
			grep -q "^retrace: stopped at app.py:$print_line, run 3" "$d/line.tty" &&
			grep -qx "('r was', $(draw 2))" "$d/line.tty" &&
			grep -qx "status 0" "$d/line.tty" && cmp -s "$d/record.out" "$d/line.out"; then
			ok "$name"
		else
			not_ok "$name" "draws: $(draw 2), $(draw 3)" "terminal: $(head -c 1500 "$d/line.tty")" \
				"stderr: $(head -c 600 "$d/line.err")" "$(explain "$d/record" "$d/line")"
		fi
	fi

	if selected debug_back_event; then
		name="debug_back_event: back from the 4th draw's event stops after the event before, where r is the 3rd draw"
		ev=$("$BIN/retrace-dump" "$d/trace.pb" | sed -n 's/^#\([0-9]*\) t1 getrandom(.*app.py.*/\1/p' | sed -n 4p)
		back_drive "$d/event" $'p ("r is", r)\nback\np ("r was", r)\nc' --break "$ev" "$d/trace.pb"
		prev=$(sed -n 's/^retrace: stopped after event #\([0-9]*\),.*/\1/p' "$d/event.tty" | sed -n 2p)
		if [ -n "$ev" ] && grep -qx "('r is', $(draw 3))" "$d/event.tty" &&
			grep -q "^retrace: back 1 event, from #$ev\$" "$d/event.tty" &&
			[ -n "$prev" ] && [ "$prev" -lt "$ev" ] && grep -qx "('r was', $(draw 2))" "$d/event.tty" &&
			grep -qx "status 0" "$d/event.tty" && cmp -s "$d/record.out" "$d/event.out"; then
			ok "$name"
		else
			not_ok "$name" "event #$ev, back to #$prev" "terminal: $(head -c 1500 "$d/event.tty")" \
				"stderr: $(head -c 600 "$d/event.err")" "$(explain "$d/record" "$d/event")"
		fi
	fi

	if selected debug_lastchange; then
		name="debug_lastchange: lastchange total and lastchange r stop right after the line that gave each its value"
		# at the 5th run of the draw line (i is 4): r holds the 4th draw, total the first four
		back_drive "$d/change" $'p ("now", i, total)\nlastchange total\np ("total", i, total)\nlastchange r\np ("r", i, r)\nc' \
			--break "app.py:$draw_line:5" "$d/trace.pb"
		sum4=$(( $(draw 0) + $(draw 1) + $(draw 2) + $(draw 3) ))
		if grep -qx "('now', 4, $sum4)" "$d/change.tty" &&
			grep -q "^retrace: lastchange: total got .*app.py:$print_line, its run 4)" "$d/change.tty" &&
			grep -qx "('total', 3, $sum4)" "$d/change.tty" &&
			grep -q "^retrace: lastchange: r got .*app.py:$total_line, its run 4)" "$d/change.tty" &&
			grep -qx "('r', 3, $(draw 3))" "$d/change.tty" &&
			grep -qx "status 0" "$d/change.tty" && cmp -s "$d/record.out" "$d/change.out"; then
			ok "$name"
		else
			not_ok "$name" "sum of four draws: $sum4" "terminal: $(head -c 1800 "$d/change.tty")" \
				"stderr: $(head -c 600 "$d/change.err")" "$(explain "$d/record" "$d/change")"
		fi
	fi
fi

if selected debug_exception; then
	name="debug_exception: --break-on-exception stops where the program raises, =uncaught post-mortem where it ends; continue ends as recorded"
	d=$T/debug_exception
	mkdir -p "$d"
	cp "$PROGS/debug_exc.py" "$d/app.py"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$d/app.py"
	n=$(sed -n 's/^caught checked //p' "$d/record.out")
	v=$(sed -n 's/^RuntimeError: uncaught //p' "$d/record.err")
	raise_line=$(grep -n "# the raise line" "$d/app.py" | cut -d: -f1)
	back_drive "$d/raised" $'p ("n is", n)\nc' --break-on-exception "$d/trace.pb"
	back_drive "$d/uncaught" $'p ("v is", v)\nc' --break-on-exception=uncaught "$d/trace.pb"
	if [ -n "$n" ] && [ "$v" = "$((n * 2))" ] && [ "$(status_of "$d/record")" = "exit 1" ] &&
		grep -q "^retrace: stopped at the first exception raised in the program's code: ValueError" "$d/raised.tty" &&
		grep -q "app.py($raise_line)check()" "$d/raised.tty" && grep -qx "('n is', $n)" "$d/raised.tty" &&
		grep -qx "status 1" "$d/raised.tty" && cmp -s "$d/record.out" "$d/raised.out" &&
		grep -q "^retrace: post-mortem: an uncaught RuntimeError ends the program" "$d/uncaught.tty" &&
		grep -qx "('v is', $v)" "$d/uncaught.tty" &&
		grep -qx "status 1" "$d/uncaught.tty" && cmp -s "$d/record.out" "$d/uncaught.out" &&
		grep -q "^RuntimeError: uncaught $v\$" "$d/uncaught.err"; then
		ok "$name"
	else
		not_ok "$name" "n: $n, v: $v, recorded: $(status_of "$d/record")" \
			"raised: $(head -c 1200 "$d/raised.tty")" "uncaught: $(head -c 1200 "$d/uncaught.tty")" \
			"stderr: $(head -c 600 "$d/uncaught.err")"
	fi
fi
