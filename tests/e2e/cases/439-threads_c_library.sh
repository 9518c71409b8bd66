# threads_c_library: threads a C library makes itself (tests/e2e/lib/cthreads.c through ctypes,
# as OpenBLAS or a gRPC pool would), never holding the GIL: their clock reads, random bytes and
# writes to stdout replay in the recorded order, and the library's threads that make no
# recorded call replay too.
# shellcheck shell=bash

if selected threads_c_library; then
	mkdir -p "$T/threads_c_library"
	if ${CC:-cc} -O2 -Wall -Wextra -Werror -shared -fPIC -o "$T/threads_c_library/libcthreads.so" \
		"$HELPERS/cthreads.c" -lpthread 2>"$T/threads_c_library/cc.err"; then
		replay_case threads_c_library threads_c_library.py --arg "$T/threads_c_library/libcthreads.so" --varies
	else
		not_ok "threads_c_library: build tests/e2e/lib/cthreads.c" "$(cat "$T/threads_c_library/cc.err")"
	fi
fi
