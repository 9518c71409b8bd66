/* proc.c — the process's own life: signals to itself, fork, and exit.
 *
 * A signal the program sends itself is logged before it is sent (SIGKILL never returns to log
 * after), and on replay really delivered, to the live pid: the replay dies the way the recording
 * did.  Signals to other processes are not delivered on replay; their recorded result is
 * returned.  Child processes are not recorded yet: they run unrecorded, and say so.
 */
#include <signal.h>
#include <unistd.h>

#include "rt.h"

RT_EXPORT int kill(pid_t pid, int sig)
{
	if (!rt_active(RT_PROC))
		return REAL(kill)(pid, sig);
	int to_self = pid == rt_recorded_pid();
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_KILL, pid, sig, 0);
		if (to_self)
			return rt_real.kill(rt_real_pid(), sig);
		if (ev->result < 0)
			errno = ev->err;
		return (int)ev->result;
	}
	if (to_self) {
		struct trace_event ev = { .call = RETRACE__CALL__CALL_KILL, .arg0 = pid, .arg1 = sig };
		rt_record(&ev);
		return rt_real.kill(pid, sig);
	}
	int r = rt_real.kill(pid, sig);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_KILL, .arg0 = pid, .arg1 = sig, .result = r,
		.err = r < 0 ? e : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

static void child_started(pid_t pid)
{
	static int told;
	if (pid > 0 && !__atomic_exchange_n(&told, 1, __ATOMIC_RELAXED))
		rt_msg("warning: the program started a child process; child processes are not %s yet, "
		       "it runs live", rt_replaying() ? "replayed" : "recorded");
}

RT_EXPORT pid_t fork(void)
{
	if (!rt_active(RT_PROC))
		return REAL(fork)();
	pid_t pid = rt_real.fork();
	if (pid == 0) {
		/* The child shares the trace mapping with its parent: it must never write to it. */
		__atomic_store_n(&rt_on, 0, __ATOMIC_SEQ_CST);
		rt_mode = RT_MODE_OFF;
		return 0;
	}
	child_started(pid);
	return pid;
}

/* A vfork child borrows our memory: anything retrace did in it would happen to the parent.
 * Until children are recorded, a real fork is the safe answer (the child only execs or exits). */
RT_EXPORT pid_t vfork(void)
{
	return fork();
}

RT_EXPORT void exit(int status)
{
	rt_finish(status);
	REAL(exit)(status);
}

RT_EXPORT void _exit(int status)
{
	rt_finish(status);
	REAL(_exit)(status);
}

RT_EXPORT void _Exit(int status)
{
	rt_finish(status);
	REAL(_Exit)(status);
}
