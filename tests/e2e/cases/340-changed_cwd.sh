# changed_cwd: the working directory differs (raw form, which runs where it is started): a
# relative path then names another file, and the report names the recorded directory.
# shellcheck shell=bash

if selected changed_cwd; then
	d=$T/changed_cwd
	mkdir -p "$d/a" "$d/b"
	cp "$PROGS/steered.py" "$d/app.py"
	echo 1 >"$d/a/count"
	echo 2 >"$d/b/count"
	(cd "$d/a" && run "$d/record" null env LD_PRELOAD="$LIB" RETRACE_MODE=record \
		RETRACE_UNRECORDED="$d/a:$d/b" RETRACE_TRACE="$d/trace.pb" "$PYTHON" "$d/app.py" count)
	(cd "$d/b" && run "$d/replay" null unshare -n env LD_PRELOAD="$LIB" RETRACE_MODE=replay \
		RETRACE_TRACE="$d/trace.pb" "$PYTHON" "$d/app.py" count)
	diverged_as "changed_cwd: a raw-form replay in another directory exits 90 naming the recorded one" \
		"$d" "$d/app.py" "# STEERED LINE" "replayed: clock_gettime" \
		"working directory differs: the recording ran in $d/a — hint: replay with retrace-replay"
fi
