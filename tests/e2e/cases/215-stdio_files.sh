# stdio_files: files C code reads through stdio (fopen, fdopen: libc through ctypes, OpenSSL's
# CA file, /dev/urandom through fopen) come from the trace: the replays run after the files are
# deleted, and print what the recording read.  What the program writes through stdio to a
# recorded path is not written on replay.
# shellcheck shell=bash

stdio_files_setup() { # the files, fresh for this run: a CA with a random name, random data
	local f=$T/stdio_files/files
	mkdir -p "$f"
	printf 'first line %s\nsecond line %s\n' "$RANDOM$RANDOM" "$RANDOM" >"$f/data.txt"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=stdio-ca-$RANDOM$RANDOM" \
		-keyout "$f/ca.key" -out "$f/ca.pem" >/dev/null 2>&1
}
stdio_files_delete() {
	local f=$1/files
	[ -s "$f/out.txt" ] || { echo "the recording did not write $f/out.txt"; return 1; }
	rm -rf "$f"
	mkdir -p "$f" # out.txt must not come back
	echo "the program's files deleted before the replays"
}
stdio_files_check_unwritten() {
	if [ ! -e "$T/stdio_files/files/out.txt" ]; then
		ok "stdio_files: the replays wrote nothing to the recorded path"
	else
		not_ok "stdio_files: the replays wrote nothing to the recorded path" \
			"$T/stdio_files/files/out.txt exists after the replays"
	fi
}

if selected stdio_files; then
	if stdio_files_setup; then
		replay_case stdio_files stdio_files.py --arg "$T/stdio_files/files" --varies \
			--before-replay stdio_files_delete
		stdio_files_check_unwritten
	else
		not_ok "stdio_files: make its CA with openssl"
	fi
fi
