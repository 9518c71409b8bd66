# threads_dump: retrace-dump shows the threads and the GIL's schedule of a threaded recording.
# A lost-update race with a 1 us switch interval (forced switches) and two named workers that sleep
# (voluntary handoffs) are recorded; the dump must name the threads on their events, mark each
# handoff forced or voluntary (checked against the yields, recomputed from --json), describe the
# yields by kind, and --stats must count handoffs (voluntary + forced = total) and forced switches
# by kind, in text and in JSON, agreeing with the events.
# shellcheck shell=bash

if selected threads_dump; then
	d=$T/threads_dump
	mkdir -p "$d"
	# the start of an event line up to its call: the main thread is unnamed, the others named
	event='^#[0-9]+ t[0-9]+( \(.*\))? '
	run "$d/race.rec" null "$BIN/retrace-record" -o "$d/race.pb" -- "$PYTHON" "$PROGS/threads_race_calls.py"
	run "$d/named.rec" null "$BIN/retrace-record" -o "$d/named.pb" -- "$PYTHON" "$PROGS/threads_edited.py"
	for t in race named; do
		run "$d/$t.text" null "$BIN/retrace-dump" "$d/$t.pb"
		run "$d/$t.json" null "$BIN/retrace-dump" --json "$d/$t.pb"
		run "$d/$t.stats" null "$BIN/retrace-dump" --stats "$d/$t.pb"
		run "$d/$t.sjson" null "$BIN/retrace-dump" --stats --json "$d/$t.pb"
	done
	name="threads_dump: the threaded programs record, and every dump of them succeeds"
	good=yes
	for b in race.rec named.rec race.text race.json race.stats race.sjson named.text named.json \
		named.stats named.sjson; do
		[ "$(status_of "$d/$b")" = "exit 0" ] && [ ! -s "$d/$b.err" ] || good=no
	done
	if [ $good = yes ]; then
		ok "$name"
	else
		not_ok "$name" "$(for b in race.rec named.rec race.text race.stats named.text named.stats; do
			echo "$b: $(status_of "$d/$b"): $(head -c 200 "$d/$b.err")"; done)"
	fi

	# names: on every event of the workers, on the thread_create that made them; none for t1
	name="threads_dump: events show their thread's Python name, thread_create the new thread's"
	if grep -E -q '^#[0-9]+ t1 thread_create\(t2, "Thread-1 \(worker_a\)"\) = 0' "$d/named.text.out" &&
		grep -E -q '^#[0-9]+ t1 thread_create\(t3, "Thread-2 \(worker_b\)"\) = 0' "$d/named.text.out" &&
		grep -E -q '^#[0-9]+ t2 \(Thread-1 \(worker_a\)\) clock_gettime\(' "$d/named.text.out" &&
		grep -E -q '^#[0-9]+ t3 \(Thread-2 \(worker_b\)\) thread_exit\(\) = 0' "$d/named.text.out" &&
		! grep -E '^#[0-9]+ t2 ' "$d/named.text.out" | grep -v -q -F 't2 (Thread-1 (worker_a)) ' &&
		! grep -E '^#[0-9]+ t3 ' "$d/named.text.out" | grep -v -q -F 't3 (Thread-2 (worker_b)) ' &&
		! grep -E -q '^#[0-9]+ t1 \(' "$d/named.text.out"; then
		ok "$name"
	else
		not_ok "$name" "$(grep -E '^#[0-9]+ t[123] (\(|thread_)' "$d/named.text.out" | head -n 6)"
	fi

	# handoffs: forced ones in the race, voluntary ones between the sleeping workers
	name="threads_dump: GIL takes that are handoffs are marked forced and voluntary"
	forced_re='^#[0-9]+ t[0-9]+ \(Thread-[0-9]+ \(work\)\) gil_take\(\) = 0 value=[0-9]+\.[0-9]{9} handoff from t[0-9]+ \(forced\)'
	voluntary_re='^#[0-9]+ t[0-9]+( \(Thread-[0-9] \(worker_[ab]\)\))? gil_take\(\) = 0 value=[0-9]+\.[0-9]{9} handoff from t[0-9]+ \(voluntary\)'
	if grep -E -q "$forced_re" "$d/race.text.out" && grep -E -q "$voluntary_re" "$d/named.text.out" &&
		! grep -q 'handoff from .* (forced)' "$d/named.text.out"; then
		ok "$name"
	else
		not_ok "$name" "race: $(grep -c 'handoff from' "$d/race.text.out") handoffs; named:" \
			"$(grep 'gil_take' "$d/named.text.out" | head -n 4)"
	fi

	# the JSON events agree with a recomputation: a handoff is a take by another thread than the
	# previous take's, forced when that thread logged a yield since its own latest take
	name="threads_dump: --json marks exactly the handoffs, forced exactly after a yield, and names the threads"
	if "$SYSPY" - "$d/race.json.out" "$d/named.json.out" >"$d/check.txt" 2>&1 <<'PY'; then
