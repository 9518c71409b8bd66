# redaction: secrets of the environment (RETRACE_REDACT; *TOKEN* among the defaults) never reach
# the trace.  A client sends Authorization: Bearer $API_TOKEN (a fresh random value) to
# tests/e2e/lib/http_server.py, which echoes it back; it also writes the token to a file and reads
# /proc/self/environ.  Recorded in the raw LD_PRELOAD form with RETRACE_WRITE_BYTES=1 (a plain
# trace that stores even the written bytes), the token is absent from the trace's bytes and from
# retrace-dump, the header lists API_TOKEN with its length; with the server stopped the replays
# under unshare -n match the recording byte for byte, and the replayed process has a placeholder
# of the token's length (it sends exactly the recorded bytes; printing it shows 'x's).  A value
# computed from the token (Basic auth: base64 of user:token) differs on replay: exit 90, and the
# report names API_TOKEN.  RETRACE_REDACT=none and retrace-record --no-redact keep the value
# (so the absence above means something); --redact=PATTERNS chooses other variables.
# shellcheck shell=bash

# redaction_record DIR NAME MODE [ENV...]: record redact_bearer.py raw into DIR/NAME.pb against
# the running server, with API_TOKEN=$REDACT_TOKEN and ENV.
redaction_record() {
	local d=$1 name=$2 mode=$3
	shift 3
	(cd "$d/cwd" && run "$d/$name" null env API_TOKEN="$REDACT_TOKEN" "$@" LD_PRELOAD="$LIB" \
		RETRACE_MODE=record RETRACE_TRACE="$d/$name.pb" RETRACE_WRITE_BYTES=1 \
		"$PYTHON" "$PROGS/redact_bearer.py" "$WORLD_PORT" ${mode:+"$mode"})
}

# no_token NAME FILE...: none of FILE holds the token (-a: the trace is binary).
no_token() {
	local name=$1
	shift
	if [ -s "$1" ] && ! grep -a -q -F -e "$REDACT_TOKEN" "$@"; then
		ok "$name"
	else
		not_ok "$name" "$(grep -a -c -F -e "$REDACT_TOKEN" "$@" 2>&1 | head -n 5)"
	fi
}

