/* random.c — randomness: getrandom, getentropy (what OpenSSL uses), syscall(SYS_getrandom).
 *
 * CPython seeds hash() and the random module from getrandom at start-up, so this is what makes
 * str hashes, set orders and random numbers come out the same on replay.  Reads of
 * /dev/urandom and /dev/random are recorded as reads of a /dev file (io.c).
 */
#include <sys/syscall.h>

#include "rt.h"

/* One getrandom, by whichever door the program came in. */
static ssize_t random_via(void *buf, size_t n, unsigned flags, int via_syscall)
{
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_GETRANDOM, (int64_t)n, flags, 0);
		rt_check_count(ev, n);
		if (ev->result > 0)
			rt_copy_out(buf, n, ev);
		else
			errno = ev->err;
		return (ssize_t)ev->result;
	}
	ssize_t r = via_syscall ? rt_real.syscall(SYS_getrandom, (long)buf, (long)n, flags, 0, 0, 0)
				: rt_real.getrandom(buf, n, flags);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_GETRANDOM, .arg0 = (int64_t)n, .arg1 = flags,
		.result = r, .err = r < 0 ? e : 0,
		.data = buf, .data_len = r > 0 ? (uint32_t)r : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

RT_EXPORT ssize_t getrandom(void *buf, size_t n, unsigned flags)
{
	if (!rt_active(RT_RANDOM))
		return REAL(getrandom)(buf, n, flags);
	return random_via(buf, n, flags, 0);
}

RT_EXPORT int getentropy(void *buf, size_t n)
{
	if (!rt_active(RT_RANDOM))
		return REAL(getentropy)(buf, n);
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_GETENTROPY, (int64_t)n, 0, 0);
		rt_check_struct(ev, n);
		if (ev->result == 0)
			rt_copy_out(buf, n, ev);
		else
			errno = ev->err;
		return (int)ev->result;
	}
	int r = rt_real.getentropy(buf, n);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_GETENTROPY, .arg0 = (int64_t)n, .result = r,
		.err = r ? e : 0, .data = buf, .data_len = r == 0 ? (uint32_t)n : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

pid_t rt_gettid_via(int via_syscall);

/* syscall(2) is variadic; on x86-64 passing six longs through is exactly what libc does. */
RT_EXPORT long syscall(long number, ...)
{
	va_list ap;
	va_start(ap, number);
	long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
	long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
	va_end(ap);
	if (number == SYS_getrandom && rt_active(RT_RANDOM))
		return random_via((void *)a1, (size_t)a2, (unsigned)a3, 1);
	if (number == SYS_gettid && rt_active(RT_IDENTITY))
		return rt_gettid_via(1);
	if (number == SYS_pidfd_send_signal && rt_active(RT_PROC))
		return rt_pidfd_send_signal(a1, a2, a3, a4);
	if (number == SYS_pidfd_open && rt_active(RT_PROC))
		return rt_pidfd_open(a1, a2);
	return REAL(syscall)(number, a1, a2, a3, a4, a5, a6);
}
