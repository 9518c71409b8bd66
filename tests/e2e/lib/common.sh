# tests/e2e/lib/common.sh — the helpers the cases of tests/e2e/cases/ share; tests/e2e/run sources
# it before the cases.  Only functions: the state they use (ROOT, T, RUNWAIT, TIMEOUT, BIN, LIB,
# PROGS, HELPERS, SYSPY, PYTHON, SELECTED, SERVER_PIDS, the passed/failed/skipped counters) is set
# up by tests/e2e/run.
# shellcheck shell=bash

die() { printf 'tests/e2e/run: %s\n' "$*" >&2; exit 2; }

# ---- reporting and selecting ------------------------------------------------------------------

ok() {
	echo "ok - $1"
	passed=$((passed + 1))
}
# not_ok NAME [DETAIL...]: each detail line is printed as a "#" comment.
not_ok() {
	echo "not ok - $1"
	shift
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
	failed=$((failed + 1))
}

# skip NAME REASON: a case that cannot run here (a module $PYTHON lacks), counted apart.
skip() {
	echo "ok - $1 # SKIP $2"
	skipped=$((skipped + 1))
}

selected() { # selected NAME: true when no CASE was given on the command line, or NAME was
	[ ${#SELECTED[@]} -eq 0 ] && return 0
	local want
	for want in "${SELECTED[@]}"; do [ "$want" = "$1" ] && return 0; done
	return 1
}

# stop_all_servers: stop whatever of SERVER_PIDS still runs: INT and TERM first (PostgreSQL's
# fast shutdown, which also ends its backends), KILL after 5 s.
stop_all_servers() {
	local pid i
	for pid in ${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}; do
		kill -INT "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
	done
	for pid in ${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		{ kill -KILL "$pid"; wait "$pid"; } 2>/dev/null
	done
	SERVER_PIDS=()
}

# ---- running one process ----------------------------------------------------------------------

# run OUTBASE STDIN CMD...: run CMD with stdin from STDIN ("null", "closed" or "pipe:TEXT"),
# writing OUTBASE.out, OUTBASE.err and OUTBASE.status ("exit N" / "signal N" / "timeout",
# then "ms N", then "maxrss_kb N").  Extra environment goes in through `env`, so runwait itself
# never runs under it.
run() {
	local base=$1 input=$2
	shift 2
	case $input in
	null) "$RUNWAIT" "$base.status" "$TIMEOUT" "$@" <"/dev/null" >"$base.out" 2>"$base.err" ;;
	closed) "$RUNWAIT" "$base.status" "$TIMEOUT" "$@" <&- >"$base.out" 2>"$base.err" ;;
	pipe:*) printf '%s' "${input#pipe:}" |
		"$RUNWAIT" "$base.status" "$TIMEOUT" "$@" >"$base.out" 2>"$base.err" ;;
	*) die "run: bad stdin mode $input" ;;
	esac
}
status_of() { head -n 1 "$1.status" 2>/dev/null || echo "no status"; }
ms_of() { sed -n 's/^ms //p' "$1.status" 2>/dev/null; }
# maxrss_of BASE: the run's peak resident memory in KiB (runwait, from wait4: CMD's and that of
# the descendants it waited for, the largest).
maxrss_of() { sed -n 's/^maxrss_kb //p' "$1.status" 2>/dev/null; }

# same BASE1 BASE2: stdout, stderr and status equal byte for byte.
same() {
	cmp -s "$1.out" "$2.out" && cmp -s "$1.err" "$2.err" && [ "$(status_of "$1")" = "$(status_of "$2")" ]
}

# explain BASE1 BASE2: why `same` failed, as lines for not_ok.
explain() {
	local a=$1 b=$2
	echo "status: $(status_of "$a") (${a##*/}) vs $(status_of "$b") (${b##*/})"
	cmp -s "$a.out" "$b.out" || { echo "stdout differs:"; diff -a "$a.out" "$b.out" | head -n 12; }
	cmp -s "$a.err" "$b.err" || { echo "stderr differs:"; diff -a "$a.err" "$b.err" | head -n 12; }
}

