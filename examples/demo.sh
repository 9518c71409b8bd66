#!/usr/bin/env bash
# demo.sh — `make demo`: record examples/app.py once while it talks to a local HTTP service,
# stop the service, replay the recording offline twice, show that the outputs match.  The app's
# output depends on the service's answers (never the same twice) and the order its threads got
# them in, clocks, randomness, uuids, its pid, the host name and its stdin; the replays get all of it from the trace, with the service
# gone, inside a network namespace with no network at all.  The trace and the outputs stay in
# build/demo/ for a look with retrace-dump.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-/usr/bin/python3}
BIN=$ROOT/build/bin
OUT=$ROOT/build/demo
SERVER_PY=/usr/bin/python3 # runs the service natively; it is never recorded
INPUT=$'apples\npears\nplums\n'

say() { printf 'demo: %s\n' "$*"; }
show() { sed 's/^/demo:     /' "$1"; }
ms_since() { echo $(((${EPOCHREALTIME/./} - $1) / 1000)); }

# The world the app talks to while it is recorded, and which is gone when it is replayed: the
# service of examples/server.py on 127.0.0.1 and a port the kernel picks.
SERVER_PID=""
start_world() {
	rm -f "$OUT/port"
	"$SERVER_PY" "$ROOT/examples/server.py" "$OUT/port" </dev/null >"$OUT/server.log" 2>&1 &
	SERVER_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$OUT/port" ] && break
		sleep 0.1
	done
	if [ ! -s "$OUT/port" ]; then
		say "the service did not start:" >&2
		show "$OUT/server.log" >&2
		exit 1
	fi
	PORT=$(cat "$OUT/port")
}
stop_world() {
	[ -n "$SERVER_PID" ] || return 0
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
}
trap stop_world EXIT
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

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
unset PYTHONHASHSEED http_proxy HTTP_PROXY
rm -rf "$OUT"
mkdir -p "$OUT"

start_world
APP=("$PYTHON" "$ROOT/examples/app.py" "http://127.0.0.1:$PORT")
say "examples/server.py, a pricing service, now listens on 127.0.0.1:$PORT (pid $SERVER_PID);"
say "its prices, ids and clock are never the same twice, and it is slow."
say "examples/app.py reads items on stdin, asks the service for quotes and places orders."
say "Run natively twice, it prints different things:"
printf '%s' "$INPUT" | "${APP[@]}" >"$OUT/native1.out"
printf '%s' "$INPUT" | "${APP[@]}" >"$OUT/native2.out"
diff "$OUT/native1.out" "$OUT/native2.out" | sed 's/^/demo:     /' || true

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

say ""
stop_world
if port_open "$PORT"; then
	say "the service was stopped, yet port $PORT still accepts connections" >&2
	exit 1
fi
say "The service is stopped now: port $PORT refuses connections, and the app run natively fails:"
printf '%s' "$INPUT" | "${APP[@]}" >"$OUT/offline.out" 2>"$OUT/offline.err" || true
tail -n 1 "$OUT/offline.err" | show /dev/stdin

status=0
for i in 1 2; do
	say ""
	say "$((i + 1)). Replay it offline, with no stdin:  ${OFFLINE[*]} retrace-replay build/demo/trace.pb -- ..."
	t0=${EPOCHREALTIME/./}
	"${OFFLINE[@]}" "$BIN/retrace-replay" "${REPLAY_OPTS[@]}" "$OUT/trace.pb" -- "${APP[@]}" \
		</dev/null >"$OUT/replay$i.out" 2>"$OUT/replay$i.err" || status=$?
	say "   replayed in $(ms_since "$t0") ms (no service, no network, no waiting); the app printed:"
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
