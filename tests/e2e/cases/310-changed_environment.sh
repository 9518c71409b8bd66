# changed_environment: a raw-form replay with another value of an environment variable the
# program reads (E2E_COUNT) exits 90 at the call that left the trace, names the variable as the
# likely cause and shows the C stack from the diverging call.
# shellcheck shell=bash

if selected changed_environment; then
	d=$T/changed_environment
	mkdir -p "$d"
	cp "$PROGS/steered.py" "$d/app.py"
	run "$d/record" null env E2E_COUNT=1 LD_PRELOAD="$LIB" RETRACE_MODE=record \
		RETRACE_TRACE="$d/trace.pb" "$PYTHON" "$d/app.py"
	run "$d/replay" null unshare -n env E2E_COUNT=2 LD_PRELOAD="$LIB" RETRACE_MODE=replay \
		RETRACE_TRACE="$d/trace.pb" "$PYTHON" "$d/app.py"
	diverged_as "changed_environment: a raw-form replay with another E2E_COUNT exits 90 naming the variable" \
		"$d" "$d/app.py" "# STEERED LINE" "replayed: clock_gettime" \
		"environment differs: E2E_COUNT has another value"
	grep -q "^retrace:   C stack: #0 clock_gettime+0x[0-9a-f]* #1 " "$d/replay.err" ||
		not_ok "changed_environment: the report shows the C stack from the diverging call" \
			"$(head -c 1500 "$d/replay.err")"
fi