# replays_match NAME REC R1 R2 REPRODUCE: the two replays R1 and R2 (run bases) match the
# recording REC and each other.
replays_match() {
	local name=$1 rec=$2 r1=$3 r2=$4 reproduce=$5
	if same "$rec" "$r1"; then
		ok "$name: replay 1 matches the recording"
	else
		not_ok "$name: replay 1 matches the recording" "$(explain "$rec" "$r1")" "$reproduce"
	fi
	if same "$r1" "$r2"; then
		ok "$name: replay 2 matches replay 1"
	else
		not_ok "$name: replay 2 matches replay 1" "$(explain "$r1" "$r2")"
	fi
}

# ---- the record → replay cases -----------------------------------------------------------------

# replay_case NAME PROG [options]
#   --status S       how the recorded program must end ("exit 0" by default, "signal 9", …)
#   --stdin TEXT     pipe TEXT into the recording (replays get none)
#   --stderr TEXT    what the program writes on stderr (nothing by default)
#   --raw            record with LD_PRELOAD=… RETRACE_MODE=record RETRACE_TRACE=… instead
#   --varies         the output differs between native runs; check that it does, so that equal
#                    replays mean something (the native runs happen right after the recording,
#                    while the case's servers still run)
#   --max-ms N       each replay must take less than N ms of wall time (it skips the waiting)
#   --closed-stdin   also replay once with stdin closed
#   --arg A          a command-line argument for PROG (repeat for more); replays get the same
#   --wrap WORD      put WORD before the recording's command (repeat for more words)
#   --before-replay FN   run the shell function FN after the recording and the native runs, before
#                    the replays: it stops the case's servers and changes its files, and fails
#                    (status and a message on stdout) when the world is not gone as it must be
replay_case() {
	local name=$1 prog=$PROGS/$2
	shift 2
	selected "$name" || return 0
	local want_status="exit 0" input=null want_err="" raw=no varies=no max_ms="" closed=no
	local args=() wrap=() before_replay=""
	while [ $# -gt 0 ]; do
		case $1 in
		--status) want_status=$2; shift ;;
		--stdin) input="pipe:$2"; shift ;;
		--stderr) want_err=$2; shift ;;
		--raw) raw=yes ;;
		--varies) varies=yes ;;
		--max-ms) max_ms=$2; shift ;;
		--closed-stdin) closed=yes ;;
		--arg) args+=("$2"); shift ;;
		--wrap) wrap+=("$2"); shift ;;
		--before-replay) before_replay=$2; shift ;;
		*) die "replay_case $name: unknown option $1" ;;
		esac
		shift
	done

	local d=$T/$name
	mkdir -p "$d/cwd"
	local trace=$d/trace.pb rec=$d/record r1=$d/replay1 r2=$d/replay2
	printf '%s' "$want_err" >"$d/want.err"

	# Record from its own directory; replays run from the repository root, so the recorded cwd
	# (and E2E_MARK=recorded in the environment) must come from the trace.
	local record=(${wrap[@]+"${wrap[@]}"} env E2E_MARK=recorded "$BIN/retrace-record" -o "$trace" --
		"$PYTHON" "$prog" ${args[@]+"${args[@]}"})
	[ $raw = no ] || record=(${wrap[@]+"${wrap[@]}"} env E2E_MARK=recorded LD_PRELOAD="$LIB" RETRACE_MODE=record
		RETRACE_TRACE="$trace" "$PYTHON" "$prog" ${args[@]+"${args[@]}"})
	(cd "$d/cwd" && run "$rec" "$input" "${record[@]}")
	local rec_status
	rec_status=$(status_of "$rec")
	if [ "$rec_status" = "$want_status" ] && cmp -s "$rec.err" "$d/want.err" && [ -s "$rec.out" ] &&
		[ -s "$trace" ]; then
		ok "$name: record ends with '$want_status', stderr as without retrace"
	else
		not_ok "$name: record ends with '$want_status', stderr as without retrace" \
			"status: $rec_status, stdout: $(wc -c <"$rec.out") bytes, trace: $(stat -c %s "$trace" 2>/dev/null || echo none)" \
			"stderr: $(head -c 600 "$rec.err")"
	fi
	if [ $varies = yes ]; then
		run "$d/native1" "$input" ${wrap[@]+"${wrap[@]}"} env E2E_MARK=recorded "$PYTHON" "$prog" ${args[@]+"${args[@]}"}
		# a race's outcome may come out the same twice by chance: up to 4 tries for one that
		# differs (a program whose output never varies still fails the check)
		local try
		for try in 1 2 3 4; do
			run "$d/native2" "$input" ${wrap[@]+"${wrap[@]}"} env E2E_MARK=recorded "$PYTHON" "$prog" ${args[@]+"${args[@]}"}
			cmp -s "$d/native1.out" "$d/native2.out" || break
		done
	fi
	if [ -n "$before_replay" ]; then
		# Not in $(…): the function must be able to wait for the servers this shell started.
		if "$before_replay" "$d" >"$d/before-replay.txt" 2>&1; then
			ok "$name: $(tr '\n' ' ' <"$d/before-replay.txt" | sed 's/ $//')"
		else
			not_ok "$name: the world is gone before the replays" "$(cat "$d/before-replay.txt")"
		fi
	fi
	if [ ! -s "$trace" ]; then
		not_ok "$name: replays (no trace was written)"
		return
	fi

	local replay=(env E2E_MARK=replayed unshare -n "$BIN/retrace-replay" "$trace" -- "$PYTHON" "$prog"
		${args[@]+"${args[@]}"})
	run "$r1" null "${replay[@]}"
	run "$r2" null "${replay[@]}"
	if same "$rec" "$r1"; then
		ok "$name: replay 1 matches the recording"
	else
		not_ok "$name: replay 1 matches the recording" "$(explain "$rec" "$r1")" \
			"reproduce: cd $d/cwd && ${record[*]} (stdin: ${input%%:*}); cd $ROOT && ${replay[*]} </dev/null" \
			"or, with its servers: E2E_KEEP=1 tests/e2e/run $name"
	fi
	if same "$r1" "$r2"; then
		ok "$name: replay 2 matches replay 1"
	else
		not_ok "$name: replay 2 matches replay 1" "$(explain "$r1" "$r2")"
	fi

	if [ $closed = yes ]; then
		local r3=$d/replay-closed
		run "$r3" closed "${replay[@]}"
		if same "$rec" "$r3"; then
			ok "$name: replay with stdin closed matches the recording"
		else
			not_ok "$name: replay with stdin closed matches the recording" "$(explain "$rec" "$r3")"
		fi
	fi

	if [ -n "$max_ms" ]; then
		local ms1 ms2 rec_ms
		ms1=$(ms_of "$r1") ms2=$(ms_of "$r2") rec_ms=$(ms_of "$rec")
		if [ "${ms1:-999999}" -lt "$max_ms" ] && [ "${ms2:-999999}" -lt "$max_ms" ]; then
			ok "$name: replay skips the waiting (${ms1} ms, ${ms2} ms < $max_ms ms; recorded in ${rec_ms} ms)"
		else
			not_ok "$name: replay skips the waiting (< $max_ms ms)" \
				"replays took ${ms1:-?} ms and ${ms2:-?} ms; the recording ${rec_ms:-?} ms"
		fi
	fi

	if [ $varies = yes ]; then
		if ! cmp -s "$d/native1.out" "$d/native2.out" && [ -s "$d/native1.out" ]; then
			ok "$name: native runs differ, so equal replays prove something"
		else
			not_ok "$name: native runs differ, so equal replays prove something" \
				"five native runs printed the same: $(head -c 300 "$d/native1.out")"
		fi
	fi
}

