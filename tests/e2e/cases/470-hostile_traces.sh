# hostile_traces: a trace is untrusted input.  A real recording, rewritten with one thing
# changed (lib/forge.c), must never make replay hand the program an impossible result, put the
# trace over its stdout, run a program of the trace's choosing, load a library the trace names,
# or print the trace's bytes raw on the terminal.
# shellcheck shell=bash

# forged_as NAME BASE STATUS GREP: the replay at BASE ended with STATUS, its stdout differs from
# the recording's or is empty (never a silently wrong exit 0), and stderr has GREP.
forged_as() {
	local name=$1 base=$2 want=$3 pattern=$4 d=$T/hostile_traces
	if [ "$(status_of "$base")" = "$want" ] && grep -qF -- "$pattern" "$base.err" &&
		{ [ ! -s "$base.out" ] || ! cmp -s "$base.out" "$d/record.out"; }; then
		ok "hostile_traces: $name"
	else
		not_ok "hostile_traces: $name" "status: $(status_of "$base") (want $want); stdout: $(head -c 200 "$base.out")" \
			"stderr: $(head -c 600 "$base.err")" "stderr must contain: $pattern"
	fi
}

# forged_replay NAME EDIT...: the real trace with EDITs made (lib/forge.c), replayed offline, at
# $d/NAME (.out, .err, .status)
forged_replay() {
	local name=$1
	shift
	"$FORGE" "$d/trace.pb" "$d/$name.pb" "$@" >/dev/null
	run "$d/$name" null "${replay[@]}" "$d/$name.pb"
}

# event_seq TRACE PATTERN: the seq of the first retrace-dump line matching PATTERN
event_seq() { "$BIN/retrace-dump" "$1" | grep -m 1 -e "$2" | sed 's/^#\([0-9]*\).*/\1/'; }

