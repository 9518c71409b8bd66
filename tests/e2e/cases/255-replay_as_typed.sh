# replay_as_typed: the README's commands as a user types them, with `python3` a shim that
# executes the interpreter through `env` and a shell (as pyenv's does): recording follows the
# execs to the interpreter, the header keeps the command as typed, and `retrace-replay TRACE --
# python3 PROG` replays faithfully; `retrace-dump` shows both.
# shellcheck shell=bash

if selected replay_as_typed; then
	d=$T/replay_as_typed
	mkdir -p "$d/shims"
	printf '#!/usr/bin/env bash\nexec %s "$@"\n' "$(readlink -f "$PYTHON")" >"$d/shims/python3"
	chmod +x "$d/shims/python3"
	shimmed=(env PATH="$d/shims:$PATH")
	run "$d/record" null "${shimmed[@]}" "$BIN/retrace-record" -o "$d/app.pb" -- python3 "$PROGS/clocks.py"
	run "$d/native" null "${shimmed[@]}" python3 "$PROGS/clocks.py"
	run "$d/replay" null "${shimmed[@]}" unshare -n "$BIN/retrace-replay" "$d/app.pb" -- python3 "$PROGS/clocks.py"
	"$BIN/retrace-dump" --header "$d/app.pb" >"$d/header.txt" 2>&1
	name="replay_as_typed: a shim's python3, as typed, replays the interpreter it ran"
	if [ "$(status_of "$d/record")" = "exit 0" ] && same "$d/record" "$d/replay" &&
		! cmp -s "$d/record.out" "$d/native.out" &&
		grep -qx "typed: *python3 $PROGS/clocks.py" "$d/header.txt"; then
		ok "$name"
	else
		not_ok "$name" "record: $(status_of "$d/record"); $(explain "$d/record" "$d/replay")" \
			"header: $(head -c 300 "$d/header.txt")"
	fi
fi