# ---- the network, name resolution and files ---------------------------------------------------
#
# Each case records a real client with its server running, then stops the server (checking that
# the process is gone and its port closed) or changes its files, and replays offline.  Servers run
# natively with /usr/bin/python3 or are the real daemons, on 127.0.0.1 and random free ports;
# everything started is stopped at exit (stop_all_servers), even when a case fails.

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds; fails after SECONDS.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
	"$SYSPY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server LOG CMD...: start CMD in the background (stdin closed, output to LOG), as
# WORLD_PID; it is remembered for stop_all_servers.
start_server() {
	local log=$1
	shift
	"$@" </dev/null >"$log" 2>&1 &
	WORLD_PID=$!
	SERVER_PIDS+=("$WORLD_PID")
}

# stop_world DIR: the --before-replay of the server cases.  Stops WORLD_PID with WORLD_SIGNAL
# (TERM by default), waits for it, then checks that it is gone and WORLD_PORT refuses connections.
stop_world() {
	local sig=${WORLD_SIGNAL:-TERM} i
	kill -"$sig" "$WORLD_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$WORLD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$WORLD_PID" 2>/dev/null
	wait "$WORLD_PID" 2>/dev/null
	if kill -0 "$WORLD_PID" 2>/dev/null; then
		echo "$WORLD_WHAT (pid $WORLD_PID) is still running"
		return 1
	fi
	if ! wait_until 10 eval "! port_open $WORLD_PORT"; then
		echo "$WORLD_WHAT (pid $WORLD_PID) is gone, but port $WORLD_PORT still accepts connections"
		return 1
	fi
	echo "$WORLD_WHAT stopped before the replays (pid $WORLD_PID gone, port $WORLD_PORT closed)"
}