if selected hostile_traces; then
	d=$T/hostile_traces
	mkdir -p "$d/data" "$d/evil" "$d/bin"
	head -c 300 /dev/urandom >"$d/data/input"
	prog=$PROGS/hostile.py
	args=("$d/data/input" "$d/data")
	run "$d/record" null env LD_LIBRARY_PATH=/nonexistent/lib "${PLAIN_RECORD[@]}" -o "$d/trace.pb" -- \
		"$PYTHON" "$prog" "${args[@]}"
	run "$d/native" null "$PYTHON" "$prog" "${args[@]}"
	replay=(unshare -n "$BIN/retrace-replay")
	if [ "$(status_of "$d/record")" = "exit 0" ] && grep -q "^done" "$d/record.out" &&
		! cmp -s "$d/record.out" "$d/native.out"; then
		ok "hostile_traces: the program records (and its output varies)"
	else
		not_ok "hostile_traces: the program records (and its output varies)" \
			"status: $(status_of "$d/record"); stderr: $(head -c 400 "$d/record.err")"
	fi

	# the unforged trace replays, loader variables and all (LD_LIBRARY_PATH was renamed for
	# ld.so and put back for the program)
	run "$d/plain" null "${replay[@]}" "$d/trace.pb"
	if same "$d/plain" "$d/record" && grep -q "^LD_LIBRARY_PATH /nonexistent/lib" "$d/plain.out"; then
		ok "hostile_traces: the real trace replays, the program seeing the recorded LD_LIBRARY_PATH"
	else
		not_ok "hostile_traces: the real trace replays, the program seeing the recorded LD_LIBRARY_PATH" \
			"$(explain "$d/record" "$d/plain")"
	fi

	# impossible results (defect 4)
	read_seq=$(event_seq "$d/trace.pb" ' read([0-9]*, [0-9]*) = 300 ')
	forged_replay write0 event.write.result=0
	forged_as "a write that took 0 of its bytes is damage (91), not lost output" "$d/write0" "exit 91" \
		"no bytes taken of a non-empty write"
	forged_replay readbig "event.$read_seq.result=100000"
	forged_as "a read of more bytes than asked for is damage (91)" "$d/readbig" "exit 91" \
		"more bytes than the program asked for"
	forged_replay readshort "event.$read_seq.data_len=10"
	forged_as "a read whose count is not its data's length is damage (91)" "$d/readshort" "exit 91" \
		"a byte count that is not the length of the bytes recorded"
	rand_seq=$(event_seq "$d/trace.pb" ' getrandom(8, 0) = 8 ')
	forged_replay randbig "event.$rand_seq.result=64"
	forged_as "getrandom returning more than asked for is damage (91)" "$d/randbig" "exit 91" \
		"more bytes than the program asked for"

	# a call differing only where its summary does not look: the two report lines still differ
	forged_replay arg2 "event.$read_seq.arg2=7"
	rec_line=$(sed -n 's/^retrace:   recorded: //p' "$d/arg2.err")
	rep_line=$(sed -n 's/^retrace:   replayed: //p' "$d/arg2.err")
	if [ "$(status_of "$d/arg2")" = "exit 90" ] && [ -n "$rec_line" ] && [ -n "$rep_line" ] &&
		[ "$rec_line" != "$rep_line" ]; then
		ok "hostile_traces: the recorded and replayed lines of a report never look the same"
	else
		not_ok "hostile_traces: the recorded and replayed lines of a report never look the same" \
			"status: $(status_of "$d/arg2"); stderr: $(head -c 500 "$d/arg2.err")"
	fi

	# the header's numbers (defect 2)
	for fd in trace_fd=1 trace_fd=2 status_fd=0 trace_fd=5000; do
		forged_replay "$fd" "header.$fd"
		field=${fd%%=*}
		forged_as "header $fd is refused (91)" "$d/$fd" "exit 91" "the header's ${field/_/ } (${fd#*=})"
		run "$d/$fd-raw" null env LD_PRELOAD="$LIB" RETRACE_MODE=replay RETRACE_TRACE="$d/$fd.pb" \
			"$PYTHON" "$prog" "${args[@]}"
		forged_as "header $fd is refused by the raw form too (91)" "$d/$fd-raw" "exit 91" "the header's"
	done

	# what runs (defect 6)
	forged_replay sh header.exe=/bin/sh header.argv0=sh
	forged_as "a trace of /bin/sh does not run without --allow-program (92)" "$d/sh" "exit 92" \
		"records a program that is not a Python interpreter: /bin/sh"
	cp "$(readlink -f "$PYTHON")" "$d/bin/python3"
	chmod 0777 "$d/bin/python3"
	forged_replay writable "header.exe=$d/bin/python3"
	forged_as "a 'python3' anyone may change is no interpreter of the user's (92)" "$d/writable" "exit 92" \
		"records a program that is not a Python interpreter"
	${CC:-cc} -shared -fPIC -DMARK="\"$d/evil/mark\"" -o "$d/evil/libretrace.so" "$HELPERS/evil.c"
	forged_replay preload "header.env.LD_PRELOAD=$d/evil/libretrace.so" \
		"header.env+=LD_AUDIT=$d/evil/libretrace.so" "header.env+=GCONV_PATH=$d/evil"
	if [ ! -e "$d/evil/mark" ] && [ -s "$d/preload.out" ]; then
		ok "hostile_traces: a trace's LD_PRELOAD, LD_AUDIT and GCONV_PATH are never loaded"
	else
		not_ok "hostile_traces: a trace's LD_PRELOAD, LD_AUDIT and GCONV_PATH are never loaded" \
			"mark: $(ls -la "$d/evil/mark" 2>&1); status: $(status_of "$d/preload"); stderr: $(head -c 400 "$d/preload.err")"
	fi

	# a chunk dropped from the middle of a multi-threaded trace: refused before the program runs
	run "$d/mt-record" null "${PLAIN_RECORD[@]}" -o "$d/mt.pb" -- "$PYTHON" "$PROGS/threads_race_calls.py"
	"$SYSPY" "$HELPERS/drop-chunk.py" "$d/mt.pb" "$d/mt-drop.pb" >/dev/null
	run "$d/mt-drop" null "${replay[@]}" "$d/mt-drop.pb"
	forged_as "a chunk dropped from a multi-threaded trace is damage (91), named" "$d/mt-drop" "exit 91" \
		"are missing before offset"

	# escapes (defect 5): a forged path with terminal escapes in a divergence report, a forged
	# executable in retrace-replay's refusal
	probe_seq=$(event_seq "$d/trace.pb" 'stat.*/probe"')
	forged_replay escape "event.$probe_seq.aux=$(printf '/x\033]0;owned\007\033[2J')" \
		"event.$probe_seq.arg0=7"
	forged_replay escape-exe "header.exe=$(printf '/bin/\033[31mred')"
	if ! grep -q "$(printf '\033')" "$d/escape.err" "$d/escape-exe.err" &&
		grep -qF '\x1b]0;owned\x07\x1b[2J' "$d/escape.err" && grep -qF '\x1b[31mred' "$d/escape-exe.err" &&
		[ "$(status_of "$d/escape")" = "exit 90" ]; then
		ok "hostile_traces: trace bytes in messages are escaped, never printed raw"
	else
		not_ok "hostile_traces: trace bytes in messages are escaped, never printed raw" \
			"status: $(status_of "$d/escape"); $(head -c 600 "$d/escape.err" | cat -v); $(head -c 300 "$d/escape-exe.err" | cat -v)"
	fi
fi
