# record_is_transparent: recording changes nothing the program shows: stdout, stderr and exit
# status under retrace-record equal those of a native run, byte for byte.
# shellcheck shell=bash

if selected record_is_transparent; then
	d=$T/record_is_transparent
	mkdir -p "$d"
	run "$d/native" null "$PYTHON" "$PROGS/transparent.py"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$PROGS/transparent.py"
	if [ "$(status_of "$d/native")" = "exit 0" ] && [ -s "$d/native.err" ] && same "$d/native" "$d/record"; then
		ok "record_is_transparent: recorded stdout, stderr and status equal the native run's"
	else
		not_ok "record_is_transparent: recorded stdout, stderr and status equal the native run's" \
			"$(explain "$d/native" "$d/record")"
	fi
fi