# start_python_server DIR WHAT SCRIPT ARGS...: a server of tests/e2e/lib that writes its port to
# DIR/port once it listens.
start_python_server() {
	local d=$1
	WORLD_WHAT=$2
	shift 2
	mkdir -p "$d"
	rm -f "$d/port"
	WORLD_SIGNAL=TERM
	start_server "$d/server.log" "$SYSPY" "$@" "$d/port"
	if ! wait_until 20 test -s "$d/port"; then
		echo "$WORLD_WHAT did not start:"
		tail -n 5 "$d/server.log"
		return 1
	fi
	WORLD_PORT=$(cat "$d/port")
	port_open "$WORLD_PORT" || { echo "$WORLD_WHAT does not accept connections on $WORLD_PORT"; return 1; }
}

# A server case: NAME PROG REQUIRED_MODULE START_FUNCTION [replay_case options]: the module is
# checked before the server starts, the start function sets WORLD_* (and prints why it failed).
server_case() {
	local name=$1 prog=$2 module=$3 start=$4
	shift 4
	selected "$name" || return 0
	if ! "$PYTHON" -c "import $module" 2>/dev/null; then
		skip "$name" "$PYTHON cannot import $module"
		return 0
	fi
	mkdir -p "$T/$name"
	if ! "$start" "$T/$name" >"$T/$name/start.txt" 2>&1; then
		not_ok "$name: start its server" "$(cat "$T/$name/start.txt")"
		stop_all_servers
		return 0
	fi
	replay_case "$name" "$prog" --arg "$WORLD_PORT" --varies --before-replay stop_world "$@"
	stop_all_servers
}

# ---- refusals ---------------------------------------------------------------------------------

# A trace to replay wrongly: the transparent case's, or a fresh one; plain (--no-compress), as
# the cases that forge or cut a trace's bytes need it.
reference_trace() {
	local t=$T/reference.pb
	if [ ! -s "$t" ]; then
		mkdir -p "$T/reference"
		run "$T/reference/record" null "${PLAIN_RECORD[@]}" -o "$t" -- "$PYTHON" "$PROGS/transparent.py"
	fi
	echo "$t"
}

# refused NAME WANT_STATUS BASE [GREP...]: the replay at BASE ended with exit WANT_STATUS, printed
# nothing on stdout, its first stderr line starts "retrace-replay: ", and stderr has every GREP.
refused() {
	local name=$1 want=$2 base=$3
	shift 3
	local pattern good=yes
	[ "$(status_of "$base")" = "exit $want" ] || good=no
	[ ! -s "$base.out" ] || good=no
	head -n 1 "$base.err" | grep -q '^retrace-replay: ' || good=no
	for pattern in "$@"; do grep -qF -- "$pattern" "$base.err" || good=no; done
	if [ $good = yes ]; then
		ok "$name"
	else
		not_ok "$name" "status: $(status_of "$base"), stdout: $(wc -c <"$base.out") bytes" \
			"stderr: $(head -c 800 "$base.err")" ${1:+"stderr must contain: $*"}
	fi
}

# ---- divergence ---------------------------------------------------------------------------------

