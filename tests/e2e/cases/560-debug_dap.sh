# debug_dap, debug_dap_back: an editor attached to a replay over the Debug Adapter Protocol
# (retrace-replay --dap SOCKET), driven by tests/e2e/lib/dap_drive.py, a small DAP client on the
# Unix socket.  debug_back.py draws five random numbers, so each recording has other values: the
# client sets a breakpoint on the print line, is told the replay stopped there, reads the local r
# through stackTrace, scopes and variables and finds the recording's draw, continues to the
# breakpoint's next run (the next draw), clears it and continues; the replay's stdout is then the
# recording's byte for byte and it exits as recorded.  debug_dap_back goes back over DAP: stepBack
# (one event back, a new run of the replay on the same connection) and "retrace back FILE:LINE"
# typed in the debug console (evaluate), each stopping where r had the earlier draw.
# debug_dap_event stops at --break EVENT in debug_net.py, reads what the network answered, and
# after continue finds the program's stdout the recording's, id()s and a set's order included:
# the session's memory, the connection's reads and writes, are none of the program's.
# debug_dap_tcp attaches on 127.0.0.1:PORT instead of a Unix socket; debug_dap_terminate ends
# the replay from the editor.
# shellcheck shell=bash

# dap_drive BASE STEPS REPLAY-ARGS...: retrace-replay --dap BASE.sock REPLAY-ARGS in a network
# namespace of its own, the client doing STEPS (newline-separated, see dap_drive.py); BASE.out
# and BASE.err the replay's, BASE.dap the messages, BASE.shown what the client found.
# With DAP_AT=127.0.0.1:PORT, there instead (retrace-replay's own network namespace then: it
# gives the replay another).
dap_drive() {
	local base=$1 steps=$2 at=${DAP_AT:-$1.sock} netns=(unshare -n)
	shift 2
	[ -n "${DAP_AT-}" ] && netns=()
	run "$base.drive" null "$SYSPY" "$HELPERS/dap_drive.py" "$base" "$at" "$steps" \
		"${netns[@]}" "$BIN/retrace-replay" --dap "$at" "$@"
	cp "$base.drive.out" "$base.shown"
}

if selected debug_dap || selected debug_dap_back || selected debug_dap_tcp || selected debug_dap_terminate; then
	d=$T/debug_dap
	mkdir -p "$d"
	cp "$PROGS/debug_back.py" "$d/app.py"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$d/app.py"
	draw() { sed -n "s/^draw $1 //p" "$d/record.out"; }
	print_line=$(grep -n "# the print line" "$d/app.py" | cut -d: -f1)

	if selected debug_dap; then
		name="debug_dap: a DAP client sets a breakpoint, is stopped there, reads the recording's value of a local, continues, and the replay ends as recorded"
		dap_drive "$d/line" "attach
break $d/app.py $print_line
done
wait
var r
eval i * 10
continue
wait
var r
break $d/app.py
continue
end" "$d/trace.pb"
		stopped="stopped breakpoint: stopped at $d/app.py:$print_line, a breakpoint of the editor's"
		if [ -n "$(draw 1)" ] && [ "$(draw 0)" != "$(draw 1)" ] &&
			grep -qx "initialize True stepBack True" "$d/line.shown" &&
			grep -qx "break $d/app.py verified \[True\]" "$d/line.shown" &&
			[ "$(grep -cx "$stopped" "$d/line.shown")" = 2 ] &&
			grep -qx "var r = $(draw 0)" "$d/line.shown" && grep -qx "eval i \* 10 = 0" "$d/line.shown" &&
			grep -qx "var r = $(draw 1)" "$d/line.shown" && grep -qx "closed" "$d/line.shown" &&
			grep -qx "status 0" "$d/line.shown" && cmp -s "$d/record.out" "$d/line.out"; then
			ok "$name"
		else
			not_ok "$name" "draws: $(draw 0), $(draw 1)" "client: $(head -c 1500 "$d/line.shown")" \
				"stderr: $(head -c 600 "$d/line.err")" "messages: $(tail -c 1500 "$d/line.dap")" \
				"$(explain "$d/record" "$d/line")"
		fi
	fi

	if selected debug_dap_back; then
		name="debug_dap_back: stepBack and \"retrace back FILE:LINE\" over DAP replay again on the same connection and stop where r has the earlier draw"
		dap_drive "$d/back" "attach
