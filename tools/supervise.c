/* supervise.c — run a command as a supervised child (supervise.h).
 *
 * The parent blocks the signals it forwards, and SIGCHLD, before forking, and takes them with
 * sigwaitinfo: no handler runs, nothing is lost between the fork and the wait, and each signal
 * comes with its siginfo, which tells a kill(2) from a terminal's.  Blocked signals are queued
 * even for PID 1, whose default-action signals the kernel would otherwise drop.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "launch.h"
#include "supervise.h"

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

/* Collect what has ended: only the child, or, as PID 1, anything (orphans are ours to reap).
 * 1 when the child was among them, with its status. */
static int reap(pid_t child, int *status)
{
	pid_t which = getpid() == 1 ? -1 : child;
	int found = 0, st;
	pid_t p;
	while ((p = waitpid(which, &st, WNOHANG)) > 0) {
		if (p == child) {
			*status = st;
			found = 1;
			if (which == child)
				break;
		}
	}
	return found;
}

static void forward(pid_t child, int sig, const siginfo_t *si)
{
	/* Only what a process sent; the kernel's (tty) signals reached the child's group already */
	if (si->si_code != SI_USER && si->si_code != SI_QUEUE)
		return;
	if (si->si_pid == child)
		return;
	if (si->si_code == SI_QUEUE)
		sigqueue(child, sig, si->si_value);
	else
		kill(child, sig);
}

int supervise_run(char *const *argv)
{
	sigset_t set, old;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGCHLD);

	/* SIGCHLD ignored (inherited so) would have the kernel reap the child, status and all */
	struct sigaction dfl = { .sa_handler = SIG_DFL }, chld_old;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &chld_old);
	sigprocmask(SIG_BLOCK, &set, &old);

	pid_t parent = getpid();
	pid_t child = fork();
	if (child < 0) {
		tool_msg("cannot start %s: fork: %s", argv[0], strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		sigaction(SIGCHLD, &chld_old, NULL);
		return -1;
	}
	if (child == 0) {
		/* the program starts with the signal state we were given */
		sigaction(SIGCHLD, &chld_old, NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* killed before the prctl: nobody waits for the program any more */
		if (getppid() != parent)
			_exit(RETRACE_EXIT_ERROR);
		_exit(launch_exec(argv));
	}

	int status = 0;
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			/* cannot happen with a valid set; wait plainly rather than spin */
			while (waitpid(child, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		if (sig == SIGCHLD) {
			if (reap(child, &status))
				break;
			continue;
		}
		forward(child, sig, &si);
	}
	if (parent == 1)
		reap(child, &status); /* orphans that ended with it; the child's status is kept */
	sigaction(SIGCHLD, &chld_old, NULL);
	return status;
}

_Noreturn void supervise_exit(int status)
{
	fflush(NULL);
	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	int sig = WTERMSIG(status);
	if (getpid() != 1) {
		/* the child wrote its core file if it was to; ours would be a wrapper's, misleading */
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		signal(sig, SIG_DFL);
		sigset_t one;
		sigemptyset(&one);
		sigaddset(&one, sig);
		raise(sig);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
	}
	/* as PID 1 (or a signal whose default is not to end the process) */
	exit(128 + sig);
}
