# replay_bad_trace: retrace-replay refuses with 91 (a "retrace-replay: " message, nothing on
# stdout) a trace of random garbage, an empty file, a missing file and a trace cut inside its
# header.
# shellcheck shell=bash

if selected replay_bad_trace; then
	d=$T/replay_bad_trace
	mkdir -p "$d"
	head -c 4096 /dev/urandom >"$d/garbage.pb"
	: >"$d/empty.pb"
	run "$d/garbage" null unshare -n "$BIN/retrace-replay" "$d/garbage.pb" -- "$PYTHON" "$PROGS/transparent.py"
	refused "replay_bad_trace: random garbage exits 91" 91 "$d/garbage"
	run "$d/empty" null unshare -n "$BIN/retrace-replay" "$d/empty.pb" -- "$PYTHON" "$PROGS/transparent.py"
	refused "replay_bad_trace: an empty file exits 91" 91 "$d/empty"
	run "$d/missing" null unshare -n "$BIN/retrace-replay" "$d/missing.pb" -- "$PYTHON" "$PROGS/transparent.py"
	refused "replay_bad_trace: a missing file exits 91" 91 "$d/missing"
	t=$(reference_trace)
	head -c 20 "$t" >"$d/torn-header.pb"
	run "$d/torn-header" null unshare -n "$BIN/retrace-replay" "$d/torn-header.pb" -- "$PYTHON" "$PROGS/transparent.py"
	refused "replay_bad_trace: a trace cut inside its header exits 91" 91 "$d/torn-header"
fi
