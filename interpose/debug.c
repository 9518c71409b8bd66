/* debug.c — pdb at a point of a replay (retrace-replay --break, --break-on-exception,
 * --break-at-divergence): where the stops are, and what a debugger session suspends.
 *
 * The Python side is pyhooks/debug.c (pyhooks.h has the contract).  Stops:
 *  - --break N: once the program's call has consumed event N (or the first event after it that
 *    a call consumes: a definition or a schedule event is no place to stop), its thread is armed
 *    and stops at the next Python line it runs (or at its frame's return), in the frame that
 *    made the call: the call has returned and its result is in the frame's locals when the
 *    line assigned it.  A call made with the GIL released cannot run Python itself, so the
 *    trace function, run by the thread once it has the GIL again, is where pdb starts;
 *  - --break FILE:LINE[:N] and --break-on-exception trace each thread from its first event
 *    made with the GIL held (a C trace function: no Python frame of its own);
 *  - --break-at-divergence: after the report, post-mortem in the diverging thread's frame;
 *  - --dap: stops as above, served to an editor (retrace-replay took its connection; the
 *    session serves the protocol on it, live, like pdb's terminal); with no --break, a first
 *    stop at the program's first line, where the editor attaches and sets its breakpoints, so
 *    each thread is traced from its first event as for --break FILE:LINE.
 * Going back (pdb's back and lastchange, pyhooks/debug.c) is a new replay of the same trace:
 * the process reports where the next run is to stop on the status channel (a restart verdict,
 * rt_debug_restart) and exits; retrace-replay runs the program again with those settings.
 * Replay is deterministic, so the new run reaches the same state the old one had there.
 * During a session the thread is inside retrace (its calls go live, recorded nowhere: pdb's
 * terminal and source reads), its GIL handoffs are not the schedule's (gil.c), its frames are
 * not counted, and the stall watch of every other thread waits: they stay where the schedule
 * has them.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "rt.h"

int rt_debugging;            /* threads in a debugger session now */
int rt_debug_on;             /* replay: some --break option was given */
#define RT_BREAK_EVENTS_MAX 16
static uint64_t rt_break_events[RT_BREAK_EVENTS_MAX]; /* 0: done */
static int rt_nbreak_events;
static char rt_break_lines[4096]; /* FILE:LINE[:N], newline-separated */
static int rt_break_exceptions;   /* 1: raised in the program's code, 2: uncaught */
static int rt_break_divergence;
static const char *rt_disturbed;  /* why the heap may differ since a session, or NULL */
static uint64_t rt_disturbed_seq; /* the last event replayed before it */
static uint64_t rt_last_seq;
static int rt_tty_fd = -1;
/* Going back: the breaks this run was started with (a scout run is started with the same ones,
 * to find "now" again as the same numbered stop), and what a restart told it. */
static char rt_breaks_given[4096];
static char rt_back_scout[4096], rt_back_note[1024];
/* --dap (retrace-replay took the connection, each run inherits it) */
static int rt_dap_fd = -1, rt_dap_resumed;
static char rt_dap_lines[4096];
uint64_t rt_quiet_until; /* program output of events up to here was written by an earlier run */
/* The events the program's calls consumed last, newest at rt_recent_n - 1 (mod the size):
 * `back N` goes to the Nth before the newest, with no replay to find it. */
#define RT_RECENT_MAX 4096
static uint64_t rt_recent[RT_RECENT_MAX];
static uint64_t rt_recent_n;

void rt_debug_init(const char *breaks, const char *exceptions, const char *divergence,
		   const char *scout, const char *note, const char *quiet)
{
	snprintf(rt_breaks_given, sizeof rt_breaks_given, "%s", breaks ? breaks : "");
	snprintf(rt_back_scout, sizeof rt_back_scout, "%s", scout ? scout : "");
	snprintf(rt_back_note, sizeof rt_back_note, "%s", note ? note : "");
	rt_quiet_until = quiet ? strtoull(quiet, NULL, 10) : 0;
	for (const char *s = breaks; s && *s;) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		char *end;
		unsigned long long n = strtoull(s, &end, 10);
		if (end == s + len && n > 0) {
			if (rt_nbreak_events < RT_BREAK_EVENTS_MAX)
				rt_break_events[rt_nbreak_events++] = n;
		} else {
			size_t k = strlen(rt_break_lines);
			snprintf(rt_break_lines + k, sizeof rt_break_lines - k, "%s%.*s", k ? "\n" : "",
				 (int)len, s);
		}
		s += len + (e ? 1 : 0);
	}
	rt_break_exceptions = !exceptions ? 0 : strcmp(exceptions, "uncaught") == 0 ? 2 : 1;
	rt_break_divergence = divergence && strcmp(divergence, "1") == 0;
	rt_debug_on = rt_nbreak_events || rt_break_lines[0] || rt_break_exceptions ||
		      rt_break_divergence || rt_back_scout[0];
	if ((rt_break_lines[0] || rt_break_exceptions || rt_back_scout[0]) && !quiet)
		rt_msg("note: --break FILE:LINE and --break-on-exception trace the program's Python "
		       "code from its start, and CPython gives traced frames objects: id()s and the "
		       "order of sets of objects may differ from the recording all through this replay");
}