import json, sys
names = {"2": "Thread-1 (worker_a)", "3": "Thread-2 (worker_b)"}
for path in sys.argv[1:]:
    holder, yielded, handoffs, forced, kinds = None, {}, 0, 0, set()
    for line in open(path):
        ev = json.loads(line)
        if ev["type"] != "event":
            continue
        tid, call = ev["tid"], ev["call"]
        want = None
        if call == "gil_take":
            if holder is not None and holder != tid:
                want = {"from": holder, "forced": yielded.get(holder, False)}
                handoffs += 1
                forced += want["forced"]
            holder, yielded[tid] = tid, False
        elif call == "yield":
            yielded[tid] = True
            kind = {1: "at_call", 2: "at_frame_entry", 3: "approximate"}[ev["arg0"]]
            assert ev["yield_kind"] == kind and ev["frame_entry"] == ev["arg1"], line
            kinds.add(kind)
        assert ev.get("handoff") == want, f"{path}: want handoff {want}: {line}"
        if path.endswith("named.json.out"):
            assert ev.get("thread_name") == names.get(str(tid)), line
        if call == "thread_create":
            assert ev["new_thread"]["tid"] == ev["arg0"] and ev["new_thread"]["schedule_recorded"], line
    assert handoffs > 0, f"{path}: no handoff"
    if path.endswith("race.json.out"):
        assert forced > 0 and "at_frame_entry" in kinds, f"{path}: {forced} forced, yields {kinds}"
    print(f"{path}: {handoffs} handoffs, {forced} forced, yields {sorted(kinds)}")
