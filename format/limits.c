/* limits.c — what a trace header may say, for every number in it that replay acts on.
 *
 * The reader checks that a header decodes; this checks that what it says is something a
 * recording could have written, before anything is done with it.  A header is untrusted input:
 * trace_fd=1 would put the trace over the program's stdout, a pid of 0 would make "the recorded
 * process" every process of its group.  Shared by libretrace and retrace-replay, so the two
 * refuse the same headers with the same words.
 */
#include <stdio.h>
#include <string.h>

#include "trace.h"

const char *trace_header_limits(const Retrace__Header *h, char *buf, size_t n)
{
	/* The recorder keeps its fds at the top of the table (below TRACE_FD_LIMIT), never on
	 * 0..2, which are the program's. */
	if (h->trace_fd < 3 || h->trace_fd >= TRACE_FD_LIMIT) {
		snprintf(buf, n, "the header's trace fd (%d) is outside 3..%d", (int)h->trace_fd,
			 TRACE_FD_LIMIT - 1);
		return buf;
	}
	if (h->status_fd < 3 || h->status_fd >= TRACE_FD_LIMIT) {
		snprintf(buf, n, "the header's status fd (%d) is outside 3..%d", (int)h->status_fd,
			 TRACE_FD_LIMIT - 1);
		return buf;
	}
	if (h->status_fd == h->trace_fd) {
		snprintf(buf, n, "the header gives the trace and the status channel one fd (%d)",
			 (int)h->trace_fd);
		return buf;
	}
	if (h->pid <= 0) {
		snprintf(buf, n, "the header's pid (%d) is not a process id", (int)h->pid);
		return buf;
	}
	return NULL;
}

/* Variables ld.so acts on before any code of ours runs: LD_* (LD_PRELOAD, LD_LIBRARY_PATH,
 * LD_AUDIT, ...) and GLIBC_TUNABLES; and GCONV_PATH, which names the directories iconv loads
 * its modules (code) from, read later, whenever iconv first needs one. */
int trace_env_is_loader(const uint8_t *entry, size_t len)
{
	return (len >= 3 && memcmp(entry, "LD_", 3) == 0) ||
	       (len >= 15 && memcmp(entry, "GLIBC_TUNABLES=", 15) == 0) ||
	       (len >= 11 && memcmp(entry, "GCONV_PATH=", 11) == 0);
}

int trace_env_restorable(const uint8_t *entry, size_t len)
{
	return trace_env_is_loader(entry, len) && !(len >= 11 && memcmp(entry, "GCONV_PATH=", 11) == 0);
}
