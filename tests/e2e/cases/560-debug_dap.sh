# debug_dap, debug_dap_back: an editor attached to a replay over the Debug Adapter Protocol
# (retrace-replay --dap SOCKET), driven by tests/e2e/lib/dap_drive.py, a small DAP client on the
# Unix socket.  debug_back.py draws five random numbers, so each recording has other values: the
# client sets a breakpoint on the print line, is told the replay stopped there, reads the local r
# through stackTrace, scopes and variables and finds the recording's draw, continues to the
# breakpoint's next run (the next draw), clears it and continues; the replay's stdout is then the
# recording's byte for byte and it exits as recorded.  debug_dap_back goes back over DAP: stepBack
# (one event back, a new run of the replay on the same connection) and "retrace back FILE:LINE"
# typed in the debug console (evaluate), each stopping where r had the earlier draw.
# shellcheck shell=bash

# dap_drive BASE STEPS REPLAY-ARGS...: retrace-replay --dap BASE.sock REPLAY-ARGS in a network
# namespace of its own, the client doing STEPS (newline-separated, see dap_drive.py); BASE.out
# and BASE.err the replay's, BASE.dap the messages, BASE.shown what the client found.
dap_drive() {
	local base=$1 steps=$2
	shift 2
	run "$base.drive" null "$SYSPY" "$HELPERS/dap_drive.py" "$base" "$base.sock" "$steps" \
		unshare -n "$BIN/retrace-replay" --dap "$base.sock" "$@"
	cp "$base.drive.out" "$base.shown"
}

if selected debug_dap || selected debug_dap_back; then
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
fi
