# disk_full: the trace's file system fills up half way: the program goes on unrecorded and
# finishes, retrace says so on stderr, the trace keeps every event before that point and ends with
# a trailer that says why, and replay reproduces the run up to there, then stops with 93 and says
# why.
# shellcheck shell=bash

if selected disk_full; then
	name="disk_full: recording stops with a message, the program finishes, replay stops with 93"
	d=$T/disk_full
	mkdir -p "$d/fs"
	if ! mount -t tmpfs -o size=2m retrace-e2e "$d/fs" 2>"$d/mount.err"; then
		skip "$name" "cannot mount a small tmpfs: $(head -c 200 "$d/mount.err")"
	else
		run "$d/record" null "$BIN/retrace-record" -o "$d/fs/trace.pb" -- "$PYTHON" "$PROGS/disk_full.py"
		run "$d/replay" null unshare -n "$BIN/retrace-replay" "$d/fs/trace.pb" -- "$PYTHON" "$PROGS/disk_full.py"
		run "$d/dump" null "$BIN/retrace-dump" "$d/fs/trace.pb"
		if [ "$(status_of "$d/record")" = "exit 0" ] && grep -qx finished "$d/record.out" &&
			grep -q '^retrace: recording stopped at event #[0-9]*: .*No space left on device' "$d/record.err" &&
			[ "$(status_of "$d/replay")" = "exit 93" ] &&
			grep -q 'where the recording stopped early' "$d/replay.err" &&
			! grep -qvE '^retrace(-replay)?: ' "$d/replay.err" &&
			grep -q 'recording stopped early' "$d/dump.out"; then
			ok "$name"
		else
			not_ok "$name" "record: $(status_of "$d/record"), stdout $(head -c 100 "$d/record.out")" \
				"record stderr: $(head -c 300 "$d/record.err")" \
				"replay: $(status_of "$d/replay"), stderr: $(head -c 300 "$d/replay.err")" \
				"dump tail: $(tail -n 2 "$d/dump.out")"
		fi
		umount "$d/fs"
	fi
fi
