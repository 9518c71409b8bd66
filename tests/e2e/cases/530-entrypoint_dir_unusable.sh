# entrypoint_dir_unusable: a trace directory that is missing, read-only or full leaves the
# program as it is: the same stdout and status as a native run, the same stderr but for
# "retrace-entrypoint: " lines saying why it runs unrecorded (or "retrace: " ones: a directory
# that fills up during the run cuts the trace short, and what was recorded replays to there).
# shellcheck shell=bash

# entry_unaffected NAME RUN WHAT: RUN (a run base) ended as the native run did, printed the same,
# and its stderr has a retrace-entrypoint line with WHAT (grep) besides.
entry_unaffected() {
	local name=$1 r=$2 what=$3 n=$T/entrypoint_dir_unusable/native
	grep -v -e '^retrace-entrypoint: ' -e '^retrace: ' "$r.err" >"$r.err-program"
	if cmp -s "$r.out" "$n.out" && cmp -s "$r.err-program" "$n.err" &&
		[ "$(status_of "$r")" = "$(status_of "$n")" ] &&
		grep '^retrace-entrypoint: ' "$r.err" | grep -q -e "$what"; then
		ok "$name"
	else
		not_ok "$name" "status: $(status_of "$r") vs $(status_of "$n") natively" \
			"stderr: $(head -c 500 "$r.err")" "wanted a retrace-entrypoint line with /$what/"
	fi
}

if selected entrypoint_dir_unusable; then
	d=$T/entrypoint_dir_unusable
	mkdir -p "$d/ro" "$d/full" "$d/fills"
	run "$d/native" null "$PYTHON" "$PROGS/transparent.py"

	entry_run "$d/missing" "$d/no-such-dir" -- "$PYTHON" "$PROGS/transparent.py"
	entry_unaffected "entrypoint_dir_unusable: missing directory: the program runs as natively, a warning says why" \
		"$d/missing" "no-such-dir: No such file or directory; the program runs unrecorded"

	entry_run "$d/readonly" "$d/ro" --setup 'mount -t tmpfs -o ro,size=1m retrace-e2e "$RETRACE_DIR"' -- \
		"$PYTHON" "$PROGS/transparent.py"
	entry_unaffected "entrypoint_dir_unusable: read-only directory: the program runs as natively, a warning says why" \
		"$d/readonly" "Read-only file system; the program runs unrecorded"

	entry_run "$d/nospace" "$d/full" --setup 'mount -t tmpfs -o size=64k retrace-e2e "$RETRACE_DIR" &&
		{ cat /dev/zero >"$RETRACE_DIR/filler" 2>/dev/null; true; }' -- "$PYTHON" "$PROGS/transparent.py"
	entry_unaffected "entrypoint_dir_unusable: full directory: the program runs as natively, a warning says why" \
		"$d/nospace" "is full (0 bytes free); the program runs unrecorded"

	# 2 MiB, enough to start (mounted here, so the trace outlives the run's namespaces): the
	# recording stops half way (disk_full.py writes a lot), the program finishes as natively, and
	# the trace is kept as far as it goes: its replay stops there with 93
	name="entrypoint_dir_unusable: directory filling up: the program runs as natively, the trace replays to the cut"
	run "$d/fills-native" null "$PYTHON" "$PROGS/disk_full.py"
	if ! mount -t tmpfs -o size=2m retrace-e2e "$d/fills" 2>"$d/mount.err"; then
		skip "$name" "cannot mount a small tmpfs: $(head -c 200 "$d/mount.err")"
	else
		entry_run "$d/fills-run" "$d/fills" -- "$PYTHON" "$PROGS/disk_full.py"
		grep -v -e '^retrace-entrypoint: ' -e '^retrace: ' "$d/fills-run.err" >"$d/fills-run.err-program"
		t=$(entry_traces "$d/fills")
		[ -z "$t" ] || run "$d/fills-replay" null unshare -n "$BIN/retrace-replay" "$d/fills/$t"
		size=$(wc -c <"$d/fills-replay.out" 2>/dev/null || echo 0)
		if cmp -s "$d/fills-run.out" "$d/fills-native.out" && cmp -s "$d/fills-run.err-program" "$d/fills-native.err" &&
			[ "$(status_of "$d/fills-run")" = "$(status_of "$d/fills-native")" ] &&
			grep -q '^retrace: recording stopped at event #[0-9]*: .*No space left on device' "$d/fills-run.err" &&
			[ "$(echo "$t" | wc -w)" = 1 ] && [ "$(status_of "$d/fills-replay")" = "exit 93" ] &&
			head -c "$size" "$d/fills-run.out" | cmp -s - "$d/fills-replay.out"; then
			ok "$name"
		else
			not_ok "$name" "status: $(status_of "$d/fills-run") vs $(status_of "$d/fills-native") natively" \
				"stderr: $(head -c 500 "$d/fills-run.err")" "traces: $(ls -A "$d/fills")" \
				"replay: $(status_of "$d/fills-replay"), stderr: $(head -c 300 "$d/fills-replay.err" 2>/dev/null)"
		fi
		umount "$d/fills"
	fi
fi