# Divergence cases: record, change one input, replay; the report must name the event, the
# program's Python file and line, and the likely cause.
# diverged_as NAME DIR PROG MARK WHAT CAUSE: the replay in DIR exited 90, and its stderr has the
# event line, "now at PROG:LINE" (LINE: the line of PROG holding MARK), WHAT and CAUSE (greps).
diverged_as() {
	local name=$1 d=$2 prog=$3 mark=$4 what=$5 cause=$6 line
	line=$(grep -n -F "$mark" "$prog" | head -n 1 | cut -d: -f1)
	if [ "$(status_of "$d/record")" = "exit 0" ] && [ "$(status_of "$d/replay")" = "exit 90" ] &&
		grep -q "^retrace: replay diverged at event #[0-9]* (thread 1)" "$d/replay.err" &&
		grep -q -F "now at $prog:$line in <module>" "$d/replay.err" &&
		grep -q -F "File \"$prog\", line $line, in <module>" "$d/replay.err" &&
		grep -q -e "$what" "$d/replay.err" &&
		grep -q -e "^retrace: likely cause: $cause" "$d/replay.err"; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/record"); replay: $(status_of "$d/replay")" \
			"expected line $line, /$what/ and cause /$cause/; replay stderr: $(head -c 1500 "$d/replay.err")"
	fi
}

# many_replays NAME PROG N: record PROG once, replay it N times in a row; every replay must
# match the recording byte for byte (a flaky schedule is a bug, not noise).
many_replays() {
	local name=$1 prog=$2 n=$3 d=$T/$1 i same=0 first_bad=""
	selected "$name" || return 0
	mkdir -p "$d"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$PROGS/$prog"
	for ((i = 1; i <= n; i++)); do
		run "$d/replay$i" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
		if same "$d/record" "$d/replay$i"; then
			same=$((same + 1))
		elif [ -z "$first_bad" ]; then
			first_bad=$i
		fi
	done
	if [ "$(status_of "$d/record")" = "exit 0" ] && [ $same = "$n" ]; then
		ok "$name: $n replays of one recording all print what was recorded"
	else
		not_ok "$name: $n replays of one recording all print what was recorded" \
			"record: $(status_of "$d/record"); $same of $n replays matched" \
			${first_bad:+"$(explain "$d/record" "$d/replay$first_bad")"}
	fi
}

# ---- child processes ---------------------------------------------------------------------------