if selected redaction; then
	d=$T/redaction
	mkdir -p "$d/cwd"
	# 32 random letters and digits, new each run: found in a trace only if it leaked there
	REDACT_TOKEN=$("$SYSPY" -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(32)))')
	placeholder=$(printf '%*s' ${#REDACT_TOKEN} '' | tr ' ' x)
	if ! start_http "$d/server" >"$d/start.txt" 2>&1; then
		not_ok "redaction: start its server" "$(cat "$d/start.txt")"
	else
		redaction_record "$d" record ""
		redaction_record "$d" show show
		redaction_record "$d" basic basic
		redaction_record "$d" none "" RETRACE_REDACT=none
		(cd "$d/cwd" && run "$d/native1" null env API_TOKEN="$REDACT_TOKEN" "$PYTHON" \
			"$PROGS/redact_bearer.py" "$WORLD_PORT")
		(cd "$d/cwd" && run "$d/native2" null env API_TOKEN="$REDACT_TOKEN" "$PYTHON" \
			"$PROGS/redact_bearer.py" "$WORLD_PORT")
		# the options of retrace-record set RETRACE_REDACT; checked through retrace-dump, which
		# reads a trace however retrace-record writes it
		(cd "$d/cwd" && run "$d/rec-noredact" null env API_TOKEN="$REDACT_TOKEN" "$BIN/retrace-record" \
			--no-redact -o "$d/rec-noredact.pb" -- "$PYTHON" "$PROGS/redact_bearer.py" "$WORLD_PORT")
		(cd "$d/cwd" && run "$d/rec-other" null env API_TOKEN="$REDACT_TOKEN" \
			MY_CREDENTIAL="$REDACT_TOKEN.c" "$BIN/retrace-record" --redact='*CREDENTIAL*' \
			-o "$d/rec-other.pb" -- "$PYTHON" "$PROGS/redact_bearer.py" "$WORLD_PORT")
		(cd "$d/cwd" && run "$d/rec-default" null env API_TOKEN="$REDACT_TOKEN" \
			MY_CREDENTIAL="$REDACT_TOKEN.c" "$BIN/retrace-record" --redact='default,*CREDENTIAL*' \
			-o "$d/rec-default.pb" -- "$PYTHON" "$PROGS/redact_bearer.py" "$WORLD_PORT")
		stop_world "$d" >"$d/stopped.txt" 2>&1 ||
			not_ok "redaction: the server is stopped before the replays" "$(cat "$d/stopped.txt")"

		if [ "$(status_of "$d/record")" = "exit 0" ] && [ ! -s "$d/record.err" ] &&
			grep -q "echoed our Authorization header: True" "$d/record.out" &&
			grep -q "environ has our API_TOKEN: True" "$d/record.out" &&
			grep -q -F "token length ${#REDACT_TOKEN}" "$d/record.out"; then
			ok "redaction: the program sends its token and reads it back while recorded"
		else
			not_ok "redaction: the program sends its token and reads it back while recorded" \
				"$(status_of "$d/record"): $(head -c 600 "$d/record.out") $(head -c 600 "$d/record.err")"
		fi
		if ! cmp -s "$d/native1.out" "$d/native2.out" && [ -s "$d/native1.out" ]; then
			ok "redaction: native runs differ, so equal replays prove something"
		else
			not_ok "redaction: native runs differ, so equal replays prove something"
		fi

		no_token "redaction: the token is not in the trace's bytes (sent, echoed, written, environ)" \
			"$d/record.pb"
		if grep -a -q -F "API_TOKEN=$placeholder" "$d/record.pb"; then
			ok "redaction: the trace holds a placeholder of the token's length"
		else
			not_ok "redaction: the trace holds a placeholder of the token's length"
		fi
		"$BIN/retrace-dump" "$d/record.pb" >"$d/dump.txt" 2>&1
		"$BIN/retrace-dump" --json "$d/record.pb" >"$d/dump.json" 2>&1
		"$BIN/retrace-dump" --header "$d/record.pb" >"$d/header.txt" 2>&1
		no_token "redaction: nor in retrace-dump's output" "$d/dump.txt" "$d/dump.json"
		if grep -q -F "redacted:    API_TOKEN (${#REDACT_TOKEN} bytes)" "$d/header.txt" &&
			grep -q -F "API_TOKEN=$placeholder" "$d/header.txt"; then
			ok "redaction: retrace-dump --header names API_TOKEN and its length"
		else
			not_ok "redaction: retrace-dump --header names API_TOKEN and its length" \
				"$(grep -e redacted -e API_TOKEN "$d/header.txt")"
		fi

		replay=(unshare -n "$BIN/retrace-replay")
		run "$d/replay1" null "${replay[@]}" "$d/record.pb"
		run "$d/replay2" null "${replay[@]}" "$d/record.pb"
		replays_match redaction "$d/record" "$d/replay1" "$d/replay2" \
			"reproduce: E2E_KEEP=1 tests/e2e/run redaction"

		# show: the same program printing its token: the replay prints the placeholder, and does
		# not diverge (what it writes is what the recording's hash was taken over)
		run "$d/replay-show" null "${replay[@]}" "$d/show.pb"
		sed "s/$REDACT_TOKEN/$placeholder/" "$d/show.out" >"$d/show-placeholder.out"
		if [ "$(status_of "$d/show")" = "exit 0" ] && grep -q -F "token $REDACT_TOKEN" "$d/show.out" &&
			[ "$(status_of "$d/replay-show")" = "exit 0" ] &&
			cmp -s "$d/show-placeholder.out" "$d/replay-show.out"; then
			ok "redaction: the replayed process has a placeholder of the token's length"
		else
			not_ok "redaction: the replayed process has a placeholder of the token's length" \
				"$(status_of "$d/show") / $(status_of "$d/replay-show")" \
				"$(diff -a "$d/show-placeholder.out" "$d/replay-show.out" | head -n 8)" \
				"$(head -c 900 "$d/replay-show.err")"
		fi

		# basic: base64(user:token) is not the token: replay sends another value and stops, and
		# the report says why
		run "$d/replay-basic" null "${replay[@]}" "$d/basic.pb"
		if [ "$(status_of "$d/basic")" = "exit 0" ] && [ "$(status_of "$d/replay-basic")" = "exit 90" ] &&
			grep -q "the program sent other bytes than when recorded" "$d/replay-basic.err" &&
			grep -q -F "likely cause: a redacted secret: the trace redacted API_TOKEN (${#REDACT_TOKEN} bytes)" \
				"$d/replay-basic.err"; then
			ok "redaction: a value computed from the token diverges on replay, and the report names API_TOKEN"
		else
			not_ok "redaction: a value computed from the token diverges on replay, and the report names API_TOKEN" \
				"$(status_of "$d/basic") / $(status_of "$d/replay-basic")" "$(head -c 1500 "$d/replay-basic.err")"
		fi
		no_token "redaction: the Basic auth recording does not hold the token either" "$d/basic.pb"

		# none: the value is kept (the test above can fail)
		if [ "$(status_of "$d/none")" = "exit 0" ] && grep -a -q -F -e "$REDACT_TOKEN" "$d/none.pb" &&
			"$BIN/retrace-dump" --header "$d/none.pb" | grep -q -F "redacted:    nothing"; then
			ok "redaction: RETRACE_REDACT=none keeps the token in the trace"
		else
			not_ok "redaction: RETRACE_REDACT=none keeps the token in the trace" "$(status_of "$d/none")"
		fi
		"$BIN/retrace-dump" --header "$d/rec-noredact.pb" >"$d/noredact.txt" 2>&1
		"$BIN/retrace-dump" --header "$d/rec-other.pb" >"$d/other.txt" 2>&1
		"$BIN/retrace-dump" --header "$d/rec-default.pb" >"$d/default.txt" 2>&1
		if grep -q -F "API_TOKEN=$REDACT_TOKEN" "$d/noredact.txt" &&
			grep -q -F "redacted:    nothing" "$d/noredact.txt" &&
			grep -q -F "API_TOKEN=$REDACT_TOKEN" "$d/other.txt" &&
			grep -q -F "redacted:    MY_CREDENTIAL ($((${#REDACT_TOKEN} + 2)) bytes)" "$d/other.txt" &&
			grep -q -F "API_TOKEN=$placeholder" "$d/default.txt" &&
			grep -q -F "MY_CREDENTIAL=${placeholder}xx" "$d/default.txt" &&
			! grep -q -F -e "$REDACT_TOKEN" "$d/default.txt"; then
			ok "redaction: retrace-record --no-redact keeps it, --redact=PATTERNS chooses the variables"
		else
			not_ok "redaction: retrace-record --no-redact keeps it, --redact=PATTERNS chooses the variables" \
				"$(grep -h -e redacted -e API_TOKEN -e MY_CREDENTIAL "$d/noredact.txt" "$d/other.txt" "$d/default.txt")"
		fi
	fi
	stop_all_servers
fi
