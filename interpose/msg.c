/* msg.c — retrace's voice on stderr, and its own ways out.
 *
 * Messages are formatted on the stack and written with the real write(2), so they never go
 * through the program's stdio buffers or heap, and always start with "retrace: ".
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "exitcodes.h"
#include "rt.h"

void rt_msg(const char *fmt, ...)
{
	char buf[2048];
	size_t n = sizeof "retrace: " - 1;
	memcpy(buf, "retrace: ", n);
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
	va_end(ap);
	if (k < 0)
		k = 0;
	n += (size_t)k < sizeof buf - n - 1 ? (size_t)k : sizeof buf - n - 2;
	buf[n++] = '\n';
	int saved = errno;
	rt_self.inside++;
	for (size_t off = 0; off < n;) {
		ssize_t w = REAL(write)(2, buf + off, n - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	rt_self.inside--;
	errno = saved;
}

extern int rt_status_fd;

void rt_exit_with(int status, char status_byte)
{
	rt_self.inside++;
	__atomic_store_n(&rt_on, 0, __ATOMIC_SEQ_CST);
	if (rt_status_fd >= 0 && status_byte)
		(void)REAL(write)(rt_status_fd, &status_byte, 1);
	REAL(_exit)(status);
}

static const char *clock_name(int64_t id)
{
	static const char *const names[] = {
		"CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID",
		"CLOCK_THREAD_CPUTIME_ID", "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE",
		"CLOCK_MONOTONIC_COARSE", "CLOCK_BOOTTIME", "CLOCK_REALTIME_ALARM",
		"CLOCK_BOOTTIME_ALARM", NULL, "CLOCK_TAI",
	};
	if (id >= 0 && id < (int64_t)(sizeof names / sizeof *names) && names[id])
		return names[id];
	return NULL;
}

void rt_describe(char *buf, size_t n, uint32_t call, int64_t a0, int64_t a1, int64_t a2)
{
	const char *name = trace_call_name(call);
	const char *clk;
	switch (call) {
	case RETRACE__CALL__CALL_CLOCK_GETTIME:
	case RETRACE__CALL__CALL_SEM_CLOCKWAIT:
		clk = clock_name(a0);
		if (clk)
			snprintf(buf, n, "%s(%s)", name, clk);
		else
			snprintf(buf, n, "%s(clock %lld)", name, (long long)a0);
		return;
	case RETRACE__CALL__CALL_CLOCK_NANOSLEEP:
		clk = clock_name(a0);
		snprintf(buf, n, "%s(%s, flags %lld)", name, clk ? clk : "?", (long long)a1);
		return;
	case RETRACE__CALL__CALL_READ:
	case RETRACE__CALL__CALL_READV:
	case RETRACE__CALL__CALL_WRITE:
	case RETRACE__CALL__CALL_WRITEV:
		snprintf(buf, n, "%s(fd %lld, %lld bytes)", name, (long long)a0, (long long)a1);
		return;
	case RETRACE__CALL__CALL_PREAD:
		snprintf(buf, n, "%s(fd %lld, %lld bytes, offset %lld)", name, (long long)a0,
			 (long long)a1, (long long)a2);
		return;
	case RETRACE__CALL__CALL_GETRANDOM:
		snprintf(buf, n, "%s(%lld bytes, flags %lld)", name, (long long)a0, (long long)a1);
		return;
	case RETRACE__CALL__CALL_GETENTROPY:
		snprintf(buf, n, "%s(%lld bytes)", name, (long long)a0);
		return;
	case RETRACE__CALL__CALL_FSTAT:
	case RETRACE__CALL__CALL_ISATTY:
	case RETRACE__CALL__CALL_CLOSE:
	case RETRACE__CALL__CALL_FD_INVENTORY:
		snprintf(buf, n, "%s(fd %lld)", name, (long long)a0);
		return;
	case RETRACE__CALL__CALL_LSEEK:
		snprintf(buf, n, "%s(fd %lld, %lld, whence %lld)", name, (long long)a0, (long long)a1,
			 (long long)a2);
		return;
	case RETRACE__CALL__CALL_IOCTL:
		snprintf(buf, n, "%s(fd %lld, request 0x%llx)", name, (long long)a0,
			 (unsigned long long)a1);
		return;
	case RETRACE__CALL__CALL_OPEN:
		snprintf(buf, n, "%s(flags 0x%llx)", name, (unsigned long long)a0);
		return;
	case RETRACE__CALL__CALL_KILL:
		snprintf(buf, n, "%s(pid %lld, signal %lld)", name, (long long)a0, (long long)a1);
		return;
	case RETRACE__CALL__CALL_GETRUSAGE:
	case RETRACE__CALL__CALL_GETHOSTNAME:
	case RETRACE__CALL__CALL_GETLOADAVG:
	case RETRACE__CALL__CALL_USLEEP:
	case RETRACE__CALL__CALL_SLEEP:
		snprintf(buf, n, "%s(%lld)", name, (long long)a0);
		return;
	default:
		snprintf(buf, n, "%s()", name);
		return;
	}
}
