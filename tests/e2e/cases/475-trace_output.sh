# trace_output: a trace is written only where there is nothing or a regular file (an old trace,
# then kept as .old).  retrace-record -o refuses a character device, a FIFO, a directory and a
# symbolic link with exit 94 and a message, and leaves them as they were; so does the raw form
# (RETRACE_TRACE), which runs the program unrecorded; a directory where a child's trace would go
# leaves that child unrecorded (and what it prints out of the replay: say so) and the directory
# in place, and the parent's recording whole.  The directory must be the user's or root's, and
# not writable by everyone unless sticky.
# shellcheck shell=bash

# output_refused NAME KIND PATH [NAMED]: retrace-record -o PATH refused with 94, naming NAMED
# (PATH by default) as KIND, and the program did not run (no stdout).
output_refused() {
	local name=$1 kind=$2 path=$3 named=${4:-$3} base=$T/trace_output/refused$((++refusals))
	run "$base" null "$BIN/retrace-record" -o "$path" -- "$PYTHON" "$PROGS/transparent.py"
	if [ "$(status_of "$base")" = "exit 94" ] && [ ! -s "$base.out" ] &&
		grep -qF "retrace-record: cannot record: $named is $kind" "$base.err"; then
		ok "trace_output: -o $name ($kind) is refused (exit 94) and the program does not run"
	else
		not_ok "trace_output: -o $name ($kind) is refused (exit 94) and the program does not run" \
			"status: $(status_of "$base"); stdout: $(head -c 200 "$base.out"); stderr: $(head -c 400 "$base.err")"
	fi
}

refusals=0
if selected trace_output; then
	d=$T/trace_output
	mkdir -p "$d/dir" "$d/raw"
	mknod "$d/chardev" c 1 3 # a /dev/null of our own: the real one must never be at stake
	mkfifo "$d/fifo"
	echo "not a trace" >"$d/elsewhere"
	ln -s "$d/elsewhere" "$d/link"
	output_refused "on a device" "a character device" "$d/chardev"
	output_refused "on a FIFO" "a FIFO" "$d/fifo"
	output_refused "on a directory" "a directory" "$d/dir"
	output_refused "on a symbolic link" "a symbolic link" "$d/link"
	mkdir "$d/old.pb.old"
	output_refused "over a trace whose .old is a directory" "a directory" "$d/old.pb" "$d/old.pb.old"
	# the directory: not writable by everyone unless sticky, owned by the user or root
	mkdir -p "$d/open" "$d/sticky" "$d/other"
	chmod 0777 "$d/open"
	chmod 1777 "$d/sticky"
	chown nobody "$d/other"
	output_refused "in a directory anyone may write" "writable by everyone and not sticky" \
		"$d/open/t.pb" "the directory $d/open"
	output_refused "in another user's directory" "another user's" "$d/other/t.pb" \
		"the directory $d/other"
	run "$d/sticky-record" null "$BIN/retrace-record" -o "$d/sticky/t.pb" -- "$PYTHON" "$PROGS/transparent.py"
	if [ "$(status_of "$d/sticky-record")" = "exit 0" ] && [ -s "$d/sticky/t.pb" ] &&
		[ "$(stat -c %a "$d/sticky/t.pb")" = 600 ]; then
		ok "trace_output: a sticky world-writable directory (like /tmp) takes a trace, mode 0600"
	else
		not_ok "trace_output: a sticky world-writable directory (like /tmp) takes a trace, mode 0600" \
			"status: $(status_of "$d/sticky-record"); $(ls -la "$d/sticky" | tr '\n' ';')"
	fi

	if [ -c "$d/chardev" ] && [ -p "$d/fifo" ] && [ -d "$d/dir" ] && [ ! -e "$d/dir.old" ] &&
		[ -L "$d/link" ] && [ "$(cat "$d/elsewhere")" = "not a trace" ] && [ -d "$d/old.pb.old" ]; then
		ok "trace_output: what was at the refused paths is still there, untouched"
	else
		not_ok "trace_output: what was at the refused paths is still there, untouched" \
			"$(ls -la "$d" | tr '\n' ';')"
	fi

	run "$d/raw/run" null env LD_PRELOAD="$LIB" RETRACE_MODE=record RETRACE_TRACE="$d/chardev" \
		"$PYTHON" "$PROGS/transparent.py"
	run "$d/raw/native" null "$PYTHON" "$PROGS/transparent.py"
	if [ -c "$d/chardev" ] && cmp -s "$d/raw/run.out" "$d/raw/native.out" &&
		grep -qF "retrace: cannot record to $d/chardev: $d/chardev is a character device" "$d/raw/run.err" &&
		[ "$(status_of "$d/raw/run")" = "$(status_of "$d/raw/native")" ]; then
		ok "trace_output: RETRACE_TRACE on a device: the program runs unrecorded, the device stays"
	else
		not_ok "trace_output: RETRACE_TRACE on a device: the program runs unrecorded, the device stays" \
			"status: $(status_of "$d/raw/run"); stderr: $(head -c 400 "$d/raw/run.err"); $(ls -la "$d/chardev")"
	fi

	# a child's trace name taken by a directory
	mkdir "$d/kids.pb.1"
	run "$d/kids" null "$BIN/retrace-record" -o "$d/kids.pb" -- "$PYTHON" -c \
		'import subprocess, sys, time; print(time.time()); subprocess.run([sys.executable, "-c", "pass"]); print("done")'
	run "$d/kids-replay" null unshare -n "$BIN/retrace-replay" "$d/kids.pb"
	if [ -d "$d/kids.pb.1" ] && grep -qF "retrace: cannot record to $d/kids.pb.1: $d/kids.pb.1 is a directory" "$d/kids.err" &&
		[ "$(status_of "$d/kids")" = "exit 0" ] && cmp -s "$d/kids.out" "$d/kids-replay.out" &&
		[ "$(status_of "$d/kids-replay")" = "exit 0" ]; then
		ok "trace_output: a directory at a child's trace name: the child runs unrecorded, the parent replays"
	else
		not_ok "trace_output: a directory at a child's trace name: the child runs unrecorded, the parent replays" \
			"record: $(status_of "$d/kids"), stderr: $(head -c 400 "$d/kids.err"); replay: $(status_of "$d/kids-replay"), stderr: $(head -c 600 "$d/kids-replay.err")"
	fi
fi
