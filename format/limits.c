/* limits.c — what a trace header may say, for every number in it that replay acts on.
 *
 * The reader checks that a header decodes; this checks that what it says is something a
 * recording could have written, before anything is done with it.  A header is untrusted input:
 * trace_fd=1 would put the trace over the program's stdout, a pid of 0 would make "the recorded
 * process" every process of its group.  Shared by libretrace and retrace-replay, so the two
 * refuse the same headers with the same words.
 */
#include <stdio.h>

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
