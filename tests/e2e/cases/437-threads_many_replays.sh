# threads_many_replays: a flaky schedule is a bug, not noise.  One recording of each lost-update
# race (with and without a call in the loop) is replayed 20 times in a row; every replay must
# print exactly what the recording printed.
# shellcheck shell=bash

many_replays() {
	local name=$1 prog=$2 d=$T/$1 i same=0
	selected "$name" || return 0
	mkdir -p "$d"
	run "$d/record" null "$BIN/retrace-record" -o "$d/trace.pb" -- "$PYTHON" "$PROGS/$prog"
	for ((i = 1; i <= 20; i++)); do
		run "$d/replay$i" null unshare -n "$BIN/retrace-replay" "$d/trace.pb"
		if same "$d/record" "$d/replay$i"; then
			same=$((same + 1))
		elif [ -z "${first_bad-}" ]; then
			local first_bad=$i
		fi
	done
	if [ "$(status_of "$d/record")" = "exit 0" ] && [ $same = 20 ]; then
		ok "$name: 20 replays of one racy recording all print what was recorded"
	else
		not_ok "$name: 20 replays of one racy recording all print what was recorded" \
			"record: $(status_of "$d/record"); $same of 20 replays matched" \
			${first_bad:+"$(explain "$d/record" "$d/replay$first_bad")"}
	fi
}
many_replays threads_many_replays_calls threads_race_calls.py
many_replays threads_many_replays_nocall threads_race_nocall.py