PY
		ok "$name"
	else
		not_ok "$name" "$(tail -n 3 "$d/check.txt")"
	fi

	# yields by kind: every yield line is one of the three kinds, the exact at a frame entry ones
	# are there, and the text counts agree with --stats
	name="threads_dump: yields are shown by kind, and --stats counts the forced switches by kind"
	at_call=$(grep -E -c "${event}yield\(at call, frame entry [0-9]+\) = 0" "$d/race.text.out")
	at_frame=$(grep -E -c "${event}yield\(at frame entry [0-9]+\) = 0" "$d/race.text.out")
	# (an approximate one where the thread has no Python frame left, a thread ending while
	# another waits for the GIL, has no fingerprint)
	approx=$(grep -E -c "${event}yield\(approximate, frame entry [0-9]+\) = 0( fingerprint=[0-9a-f]{16})?( |\$)" "$d/race.text.out")
	yields=$(grep -E -c "${event}yield\(" "$d/race.text.out")
	switches="switches:    $yields forced ($at_call exact at a call, $at_frame exact at a frame entry, $approx approximate)"
	if [ "$at_frame" -gt 0 ] && [ $((at_call + at_frame + approx)) -eq "$yields" ] &&
		grep -q -x -F "$switches" "$d/race.stats.out" &&
		grep -q -x -F 'switches:    0 forced (0 exact at a call, 0 exact at a frame entry, 0 approximate)' "$d/named.stats.out"; then
		ok "$name ($at_call at a call, $at_frame at a frame entry, $approx approximate)"
	else
		not_ok "$name" "dump: $yields yields, $at_call at a call, $at_frame at a frame entry, $approx approximate" \
			"want: $switches" "stats: $(grep -E '^(switches|handoffs):' "$d/race.stats.out")"
	fi

	name="threads_dump: --stats counts GIL takes, handoffs (voluntary + forced = total), creations, and names the threads"
	good=yes
	for t in race named; do
		line=$(grep -E '^handoffs: +[0-9]+ \([0-9]+ voluntary, [0-9]+ forced\)$' "$d/$t.stats.out")
		read -r total voluntary forced < <(echo "$line" | sed -E 's/^handoffs: +([0-9]+) \(([0-9]+) voluntary, ([0-9]+) forced\)$/\1 \2 \3/')
		[ -n "$line" ] && [ "${total:-0}" -gt 0 ] && [ $((voluntary + forced)) -eq "$total" ] || good=no
		[ "${total:-x}" = "$(grep -c ' handoff from t' "$d/$t.text.out")" ] || good=no
		[ "${forced:-x}" = "$(grep -c ' handoff from t[0-9]* (forced)' "$d/$t.text.out")" ] || good=no
		grep -q -x "GIL takes:   $(grep -E -c "${event}gil_take\(\)" "$d/$t.text.out")" "$d/$t.stats.out" || good=no
		[ "$t" = race ] && { [ "${forced:-0}" -gt 0 ] || good=no; }
		[ "$t" = named ] && { [ "${voluntary:-0}" -gt 0 ] || good=no; }
	done
	grep -q -x 'created:     4 threads' "$d/race.stats.out" || good=no
	grep -q -x 'created:     2 threads' "$d/named.stats.out" || good=no
	grep -E -q -x 'threads:     3 \(t1: [0-9]+ events, t2 \(Thread-1 \(worker_a\)\): [0-9]+ events, t3 \(Thread-2 \(worker_b\)\): [0-9]+ events\)' \
		"$d/named.stats.out" || good=no
	if [ $good = yes ]; then
		ok "$name"
	else
		not_ok "$name" "$(grep -E '^(threads|created|GIL takes|handoffs|switches):' "$d/race.stats.out" "$d/named.stats.out")" \
			"handoff lines: race $(grep -c ' handoff from t' "$d/race.text.out"), named $(grep -c ' handoff from t' "$d/named.text.out")"
	fi

	name="threads_dump: --stats --json parses and has the thread fields, agreeing with the text"
	if /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' <"$d/race.sjson.out" &&
		/usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' <"$d/named.sjson.out" &&
		"$SYSPY" - "$d" >"$d/sjson.check" 2>&1 <<'PY'; then
import json, re, sys
d = sys.argv[1]
for t in ("race", "named"):
    s = json.load(open(f"{d}/{t}.sjson.out"))
    text = open(f"{d}/{t}.stats.out").read()
    h, f = s["handoffs"], s["forced_switches"]
    assert h["total"] == h["voluntary"] + h["forced"] > 0, h
    assert f["total"] == f["at_call"] + f["at_frame_entry"] + f["approximate"] + f["unknown_kind"], f
    assert f"handoffs:    {h['total']} ({h['voluntary']} voluntary, {h['forced']} forced)\n" in text, (h, text)
    assert (f"switches:    {f['total']} forced ({f['at_call']} exact at a call, {f['at_frame_entry']} "
            f"exact at a frame entry, {f['approximate']} approximate)\n") in text, (f, text)
    assert f"GIL takes:   {s['gil_takes']}\n" in text and s["gil_takes"] >= h["total"], s["gil_takes"]
    assert s["failed_thread_creations"] == 0 and s["schedule_unrecorded_from_seq"] is None, s
    assert s["families"]["threads"]["events"] > 0, s["families"]
    if t == "race":
        assert s["thread_creations"] == 4 and s["threads"] == 5 and h["forced"] > 0 and f["at_frame_entry"] > 0, s
        assert s["thread_names"] == {str(i): f"Thread-{i - 1} (work)" for i in range(2, 6)}, s["thread_names"]
    else:
        assert s["thread_creations"] == 2 and h["voluntary"] > 0, s
        assert s["thread_names"] == {"2": "Thread-1 (worker_a)", "3": "Thread-2 (worker_b)"}, s["thread_names"]
print("ok")
PY
		ok "$name"
	else
		not_ok "$name" "$(tail -n 3 "$d/sjson.check" 2>/dev/null)" "race: $(head -c 300 "$d/race.sjson.out")"
	fi
fi
