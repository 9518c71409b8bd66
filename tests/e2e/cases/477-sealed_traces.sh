# sealed_traces: retrace-record compresses a recording by default and encrypts it to a
# retrace-keygen public key; the host that recorded cannot read it back (no tool reads it without
# the secret key: exit 91 and a clear message), it replays byte-identical with the key (with its
# children's traces), and a sealed file damaged in any way is refused with 91, never misread.
# shellcheck shell=bash

# sealed_refused NAME BASE: BASE (a run) ended with 91 and said why on stderr.
sealed_refused() {
	local what=$1 base=$2 why=$3
	if [ "$(status_of "$base")" = "exit 91" ] && grep -q "^retrace-[a-z]*: .*$why" "$base.err"; then
		ok "sealed_traces: $what: exit 91, '$why'"
	else
		not_ok "sealed_traces: $what: exit 91, '$why'" "status: $(status_of "$base")" \
			"stderr: $(head -c 400 "$base.err")"
	fi
}

if selected sealed_traces; then
	d=$T/sealed_traces
	mkdir -p "$d/cwd" "$d/tmp"
	old_tmpdir=${TMPDIR-}
	export TMPDIR=$d/tmp # where the tools unseal: must be empty again after each of them
	prog=$PROGS/children_subprocess.py

	# ---- keys ----
	run "$d/keygen" null "$BIN/retrace-keygen" "$d/ops"
	run "$d/keygen-again" null "$BIN/retrace-keygen" "$d/ops"
	if [ "$(status_of "$d/keygen")" = "exit 0" ] && [ "$(stat -c %a "$d/ops.key")" = 600 ] &&
		[ -s "$d/ops.pub" ] && [ "$(status_of "$d/keygen-again")" = "exit 95" ] &&
		grep -q "^retrace-keygen: cannot create" "$d/keygen-again.err"; then
		ok "sealed_traces: retrace-keygen writes NAME.pub and NAME.key (0600), never over them"
	else
		not_ok "sealed_traces: retrace-keygen writes NAME.pub and NAME.key (0600), never over them" \
			"$(status_of "$d/keygen"), $(status_of "$d/keygen-again"): $(cat "$d/keygen-again.err")" \
			"$(ls -l "$d")"
	fi
	"$BIN/retrace-keygen" "$d/other" >/dev/null

	# ---- three recordings of one program: plain, compressed (the default), encrypted ----
	for kind in plain zstd boxed; do
		opts=()
		[ $kind = plain ] && opts=(--no-compress)
		[ $kind = boxed ] && opts=(--public-key "$d/ops.pub")
		(cd "$d/cwd" && run "$d/rec-$kind" null env -u RETRACE_PUBLIC_KEY E2E_MARK=recorded "$BIN/retrace-record" \
			${opts[@]+"${opts[@]}"} -o "$d/$kind.pb" -- "$PYTHON" "$prog")
	done
	plain_magic=$(head -c 8 "$d/plain.pb")
	if [ "$plain_magic" = "RETRACE" ] && [ "$(head -c 8 "$d/zstd.pb")" = RTSEALED ] &&
		[ "$(head -c 8 "$d/boxed.pb")" = RTSEALED ] && [ "$(head -c 8 "$d/boxed.pb.3")" = RTSEALED ] &&
		[ "$(stat -c %s "$d/zstd.pb")" -lt "$(($(stat -c %s "$d/plain.pb") / 2))" ] &&
		[ "$(stat -c %a "$d/boxed.pb")" = 600 ]; then
		ok "sealed_traces: recorded plain with --no-compress, else sealed (children too), 0600, under half the size"
	else
		not_ok "sealed_traces: recorded plain with --no-compress, else sealed (children too), 0600, under half the size" \
			"$(ls -l "$d")" "$(cat "$d/rec-zstd.err" "$d/rec-boxed.err")"
	fi
	# The header's strings are in the plain trace and the compressed one's content; nowhere in the
	# encrypted one.
	if grep -qa "E2E_MARK=recorded" "$d/plain.pb" && ! grep -qa "E2E_MARK=recorded" "$d/boxed.pb" &&
		! grep -qa "children_subprocess" "$d/boxed.pb" && ! grep -qa "children_subprocess" "$d/boxed.pb.3"; then
		ok "sealed_traces: the encrypted trace's bytes hold none of the header's strings"
	else
		not_ok "sealed_traces: the encrypted trace's bytes hold none of the header's strings"
	fi

	# ---- without the secret key, no tool reads it ----
	n=0
	for mode in "" --json --header --stats --tree; do
		n=$((n + 1))
		run "$d/nokey-dump$n" null env -u RETRACE_SECRET_KEY "$BIN/retrace-dump" $mode "$d/boxed.pb"
		sealed_refused "retrace-dump $mode without the key" "$d/nokey-dump$n" "is encrypted; give its secret key"
	done
	run "$d/nokey-replay" null env -u RETRACE_SECRET_KEY unshare -n "$BIN/retrace-replay" "$d/boxed.pb"
	sealed_refused "retrace-replay without the key" "$d/nokey-replay" "is encrypted; give its secret key"
	run "$d/nokey-child" null env -u RETRACE_SECRET_KEY unshare -n "$BIN/retrace-replay" --allow-program "$d/boxed.pb.1"
	sealed_refused "a child's trace without the key" "$d/nokey-child" "is encrypted; give its secret key"
	run "$d/otherkey" null "$BIN/retrace-dump" --key "$d/other.key" "$d/boxed.pb"
	sealed_refused "retrace-dump with another key" "$d/otherkey" "is encrypted to another key"
	run "$d/pubkey" null "$BIN/retrace-replay" --key "$d/ops.pub" "$d/boxed.pb"
	if [ "$(status_of "$d/pubkey")" = "exit 94" ] && grep -q "is not a retrace secret key" "$d/pubkey.err"; then
		ok "sealed_traces: a public key given as --key is a usage error (94)"
	else
		not_ok "sealed_traces: a public key given as --key is a usage error (94)" \
			"$(status_of "$d/pubkey"): $(cat "$d/pubkey.err")"
	fi

	# ---- with it, everything replays as recorded ----
	for kind in plain zstd boxed; do
		run "$d/rep-$kind" null env E2E_MARK=replayed RETRACE_SECRET_KEY="$d/ops.key" unshare -n \
			"$BIN/retrace-replay" "$d/$kind.pb" -- "$PYTHON" "$prog"
		if same "$d/rec-$kind" "$d/rep-$kind" && [ "$(status_of "$d/rec-$kind")" = "exit 0" ]; then
			ok "sealed_traces: the $kind recording replays byte-identical"
		else
			not_ok "sealed_traces: the $kind recording replays byte-identical" \
				"$(explain "$d/rec-$kind" "$d/rep-$kind")"
		fi
	done
	if ! cmp -s "$d/rec-plain.out" "$d/rec-zstd.out"; then
		ok "sealed_traces: the program's output varies from run to run"
	else
		not_ok "sealed_traces: the program's output varies from run to run"
	fi
	run "$d/rep-child" null unshare -n "$BIN/retrace-replay" --key "$d/ops.key" "$d/boxed.pb.3" --allow-program
	if [ "$(status_of "$d/rep-child")" = "exit 0" ] && cmp -s "$d/rep-child.out" "$d/cwd/child-out.3"; then
		ok "sealed_traces: an encrypted child's trace replays alone with --key"
	else
		not_ok "sealed_traces: an encrypted child's trace replays alone with --key" \
			"$(status_of "$d/rep-child"): $(head -c 300 "$d/rep-child.err")"
	fi
	"$BIN/retrace-dump" --no-such-option >/dev/null 2>&1 # (a usage error unseals nothing)
	run "$d/dump-plain" null "$BIN/retrace-dump" "$d/plain.pb"
	run "$d/dump-boxed" null "$BIN/retrace-dump" --key "$d/ops.key" "$d/boxed.pb"
	run "$d/tree-boxed" null "$BIN/retrace-dump" --key "$d/ops.key" --tree "$d/boxed.pb"
	if [ "$(status_of "$d/dump-boxed")" = "exit 0" ] && grep -q "children_subprocess.py" "$d/dump-boxed.out" &&
		grep -q "^ *$d/boxed.pb.3 " "$d/tree-boxed.out" && ! grep -q "$d/tmp" "$d/tree-boxed.out"; then
		ok "sealed_traces: retrace-dump reads it with --key; --tree names the user's files"
	else
		not_ok "sealed_traces: retrace-dump reads it with --key; --tree names the user's files" \
			"$(status_of "$d/dump-boxed"): $(head -c 300 "$d/dump-boxed.err")" "$(cat "$d/tree-boxed.out")"
	fi

	# ---- damage: every way is refused ----
	size=$(stat -c %s "$d/boxed.pb")
	for kind in boxed zstd; do
		src=$d/$kind.pb
		size=$(stat -c %s "$src")
		cp "$src" "$d/$kind-cut.pb" && truncate -s $((size - 5)) "$d/$kind-cut.pb"
		cp "$src" "$d/$kind-long.pb" && printf 'x' >>"$d/$kind-long.pb"
		cp "$src" "$d/$kind-flip.pb" && "$SYSPY" -c 'import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0x10; open(p, "wb").write(b)' "$d/$kind-flip.pb"
		cp "$src" "$d/$kind-size.pb" && "$SYSPY" -c 'import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[16] ^= 1; open(p, "wb").write(b)' "$d/$kind-size.pb"
		for how in cut long flip size; do
			run "$d/bad-$kind-$how" null "$BIN/retrace-dump" --key "$d/ops.key" "$d/$kind-$how.pb"
			if [ "$(status_of "$d/bad-$kind-$how")" = "exit 91" ] && [ ! -s "$d/bad-$kind-$how.out" ] &&
				grep -q "^retrace-dump: .*$kind-$how.pb: it is \(damaged\|cut short\)" "$d/bad-$kind-$how.err"; then
				ok "sealed_traces: a $kind trace $how is refused (91), nothing printed"
			else
				not_ok "sealed_traces: a $kind trace $how is refused (91), nothing printed" \
					"$(status_of "$d/bad-$kind-$how"): $(head -c 300 "$d/bad-$kind-$how.err")"
			fi
		done
	done
	# ---- a disk too small for the unsealed copy: 95 and why, before (encrypted: once its head
	# is authenticated) or while (compressed only: nothing vouches for the size before the end)
	# writing it, and nothing left ----
	half=$(($(stat -c %s "$d/plain.pb") / 2 / 4096 * 4096 + 4096))
	mkdir -p "$d/small"
	for kind in boxed zstd; do
		run "$d/full-$kind" null unshare -m sh -c 'mount -t tmpfs -o size=$1 tmpfs "$2" &&
			TMPDIR=$2 "$3" --key "$4" --stats "$5"; s=$?; ls -A "$2" >&2; exit $s' sh "$half" \
			"$d/small" "$BIN/retrace-dump" "$d/ops.key" "$d/$kind.pb"
		if [ "$(status_of "$d/full-$kind")" = "exit 95" ] && [ ! -s "$d/full-$kind.out" ] &&
			[ "$(wc -l <"$d/full-$kind.err")" = 1 ] && grep -q "^retrace-dump: $d/$kind.pb: no room to unseal it in $d/small/retrace-unsealed\.[A-Za-z0-9]* ([0-9]* bytes needed; set TMPDIR)$" "$d/full-$kind.err"; then
			ok "sealed_traces: a $kind trace too big for TMPDIR: 95, 'no room', no copy left"
		else
			not_ok "sealed_traces: a $kind trace too big for TMPDIR: 95, 'no room', no copy left" \
				"$(status_of "$d/full-$kind"): $(head -c 400 "$d/full-$kind.err")"
		fi
	done
	run "$d/bad-replay" null unshare -n "$BIN/retrace-replay" --key "$d/ops.key" "$d/boxed-flip.pb"
	sealed_refused "retrace-replay of a damaged encrypted trace" "$d/bad-replay" "it is damaged"
	if [ -z "$(ls -A "$d/tmp")" ]; then
		ok "sealed_traces: no unsealed copy is left behind"
	else
		not_ok "sealed_traces: no unsealed copy is left behind" "$(ls -la "$d/tmp")"
	fi
	if [ -n "$old_tmpdir" ]; then TMPDIR=$old_tmpdir; else unset TMPDIR; fi
fi
