# default_trace_path: the raw form (LD_PRELOAD=… RETRACE_MODE=record, no RETRACE_TRACE) writes
# ./trace.pb, and a second run keeps the previous trace as trace.pb.old.
# shellcheck shell=bash

if selected default_trace_path; then
	d=$T/default_trace_path
	mkdir -p "$d"
	raw=(env LD_PRELOAD="$LIB" RETRACE_MODE=record "$PYTHON" "$PROGS/exit3.py")
	(cd "$d" && run "$d/first" null "${raw[@]}") && cp "$d/trace.pb" "$d/first.pb" 2>/dev/null
	(cd "$d" && run "$d/second" null "${raw[@]}")
	if [ -s "$d/first.pb" ] && [ -s "$d/trace.pb" ] && cmp -s "$d/first.pb" "$d/trace.pb.old" &&
		! cmp -s "$d/trace.pb" "$d/trace.pb.old" && [ "$(status_of "$d/second")" = "exit 3" ] &&
		[ ! -s "$d/second.err" ]; then
		ok "default_trace_path: the raw form writes ./trace.pb and keeps the previous one as trace.pb.old"
	else
		not_ok "default_trace_path: the raw form writes ./trace.pb and keeps the previous one as trace.pb.old" \
			"files: $(cd "$d" && ls -l trace.pb* first.pb 2>&1 | tr '\n' ';')" \
			"second run: $(status_of "$d/second"), stderr: $(head -c 300 "$d/second.err")"
	fi
fi
