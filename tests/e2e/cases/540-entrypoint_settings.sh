# entrypoint_settings: a bad value in a RETRACE_* setting is a "retrace-entrypoint: " warning
# and an unrecorded run, the program unaffected (a typo must not stop a service); a command line
# without a command is a usage error (94); RETRACE_REPLAY=TRACE makes the same entrypoint replay
# a trace it recorded, to the same output and status.
# shellcheck shell=bash

if selected entrypoint_settings; then
	d=$T/entrypoint_settings
	mkdir -p "$d/traces"
	run "$d/native" null "$PYTHON" "$PROGS/exit3.py"
	bad=()
	for setting in RETRACE_CAPTURE=sometimes RETRACE_CAPTURE=1.5 RETRACE_KEEP=failures \
		RETRACE_RETAIN_COUNT=ten RETRACE_RETAIN_BYTES=1X RETRACE_RETAIN_DAYS=-1 RETRACE_COMPRESS=yes; do
		entry_run "$d/bad" "$d/traces" "$setting" -- "$PYTHON" "$PROGS/exit3.py"
		if ! cmp -s "$d/bad.out" "$d/native.out" || [ "$(status_of "$d/bad")" != "exit 3" ] ||
			! grep -qx "retrace-entrypoint: $setting is not .*; the program runs unrecorded" "$d/bad.err" ||
			[ -n "$(ls -A "$d/traces")" ]; then
			bad+=("$setting: $(status_of "$d/bad"), stderr: $(head -c 200 "$d/bad.err"), files: $(ls -A "$d/traces")")
		fi
	done
	if [ ${#bad[@]} -eq 0 ]; then
		ok "entrypoint_settings: each bad setting is a warning and an unrecorded run, the program unaffected"
	else
		not_ok "entrypoint_settings: each bad setting is a warning and an unrecorded run, the program unaffected" "${bad[@]}"
	fi
	run "$d/usage" null "$BIN/retrace-entrypoint"
	if [ "$(status_of "$d/usage")" = "exit 94" ] && grep -q '^retrace-entrypoint: no command given' "$d/usage.err"; then
		ok "entrypoint_settings: no command is a usage error (94)"
	else
		not_ok "entrypoint_settings: no command is a usage error (94)" \
			"$(status_of "$d/usage"): $(head -c 200 "$d/usage.err")"
	fi

	entry_run "$d/record" "$d/traces" -- "$PYTHON" "$PROGS/entrypoint_replay.py"
	t=$(entry_traces "$d/traces" | head -n 1)
	entry_run "$d/replay" "$d/traces" RETRACE_REPLAY="$d/traces/$t" -- "$PYTHON" "$PROGS/entrypoint_replay.py"
	entry_run "$d/native2" "$d/native2" RETRACE_CAPTURE=off -- "$PYTHON" "$PROGS/entrypoint_replay.py"
	if [ -n "$t" ] && same "$d/record" "$d/replay" && ! cmp -s "$d/record.out" "$d/native2.out" &&
		[ "$(entry_traces "$d/traces" | wc -l)" = 1 ]; then
		ok "entrypoint_settings: RETRACE_REPLAY replays the trace to the recorded output (a run differs)"
	else
		not_ok "entrypoint_settings: RETRACE_REPLAY replays the trace to the recorded output (a run differs)" \
			"trace: ${t:-none}" "$(explain "$d/record" "$d/replay")" "native: $(head -c 200 "$d/native2.out")"
	fi

	# encrypted: the same image replays it with --key (or RETRACE_SECRET_KEY), not without
	"$BIN/retrace-keygen" "$d/ops" >/dev/null
	mkdir -p "$d/enc"
	entry_run "$d/rec-enc" "$d/enc" RETRACE_PUBLIC_KEY="$d/ops.pub" -- "$PYTHON" "$PROGS/entrypoint_replay.py"
	t=$(entry_traces "$d/enc" | head -n 1)
	run "$d/rep-enc" null env -u RETRACE_SECRET_KEY RETRACE_REPLAY="$d/enc/$t" unshare -n \
		"$BIN/retrace-entrypoint" --key "$d/ops.key" -- "$PYTHON" "$PROGS/entrypoint_replay.py"
	run "$d/rep-nokey" null env -u RETRACE_SECRET_KEY RETRACE_REPLAY="$d/enc/$t" unshare -n \
		"$BIN/retrace-entrypoint" -- "$PYTHON" "$PROGS/entrypoint_replay.py"
	if [ -n "$t" ] && [ "$(head -c 8 "$d/enc/$t")" = RTSEALED ] && same "$d/rec-enc" "$d/rep-enc" &&
		[ "$(status_of "$d/rep-nokey")" = "exit 91" ] && grep -q "is encrypted; give its secret key" "$d/rep-nokey.err"; then
		ok "entrypoint_settings: an encrypted trace replays with --key, and without it is refused (91)"
	else
		not_ok "entrypoint_settings: an encrypted trace replays with --key, and without it is refused (91)" \
			"trace: ${t:-none}" "$(explain "$d/rec-enc" "$d/rep-enc")" "no key: $(status_of "$d/rep-nokey") $(head -c 200 "$d/rep-nokey.err")"
	fi
	run "$d/key-alone" null "$BIN/retrace-entrypoint" --key "$d/ops.key" -- true
	if [ "$(status_of "$d/key-alone")" = "exit 94" ]; then
		ok "entrypoint_settings: --key without RETRACE_REPLAY is a usage error (94)"
	else
		not_ok "entrypoint_settings: --key without RETRACE_REPLAY is a usage error (94)" "$(status_of "$d/key-alone")"
	fi
fi
