# inherited_fds: an fd above 2 that the program inherited (here a pipe on fd 5, as
# multiprocessing's spawn and subprocess's pass_fds hand them on) is outside input like stdin:
# its reads are recorded, and the replay reads them from the trace with no pipe there at all.
# The replayer's own stray fds (fd 3 here) do not reach the replayed program, where they would
# take the number the recording gave the program's own file.
# shellcheck shell=bash

if selected inherited_fds; then
	d=$T/inherited_fds
	mkdir -p "$d"
	prog=$PROGS/inherited_fds.py
	for i in 1 2; do
		head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$d/given$i"
		run "$d/rec$i" null sh -c '"$@" 5<"$0"' "$d/given$i" "$BIN/retrace-record" -o "$d/trace$i.pb" \
			-- "$PYTHON" "$prog"
	done
	rm -f "$d"/given*
	run "$d/rep" null sh -c '"$@" 3</dev/null' sh unshare -n "$BIN/retrace-replay" "$d/trace1.pb"
	if same "$d/rec1" "$d/rep" && [ "$(status_of "$d/rec1")" = "exit 0" ] &&
		grep -q "^given on fd 5: [0-9a-f]\{24\} | own file on fd 3 " "$d/rec1.out"; then
		ok "inherited_fds: the pipe's bytes come from the trace; the replayer's fd 3 stays its own"
	else
		not_ok "inherited_fds: the pipe's bytes come from the trace; the replayer's fd 3 stays its own" \
			"$(explain "$d/rec1" "$d/rep")"
	fi
	if ! cmp -s "$d/rec1.out" "$d/rec2.out"; then
		ok "inherited_fds: two recordings differ"
	else
		not_ok "inherited_fds: two recordings differ"
	fi
	"$BIN/retrace-dump" "$d/trace1.pb" >"$d/dump.txt" 2>&1
	if grep -q "^#[0-9]* t1 fd_inventory(5) = 1" "$d/dump.txt"; then
		ok "inherited_fds: retrace-dump shows fd 5 in the inventory"
	else
		not_ok "inherited_fds: retrace-dump shows fd 5 in the inventory" "$(grep -m 8 '^#' "$d/dump.txt")"
	fi
fi
