# dump_grep: retrace-dump --grep prints only the events a pattern matches, each with the #SEQ the
# unfiltered dump gives it (the number retrace-replay --break takes): by call (recv), by Python
# location (net_http.py:LINE, socket.py), as JSON, with --stacks, from an encrypted recording of
# net_http.py against the local HTTP server; and it refuses bad patterns as usage errors.
# shellcheck shell=bash

# grep_fail NAME BASE [DETAIL...]: not_ok with the run's status, stdout and stderr.
grep_fail() {
	local name=$1 base=$2
	shift 2
	not_ok "$name" "$@" "status: $(status_of "$base")" "stdout: $(grep '^#' "$base.out" | head -c 400)" \
		"stderr: $(head -c 300 "$base.err")"
}

if selected dump_grep; then
	d=$T/dump_grep
	mkdir -p "$d"
	"$BIN/retrace-keygen" "$d/k" >/dev/null || die "retrace-keygen failed"
	if ! start_python_server "$d" "the HTTP server" "$HELPERS/http_server.py" >"$d/start.txt" 2>&1; then
		not_ok "dump_grep: start the HTTP server" "$(cat "$d/start.txt")"
	else
		t=$d/trace.pb
		run "$d/rec" null "$BIN/retrace-record" --public-key "$d/k.pub" -o "$t" -- \
			"$PYTHON" "$PROGS/net_http.py" "$WORLD_PORT"
		stop_all_servers
		grep_dump() { run "$d/$1" null "$BIN/retrace-dump" --key "$d/k.key" "${@:2}" "$t"; }
		grep_dump all
		grep_events() { grep '^#' "$1" || true; }
		grep_events "$d/all.out" >"$d/all.events"
		if [ "$(status_of "$d/rec")" != "exit 0" ] || [ "$(status_of "$d/all")" != "exit 0" ] ||
			! grep -q ' recv(' "$d/all.events"; then
			grep_fail "dump_grep: record net_http.py and dump it" "$d/all" "record: $(status_of "$d/rec")" \
				"$(tail -n 3 "$d/rec.err")"
		else
			# by call: exactly the recv lines of the whole dump, numbers included
			grep_dump recv --grep recv
			grep_events "$d/recv.out" >"$d/recv.events"
			grep -E '^#[0-9]+ t[0-9]+ recv\(' "$d/all.events" >"$d/recv.want"
			if [ "$(status_of "$d/recv")" = "exit 0" ] && [ -s "$d/recv.events" ] &&
				cmp -s "$d/recv.events" "$d/recv.want" && [ ! -s "$d/recv.err" ] &&
				grep -q '^trailer: ' "$d/recv.out" && grep -q '^command: ' "$d/recv.out"; then
				ok "dump_grep: --grep recv prints only the recv events, numbered as in the whole dump"
			else
				grep_fail "dump_grep: --grep recv prints only the recv events, numbered as in the whole dump" \
					"$d/recv" "want $(wc -l <"$d/recv.want") lines, got $(wc -l <"$d/recv.events")"
			fi

			# by FILE:LINE: the program's line that made the most events
			line=$(sed -n 's/.* at [^ ]*\/net_http\.py:\([0-9]*\) (.*/\1/p' "$d/all.events" | sort | uniq -c |
				sort -rn | awk 'NR == 1 { print $2 }')
			grep_dump at --grep "net_http.py:$line"
			grep_dump at_suffix --grep "progs/net_http.py:$line"
			grep_events "$d/at.out" >"$d/at.events"
			grep_events "$d/at_suffix.out" >"$d/at_suffix.events"
			grep -E " at [^ ]*/net_http\.py:$line \(" "$d/all.events" >"$d/at.want"
			if [ -n "$line" ] && [ "$(status_of "$d/at")" = "exit 0" ] && [ -s "$d/at.events" ] &&
				cmp -s "$d/at.events" "$d/at.want" && cmp -s "$d/at_suffix.events" "$d/at.want"; then
				ok "dump_grep: --grep net_http.py:$line prints only that line's events, numbered as in the whole dump"
			else
				grep_fail "dump_grep: --grep net_http.py:LINE prints only that line's events, numbered as in the whole dump" \
					"$d/at" "line '$line': want $(wc -l <"$d/at.want") lines, got $(wc -l <"$d/at.events")," \
					"with progs/: $(wc -l <"$d/at_suffix.events")"
			fi

			# a FILE without LINE matches the whole file, as a suffix that starts after a '/';
			# two patterns print what either matches
			grep_dump sock --grep socket.py --grep recv
			grep_events "$d/sock.out" >"$d/sock.events"
			grep -E " at ([^ ]*/)?socket\.py:[0-9]+ \(|^#[0-9]+ t[0-9]+ recv\(" "$d/all.events" >"$d/sock.want"
			if [ "$(status_of "$d/sock")" = "exit 0" ] && [ -s "$d/sock.events" ] &&
				cmp -s "$d/sock.events" "$d/sock.want" &&
				[ "$(wc -l <"$d/sock.events")" -gt "$(wc -l <"$d/recv.want")" ]; then
				ok "dump_grep: --grep socket.py --grep recv prints the events of either"
			else
				grep_fail "dump_grep: --grep socket.py --grep recv prints the events of either" "$d/sock" \
					"want $(wc -l <"$d/sock.want") lines, got $(wc -l <"$d/sock.events")"
			fi

			# JSON: header, the matching events only (their seq those of the text), trailer
			grep_dump json --json --grep recv
			if [ "$(status_of "$d/json")" = "exit 0" ] &&
				/usr/bin/python3 -c 'import json, re, sys