# children_case NAME PROG [options]: record PROG, which starts children, and prove that its
# replays run none.  It is recorded with a directory of its own first on PATH, holding links to
# the commands it runs; before the replays each becomes a script that exits 99, and the marker
# files (ran.*) its Python children create in the cwd (if any) are deleted and must stay
# absent.  Its two replays must match the recording, two native runs (in another directory)
# must differ, and `retrace-dump --tree` must list its children.
#   --shadow "CMD..."   the commands to shadow
#   --children N        how many children the tree must show (at least)
#   --alone "N..."      children whose trace is replayed alone (N: 1, 2, or 1.1 for a
#                       grandchild): its stdout must be child-out.N, which PROG writes in its
#                       cwd with what child N printed, and it must end as child-out.N.status
#                       says ("exit 0" when there is none)
#   --arg A             an argument for PROG
#   --status S          how the recorded program ends ("exit 0" by default)
children_case() {
	local name=$1 prog=$PROGS/$2
	shift 2
	selected "$name" || return 0
	local shadow_cmds="" nchildren=1 alone="" alone_all="" args=() want_status="exit 0"
	while [ $# -gt 0 ]; do
		case $1 in
		--shadow) shadow_cmds=$2; shift ;;
		--children) nchildren=$2; shift ;;
		--alone) alone=$2; shift ;;
		--alone-all) alone_all=1; shift 0 ;;
		--arg) args+=("$2"); shift ;;
		--status) want_status=$2; shift ;;
		*) die "children_case $name: unknown option $1" ;;
		esac
		shift
	done
	local d=$T/$name c
	local cwd=$d/cwd bin=$d/bin trace=$d/cwd/trace.pb rec=$d/record
	mkdir -p "$cwd" "$bin" "$d/native1" "$d/native2"
	for c in $shadow_cmds; do ln -sf "$(command -v "$c")" "$bin/$c"; done
	local cmd=(env "PATH=$bin:$PATH" "$PYTHON" "$prog" ${args[@]+"${args[@]}"})
	(cd "$cwd" && run "$rec" null "$BIN/retrace-record" -o "$trace" -- "${cmd[@]}")
	if [ "$(status_of "$rec")" = "$want_status" ] && [ -s "$rec.out" ] && [ ! -s "$rec.err" ]; then
		ok "$name: record ends with '$want_status', nothing on stderr"
	else
		not_ok "$name: record ends with '$want_status', nothing on stderr" \
			"status: $(status_of "$rec"); stderr: $(head -c 600 "$rec.err")"
	fi
	(cd "$d/native1" && run "$d/native1/run" null "${cmd[@]}")
	(cd "$d/native2" && run "$d/native2/run" null "${cmd[@]}")

	# the world the children would need is gone
	for c in $shadow_cmds; do
		rm -f "$bin/$c"
		printf '#!/bin/sh\necho "%s ran on replay" >&2\nexit 99\n' "$c" >"$bin/$c"
		chmod +x "$bin/$c"
	done
	local markers ran
	markers=$(cd "$cwd" && ls ran.* 2>/dev/null | wc -l)
	rm -f "$cwd"/ran.*
	local replay=(env E2E_MARK=replayed unshare -n "$BIN/retrace-replay" "$trace")
	run "$d/replay1" null "${replay[@]}"
	run "$d/replay2" null "${replay[@]}"
	replays_match "$name" "$rec" "$d/replay1" "$d/replay2" \
		"reproduce: E2E_KEEP=1 tests/e2e/run $name; cd $ROOT && ${replay[*]}"
	# only where the recorded children left markers: elsewhere the shadowed commands (exit 99,
	# and a line on stderr) are what the replays' comparison catches
	if [ "$markers" -gt 0 ]; then
		ran=$(cd "$cwd" && ls ran.* 2>/dev/null | head -n 3)
		if [ -z "$ran" ]; then
			ok "$name: no child ran on replay ($markers marker files the recording's made stay absent)"
		else
			not_ok "$name: no child ran on replay" "markers: $ran"
		fi
	fi
	if ! cmp -s "$d/native1/run.out" "$d/native2/run.out" && [ -s "$d/native1/run.out" ]; then
		ok "$name: native runs differ, so equal replays prove something"
	else
		not_ok "$name: native runs differ, so equal replays prove something" \
			"$(head -c 300 "$d/native1/run.out")"
	fi
	"$BIN/retrace-dump" --tree "$trace" >"$d/tree.txt" 2>&1
	local shown
	shown=$(grep -c '^  [^ ].*(\(fork\|vfork\|posix_spawn\|posix_spawnp\), parent event' "$d/tree.txt")
	if [ "$shown" -ge "$nchildren" ] && ! grep -q 'no trace' "$d/tree.txt"; then
		ok "$name: retrace-dump --tree shows its $shown children, each with its trace"
	else
		not_ok "$name: retrace-dump --tree shows at least $nchildren children, each with its trace" \
			"$(head -n 20 "$d/tree.txt")"
	fi
	# --alone-all: every child replays alone (the workers of a pool, which print nothing of their
	# own: what they compute goes back through pipes) and ends as --tree says it ended when
	# recorded, with nothing on stderr
	if [ -n "$alone_all" ]; then
		local kid how sig want failed=""
		for kid in $(sed -n 's|^  *'"$trace"'\.\([0-9.]*\)  (.*|\1|p' "$d/tree.txt"); do
			how=$(grep -A2 "^ *$trace\.$kid  (" "$d/tree.txt" | sed -n '3s/^ *//p')
			case $how in
			"exited "[0-9]*) want="exit ${how#exited }" ;;
			"killed by SIG"*)
				sig=${how#killed by SIG}
				want="signal $(kill -l "${sig%% *}")" ;;
			*) want="?? $how" ;;
			esac
			run "$d/alone-all$kid" null unshare -n "$BIN/retrace-replay" --allow-program "$trace.$kid"
			if [ "$(status_of "$d/alone-all$kid")" != "$want" ] || [ -s "$d/alone-all$kid.err" ] ||
				[ -s "$d/alone-all$kid.out" ]; then
				failed="$failed child $kid: $(status_of "$d/alone-all$kid"), not $want: $(head -c 300 "$d/alone-all$kid.err");"
			fi
		done
		if [ -z "$failed" ] && [ -n "${kid-}" ]; then
			ok "$name: each child replayed alone ends as it ended when recorded"
		else
			not_ok "$name: each child replayed alone ends as it ended when recorded" "${failed:-no child in the tree}" \
				"$(head -n 30 "$d/tree.txt")"
		fi
	fi
	local n want
	for n in $alone; do
		run "$d/alone$n" null unshare -n "$BIN/retrace-replay" --allow-program "$trace.$n"
		want=$(cat "$cwd/child-out.$n.status" 2>/dev/null || echo "exit 0")
		if cmp -s "$d/alone$n.out" "$cwd/child-out.$n" && [ "$(status_of "$d/alone$n")" = "$want" ] &&
			[ -s "$cwd/child-out.$n" ]; then
			ok "$name: child $n replayed alone prints what it printed when recorded"
		else
			not_ok "$name: child $n replayed alone prints what it printed when recorded" \
				"status: $(status_of "$d/alone$n"); stderr: $(head -c 400 "$d/alone$n.err")" \
				"recorded: $(head -c 200 "$cwd/child-out.$n" 2>/dev/null)" \
				"alone:    $(head -c 200 "$d/alone$n.out")"
		fi
	done
}

