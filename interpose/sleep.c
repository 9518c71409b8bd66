/* sleep.c — sleeping and timed waits: nanosleep, clock_nanosleep, usleep, sleep,
 * pthread_cond_timedwait, sem_timedwait, sem_clockwait.
 *
 * Replay skips sleeps (the clock the program reads next comes from the trace anyway), so it
 * runs faster than the original.  A timed wait's deadline was computed from a replayed clock and
 * means nothing to the real one: a wait that timed out when recorded times out at once; one that
 * was woken waits for real, with its deadline moved onto the real clock, so it neither hangs nor
 * spins.
 */
#include <string.h>

#include "rt.h"

#define NS 1000000000LL
/* How much longer than recorded a woken wait may take on replay before it is a divergence. */
#define WAIT_SLACK_NS (10 * NS)

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

/* ---- timed waits -------------------------------------------------------------------------- */

/* The clock a deadline was computed from, when the wait does not say: the replayed clock whose
 * last value is nearest to it (realtime and monotonic values are decades apart). */
static clockid_t deadline_clock(const struct timespec *abs)
{
	int64_t t = ts_ns(abs);
	int64_t dr = t - rt_replayed_clock(CLOCK_REALTIME);
	int64_t dm = t - rt_replayed_clock(CLOCK_MONOTONIC);
	return (dr < 0 ? -dr : dr) <= (dm < 0 ? -dm : dm) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
}

/* A replayed deadline moved onto the real clock, plus slack: the wait was woken when recorded,
 * so on replay it should be woken too, and if it is not, it must not hang forever. */
static struct timespec real_deadline(clockid_t clk, const struct timespec *abs)
{
	int64_t left = ts_ns(abs) - rt_replayed_clock(clk);
	if (left < 0)
		left = 0;
	if (left > 60 * NS)
		left = 60 * NS;
	struct timespec now, out;
	rt_real.clock_gettime(clk, &now);
	int64_t t = ts_ns(&now) + left + WAIT_SLACK_NS;
	out.tv_sec = t / NS;
	out.tv_nsec = t % NS;
	return out;
}

RT_EXPORT int pthread_cond_timedwait(pthread_cond_t *restrict cond, pthread_mutex_t *restrict mutex,
				     const struct timespec *restrict abs)
{
	if (!rt_active(RT_SLEEP))
		return REAL(pthread_cond_timedwait)(cond, mutex, abs);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_COND_TIMEDWAIT, 0, 0, 0);
		if (ev->result != 0)
			return (int)ev->result; /* timed out (or failed) when recorded: at once now */
		struct timespec dl = real_deadline(deadline_clock(abs), abs);
		int r = rt_real.pthread_cond_timedwait(cond, mutex, &dl);
		if (r == ETIMEDOUT)
			rt_diverge(ev, "a condition wait that was woken when recorded timed out on replay");
		return r;
	}
	int r = rt_real.pthread_cond_timedwait(cond, mutex, abs);
	struct trace_event ev = { .call = RETRACE__CALL__CALL_COND_TIMEDWAIT, .result = r };
	rt_record(&ev);
	return r;
}

static int sem_wait_replay(uint32_t call, sem_t *sem, clockid_t clk, const struct timespec *abs)
{
	const struct trace_event *ev = rt_replay_next(call, call == RETRACE__CALL__CALL_SEM_CLOCKWAIT ? clk : 0, 0, 0);
	if (ev->result != 0) {
		errno = ev->err;
		return (int)ev->result;
	}
	struct timespec dl = real_deadline(clk, abs);
	int r = rt_real.sem_clockwait(sem, clk, &dl);
	if (r < 0 && errno == ETIMEDOUT)
		rt_diverge(ev, "a semaphore wait that succeeded when recorded timed out on replay");
	return r;
}

static void sem_wait_record(uint32_t call, clockid_t clk, int r, int e)
{
	struct trace_event ev = {
		.call = call, .arg0 = call == RETRACE__CALL__CALL_SEM_CLOCKWAIT ? clk : 0,
		.result = r, .err = r ? e : 0,
	};
	rt_record(&ev);
}

RT_EXPORT int sem_timedwait(sem_t *restrict sem, const struct timespec *restrict abs)
{
	if (!rt_active(RT_SLEEP))
		return REAL(sem_timedwait)(sem, abs);
	if (rt_replaying())
		return sem_wait_replay(RETRACE__CALL__CALL_SEM_TIMEDWAIT, sem, CLOCK_REALTIME, abs);
	int r = rt_real.sem_timedwait(sem, abs);
	int e = errno;
	sem_wait_record(RETRACE__CALL__CALL_SEM_TIMEDWAIT, CLOCK_REALTIME, r, e);
	errno = e;
	return r;
}

RT_EXPORT int sem_clockwait(sem_t *restrict sem, clockid_t clk, const struct timespec *restrict abs)
{
	if (!rt_active(RT_SLEEP))
		return REAL(sem_clockwait)(sem, clk, abs);
	if (rt_replaying())
		return sem_wait_replay(RETRACE__CALL__CALL_SEM_CLOCKWAIT, sem, clk, abs);
	int r = rt_real.sem_clockwait(sem, clk, abs);
	int e = errno;
	sem_wait_record(RETRACE__CALL__CALL_SEM_CLOCKWAIT, clk, r, e);
	errno = e;
	return r;
}
