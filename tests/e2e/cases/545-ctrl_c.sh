# ctrl_c: Ctrl-C typed on a terminal reaches the program once, not twice, when it runs under a
# wrapper that forwards signals (retrace-record sealing the trace afterwards, retrace-entrypoint):
# the terminal signals the whole foreground group, and the wrapper sends on only signals that a
# process sent it.
# shellcheck shell=bash

if selected ctrl_c; then
	d=$T/ctrl_c
	mkdir -p "$d/traces"
	run "$d/record" null "$SYSPY" "$HELPERS/ctrl_c.py" "$BIN/retrace-record" -o "$d/trace.pb" --
	run "$d/entry" null env RETRACE_DIR="$d/traces" "$SYSPY" "$HELPERS/ctrl_c.py" "$BIN/retrace-entrypoint" --
	for w in record entry; do
		if grep -qx "count 1" "$d/$w.out" && grep -qx "status 0" "$d/$w.out"; then
			ok "ctrl_c: under retrace-${w/entry/entrypoint}, the program gets Ctrl-C once"
		else
			not_ok "ctrl_c: under retrace-${w/entry/entrypoint}, the program gets Ctrl-C once" \
				"terminal: $(head -c 300 "$d/$w.out")" "stderr: $(head -c 300 "$d/$w.err")"
		fi
	done
fi
