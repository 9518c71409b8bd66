/* exitcodes.h — exit statuses shared by libretrace and the tools.
 *
 * retrace-replay exits with the replayed program's own status (or dies of its signal); the
 * statuses below are retrace's own verdicts.  They sit in a block programs rarely use, and each
 * is documented in retrace-replay(1).  Never renumber: scripts and CI depend on them.
 */
#ifndef RETRACE_FORMAT_EXITCODES_H
#define RETRACE_FORMAT_EXITCODES_H

#define RETRACE_EXIT_DIVERGED 90  /* the program asked for something the trace does not hold next */
#define RETRACE_EXIT_BAD_TRACE 91 /* the trace is unreadable, corrupt, truncated, foreign or newer */
#define RETRACE_EXIT_MISMATCH 92  /* the command given runs another program than the recorded one,
				     or an interpreter whose CPython internals are not those a
				     multi-threaded recording was scheduled with */
#define RETRACE_EXIT_TRACE_END 93 /* the recording ends here: the recorded process was killed or
				     crashed at this point, so replay cannot go further */
#define RETRACE_EXIT_USAGE 94     /* bad options or arguments */
#define RETRACE_EXIT_ERROR 95     /* retrace itself failed (cannot fork, create a namespace, …) */
#define RETRACE_EXIT_NOEXEC 126   /* the command exists but cannot be executed (as in sh(1)) */
#define RETRACE_EXIT_NOTFOUND 127 /* the command was not found (as in sh(1)) */

/* Bytes the replayed library writes on the status fd (RETRACE_STATUS_FD) before exiting with one
 * of its own statuses, so retrace-replay can tell them from the program exiting with the same
 * number. */
#define RETRACE_STATUS_DIVERGED 'D'
#define RETRACE_STATUS_TRACE_END 'E'
/* pdb's back or lastchange: replay again, with the settings that follow (lines NAME=VALUE, up to
 * a NUL; interpose/debug.c rt_debug_restart).  The process then exits; its status means nothing. */
#define RETRACE_STATUS_RESTART 'R'

#endif
