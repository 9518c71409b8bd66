/* identity.c — who and where the process is: getpid, getppid, gettid, uname, gethostname,
 * getloadavg.
 *
 * On replay the program sees the recorded pid, host and load; proc.c translates the recorded
 * pid back to the live one where a signal must really arrive.
 */
#include <string.h>
#include <sys/syscall.h>

#include "rt.h"

static pid_t id_call(uint32_t call, pid_t (*real)(void))
{
	if (rt_replaying())
		return (pid_t)rt_replay_next(call, 0, 0, 0)->result;
	pid_t r = real();
	rt_record_value(call, 0, r, 0);
	return r;
}

RT_EXPORT pid_t getpid(void)
{
	if (!rt_active(RT_IDENTITY))
		return REAL(getpid)();
	return id_call(RETRACE__CALL__CALL_GETPID, rt_real.getpid);
}

RT_EXPORT pid_t getppid(void)
{
	if (!rt_active(RT_IDENTITY))
		return REAL(getppid)();
	return id_call(RETRACE__CALL__CALL_GETPPID, rt_real.getppid);
}

static pid_t gettid_syscall(void)
{
	return (pid_t)rt_real.syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

pid_t rt_gettid_via(int via_syscall)
{
	return id_call(RETRACE__CALL__CALL_GETTID, via_syscall ? gettid_syscall : rt_real.gettid);
}

RT_EXPORT pid_t gettid(void)
{
	if (!rt_active(RT_IDENTITY))
		return REAL(gettid)();
	return rt_gettid_via(0);
}

RT_EXPORT int uname(struct utsname *u)
{
	if (!rt_active(RT_IDENTITY) || !u)
		return REAL(uname)(u);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_UNAME, 0, 0, 0);
		rt_check_struct(ev, sizeof *u);
		if (ev->result == 0)
			rt_copy_out(u, sizeof *u, ev);
		else
			errno = ev->err;
		return (int)ev->result;
	}
	int r = rt_real.uname(u);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_UNAME, .result = r, .err = r ? e : 0,
		.data = (const uint8_t *)u, .data_len = r == 0 ? sizeof *u : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

RT_EXPORT int gethostname(char *name, size_t len)
{
	if (!rt_active(RT_IDENTITY))
		return REAL(gethostname)(name, len);
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_GETHOSTNAME, (int64_t)len, 0, 0);
		if (ev->result == 0)
			rt_copy_out(name, len, ev);
		else
			errno = ev->err;
		return (int)ev->result;
	}
	int r = rt_real.gethostname(name, len);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_GETHOSTNAME, .arg0 = (int64_t)len, .result = r,
		.err = r ? e : 0, .data = (const uint8_t *)name,
		.data_len = r == 0 ? (uint32_t)strnlen(name, len) + (strnlen(name, len) < len) : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

RT_EXPORT int getloadavg(double *loads, int n)
{
	if (!rt_active(RT_IDENTITY) || n < 0)
		return REAL(getloadavg)(loads, n);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_GETLOADAVG, n, 0, 0);
		if (ev->result > n || (ev->result > 0 && ev->data_len != sizeof *loads * (size_t)ev->result))
			rt_damaged(ev, "load averages that do not fit what was asked");
		if (ev->result > 0)
			rt_copy_out(loads, sizeof *loads * (size_t)n, ev);
		return (int)ev->result;
	}
	int r = rt_real.getloadavg(loads, n);
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_GETLOADAVG, .arg0 = n, .result = r,
		.data = (const uint8_t *)loads, .data_len = r > 0 ? (uint32_t)(sizeof *loads * (size_t)r) : 0,
	};
	rt_record(&ev);
	return r;
}
