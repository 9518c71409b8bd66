# debug_event, debug_line, debug_divergence, debug_threads, debug_no_terminal: pdb inside a
# replay (retrace-replay --break, --break-at-divergence), driven on a real terminal by
# tests/e2e/lib/pdb_drive.py.  pdb stops right after an event and prints a local the network
# gave; stops at the 3rd run of a line; opens post-mortem at a divergence; in a threaded
# recording stops the thread that made the event.  After `continue` the program's stdout is the
# recording's byte for byte (id()s included: the debugger's memory is its own).  Without a
# terminal retrace-replay says so and exits 94 instead of waiting.
# shellcheck shell=bash

# debug_drive BASE COMMANDS REPLAY-ARGS...: retrace-replay REPLAY-ARGS on a new terminal, pdb
# typed COMMANDS (newline-separated); BASE.out/.err the program's, BASE.tty the terminal's.
debug_drive() {
	local base=$1 commands=$2
	shift 2
	run "$base.drive" null "$SYSPY" "$HELPERS/pdb_drive.py" "$base" "$commands" \
		unshare -n "$BIN/retrace-replay" "$@"
	cp "$base.drive.out" "$base.tty"
}

if selected debug_event || selected debug_line || selected debug_divergence; then
	d=$T/debug
	mkdir -p "$d"
	if ! start_python_server "$d" "the HTTP server" "$HELPERS/http_server.py" >"$d/start.txt" 2>&1; then
		not_ok "debug: start the HTTP server" "$(cat "$d/start.txt")"
	else
		cp "$PROGS/debug_net.py" "$d/app.py"
		run "$d/record" null env RETRACE_UNRECORDED="$d" "$BIN/retrace-record" -o "$d/trace.pb" -- \
			"$PYTHON" "$d/app.py" "$WORLD_PORT"
		stop_world >"$d/stop.txt" 2>&1
		token=$(sed -n 's/^token \([0-9a-f]*\) .*/\1/p' "$d/record.out")
		recv=$("$BIN/retrace-dump" "$d/trace.pb" | sed -n 's/^#\([0-9]*\) t1 recv(.*app.py.*/\1/p' | head -n 1)

		if selected debug_event; then
			name="debug_event: --break at the recv event stops in pdb with the network's answer in a local, and continue ends as recorded"
			debug_drive "$d/event" $'p json.loads(data.split(b"\\r\\n\\r\\n", 1)[1])["token"]\nc' \
				--break "$recv" "$d/trace.pb"
			if [ -n "$token" ] && [ -n "$recv" ] && grep -q "stopped after event #$recv, recv" "$d/event.tty" &&
				grep -q "^-> s.close()" "$d/event.tty" && grep -qx "'$token'" "$d/event.tty" &&
				grep -qx "status 0" "$d/event.tty" && cmp -s "$d/record.out" "$d/event.out"; then
				ok "$name"
			else
				not_ok "$name" "recv event: #$recv, token: $token" "terminal: $(head -c 1200 "$d/event.tty")" \
					"stderr: $(head -c 600 "$d/event.err")" "stdout: $(head -c 300 "$d/event.out")"
			fi
		fi

		if selected debug_line; then
			name="debug_line: --break FILE:LINE:3 stops at the 3rd run of the loop line"
			line=$(grep -n "# the loop line" "$d/app.py" | cut -d: -f1)
			debug_drive "$d/line" $'p ("i is", i)\nc' --break "app.py:$line:3" "$d/trace.pb"
			if grep -q "stopped at app.py:$line, run 3" "$d/line.tty" && grep -qx "('i is', 2)" "$d/line.tty" &&
				[ "$(head -n 1 "$d/line.out")" = "$(head -n 1 "$d/record.out")" ]; then
				ok "$name"
			else
				not_ok "$name" "terminal: $(head -c 1200 "$d/line.tty")" "stderr: $(head -c 600 "$d/line.err")"
			fi
		fi

		if selected debug_divergence; then
			name="debug_divergence: --break-at-divergence opens pdb post-mortem in the diverging frame, after the report"
			sed 's/^    total = 0$/    total = 0\n    socket.gethostname()/' "$PROGS/debug_net.py" >"$d/app.py"
			debug_drive "$d/div" $'p ("token is", token)\nc' --break-at-divergence "$d/trace.pb"
			if grep -q "^retrace: replay diverged at event" "$d/div.err" && grep -q "post-mortem at the divergence" "$d/div.tty" &&
				grep -qx "('token is', '$token')" "$d/div.tty" && grep -qx "status 90" "$d/div.tty"; then
				ok "$name"
			else
				not_ok "$name" "terminal: $(head -c 1200 "$d/div.tty")" "stderr: $(head -c 600 "$d/div.err")"
			fi
		fi
	fi
	stop_all_servers
fi

if selected debug_threads; then
	name="debug_threads: --break at a worker thread's event stops that thread in pdb, and continue ends as recorded"
	d=$T/debug_threads
	mkdir -p "$d"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$PROGS/debug_threads.py"
	ev=$("$BIN/retrace-dump" "$d/trace.pb" | sed -n 's/^#\([0-9]*\) t3 .* getrandom(.*debug_threads.py.*/\1/p' | sed -n 2p)
	debug_drive "$d/event" $'p ("r is", r.hex())\nc' --break "$ev" "$d/trace.pb"
	hex=$(sed -n 's/^(.r is., .\([0-9a-f]*\).)$/\1/p' "$d/event.tty")
	if [ -n "$ev" ] && grep -q "stopped after event #$ev, getrandom(.*thread 3" "$d/event.tty" &&
		[ -n "$hex" ] && sed -n "/'b'/p" "$d/record.out" | grep -q "'$hex'" &&
		grep -qx "status 0" "$d/event.tty" && cmp -s "$d/record.out" "$d/event.out"; then
		ok "$name"
	else
		not_ok "$name" "event: #$ev" "terminal: $(head -c 1200 "$d/event.tty")" \
			"stderr: $(head -c 600 "$d/event.err")" "$(explain "$d/record" "$d/event")"
	fi
fi

if selected debug_no_terminal; then
	name="debug_no_terminal: --break without a terminal says so and exits 94"
	d=$T/debug_no_terminal
	mkdir -p "$d"
	run "$d/replay" null setsid -w "$BIN/retrace-replay" --break 5 "$(reference_trace)"
	if [ "$(status_of "$d/replay")" = "exit 94" ] && grep -q "^retrace-replay: .*there is none (/dev/tty" "$d/replay.err"; then
		ok "$name"
	else
		not_ok "$name" "status: $(status_of "$d/replay")" "stderr: $(head -c 400 "$d/replay.err")"
	fi
fi
