/* sleep.c — sleeping: nanosleep, clock_nanosleep, usleep, sleep.
 *
 * Replay skips sleeps (the clock the program reads next comes from the trace anyway), so it
 * runs faster than the original.  Timed waits on condition variables and semaphores are in
 * sync.c.
 */
#include <string.h>

#include "rt.h"

#define NS 1000000000LL

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

static void record_sleep(uint32_t call, int64_t a0, int64_t a1, int64_t req_ns, int64_t result,
			 int err, const struct timespec *rem)
{
	struct trace_event ev = {
		.call = call, .arg0 = a0, .arg1 = a1, .value = req_ns, .result = result, .err = err,
		.data = rem ? (const uint8_t *)rem : NULL, .data_len = rem ? sizeof *rem : 0,
	};
	rt_record(&ev);
}

RT_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (!rt_active(RT_SLEEP) || !req)
		return REAL(nanosleep)(req, rem);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_NANOSLEEP, 0, 0, 0);
		if (ev->result < 0) {
			if (rem)
				rt_copy_out(rem, sizeof *rem, ev);
			errno = ev->err;
		}
		return (int)ev->result;
	}
	int r = rt_real.nanosleep(req, rem);
	int e = errno;
	record_sleep(RETRACE__CALL__CALL_NANOSLEEP, 0, 0, ts_ns(req), r, r ? e : 0,
		     r && e == EINTR ? rem : NULL);
	errno = e;
	return r;
}

RT_EXPORT int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
			      struct timespec *rem)
{
	if (!rt_active(RT_SLEEP) || !req)
		return REAL(clock_nanosleep)(clk, flags, req, rem);
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_CLOCK_NANOSLEEP, clk, flags, 0);
		if (ev->result == EINTR && rem && !(flags & TIMER_ABSTIME))
			rt_copy_out(rem, sizeof *rem, ev);
		return (int)ev->result;
	}
	int r = rt_real.clock_nanosleep(clk, flags, req, rem);
	record_sleep(RETRACE__CALL__CALL_CLOCK_NANOSLEEP, clk, flags, ts_ns(req), r, 0,
		     r == EINTR && rem && !(flags & TIMER_ABSTIME) ? rem : NULL);
	return r;
}

RT_EXPORT int usleep(useconds_t us)
{
	if (!rt_active(RT_SLEEP))
		return REAL(usleep)(us);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_USLEEP, us, 0, 0);
		if (ev->result < 0)
			errno = ev->err;
		return (int)ev->result;
	}
	int r = rt_real.usleep(us);
	int e = errno;
	record_sleep(RETRACE__CALL__CALL_USLEEP, us, 0, 0, r, r ? e : 0, NULL);
	errno = e;
	return r;
}

RT_EXPORT unsigned sleep(unsigned seconds)
{
	if (!rt_active(RT_SLEEP))
		return REAL(sleep)(seconds);
	if (rt_replaying())
		return (unsigned)rt_replay_next(RETRACE__CALL__CALL_SLEEP, seconds, 0, 0)->result;
	unsigned r = rt_real.sleep(seconds);
	record_sleep(RETRACE__CALL__CALL_SLEEP, seconds, 0, 0, r, 0, NULL);
	return r;
}