objs = [json.loads(line) for line in open(sys.argv[1])]
assert objs[0]["type"] == "header" and objs[-1]["type"] == "trailer", "no header or trailer"
events = objs[1:-1]
assert events and all(e["type"] == "event" and e["call"] == "recv" for e in events), "not only recv"
want = [int(re.match(r"#(\d+) ", line).group(1)) for line in open(sys.argv[2])]
assert [e["seq"] for e in events] == want, ("seq", [e["seq"] for e in events], want)' \
					"$d/json.out" "$d/recv.want" 2>"$d/json.check"; then
				ok "dump_grep: --json --grep recv prints the header, the recv events (seq as in the text) and the trailer"
			else
				grep_fail "dump_grep: --json --grep recv prints the header, the recv events (seq as in the text) and the trailer" \
					"$d/json" "$(tail -n 3 "$d/json.check")"
			fi
			grep_dump json_at --json --grep "net_http.py:$line"
			if [ "$(status_of "$d/json_at")" = "exit 0" ] &&
				/usr/bin/python3 -c 'import json, sys
events = [o for o in map(json.loads, open(sys.argv[1])) if o["type"] == "event"]
assert len(events) == int(sys.argv[3]), (len(events), sys.argv[3])
assert all(e["py_file"].endswith("/net_http.py") and e["py_line"] == int(sys.argv[2]) for e in events)' \
					"$d/json_at.out" "$line" "$(wc -l <"$d/at.want")" 2>"$d/json_at.check"; then
				ok "dump_grep: --json --grep net_http.py:LINE holds only that line's events"
			else
				grep_fail "dump_grep: --json --grep net_http.py:LINE holds only that line's events" "$d/json_at" \
					"$(tail -n 3 "$d/json_at.check")"
			fi

			# nothing matches: a suffix must start after a '/', so ocket.py is not socket.py
			grep_dump none --grep ocket.py
			if [ "$(status_of "$d/none")" = "exit 0" ] && ! grep -q '^#' "$d/none.out" &&
				grep -q '^trailer: ' "$d/none.out" &&
				grep -q "^retrace-dump: .*no event matches --grep ocket.py" "$d/none.err"; then
				ok "dump_grep: a pattern that matches nothing: exit 0, no event, a note on stderr"
			else
				grep_fail "dump_grep: a pattern that matches nothing: exit 0, no event, a note on stderr" "$d/none"
			fi
		fi
	fi
	stop_all_servers

	# bad patterns and misplaced --grep: usage errors, nothing on stdout
	bad_ok=yes bad_detail=
	n=0
	for args in "--grep=" "--grep=app.py:x" "--grep=app.py:" "--grep=:12" "--grep=recvv" \
		"--grep=recv --stats" "--grep=recv --header"; do
		n=$((n + 1))
		# shellcheck disable=SC2086 # the words of args are the options
		run "$d/bad$n" null "$BIN/retrace-dump" $args "$d/trace.pb"
		if [ "$(status_of "$d/bad$n")" != "exit 94" ] || [ -s "$d/bad$n.out" ] ||
			! head -n 1 "$d/bad$n.err" | grep -q '^retrace-dump: '; then
			bad_ok=no
			bad_detail="$args: $(status_of "$d/bad$n"): $(head -n 1 "$d/bad$n.err")"
		fi
	done
	if [ $bad_ok = yes ]; then
		ok "dump_grep: an empty pattern, a LINE that is no number, an unknown call are usage errors (94)"
	else
		not_ok "dump_grep: an empty pattern, a LINE that is no number, an unknown call are usage errors (94)" \
			"$bad_detail"
	fi

	# --stacks: a FILE:LINE matches the callers' frames too (stacks.py reaches inner() through a()
	# and then b(); the line of a() that calls inner makes no event of its own)
	s=$d/stacks.pb
	run "$d/srec" null "$BIN/retrace-record" --python-stacks -o "$s" -- "$PYTHON" "$PROGS/stacks.py"
	a_line=$(grep -n '# A LINE' "$PROGS/stacks.py" | cut -d: -f1)
	run "$d/stacks" null "$BIN/retrace-dump" --stacks --grep "stacks.py:$a_line" "$s"
	run "$d/nostacks" null "$BIN/retrace-dump" --grep "stacks.py:$a_line" "$s"
	if [ "$(status_of "$d/stacks")" = "exit 0" ] &&
		[ "$(grep -c '^#.* clock_gettime(CLOCK_REALTIME)' "$d/stacks.out")" = 1 ] &&
		grep -A1 '^#.* clock_gettime(CLOCK_REALTIME)' "$d/stacks.out" | grep -q "^    from .*stacks\.py:$a_line (a)" &&
		[ "$(status_of "$d/nostacks")" = "exit 0" ] && ! grep -q '^#' "$d/nostacks.out"; then
		ok "dump_grep: with --stacks, FILE:LINE matches a caller's frame; without, only where the event was made"
	else
		grep_fail "dump_grep: with --stacks, FILE:LINE matches a caller's frame; without, only where the event was made" \
			"$d/stacks" "record: $(status_of "$d/srec")" "without --stacks: $(grep '^#' "$d/nostacks.out" | head -n 3)"
	fi
fi
