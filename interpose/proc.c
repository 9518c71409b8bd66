/* proc.c — the process's own life: signals to itself, fork, and exit.
 *
 * A signal the program sends itself is logged before it is sent (SIGKILL never returns to log
 * after), and on replay really delivered, to the live pid: the replay dies the way the recording
 * did.  Signals to other processes are not delivered on replay; their recorded result is
 * returned (child.c has the children themselves).  A program that executes another is recorded
 * on into the new one (core.c, rt_exec_env); a vfork child's exec adds its entries on its own
 * stack (child.c).
 */
#include <fcntl.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "exitcodes.h"
#include "rt.h"

RT_EXPORT int kill(pid_t pid, int sig)
{
	if (!rt_active(RT_PROC))
		return REAL(kill)(pid, sig);
	int to_self = pid == rt_recorded_pid();
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_KILL, pid, sig, 0);
		/* one the program handles reaches its handler from the trace (signal.c) */
		if (to_self && !rt_signal_handled(sig) && !rt_signal_blocked(sig)) {
			rt_signal_to_self(sig);
			return rt_real.kill(rt_real_pid(), sig);
		}
		if (to_self)
			return 0;
		if (ev->result < 0)
			errno = ev->err;
		return (int)ev->result;
	}
	if (to_self) {
		struct trace_event ev = { .call = RETRACE__CALL__CALL_KILL, .arg0 = pid, .arg1 = sig };
		rt_record(&ev);
		int r = rt_real.kill(pid, sig);
		int e = errno;
		/* it arrived before kill returned: the program's handler runs before it returns too,
		 * as without retrace (signal.c) */
		rt_signals_poll();
		errno = e;
		return r;
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

RT_EXPORT void exit(int status)
{
	rt_exit_flush();
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

/* ---- exec ------------------------------------------------------------------------------- */

extern char **environ;

/* Replay cannot follow an exec: the trace holds the program that ran last, and replay starts
 * that one directly.  So an exec the replayed program reaches failed when recorded (its EXEC
 * event says how) or it has diverged. */
enum { RT_EXECVE = 1, RT_EXECVPE = 2, RT_FEXECVE = 3 };

static int exec_replay(int which, const char *path)
{
	struct trace_event next;
	if (rt_sched_peek_event(&rt_self, &next) && next.call == RETRACE__CALL__CALL_EXEC) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_EXEC, which, 0, 0);
		errno = ev->err;
		return -1;
	}
	rt_msg("replay diverged: the program executed %s; the recording holds the program that ran "
	       "last, so replay cannot follow an exec", path ? path : "(fd)");
	rt_exit_with(RETRACE_EXIT_DIVERGED, RETRACE_STATUS_DIVERGED);
}

/* Record: the exec failed (it returned). */
static int exec_failed(int which, int r)
{
	int e = errno;
	struct trace_event ev = { .call = RETRACE__CALL__CALL_EXEC, .arg0 = which, .result = r,
				  .err = e };
	rt_record(&ev);
	errno = e;
	return r;
}

/* In a vfork child, which may not allocate: the environment is built on its stack. */
#define VFORK_ENV(envp, env)                                                                   \
	char *env[rt_env_count(envp) + RT_ENV_ADD + 1];                                        \
	rt_env_merge(env, envp, rt_vfork_env)

RT_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	if (RT_UNLIKELY(rt_vfork_env != NULL)) {
		VFORK_ENV(envp, env);
		return rt_real.execve(path, argv, env);
	}
	if (!rt_active(RT_PROC))
		return REAL(execve)(path, argv, envp);
	if (rt_replaying())
		return exec_replay(RT_EXECVE, path);
	return exec_failed(RT_EXECVE, rt_real.execve(path, argv, rt_exec_env(envp)));
}

RT_EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

RT_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	if (RT_UNLIKELY(rt_vfork_env != NULL)) {
		VFORK_ENV(envp, env);
		return rt_real.execvpe(file, argv, env);
	}
	if (!rt_active(RT_PROC))
		return REAL(execvpe)(file, argv, envp);
	if (rt_replaying())
		return exec_replay(RT_EXECVPE, file);
	return exec_failed(RT_EXECVPE, rt_real.execvpe(file, argv, rt_exec_env(envp)));
}

RT_EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

RT_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	if (RT_UNLIKELY(rt_vfork_env != NULL)) {
		VFORK_ENV(envp, env);
		return rt_real.fexecve(fd, argv, env);
	}
	if (!rt_active(RT_PROC))
		return REAL(fexecve)(fd, argv, envp);
	if (rt_replaying())
		return exec_replay(RT_FEXECVE, NULL);
	return exec_failed(RT_FEXECVE, rt_real.fexecve(fd, argv, rt_exec_env(envp)));
}

/* The execl family takes its arguments inline; collect them into an array from the arena (the
 * process is about to be replaced, and if the exec fails the little memory is not missed). */
static char **collect_args(const char *arg0, va_list ap, char ***envp_out)
{
	va_list count;
	va_copy(count, ap);
	size_t n = 1;
	while (va_arg(count, char *))
		n++;
	va_end(count);
	char **argv = rt_alloc(sizeof *argv * (n + 1));
	if (!argv)
		return NULL;
	argv[0] = (char *)arg0;
	for (size_t i = 1; i < n; i++)
		argv[i] = va_arg(ap, char *);
	argv[n] = NULL;
	(void)va_arg(ap, char *); /* the terminating NULL */
	if (envp_out)
		*envp_out = va_arg(ap, char **);
	return argv;
}

RT_EXPORT int execl(const char *path, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	char **argv = collect_args(arg0, ap, NULL);
	va_end(ap);
	if (!argv) {
		errno = ENOMEM;
		return -1;
	}
	return execve(path, argv, environ);
}

RT_EXPORT int execle(const char *path, const char *arg0, ...)
{
	va_list ap;
	char **envp = NULL;
	va_start(ap, arg0);
	char **argv = collect_args(arg0, ap, &envp);
	va_end(ap);
	if (!argv) {
		errno = ENOMEM;
		return -1;
	}
	return execve(path, argv, envp);
}

RT_EXPORT int execlp(const char *file, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	char **argv = collect_args(arg0, ap, NULL);
	va_end(ap);
	if (!argv) {
		errno = ENOMEM;
		return -1;
	}
	return execvpe(file, argv, environ);
}