# ---- signals from outside ------------------------------------------------------------------------

# signal_case NAME PROG SIGNAL [options]: record PROG in the background (SIGINT and SIGQUIT at
# their defaults, lib/sigdfl.py), wait until it prints "ready", let it run a little longer (to
# make requests with --requests), send it SIGNAL from outside, and check how it ended; then
# replay it twice under unshare -n and compare stdout, stderr and how it ended, byte for byte.
# Two recordings must differ (where the signal lands is not known in advance).
#   --status S        how the recorded program ends ("exit 0" by default; "signal 2", ...)
#   --arg A           an argument for PROG
#   --requests N      PROG prints "port P" and serves HTTP: GET / from it N times before the
#                     signal
signal_case() {
	local name=$1 prog=$PROGS/$2 sig=$3
	shift 3
	selected "$name" || return 0
	local want_status="exit 0" args=() requests=0
	while [ $# -gt 0 ]; do
		case $1 in
		--status) want_status=$2; shift ;;
		--arg) args+=("$2"); shift ;;
		--requests) requests=$2; shift ;;
		*) die "signal_case $name: unknown option $1" ;;
		esac
		shift
	done
	local d=$T/$name i
	mkdir -p "$d/cwd"
	for i in 1 2; do
		local rec=$d/record$i
		(cd "$d/cwd" && exec "$RUNWAIT" "$rec.status" "$TIMEOUT" "$SYSPY" "$HELPERS/sigdfl.py" \
			"$BIN/retrace-record" -o "$d/trace$i.pb" -- "$PYTHON" "$prog" ${args[@]+"${args[@]}"} \
			</dev/null >"$rec.out" 2>"$rec.err") &
		local waiter=$! pid=""
		wait_until 30 grep -q ready "$rec.out"
		# runwait's child: sigdfl.py, which became retrace-record, which became the program
		pid=$(pgrep -P "$waiter" | head -n 1)
		if [ "$requests" -gt 0 ]; then
			local port
			port=$(sed -n 's/^port //p' "$rec.out")
			for ((k = 0; k < requests; k++)); do
				"$SYSPY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1]).read()' \
					"http://127.0.0.1:$port/" >/dev/null 2>&1
			done
		fi
		sleep 0.$((RANDOM % 3 + 2))
		[ -n "$pid" ] && kill -"$sig" "$pid"
		wait "$waiter"
	done
	local rec=$d/record1
	if [ "$(status_of "$rec")" = "$want_status" ] && grep -q ready "$rec.out"; then
		ok "$name: record, sent SIG$sig from outside, ends with '$want_status'"
	else
		not_ok "$name: record, sent SIG$sig from outside, ends with '$want_status'" \
			"status: $(status_of "$rec"); stdout: $(head -c 300 "$rec.out"); stderr: $(head -c 600 "$rec.err")"
	fi
	local replay=(env E2E_MARK=replayed unshare -n "$BIN/retrace-replay" "$d/trace1.pb")
	run "$d/replay1" null "${replay[@]}"
	run "$d/replay2" null "${replay[@]}"
	replays_match "$name" "$rec" "$d/replay1" "$d/replay2" \
		"reproduce: E2E_KEEP=1 tests/e2e/run $name; cd $ROOT && ${replay[*]}"
	if ! same "$d/record1" "$d/record2"; then
		ok "$name: two recordings differ, so equal replays prove something"
	else
		not_ok "$name: two recordings differ, so equal replays prove something" \
			"both printed: $(head -c 300 "$rec.out")"
	fi
}