done
wait
var r
stepback
wait
var r
eval retrace back app.py:$print_line
wait
var r
continue
end" --break "app.py:$print_line:3" "$d/trace.pb"
		if [ -n "$(draw 2)" ] && [ "$(draw 1)" != "$(draw 2)" ] &&
			grep -qx "stopped breakpoint: stopped at app.py:$print_line, run 3" "$d/back.shown" &&
			grep -qx "var r = $(draw 2)" "$d/back.shown" && grep -qx "stepback True" "$d/back.shown" &&
			grep -q "^stopped breakpoint: back 1 event, from #" "$d/back.shown" &&
			grep -q "^stopped breakpoint: back to app.py:$print_line, its run 2 (of 2 before where you were)" "$d/back.shown" &&
			[ "$(grep -cx "var r = $(draw 1)" "$d/back.shown")" = 2 ] &&
			grep -qx "closed" "$d/back.shown" && grep -qx "status 0" "$d/back.shown" &&
			cmp -s "$d/record.out" "$d/back.out"; then
			ok "$name"
		else
			not_ok "$name" "draws: $(draw 1), $(draw 2)" "client: $(head -c 1500 "$d/back.shown")" \
				"stderr: $(head -c 600 "$d/back.err")" "messages: $(tail -c 1500 "$d/back.dap")" \
				"$(explain "$d/record" "$d/back")"
		fi
	fi

	if selected debug_dap_terminate; then
		name="debug_dap_terminate: the editor's terminate at a stop ends the replay as pdb's quit does, dying of SIGINT (130)"
		dap_drive "$d/term" "attach
done
wait
terminate
end" --break "app.py:$print_line:2" "$d/trace.pb"
		if grep -qx "terminate True" "$d/term.shown" && grep -qx "status 130" "$d/term.shown" &&
			grep -q "^retrace: the editor terminated the debuggee: the replay stops here" "$d/term.err" &&
			[ "$(cat "$d/term.out")" = "draw 0 $(draw 0)" ]; then
			ok "$name"
		else
			not_ok "$name" "client: $(head -c 1500 "$d/term.shown")" "stderr: $(head -c 600 "$d/term.err")" \
				"stdout: $(head -c 300 "$d/term.out")"
		fi
	fi

	if selected debug_dap_tcp; then
		name="debug_dap_tcp: --dap 127.0.0.1:PORT: the client attaches over TCP while the replay has a network namespace of its own, reads r at the breakpoint, and the replay ends as recorded"
		port=$("$SYSPY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		DAP_AT=127.0.0.1:$port dap_drive "$d/tcp" "attach
done
wait
var r
continue
end" --break "app.py:$print_line:2" "$d/trace.pb"
		if [ -n "$(draw 1)" ] && grep -qx "stopped breakpoint: stopped at app.py:$print_line, run 2" "$d/tcp.shown" &&
			grep -qx "var r = $(draw 1)" "$d/tcp.shown" && grep -qx "closed" "$d/tcp.shown" &&
			grep -qx "status 0" "$d/tcp.shown" && cmp -s "$d/record.out" "$d/tcp.out"; then
			ok "$name"
		else
			not_ok "$name" "port $port, draw: $(draw 1)" "client: $(head -c 1500 "$d/tcp.shown")" \
				"stderr: $(head -c 600 "$d/tcp.err")" "$(explain "$d/record" "$d/tcp")"
		fi
	fi
fi

if selected debug_dap_event; then
	name="debug_dap_event: --break at the recv event with --dap: the client evaluates the network's answer, continues, and the stdout, id()s included, is the recording's"
	d=$T/debug_dap_event
	mkdir -p "$d"
	if ! start_python_server "$d" "the HTTP server" "$HELPERS/http_server.py" >"$d/start.txt" 2>&1; then
		not_ok "debug_dap_event: start the HTTP server" "$(cat "$d/start.txt")"
	else
		cp "$PROGS/debug_net.py" "$d/app.py"
		run "$d/record" null env RETRACE_UNRECORDED="$d" "$BIN/retrace-record" -o "$d/trace.pb" -- \
			"$PYTHON" "$d/app.py" "$WORLD_PORT"
		stop_world >"$d/stop.txt" 2>&1
		token=$(sed -n 's/^token \([0-9a-f]*\) .*/\1/p' "$d/record.out")
		recv=$("$BIN/retrace-dump" "$d/trace.pb" | sed -n 's/^#\([0-9]*\) t1 recv(.*app.py.*/\1/p' | head -n 1)
		dap_drive "$d/event" "attach
done
wait
eval json.loads(data.split(b'\\r\\n\\r\\n', 1)[1])['token']
continue
end" --break "$recv" "$d/trace.pb"
		if [ -n "$token" ] && [ -n "$recv" ] &&
			grep -q "^stopped breakpoint: stopped after event #$recv, recv" "$d/event.shown" &&
			grep -qx "eval .* = '$token'" "$d/event.shown" && grep -qx "closed" "$d/event.shown" &&
			grep -qx "status 0" "$d/event.shown" && cmp -s "$d/record.out" "$d/event.out"; then
			ok "$name"
		else
			not_ok "$name" "recv event: #$recv, token: $token" "client: $(head -c 1500 "$d/event.shown")" \
				"stderr: $(head -c 600 "$d/event.err")" "messages: $(tail -c 1500 "$d/event.dap")" \
				"$(explain "$d/record" "$d/event")"
		fi
	fi
	stop_all_servers
fi
