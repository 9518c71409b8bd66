# self_contained: a trace replays where only the interpreter and the system's libraries are
# there.  A program in a directory of its own (the script, a module it imports, a config file
# and a data file, and the system's CA bundle read by OpenSSL when there is one) is recorded from
# that directory, then replayed with the directory moved away, and again in a fresh mount
# namespace where a tmpfs hides it and /etc/ssl: stdout, stderr and status are the recording's.
# shellcheck shell=bash

if selected self_contained; then
	d=$T/self_contained
	mkdir -p "$d"
	cp -r "$PROGS/self_contained" "$d/prog"
	echo "data $RANDOM$RANDOM" >"$d/prog/data.txt"
	ca=/etc/ssl/certs/ca-certificates.crt
	[ -s "$ca" ] || ca=""
	cmd=("$PYTHON" "$d/prog/app.py" ${ca:+"$ca"})
	(cd "$d/prog" && run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "${cmd[@]}")
	run "$d/native1" null "${cmd[@]}"
	run "$d/native2" null "${cmd[@]}"
	name="self_contained: record ends with 'exit 0', stderr empty; native runs differ"
	if [ "$(status_of "$d/record")" = "exit 0" ] && [ ! -s "$d/record.err" ] &&
		grep -q "hello, recorded world" "$d/record.out" && ! cmp -s "$d/native1.out" "$d/native2.out"; then
		ok "$name${ca:+ (with $ca)}"
	else
		not_ok "$name" "record: $(status_of "$d/record"); stderr: $(head -c 600 "$d/record.err")" \
			"stdout: $(head -c 300 "$d/record.out")"
	fi

	mv "$d/prog" "$d/moved"
	run "$d/moved-replay" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
	mv "$d/moved" "$d/prog"
	if same "$d/record" "$d/moved-replay"; then
		ok "self_contained: replay with the program's directory moved away matches the recording"
	else
		not_ok "self_contained: replay with the program's directory moved away matches the recording" \
			"$(explain "$d/record" "$d/moved-replay")"
	fi

	run "$d/hidden-replay" null unshare -m -n sh -c 'mount --make-rprivate / &&
		mount -t tmpfs retrace-e2e "$1" && mount -t tmpfs retrace-e2e /etc/ssl &&
		[ ! -e "$1/app.py" ] && [ ! -e /etc/ssl/certs ] && exec "$2" "$3"' sh \
		"$d/prog" "$BIN/retrace-replay" "$d/trace.pb"
	if same "$d/record" "$d/hidden-replay"; then
		ok "self_contained: replay in a mount namespace hiding the program and /etc/ssl matches the recording"
	else
		not_ok "self_contained: replay in a mount namespace hiding the program and /etc/ssl matches the recording" \
			"$(explain "$d/record" "$d/hidden-replay")"
	fi
fi