void rt_debug_dap_init(const char *fd, const char *resumed, const char *lines)
{
	if (!fd || !*fd)
		return;
	int n = atoi(fd);
	if (n <= 2 || fcntl(n, F_SETFD, FD_CLOEXEC) != 0) {
		rt_msg("--dap: no connection on fd %s; stops open pdb instead", fd);
		return;
	}
	rt_dap_fd = n;
	rt_fd_set(n, RT_FD_OURS);
	rt_dap_resumed = resumed && strcmp(resumed, "1") == 0;
	snprintf(rt_dap_lines, sizeof rt_dap_lines, "%s", lines ? lines : "");
	rt_debug_on = 1;
	if (!rt_breaks_given[0] && !rt_break_exceptions && !rt_back_scout[0] && !rt_quiet_until)
		rt_msg("note: --dap with no --break stops at the program's first line for the editor "
		       "to attach, and traces the program's Python code from its start for the "
		       "editor's breakpoints: id()s and the order of sets of objects may differ from "
		       "the recording all through this replay");
}

static void rt_debug_begin(void)
{
	struct rt_thread *t = &rt_self;
	t->inside++;
	t->debugging = 1;
	__atomic_add_fetch(&rt_debugging, 1, __ATOMIC_SEQ_CST);
}

static void rt_debug_end(const char *disturbed)
{
	struct rt_thread *t = &rt_self;
	if (disturbed && !rt_disturbed) {
		rt_disturbed = disturbed;
		rt_disturbed_seq = rt_last_seq;
		rt_msg("the debugger may have changed what the program finds in memory (%s): from "
		       "here on its id()s and the order of its sets may differ from the recording",
		       disturbed);
	}
	t->debugging = 0;
	__atomic_sub_fetch(&rt_debugging, 1, __ATOMIC_SEQ_CST);
	t->inside--;
}

/* pdb's terminal: /dev/tty, live, at the fd number below the status channel's (retrace's own
 * numbers are the recording's, so the program's fds stay theirs). */
static int rt_debug_tty(void)
{
	if (rt_tty_fd >= 0)
		return rt_tty_fd;
	int fd = REAL(open)("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rt_msg("cannot open pdb here: no terminal (/dev/tty: %s); the replay goes on",
		       strerrordesc_np(errno));
		return -1;
	}
	rt_tty_fd = rt_fd_move(fd, rt_status_fd - 1);
	if (rt_tty_fd >= 0)
		rt_fd_set(rt_tty_fd, RT_FD_OURS);
	return rt_tty_fd;
}

static void rt_debug_quit(void)
{
	rt_msg("%s: the replay stops here", rt_dap_fd >= 0 ? "the editor terminated the debuggee" : "pdb quit");
	rt_flush_program_output();
	rt_signal_die(SIGINT);
	_exit(128 + SIGINT);
}

static void rt_debug_cannot(const char *why)
{
	rt_msg("cannot stop in pdb here: %s", why);
}

/* The event the program's calls consumed n before the newest one (0: the newest), 0 when it is
 * no longer (or never was) in rt_recent. */
static uint64_t rt_debug_event_back(unsigned n)
{
	uint64_t have = __atomic_load_n(&rt_recent_n, __ATOMIC_SEQ_CST);
	if (n >= have || n >= RT_RECENT_MAX)
		return 0;
	return rt_recent[(have - 1 - n) % RT_RECENT_MAX];
}

/* A text the next run gets in its environment: one line, no NUL (a note names program text). */
static size_t rt_restart_field(char *buf, size_t n, const char *name, const char *value)
{
	size_t k = (size_t)snprintf(buf, n, "%s=", name);
	for (const char *v = value ? value : ""; *v && k + 2 < n; v++)
		buf[k++] = *v == '\n' ? '\x1f' : *v; /* retrace-replay makes it a newline again */
	buf[k++] = '\n';
	return k;
}

/* Ends this run for a new one (pdb's back, lastchange): retrace-replay replays the trace again
 * with RETRACE_BREAK=brk (EVENT or FILE:LINE:N lines), the scout settings (pyhooks/debug.c) and
 * the note said at its first stop.  Nothing more of this run reaches the user: the program's
 * buffers are not flushed (the new run prints them where the recording did), and the output of
 * every event this run or an earlier one consumed is not written again by the new run
 * (RETRACE_BACK_QUIET), so the terminal shows the recording's output once. */
