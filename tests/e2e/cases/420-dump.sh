# dump: retrace-dump prints the events of a trace (the clocks case's, or a fresh one), as text and,
# with --json, as one JSON object per line.
# shellcheck shell=bash

if selected dump; then
	d=$T/dump
	mkdir -p "$d"
	t=$T/clocks/trace.pb
	[ -s "$t" ] || { mkdir -p "$T/clocks" && run "$d/rec" null "$BIN/retrace-record" -o "$t" -- "$PYTHON" "$PROGS/clocks.py"; }
	run "$d/text" null "$BIN/retrace-dump" "$t"
	if [ "$(status_of "$d/text")" = "exit 0" ] && grep -q clock_gettime "$d/text.out" && [ ! -s "$d/text.err" ]; then
		ok "dump: retrace-dump prints the events of a trace"
	else
		not_ok "dump: retrace-dump prints the events of a trace" "status: $(status_of "$d/text")" \
			"stdout: $(head -c 300 "$d/text.out")" "stderr: $(head -c 300 "$d/text.err")"
	fi
	run "$d/json" null "$BIN/retrace-dump" --json "$t"
	if [ "$(status_of "$d/json")" = "exit 0" ] && [ -s "$d/json.out" ] && grep -q clock_gettime "$d/json.out" &&
		/usr/bin/python3 -c 'import json, sys
for line in open(sys.argv[1]):
    assert isinstance(json.loads(line), dict), line' "$d/json.out" 2>"$d/json.check"; then
		ok "dump: retrace-dump --json prints one JSON object per line"
	else
		not_ok "dump: retrace-dump --json prints one JSON object per line" "status: $(status_of "$d/json")" \
			"$(tail -n 3 "$d/json.check")" "stderr: $(head -c 300 "$d/json.err")"
	fi
fi