# ---- retrace-entrypoint ----------------------------------------------------------------------

# entry_cmd DIR [--setup SCRIPT] [NAME=VALUE...] -- CMD...: ENTRY_CMD becomes the command that
# runs retrace-entrypoint as PID 1 of a new PID namespace (unshare --pid --fork --mount-proc, so
# also a mount namespace of its own) with RETRACE_DIR=DIR and the settings given.  SCRIPT (sh)
# runs in the namespaces first, to mount a file system for the case.
entry_cmd() {
	local dir=$1 setup=: vars=()
	shift
	[ "$1" != --setup ] || { setup=$2; shift 2; }
	while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	ENTRY_CMD=(env RETRACE_DIR="$dir" ${vars[@]+"${vars[@]}"} unshare --pid --fork --mount-proc
		sh -c "$setup"' && exec "$0" -- "$@"' "$BIN/retrace-entrypoint" "$@")
}

# entry_run BASE ARGS...: run entry_cmd ARGS in the foreground (stdin from /dev/null), as `run`.
entry_run() {
	local base=$1
	shift
	entry_cmd "$@"
	run "$base" null "${ENTRY_CMD[@]}"
}

# entry_start BASE ARGS...: the same in the background; ENTRY_WAITER is what to `wait` for and
# ENTRY_PID the entrypoint's pid as seen from here (runwait's child is unshare, whose child is
# the entrypoint, PID 1 in there).
entry_start() {
	local base=$1
	shift
	entry_cmd "$@"
	(exec "$RUNWAIT" "$base.status" "$TIMEOUT" "${ENTRY_CMD[@]}" </dev/null >"$base.out" 2>"$base.err") &
	ENTRY_WAITER=$!
	ENTRY_PID=""
	local i unshare_pid
	for ((i = 0; i < 200 && ${#ENTRY_PID} == 0; i++)); do
		unshare_pid=$(pgrep -P "$ENTRY_WAITER" | head -n 1)
		[ -z "$unshare_pid" ] || ENTRY_PID=$(pgrep -P "$unshare_pid" | head -n 1)
		[ -n "$ENTRY_PID" ] || sleep 0.05
	done
}

# entry_traces DIR: the finished traces in DIR (their names, one a line, sorted); children and
# hidden files (runs in progress) are not listed.
entry_traces() {
	(cd "$1" && ls -1 2>/dev/null | grep -E '^[^.]+\.[0-9]{8}T[0-9]{6}Z\.[0-9-]+\.[^.]+\.pb$' | LC_ALL=C sort)
}

# entry_replays CASE LABEL REC TRACE: replay TRACE twice (offline); both must match the run at
# REC.  The results are named "CASE: LABEL: ..." (LABEL may be empty).
entry_replays() {
	local name=$1 full=$1${2:+: $2} rec=$3 trace=$4
	local replay=(env E2E_MARK=replayed unshare -n "$BIN/retrace-replay" "$trace")
	run "$rec.replay1" null "${replay[@]}"
	run "$rec.replay2" null "${replay[@]}"
	replays_match "$full" "$rec" "$rec.replay1" "$rec.replay2" \
		"reproduce: E2E_KEEP=1 tests/e2e/run $name; cd $ROOT && ${replay[*]}"
}
