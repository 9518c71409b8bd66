#!/usr/bin/env bash
# demo.sh — `make demo`: record examples/app.py once, replay it offline twice, show that the
# outputs match.  The app's output depends on clocks, randomness, uuids, its pid, the host name
# and its stdin; the replays get all of it from the trace, inside a network namespace with no
# network at all.  The trace and the outputs stay in build/demo/ for a look with retrace-dump.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-/usr/bin/python3}
BIN=$ROOT/build/bin
OUT=$ROOT/build/demo
APP=("$PYTHON" "$ROOT/examples/app.py")
INPUT=$'apples\npears\nplums\n'

say() { printf 'demo: %s\n' "$*"; }
show() { sed 's/^/demo:     /' "$1"; }
ms_since() { echo $(((${EPOCHREALTIME/./} - $1) / 1000)); }

# The world the app talks to while it is recorded, and which is gone when it is replayed.  For
# now that is only what the kernel answers; an app with servers starts them here and stops them
# in stop_world.
start_world() { :; }
stop_world() { :; }

# Replay must not reach any network: run it in a namespace of its own (retrace-replay makes one
# too when the kernel allows it; this makes the point visible).
OFFLINE=(unshare -n)
REPLAY_OPTS=()
if ! unshare -n true 2>/dev/null; then
	say "cannot create a network namespace here (unshare -n needs root); replaying without one"
	OFFLINE=()
	REPLAY_OPTS=(--no-netns)
fi

if [ ! -x "$BIN/retrace-record" ] || [ ! -x "$BIN/retrace-replay" ]; then
	say "run make first" >&2
	exit 1
fi
unset PYTHONHASHSEED
rm -rf "$OUT"
mkdir -p "$OUT"

say "examples/app.py reads orders on stdin and prints ids, times, a pid and random numbers."
say "Run natively twice, it prints different things:"
printf '%s' "$INPUT" | "${APP[@]}" >"$OUT/native1.out"
printf '%s' "$INPUT" | "${APP[@]}" >"$OUT/native2.out"
diff "$OUT/native1.out" "$OUT/native2.out" | sed 's/^/demo:     /' || true

start_world
say ""
say "1. Record it once:  retrace-record -o build/demo/trace.pb -- ${APP[*]#"$ROOT/"}"
t0=${EPOCHREALTIME/./}
printf '%s' "$INPUT" | "$BIN/retrace-record" -o "$OUT/trace.pb" -- "${APP[@]}" \
	>"$OUT/record.out" 2>"$OUT/record.err" || {
	status=$?
	say "retrace-record failed with status $status:"
	show "$OUT/record.err"
	exit 1
}
say "   recorded in $(ms_since "$t0") ms, trace $(stat -c %s "$OUT/trace.pb") bytes; the app printed:"
show "$OUT/record.out"
stop_world

status=0
for i in 1 2; do
	say ""
	say "$((i + 1)). Replay it offline, with no stdin:  ${OFFLINE[*]} retrace-replay build/demo/trace.pb -- ..."
	t0=${EPOCHREALTIME/./}
	"${OFFLINE[@]}" "$BIN/retrace-replay" "${REPLAY_OPTS[@]}" "$OUT/trace.pb" -- "${APP[@]}" \
		</dev/null >"$OUT/replay$i.out" 2>"$OUT/replay$i.err" || status=$?
	say "   replayed in $(ms_since "$t0") ms (the sleeps are skipped); the app printed:"
	show "$OUT/replay$i.out"
	if [ $status -ne 0 ]; then
		say "   retrace-replay failed with status $status:"
		show "$OUT/replay$i.err"
		exit 1
	fi
done

say ""
for i in 1 2; do
	if ! diff -u "$OUT/record.out" "$OUT/replay$i.out" >"$OUT/diff$i" ||
		! cmp -s "$OUT/record.err" "$OUT/replay$i.err"; then
		say "replay $i differs from the recording:"
		show "$OUT/diff$i"
		exit 1
	fi
done
say "diff build/demo/record.out build/demo/replay{1,2}.out: identical, stderr too."
say "See what was recorded:  build/bin/retrace-dump build/demo/trace.pb"
