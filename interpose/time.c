/* time.c — clocks: clock_gettime (every clock id), gettimeofday, time, clock, times, getrusage.
 *
 * clock_gettime is answered in the vDSO, but programs reach it through the glibc symbol, which
 * is what we wrap.  These are the hottest wrappers of all (time.time() in a loop), so the record
 * path is one real call and one append; values are delta-coded per clock by the writer.
 */
#include <string.h>

#include "rt.h"

#define NS 1000000000LL

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

static void ns_ts(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / NS;
	ts->tv_nsec = ns % NS;
	if (ts->tv_nsec < 0) {
		ts->tv_sec--;
		ts->tv_nsec += NS;
	}
}

static void record_clock(uint32_t call, int64_t arg0, int64_t result, int err, int64_t value)
{
	struct trace_event ev = {
		.call = call, .arg0 = arg0, .result = result, .err = err, .value = value,
	};
	rt_record(&ev);
}

RT_EXPORT int clock_gettime(clockid_t id, struct timespec *ts)
{
	if (!rt_active(RT_TIME))
		return REAL(clock_gettime)(id, ts);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_CLOCK_GETTIME, id, 0, 0);
		if (ev->result == 0) {
			ns_ts(ev->value, ts);
			rt_note_replayed_clock(id, ev->value);
		} else {
			errno = ev->err;
		}
		return (int)ev->result;
	}
	int r = rt_real.clock_gettime(id, ts);
	if (RT_UNLIKELY(r != 0)) {
		int e = errno;
		record_clock(RETRACE__CALL__CALL_CLOCK_GETTIME, id, r, e, 0);
		errno = e;
		return r;
	}
	rt_record_value(RETRACE__CALL__CALL_CLOCK_GETTIME, id, 0, ts_ns(ts));
	return 0;
}

RT_EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	if (!rt_active(RT_TIME) || tz)
		return REAL(gettimeofday)(tv, tz); /* a timezone is no outside input worth a case */
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_GETTIMEOFDAY, 0, 0, 0);
		if (ev->result == 0) {
			tv->tv_sec = ev->value / NS;
			tv->tv_usec = (ev->value % NS) / 1000;
			rt_note_replayed_clock(CLOCK_REALTIME, ev->value);
		} else {
			errno = ev->err;
		}
		return (int)ev->result;
	}
	int r = rt_real.gettimeofday(tv, tz);
	int e = errno;
	record_clock(RETRACE__CALL__CALL_GETTIMEOFDAY, 0, r, r ? e : 0,
		     r == 0 ? (int64_t)tv->tv_sec * NS + tv->tv_usec * 1000 : 0);
	errno = e;
	return r;
}

RT_EXPORT time_t time(time_t *t)
{
	if (!rt_active(RT_TIME))
		return REAL(time)(t);
	time_t r;
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_TIME, 0, 0, 0);
		r = (time_t)(ev->value / NS);
		rt_note_replayed_clock(CLOCK_REALTIME, ev->value);
	} else {
		r = rt_real.time(NULL);
		record_clock(RETRACE__CALL__CALL_TIME, 0, 0, 0, (int64_t)r * NS);
	}
	if (t)
		*t = r;
	return r;
}

RT_EXPORT clock_t clock(void)
{
	if (!rt_active(RT_TIME))
		return REAL(clock)();
	if (rt_replaying())
		return (clock_t)rt_replay_next(RETRACE__CALL__CALL_CLOCK, 0, 0, 0)->result;
	clock_t r = rt_real.clock();
	record_clock(RETRACE__CALL__CALL_CLOCK, 0, r, 0, 0);
	return r;
}

RT_EXPORT clock_t times(struct tms *buf)
{
	if (!rt_active(RT_TIME) || !buf)
		return REAL(times)(buf);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_TIMES, 0, 0, 0);
		if (ev->data_len != sizeof *buf)
			rt_damaged(ev, "the structure recorded is not the size the call fills");
		rt_copy_out(buf, sizeof *buf, ev);
		errno = ev->err ? ev->err : errno;
		return (clock_t)ev->result;
	}
	clock_t r = rt_real.times(buf);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_TIMES, .result = r, .err = r == (clock_t)-1 ? e : 0,
		.data = (const uint8_t *)buf, .data_len = sizeof *buf,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

RT_EXPORT int getrusage(int who, struct rusage *ru)
{
	if (!rt_active(RT_TIME) || !ru)
		return REAL(getrusage)(who, ru);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_GETRUSAGE, who, 0, 0);
		rt_check_struct(ev, sizeof *ru);
		if (ev->result == 0)
			rt_copy_out(ru, sizeof *ru, ev);
		else
			errno = ev->err;
		return (int)ev->result;
	}
	int r = rt_real.getrusage(who, ru);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_GETRUSAGE, .arg0 = who, .result = r, .err = r ? e : 0,
		.data = r == 0 ? (const uint8_t *)ru : NULL, .data_len = r == 0 ? sizeof *ru : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}