static void rt_debug_restart(const char *brk, const char *scout, const char *note)
{
	static char buf[12288];
	char quiet[32];
	uint64_t high = rt_last_seq > rt_quiet_until ? rt_last_seq : rt_quiet_until;
	snprintf(quiet, sizeof quiet, "%llu", (unsigned long long)high);
	size_t k = 0;
	k += rt_restart_field(buf + k, sizeof buf - k, "RETRACE_BREAK", brk);
	k += rt_restart_field(buf + k, sizeof buf - k, "RETRACE_BACK_SCOUT", scout);
	k += rt_restart_field(buf + k, sizeof buf - k, "RETRACE_BACK_NOTE", note);
	k += rt_restart_field(buf + k, sizeof buf - k, "RETRACE_BACK_QUIET", quiet);
	if (rt_dap_fd >= 0)
		k += rt_restart_field(buf + k, sizeof buf - k, "RETRACE_DAP_LINES", rt_dap_lines);
	buf[k++] = 0;
	rt_self.inside++;
	__atomic_store_n(&rt_on, 0, __ATOMIC_SEQ_CST);
	rt_status_send(RETRACE_STATUS_RESTART);
	rt_status_write(buf, k);
	REAL(_exit)(0);
}

void rt_debug_hooks(struct rt_pyhooks *h)
{
	h->debug_begin = rt_debug_begin;
	h->debug_end = rt_debug_end;
	h->debug_tty = rt_debug_tty;
	h->debug_quit = rt_debug_quit;
	h->debug_cannot = rt_debug_cannot;
	h->debug_restart = rt_debug_restart;
	h->debug_event_back = rt_debug_event_back;
	h->debug_breaks = rt_breaks_given;
	h->debug_scout = rt_back_scout;
	h->debug_note = rt_back_note;
	h->debug_dap_fd = rt_dap_fd;
	h->debug_dap_resumed = rt_dap_resumed;
	h->debug_dap_lines = rt_dap_lines;
	h->debug_dap_lines_size = sizeof rt_dap_lines;
}

/* Right after the program's call consumed ev (rt_replay_next). */
void rt_debug_after_event(struct rt_thread *t, const struct trace_event *ev)
{
	rt_last_seq = ev->seq;
	if (t->debugging || !rt_py.debug_arm)
		return;
	uint64_t k = __atomic_fetch_add(&rt_recent_n, 1, __ATOMIC_SEQ_CST);
	rt_recent[k % RT_RECENT_MAX] = ev->seq;
	for (int i = 0; i < rt_nbreak_events; i++) {
		if (!rt_break_events[i] || ev->seq < rt_break_events[i])
			continue;
		char what[160], note[400];
		rt_describe_event(what, sizeof what, ev);
		if (ev->seq == rt_break_events[i])
			snprintf(note, sizeof note, "stopped after event #%llu, %s, thread %u: at the "
				 "next line of the Python code that made it", (unsigned long long)ev->seq,
				 what, ev->tid);
		else
			snprintf(note, sizeof note, "event #%llu is not a call of the program's; stopped "
				 "after the next one, #%llu, %s, thread %u",
				 (unsigned long long)rt_break_events[i], (unsigned long long)ev->seq, what,
				 ev->tid);
		/* A call with no Python thread state (the interpreter starting, a C thread) cannot
		 * stop: the next event's can (`back` may land on such an event). */
		if (rt_py.debug_arm(note) < 0)
			continue;
		rt_break_events[i] = 0;
		t->debug_traced = 1;
		break;
	}
	if ((rt_break_lines[0] || rt_break_exceptions || rt_back_scout[0] || rt_dap_fd >= 0) &&
	    !t->debug_watched && rt_py.holds_gil &&
	    rt_py.holds_gil()) {
		t->debug_watched = t->debug_traced = 1;
		rt_py.debug_watch(rt_break_lines, rt_break_exceptions);
	}
}

void rt_debug_at_divergence(void)
{
	if (!rt_break_divergence || !rt_py.debug_divergence)
		return;
	rt_py.debug_divergence(!rt_threaded(), "post-mortem at the divergence: the program's "
			       "frame that made the call; `continue` or `quit` ends the replay (90)");
}

int rt_debug_disturbed(char *buf, size_t n)
{
	if (!rt_disturbed)
		return 0;
	snprintf(buf, n, "the debugger's allocations: after event #%llu %s, so the program's "
		 "id()s and set orders may differ from the recording's", (unsigned long long)rt_disturbed_seq,
		 rt_disturbed);
	return 1;
}
