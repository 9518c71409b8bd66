/* supervise.h — run a command as our child and pass its end on, as a wrapper and as PID 1.
 *
 * retrace-record (when it seals the trace afterwards) and retrace-entrypoint cannot exec the
 * program in their own place: they have work to do once it has ended.  So they fork, forward the
 * signals meant for the program, reap it (and, as PID 1 of a container, every orphan), do their
 * work, and then end as the program did.
 */
#ifndef RETRACE_TOOLS_SUPERVISE_H
#define RETRACE_TOOLS_SUPERVISE_H

/* Fork and execvp argv (the caller has prepared the environment) and wait for it.
 *
 * - SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 sent to us by a process (kill(2),
 *   sigqueue(3): si_code SI_USER or SI_QUEUE) are sent on to the child.  Those the kernel
 *   generates (a terminal's Ctrl-C, Ctrl-\, hangup) are not: the terminal sends them to the whole
 *   foreground process group, which the child is in too, so it has had them already.  Those the
 *   child sends itself (killpg of its own group) are not sent back either.
 * - The child gets PR_SET_PDEATHSIG(SIGKILL): if we are killed outright it dies with us, and its
 *   trace is left as libretrace wrote it (plain, replayable up to there).
 * - As PID 1 every zombie is reaped, the orphans re-parented to us included.
 *
 * Returns the child's wait status, or -1 when it could not be forked (message printed).  A child
 * that cannot execute argv prints why and exits 127 or 126 (launch_exec).  The forwarded signals
 * are left blocked, so that one arriving while the caller finishes its work (sealing the trace)
 * does not cut that short; supervise_exit ends as the status says. */
int supervise_run(char *const *argv);

/* End as the child did: exit with its status; when it died of a signal, outside a PID namespace
 * die of the same signal (default action, no core file of ours), and as PID 1, where the kernel
 * ignores a default-action signal even sent to itself, exit 128 + the signal's number as shells
 * and tini do. */
_Noreturn void supervise_exit(int status);

#endif
