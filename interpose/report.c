/* report.c — the divergence report: what replay says when the program leaves its trace.
 *
 * One report at a time (a futex), each in the same order: the event and thread, the recorded
 * and the replayed call (never two lines that look alike), both Python locations, the recorded
 * stack and the live traceback, the threads of a multi-threaded replay, the C stack, and the
 * likely cause — the family the evidence points to: a script read live and edited, the command
 * line, the environment or cwd, a file read live, the threads' schedule, a signal, children.
 * Also the JSON form (retrace-replay --report-json), --keep-going's going past, the end of a
 * recording reached (93), and the flush of the program's output before replay stops.  Where the
 * messages go is msg.c's; the replay engine that finds a divergence is core.c's.
 */
#include <fcntl.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "rt.h"

extern char **environ;

int rt_keep_going;                /* replay: RETRACE_KEEP_GOING=1 (retrace-replay --keep-going) */
char rt_report_json[4096];        /* replay: RETRACE_REPORT_JSON, the file to write, or "" */
static uint64_t rt_kg_count;      /* replay, --keep-going: divergences gone past */
static uint64_t rt_kg_first;      /* replay, --keep-going: the event number of the first */

/* The program's side of a divergence: the call it is making, as the wrapper showed it when it
 * can (rt_self.asked), else from its numbers. */
static __thread struct { uint32_t call; int64_t a[3]; } rt_asked_nums;

void rt_describe_asked(char *buf, size_t n, uint32_t call, int64_t a0, int64_t a1,
			      int64_t a2)
{
	rt_asked_nums.call = call;
	rt_asked_nums.a[0] = a0;
	rt_asked_nums.a[1] = a1;
	rt_asked_nums.a[2] = a2;
	if (rt_self.asked)
		rt_describe_event(buf, n, rt_self.asked);
	else
		rt_describe(buf, n, call, a0, a1, a2);
}

/* ---- one report at a time ----------------------------------------------------------------- */

static int rt_report_lock;            /* futex word: a thread is reporting */
static __thread int rt_reporting;     /* this thread holds it, this many times over */

void rt_report_begin(void)
{
	if (rt_reporting++)
		return;
	while (__atomic_exchange_n(&rt_report_lock, 1, __ATOMIC_ACQUIRE))
		rt_futex_wait(&rt_report_lock, 1, -1);
}

void rt_report_end(void)
{
	rt_reporting = 0;
	__atomic_store_n(&rt_report_lock, 0, __ATOMIC_RELEASE);
	rt_futex_wake(&rt_report_lock, 0);
}

/* With whole stacks: the recorded one of the expected event, in the traceback's format. */
static void rt_pystack_print_recorded(void)
{
	static char buf[16384]; /* only at a divergence */
	size_t len = rt_pystacks_active() ? rt_pystack_recorded_text(buf, sizeof buf,
								     rt_self.pystack_recorded) : 0;
	if (!len)
		return;
	rt_msg("  recorded Python stack (most recent call last):");
	rt_msg_lines("  ", buf, len);
}

__attribute__((noreturn)) void rt_replay_ended(uint32_t call, int64_t a0, int64_t a1,
						      int64_t a2)
{
	rt_report_begin();
	char what[160];
	rt_describe_asked(what, sizeof what, call, a0, a1, a2);
	const Retrace__Trailer *tr = rt_reader.trailer;
	if (tr && tr->stopped && tr->stopped[0]) {
		rt_msg("replay reached event #%llu, where the recording stopped early (%s); "
		       "it cannot go further (the program called %s)",
		       (unsigned long long)tr->stopped_at_seq, tr->stopped, what);
		rt_exit_with(RETRACE_EXIT_TRACE_END, RETRACE_STATUS_TRACE_END);
	}
	if (tr) {
		rt_msg("replay diverged on thread %u: the program called %s after the end of the "
		       "recording (the recorded process exited there)", rt_self.tid, what);
		rt_pyloc_traceback();
		rt_report_tail(NULL, what, "the program made a call after the end of the recording");
		rt_exit_with(RETRACE_EXIT_DIVERGED, RETRACE_STATUS_DIVERGED);
	}
	rt_msg("replay reached the end of the recording on thread %u: the recorded process was "
	       "killed or crashed there, so replay stops (the program called %s next)",
	       rt_self.tid, what);
	rt_exit_with(RETRACE_EXIT_TRACE_END, RETRACE_STATUS_TRACE_END);
}

/* ---- the likely cause of a divergence ------------------------------------------------------ */

static char rt_argv_differs[600]; /* replay: the first argument that differs, if one */
static char rt_env_differs[200];  /* replay: which variable differs from the recording, if one */
static char rt_cwd_differs;       /* replay: the cwd at start is not the recorded one */
int rt_bytes_diverged;            /* replay: the divergence being reported is other bytes */

static int rt_redacted_names(char *buf, size_t n);

/* Replay of a trace that redacted secrets.  The replayed program has placeholders where the
 * recording had the values, so bytes it computes from one (its base64 in a Basic auth header, an
 * HMAC, the TLS records that carry it) differ from the recorded ones, with the same length.  What
 * the program sends or writes does not steer what it is given back (every answer is the
 * recording's), so such a write or send is taken as it is, with the recorded result, rather than
 * stopping the replay: with redaction on by default, every HTTPS request carrying a token would
 * stop otherwise.  The length, the call and its arguments are still checked, and the count is
 * said at the end.  --keep-going reports each of them as a divergence, as it does any. */
static uint64_t rt_redacted_bytes, rt_redacted_first;

int rt_redacted_bytes_taken(const struct trace_event *ev)
{
	const Retrace__Header *h = rt_reader.header;
	if (rt_keep_going || !h || h->n_redacted == 0)
		return 0;
	if (__atomic_fetch_add(&rt_redacted_bytes, 1, __ATOMIC_SEQ_CST) == 0)
		rt_redacted_first = ev->seq;
	return 1;
}

void rt_redacted_summary(void)
{
	uint64_t n = __atomic_load_n(&rt_redacted_bytes, __ATOMIC_SEQ_CST);
	if (!n)
		return;
	char names[400];
	rt_redacted_names(names, sizeof names);
	rt_msg("%llu write%s or send%s had other bytes than recorded, of the recorded length (first "
	       "at event #%llu), as bytes computed from a redacted secret do: the trace redacted %s; "
	       "replay went on with the recorded results (--keep-going reports each)",
	       (unsigned long long)n, n == 1 ? "" : "s", n == 1 ? "" : "s",
	       (unsigned long long)rt_redacted_first, names);
}

/* The variables the trace redacted, as "API_TOKEN (40 bytes), ..." into buf; 0 when none. */
static int rt_redacted_names(char *buf, size_t n)
{
	const Retrace__Header *h = rt_reader.header;
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; h && i < h->n_redacted && k + 80 < n; i++) {
		const Retrace__Redacted *r = h->redacted[i];
		char name[64];
		trace_text_escape(name, sizeof name, r->name.data, r->name.len);
		k += (size_t)snprintf(buf + k, n - k, "%s%s (%u bytes)", i ? ", " : "", name,
				      (unsigned)r->length);
		if (i + 1 < h->n_redacted && k + 80 >= n)
			snprintf(buf + k, n - k, ", ...");
	}
	return h && h->n_redacted > 0;
}

/* Replay's start: a command line that differs from the recorded one.  It is not refused (only
 * retrace-replay refuses another program): the program runs with it, replay stops where it
 * leaves the trace, and the report names the argument as the likely cause.  Said at start too,
 * since a replay that never diverges would otherwise hide it. */
void rt_argv_compare(const Retrace__Header *h, int argc, char **argv)
{
	int i = 0;
	while (i < argc && (size_t)i < h->n_argv && h->argv[i].len == strlen(argv[i]) &&
	       memcmp(h->argv[i].data, argv[i], h->argv[i].len) == 0)
		i++;
	if (i < argc && (size_t)i < h->n_argv)
		snprintf(rt_argv_differs, sizeof rt_argv_differs,
			 "argument %d is \"%.200s\" now, \"%.*s\" when recorded", i, argv[i],
			 (int)(h->argv[i].len < 200 ? h->argv[i].len : 200), (const char *)h->argv[i].data);
	else if (i < argc)
		snprintf(rt_argv_differs, sizeof rt_argv_differs,
			 "%d arguments now, %zu when recorded (argument %d, \"%.200s\", is new)", argc,
			 h->n_argv, i, argv[i]);
	else if ((size_t)i < h->n_argv)
		snprintf(rt_argv_differs, sizeof rt_argv_differs,
			 "%d arguments now, %zu when recorded (argument %d, \"%.*s\", is missing)", argc,
			 h->n_argv, i, (int)(h->argv[i].len < 200 ? h->argv[i].len : 200),
			 (const char *)h->argv[i].data);
	if (rt_argv_differs[0])
		rt_msg("warning: the command line differs from the recording: %s; replay goes on with "
		       "it and stops where the program leaves the trace", rt_argv_differs);
}

/* Replay's start: compare the environment the program got with the recorded one (names only:
 * values may be secrets, and reports get pasted into bug reports).  LD_PRELOAD is left out:
 * retrace-replay may add it, and it is ours. */
void rt_env_compare(const Retrace__Header *h)
{
	char here[4096];
	rt_cwd_differs = h->cwd.len && getcwd(here, sizeof here) &&
			 (strlen(here) != h->cwd.len || memcmp(here, h->cwd.data, h->cwd.len) != 0);
	/* the shell's PWD follows the directory: with the directory named, it adds nothing */
	for (char **e = environ; e && *e; e++) {
		size_t len = strlen(*e), i;
		if (strncmp(*e, "LD_PRELOAD=", 11) == 0 || (rt_cwd_differs && strncmp(*e, "PWD=", 4) == 0))
			continue;
		for (i = 0; i < h->n_env; i++)
			if (h->env[i].len == len && memcmp(h->env[i].data, *e, len) == 0)
				break;
		if (i < h->n_env)
			continue;
		const char *eq = strchr(*e, '=');
		int nlen = eq ? (int)(eq - *e) : (int)len;
		int was_set = 0;
		for (i = 0; i < h->n_env; i++)
			if (h->env[i].len > (size_t)nlen && memcmp(h->env[i].data, *e, (size_t)nlen) == 0 &&
			    h->env[i].data[nlen] == '=')
				was_set = 1;
		snprintf(rt_env_differs, sizeof rt_env_differs, "%.*s %s", nlen < 120 ? nlen : 120, *e,
			 was_set ? "has another value than when recorded" : "is set now, not when recorded");
		break;
	}
	for (size_t i = 0; !rt_env_differs[0] && i < h->n_env; i++) {
		const char *v = (const char *)h->env[i].data;
		const char *eq = memchr(v, '=', h->env[i].len);
		int nlen = eq ? (int)(eq - v) : (int)h->env[i].len;
		if ((nlen == 10 && memcmp(v, "LD_PRELOAD", 10) == 0) ||
		    (rt_cwd_differs && nlen == 3 && memcmp(v, "PWD", 3) == 0))
			continue;
		int found = 0;
		for (char **e = environ; e && *e && !found; e++)
			found = strncmp(*e, v, (size_t)nlen) == 0 && (*e)[nlen] == '=';
		if (!found)
			snprintf(rt_env_differs, sizeof rt_env_differs, "%.*s is not set now (it was when "
				 "recorded)", nlen < 120 ? nlen : 120, v);
	}
}

/* A file modified after the recording started (by the real stat: nothing of the trace). */
static int rt_changed_since_recording(const char *path)
{
	static int (*real_stat)(const char *, struct stat *);
	struct stat st;
	if (!path || !*path || REAL_SYM(real_stat, "stat")(path, &st) < 0)
		return 0;
	return (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec >
	       rt_reader.header->start_time_ns;
}

/* The system's own files: a live read there is rarely what changed. */
/* Python code changed since the recording, and read live: a recorded file's contents replay
 * from the trace (stdio.c, io.c), so only an unrecorded one's edit reaches the replay. */
static int rt_code_changed(const char *file)
{
	struct rt_path p; /* on the stack: a report is no hot path, and retrace keeps its static memory small */
	return rt_path_resolve(AT_FDCWD, file, &p) != RT_PATH_RECORDED &&
	       rt_changed_since_recording(file);
}

static int rt_system_path(const char *p)
{
	static const char *const sys[] = { "/usr/", "/lib", "/bin/", "/sbin/", "/etc/", "/dev/" };
	for (size_t i = 0; i < sizeof sys / sizeof *sys; i++)
		if (strncmp(p, sys[i], strlen(sys[i])) == 0)
			return 1;
	return 0;
}

/* The directory of a path, for the RETRACE_RECORDED hint. */
static void rt_dir_of(char *buf, size_t n, const char *path)
{
	const char *slash = strrchr(path, '/');
	int k = slash && slash != path ? (int)(slash - path) : slash ? 1 : (int)strlen(path);
	snprintf(buf, n, "%.*s", k, path);
}

/* The next "  File \"F\", line N, in G" of a traceback text from *at: 1 and the parts, or 0. */
static int rt_tb_frame(const char *tb, size_t len, size_t *at, const char **file, int *nfile,
		       long *line, const char **func, int *nfunc)
{
	while (*at < len) {
		const char *s = tb + *at;
		const char *nl = memchr(s, '\n', len - *at);
		size_t k = nl ? (size_t)(nl - s) : len - *at;
		*at += k + 1;
		const char *f = memmem(s, k, "File \"", 6);
		if (!f)
			continue;
		f += 6;
		const char *q = memmem(f, k - (size_t)(f - s), "\", line ", 8);
		if (!q)
			continue;
		*file = f;
		*nfile = (int)(q - f);
		*line = strtol(q + 8, NULL, 10);
		const char *in = memmem(q, k - (size_t)(q - s), ", in ", 5);
		*func = in ? in + 5 : "";
		*nfunc = in ? (int)(k - (size_t)(in + 5 - s)) : 0;
		return 1;
	}
	return 0;
}

/* The likely cause of a divergence and a hint, by rules in this order, the most certain first:
 *  (a) a Python file of the recorded or current location, or of the traceback, was modified
 *      after the recording started: the code itself is not the recorded code;
 *  (b) the command line, the environment or the cwd the program got differs from the recorded
 *      one (the raw RETRACE_MODE=replay form runs with the caller's; retrace-replay runs the
 *      recorded ones unless given other arguments);
 *  (c) a file the program used live (not recorded) was modified since the recording: its
 *      contents steered the program;
 *  (d) something retrace does not replay yet ran: child processes (they run live);
 *  (c') the last file the program used live, outside the system's own directories, may have
 *      changed (we cannot tell: it was not recorded);
 *  (e) none of these: several threads left their recorded schedule, or the program took
 *      another path, for a reason retrace cannot see. */
/* Calls of the threads family: the schedule's own events. */
static int rt_call_is_threads(uint32_t call)
{
	switch (call) {
	case RETRACE__CALL__CALL_THREAD_CREATE: case RETRACE__CALL__CALL_THREAD_EXIT:
	case RETRACE__CALL__CALL_GIL_TAKE: case RETRACE__CALL__CALL_YIELD:
	case RETRACE__CALL__CALL_SEM_TRYWAIT: case RETRACE__CALL__CALL_SEM_WAIT:
	case RETRACE__CALL__CALL_SEM_POST: case RETRACE__CALL__CALL_SEM_TIMEDWAIT:
	case RETRACE__CALL__CALL_SEM_CLOCKWAIT: case RETRACE__CALL__CALL_COND_TIMEDWAIT:
		return 1;
	default:
		return 0;
	}
}

static void rt_cause_threads(char *cause, size_t cn, char *hint, size_t hn, uint32_t threads)
{
	snprintf(cause, cn, "the program's %u threads left their recorded schedule: a thread "
		 "made another call, or none, where the recording has its next event",
		 threads > rt_reader.ntids ? threads : (unsigned)rt_reader.ntids);
	snprintf(hint, hn, "compare each thread's recorded and current Python locations above; "
		 "the threads may share something retrace does not record (memory written by a "
		 "C library's own threads, a file read live)");
}

static void rt_likely_cause(const struct trace_event *ev, const char *tb, size_t tblen,
			    char *cause, size_t cn, char *hint, size_t hn)
{
	char file[1024], dir[1024];
	int have = 0;
	if (ev && rt_pyloc_file_recorded(file, sizeof file, ev->location) &&
	    rt_code_changed(file))
		have = 1;
	if (!have && rt_pyloc_file_live(file, sizeof file, rt_self.pyloc_now) &&
	    rt_code_changed(file))
		have = 1;
	const char *f, *fn;
	int nf, nfn;
	long line;
	for (size_t at = 0; !have && rt_tb_frame(tb, tblen, &at, &f, &nf, &line, &fn, &nfn);) {
		snprintf(file, sizeof file, "%.*s", nf, f);
		have = rt_code_changed(file);
	}
	if (have) {
		snprintf(cause, cn, "script or module changed: %s was modified after the recording",
			 file);
		snprintf(hint, hn, "replay runs the code as it is now; restore the recorded version of "
			 "%s, or record again", file);
		return;
	}
	/* A send or write of the recorded length with other bytes, where the trace redacted
	 * secrets: the recording replaced each value where it appeared as itself, and the program
	 * has the placeholder now; a value computed from it (base64 in Basic auth, an HMAC, the
	 * TLS records that carry it) cannot be replaced so, and differs on replay. */
	char redacted[400];
	if (rt_bytes_diverged && rt_redacted_names(redacted, sizeof redacted)) {
		snprintf(cause, cn, "a redacted secret: the trace redacted %s, and the program has a "
			 "placeholder of the same length now; bytes computed from a redacted value (its "
			 "base64, an HMAC, TLS records that carry it) differ on replay", redacted);
		snprintf(hint, hn, "record with --no-redact (RETRACE_REDACT=none), or with patterns "
			 "that leave this variable out, to replay a program that sends such a value; "
			 "--keep-going replays past such sends");
		return;
	}
	if (rt_argv_differs[0]) {
		snprintf(cause, cn, "command line differs: %s", rt_argv_differs);
		snprintf(hint, hn, "replay with the recorded command (retrace-replay TRACE with no "
			 "command runs it), or record again with this one");
		return;
	}
	if (rt_env_differs[0] || rt_cwd_differs) {
		if (rt_cwd_differs)
			snprintf(cause, cn, "working directory differs: the recording ran in %.*s%s%s",
				 (int)(rt_reader.header->cwd.len < 900 ? rt_reader.header->cwd.len : 900),
				 (const char *)rt_reader.header->cwd.data,
				 rt_env_differs[0] ? "; the environment too: " : "", rt_env_differs);
		else
			snprintf(cause, cn, "environment differs: %s", rt_env_differs);
		snprintf(hint, hn, "replay with retrace-replay, which restores the recorded "
			 "environment and directory, or record again in this one");
		return;
	}
	for (unsigned i = 0; (f = rt_paths_live_recent(i)); i++)
		if (rt_changed_since_recording(f)) {
			rt_dir_of(dir, sizeof dir, f);
			snprintf(cause, cn, "file not recorded: %s was read live and changed since the "
				 "recording", f);
			snprintf(hint, hn, "RETRACE_RECORDED=%s records it", dir);
			return;
		}
	/* Which family: the one the evidence points to, not the first found.  A thread's
	 * divergence in threading's own code or at a thread's call is the schedule's, even when the
	 * recording's next event is a child's (a thread that starts processes); then a signal, when
	 * the recording's or the program's call is one or a signal was handed over just before;
	 * then children. */
	uint32_t threads = rt_threads_count();
	uint32_t asked = rt_asked_nums.call, exp = ev ? ev->call : 0;
	int in_threading =
		(ev && rt_pyloc_file_recorded(file, sizeof file, ev->location) && strstr(file, "/threading.py")) ||
		(rt_pyloc_file_live(file, sizeof file, rt_self.pyloc_now) && strstr(file, "/threading.py"));
	if ((threads > 1 || rt_reader.ntids > 1) &&
	    (in_threading || rt_call_is_threads(asked) || rt_call_is_threads(exp))) {
		rt_cause_threads(cause, cn, hint, hn, threads);
		return;
	}
	if (exp == RETRACE__CALL__CALL_SIGNAL) {
		const char *name = sigabbrev_np((int)ev->arg0);
		snprintf(cause, cn, "a signal: the recording handed SIG%s to the program's handler %s, "
			 "and the program did not get there the same way", name ? name : "?",
			 ev->arg1 == 2 ? "at an eval-breaker check of its Python code (a point found "
					 "by the frame's place and state)" : "right after its previous call");
		snprintf(hint, hn, "what the program computed between its previous call and the signal "
			 "differs from the recording (a file read live, a changed script), or its frame "
			 "reached the same state twice there");
		return;
	}
	int sig_call = exp == RETRACE__CALL__CALL_SIGNAL_SETUP || exp == RETRACE__CALL__CALL_KILL ||
		       asked == RETRACE__CALL__CALL_SIGNAL_SETUP || asked == RETRACE__CALL__CALL_KILL;
	if (sig_call || (ev && rt_sig_replayed_seq && ev->seq > rt_sig_replayed_seq &&
			 ev->seq - rt_sig_replayed_seq <= 64)) {
		const char *name = sigabbrev_np(rt_sig_replayed_sig);
		if (rt_sig_replayed_seq && !sig_call)
			snprintf(cause, cn, "a signal: the recording handed SIG%s to the program at event "
				 "#%llu, just before; its handler, or what the program did after it, took "
				 "another path", name ? name : "?", (unsigned long long)rt_sig_replayed_seq);
		else
			snprintf(cause, cn, "signals: the program's signal setup (a handler, a timer, a "
				 "signal it sends) differs from the recording here");
		snprintf(hint, hn, "retrace-dump TRACE | grep signal shows the recorded signals; a "
			 "handler that reads something live (a file, the clock without retrace) behaves "
			 "otherwise on replay");
		return;
	}
	if (exp == RETRACE__CALL__CALL_FORK || exp == RETRACE__CALL__CALL_WAIT ||
	    exp == RETRACE__CALL__CALL_EXEC || asked == RETRACE__CALL__CALL_FORK ||
	    asked == RETRACE__CALL__CALL_WAIT || asked == RETRACE__CALL__CALL_EXEC) {
		int forked = exp == RETRACE__CALL__CALL_FORK || (exp != RETRACE__CALL__CALL_WAIT &&
								 asked == RETRACE__CALL__CALL_FORK);
		snprintf(cause, cn, "child processes: %s here; the program now does "
			 "something else", forked ? "the recording started a child"
				: exp == RETRACE__CALL__CALL_WAIT ? "the recording waited for a child"
				: "a child's start or end does not match the recording");
		snprintf(hint, hn, "retrace-dump --tree TRACE shows the recorded children; what the "
			 "program learned from them comes from the trace, so the difference is before");
		return;
	}
	if (rt_debug_disturbed(cause, cn)) {
		snprintf(hint, hn, "replay again without --break, or stop later: a replay that "
			 "diverges only after a session is one the debugger disturbed");
		return;
	}
	for (unsigned i = 0; (f = rt_paths_live_recent(i)); i++)
		if (!rt_system_path(f)) {
			rt_dir_of(dir, sizeof dir, f);
			snprintf(cause, cn, "read live, not recorded: %s; if it changed since recording, "
				 "that explains it", f);
			snprintf(hint, hn, "RETRACE_RECORDED=%s records it", dir);
			return;
		}
	if (threads > 1 || rt_reader.ntids > 1) {
		rt_cause_threads(cause, cn, hint, hn, threads);
		return;
	}
	if (rt_redacted_names(redacted, sizeof redacted)) {
		snprintf(cause, cn, "the program took another path than when recorded; the trace "
			 "redacted %s: a value computed from a redacted variable may differ on replay",
			 redacted);
		snprintf(hint, hn, "compare the recorded and current Python locations above; if the "
			 "program decides by a secret's value, record with --no-redact "
			 "(RETRACE_REDACT=none) or patterns that leave it out");
		return;
	}
	snprintf(cause, cn, "the program took another path than when recorded");
	snprintf(hint, hn, "compare the recorded and current Python locations above; the program "
		 "may depend on something retrace does not intercept");
}

/* ---- the report as JSON (retrace-replay --report-json) ------------------------------------ */

/* the C stack at the divergent call, captured by rt_c_stack_capture below */
#define RT_CSTACK_MAX 16
static char rt_cstack[RT_CSTACK_MAX][128];
static int rt_cstack_n;


/* Written with the real write from a stack buffer: no stdio, no heap, whatever state the
 * program is in. */
struct rt_json {
	int fd, failed;
	size_t len;
	char buf[4096];
};

static void js_flush(struct rt_json *j)
{
	for (size_t off = 0; off < j->len && !j->failed;) {
		ssize_t w = REAL(write)(j->fd, j->buf + off, j->len - off);
		if (w <= 0)
			j->failed = 1;
		else
			off += (size_t)w;
	}
	j->len = 0;
}

static void js_raw(struct rt_json *j, const char *s, size_t n)
{
	while (n) {
		if (j->len == sizeof j->buf)
			js_flush(j);
		size_t k = sizeof j->buf - j->len < n ? sizeof j->buf - j->len : n;
		memcpy(j->buf + j->len, s, k);
		j->len += k;
		s += k;
		n -= k;
	}
}

static void js_lit(struct rt_json *j, const char *s)
{
	js_raw(j, s, strlen(s));
}

static void js_int(struct rt_json *j, long long v)
{
	char b[32];
	int k = snprintf(b, sizeof b, "%lld", v);
	js_raw(j, b, (size_t)k);
}

/* A JSON string: quotes, backslashes and control bytes escaped; valid UTF-8 kept, any other
 * byte as \u00XX (its Latin-1 reading: the file stays valid JSON). */
static void js_str(struct rt_json *j, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	js_raw(j, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned c = u[i];
		size_t seq = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 && c >= 0xc2 ? 2 : (c & 0xf0) == 0xe0 ? 3
			   : (c & 0xf8) == 0xf0 && c <= 0xf4 ? 4 : 0;
		for (size_t k = 1; seq > 1 && k < seq; k++)
			if (i + k >= n || (u[i + k] & 0xc0) != 0x80)
				seq = 0;
		if (seq > 1) {
			js_raw(j, s + i, seq);
			i += seq;
			continue;
		}
		char e[8];
		if (c == '"' || c == '\\') {
			e[0] = '\\', e[1] = (char)c;
			js_raw(j, e, 2);
		} else if (c == '\n') {
			js_lit(j, "\\n");
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(e, sizeof e, "\\u%04x", c);
			js_raw(j, e, 6);
		} else {
			js_raw(j, s + i, 1);
		}
		i++;
	}
	js_raw(j, "\"", 1);
}

static void js_cstr(struct rt_json *j, const char *s)
{
	js_str(j, s, strlen(s));
}

static void js_python(struct rt_json *j, int have, const struct rt_pyloc_parts *p)
{
	if (!have) {
		js_lit(j, "null");
		return;
	}
	js_lit(j, "{\"file\": ");
	js_str(j, p->file, (size_t)p->nfile);
	js_lit(j, ", \"line\": ");
	js_int(j, p->line);
	js_lit(j, ", \"function\": ");
	js_str(j, p->func, (size_t)p->nfunc);
	js_lit(j, "}");
}

/* {"call": "send", "args": "fd 3, 5 bytes, flags 0x0", "python": …} from "send(fd 3, …)". */
static void js_call(struct rt_json *j, const char *desc, int have, const struct rt_pyloc_parts *p)
{
	const char *open = strchr(desc, '(');
	size_t n = strlen(desc);
	js_lit(j, "{\"call\": ");
	js_str(j, desc, open ? (size_t)(open - desc) : n);
	js_lit(j, ", \"args\": ");
	if (open && n > (size_t)(open - desc) + 1 && desc[n - 1] == ')')
		js_str(j, open + 1, n - (size_t)(open - desc) - 2);
	else
		js_lit(j, "\"\"");
	js_lit(j, ", \"python\": ");
	js_python(j, have, p);
	js_lit(j, "}");
}

static int rt_tb_frame(const char *tb, size_t len, size_t *at, const char **file, int *nfile,
		       long *line, const char **func, int *nfunc);

/* The frames of a traceback text ("  File \"f\", line N, in g" lines) as an array of objects. */
static void js_frames(struct rt_json *j, const char *tb, size_t len)
{
	const char *f, *fn;
	int nf, nfn, first = 1;
	long line;
	js_lit(j, "[");
	for (size_t at = 0; rt_tb_frame(tb, len, &at, &f, &nf, &line, &fn, &nfn); first = 0) {
		struct rt_pyloc_parts fr = { .file = f, .nfile = nf, .func = fn, .nfunc = nfn,
					     .line = (uint32_t)line };
		js_lit(j, first ? "" : ", ");
		js_python(j, 1, &fr);
	}
	js_lit(j, "]");
}

static void rt_write_report_json(const struct trace_event *ev, const char *actual,
				 const char *why, const char *tb, size_t tblen, const char *cause,
				 const char *hint)
{
	struct rt_json j = { .fd = -1 };
	j.fd = REAL(open)(rt_report_json, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			  0600);
	if (j.fd < 0) {
		rt_msg("cannot write the report to %s: %s", rt_report_json, strerrordesc_np(errno));
		return;
	}
	struct rt_pyloc_parts p;
	char exp[400];
	js_lit(&j, "{\"event\": ");
	js_int(&j, ev ? (long long)ev->seq : 0);
	js_lit(&j, ", \"thread\": ");
	js_int(&j, ev ? ev->tid : rt_self.tid);
	js_lit(&j, ", \"what\": ");
	js_cstr(&j, why);
	js_lit(&j, ", \"expected\": ");
	if (ev) {
		rt_describe_event(exp, sizeof exp, ev);
		js_call(&j, exp, rt_pyloc_parts_recorded(ev->location, &p), &p);
	} else {
		js_lit(&j, "null");
	}
	js_lit(&j, ", \"actual\": ");
	js_call(&j, actual, rt_pyloc_parts_live(rt_self.pyloc_now, &p), &p);
	js_lit(&j, ", \"python_traceback\": ");
	js_frames(&j, tb, tblen);
	if (rt_pystacks_active()) {
		static char st[16384];
		size_t stlen = rt_pystack_recorded_text(st, sizeof st, rt_self.pystack_recorded);
		js_lit(&j, ", \"recorded_python_stack\": ");
		js_frames(&j, st, stlen);
	}
	js_lit(&j, ", \"c_stack\": [");
	for (int i = 0; i < rt_cstack_n; i++) {
		js_lit(&j, i ? ", " : "");
		js_cstr(&j, rt_cstack[i]);
	}
	js_lit(&j, "], \"cause\": ");
	js_cstr(&j, cause);
	js_lit(&j, ", \"hint\": ");
	js_cstr(&j, hint);
	js_lit(&j, "}\n");
	js_flush(&j);
	REAL(close)(j.fd);
}

/* ---- the C stack at the divergent call (libunwind) ------------------------------------------ */

/* Only at a divergence, never on the hot path: libunwind reads the unwind tables and the ELF
 * symbols now (its memory comes now too), and the process exits right after.  retrace's own
 * frames (rt_*) at the top are left out: frame #0 is the wrapper the program called. */
static __attribute__((noinline)) void rt_c_stack_capture(void)
{
	unw_context_t ctx;
	unw_cursor_t cur;
	rt_cstack_n = 0;
	if (unw_getcontext(&ctx) != 0 || unw_init_local(&cur, &ctx) != 0)
		return;
	int top = 1;
	while (rt_cstack_n < RT_CSTACK_MAX && unw_step(&cur) > 0) {
		char name[96];
		unw_word_t off = 0, ip = 0;
		unw_get_reg(&cur, UNW_REG_IP, &ip);
		int r = unw_get_proc_name(&cur, name, sizeof name, &off);
		if (r != 0 && r != -UNW_ENOMEM) {
			snprintf(rt_cstack[rt_cstack_n++], sizeof rt_cstack[0], "0x%lx", (unsigned long)ip);
			top = 0;
			continue;
		}
		if (top && strncmp(name, "rt_", 3) == 0)
			continue;
		top = 0;
		snprintf(rt_cstack[rt_cstack_n++], sizeof rt_cstack[0], "%s+0x%lx", name,
			 (unsigned long)off);
	}
}

static void rt_c_stack_print(void)
{
	for (int i = 0; i < rt_cstack_n; i += 4) {
		char line[600];
		size_t k = 0;
		for (int f = i; f < rt_cstack_n && f < i + 4; f++) {
			int w = snprintf(line + k, sizeof line - k, " #%d %s", f, rt_cstack[f]);
			if (w < 0 || (size_t)w >= sizeof line - k)
				break;
			k += (size_t)w;
		}
		rt_msg("  %s%s", i ? "        " : "C stack:", line);
	}
}

static int rt_report_c_stack = 1;

void rt_report_without_c_stack(void)
{
	rt_report_c_stack = 0;
}

/* What every divergence report ends with: the likely cause, and the JSON report if asked. */
void rt_report_tail(const struct trace_event *ev, const char *actual, const char *why)
{
	static char tb[16384], cause[1400], hint[1200];
	size_t tblen = rt_pyloc_traceback_text(tb, sizeof tb);
	rt_self.inside++; /* libunwind probes memory with pipe/write, our stat and open are real */
	if (rt_report_c_stack) {
		rt_c_stack_capture();
		rt_c_stack_print();
	}
	rt_likely_cause(ev, tb, tblen, cause, sizeof cause, hint, sizeof hint);
	rt_msg("likely cause: %s — hint: %s", cause, hint);
	/* one report per file: with --keep-going, the first divergence's (it names the cause) */
	static int json_written;
	if (rt_report_json[0] && !json_written++)
		rt_write_report_json(ev, actual, why, tb, tblen, cause, hint);
	rt_self.inside--;
}

/* --keep-going (retrace-replay(1)).  Replay never invents a result nor falls back to live I/O,
 * so it goes past a divergence only where the recording still says what the call returns and
 * what comes next:
 *  - the same call with the same key arguments, made from another place in the Python code (the
 *    location checkpoint): the recorded event answers it exactly as it would have;
 *  - written or sent bytes that differ (same call, fd and size, other hash): the recorded result
 *    is returned; a replayed write to an inherited stdout/stderr still happens, with the
 *    program's bytes of now, so the user sees what the program prints today.
 * Anything else (another call, other key arguments, the end of the trace, a call after it, an
 * exec, a damaged event) leaves nothing recorded to answer with: that is reported in full and
 * replay stops with 90, as without the option.  Only the first divergence gets the full report
 * (and the JSON file): it names the likely cause, later ones mostly follow from it and get one
 * line each.  At the end the count goes to stderr and the status byte 'D' to retrace-replay,
 * which then exits 90 (see rt_keep_going_summary). */

void rt_keep_going_summary(void)
{
	uint64_t n = __atomic_load_n(&rt_kg_count, __ATOMIC_SEQ_CST);
	if (!n)
		return;
	rt_msg("replay finished with %llu divergence%s (first at event #%llu)",
	       (unsigned long long)n, n == 1 ? "" : "s", (unsigned long long)rt_kg_first);
	rt_status_send(RETRACE_STATUS_DIVERGED);
}

/* rt_exit_with, stopping at a divergence that cannot be gone past: say how many were before. */
void rt_keep_going_stopped(void)
{
	uint64_t n = __atomic_load_n(&rt_kg_count, __ATOMIC_SEQ_CST);
	if (n)
		rt_msg("replay stopped here, after going past %llu divergence%s (first at event #%llu)",
		       (unsigned long long)n, n == 1 ? "" : "s", (unsigned long long)rt_kg_first);
}

/* Replay stops here: what the program printed and has not written yet (a block-buffered
 * stdout) goes out first, as it would at the program's exit, so the user sees all it printed
 * up to the divergence.  Live, interception off for this thread: the trace holds nothing more
 * to check it against.  Not at the end of a recording (93): the recorded process lost its
 * buffers there too.  Not in a quiet replay (a forked child's parents). */
void rt_flush_program_output(void)
{
	static int done;
	if (__atomic_exchange_n(&done, 1, __ATOMIC_SEQ_CST) || rt_replay_quiet())
		return;
	int saved = errno;
	rt_self.inside++;
	if (rt_py.flush_stdio)
		rt_py.flush_stdio(!rt_threaded());
	FILE *const files[] = { stdout, stderr };
	for (size_t i = 0; i < 2; i++)
		if (ftrylockfile(files[i]) == 0) {
			fflush_unlocked(files[i]);
			funlockfile(files[i]);
		}
	rt_self.inside--;
	errno = saved;
}

/* The two lines of a report never look alike when the calls differ: where the summaries are
 * the same, the calls differ in something a summary leaves out (an offset, a flag, which variant
 * of the call, a path), so both get the numbers they were made of, and the recorded path or
 * address beside the one asked for when those differ.  Two equal calls stay equal lines: the
 * divergence is then in their place in the Python code or their bytes, which the reason says. */
static void rt_describe_apart(char *exp, size_t en, char *act, size_t an,
			      const struct trace_event *expected)
{
	if (strcmp(exp, act) != 0)
		return;
	const struct trace_event *asked = rt_self.asked;
	int numbers = rt_asked_nums.call != expected->call || rt_asked_nums.a[0] != expected->arg0 ||
		      rt_asked_nums.a[1] != expected->arg1 || rt_asked_nums.a[2] != expected->arg2;
	int paths = asked && (asked->aux_len != expected->aux_len ||
			      memcmp(asked->aux, expected->aux, asked->aux_len) != 0);
	/* the same call with the same arguments: the divergence is elsewhere (its place in the
	 * Python code, the bytes written), and the reason line says where */
	if (!numbers && !paths)
		return;
	size_t el = strlen(exp), al = strlen(act);
	snprintf(exp + el, en - el, " [call %u, arguments %lld, %lld, %lld]", expected->call,
		 (long long)expected->arg0, (long long)expected->arg1, (long long)expected->arg2);
	snprintf(act + al, an - al, " [call %u, arguments %lld, %lld, %lld]", rt_asked_nums.call,
		 (long long)rt_asked_nums.a[0], (long long)rt_asked_nums.a[1],
		 (long long)rt_asked_nums.a[2]);
	if (paths) {
		el = strlen(exp);
		al = strlen(act);
		snprintf(exp + el, en - el, " on \"%.*s\"", (int)(expected->aux_len < 300 ? expected->aux_len : 300),
			 (const char *)expected->aux);
		snprintf(act + al, an - al, " on \"%.*s\"", (int)(asked->aux_len < 300 ? asked->aux_len : 300),
			 (const char *)asked->aux);
	}
}

void rt_report_divergence(const struct trace_event *expected, const char *actual,
				 const char *why)
{
	/* without --keep-going every report is a stop: the output goes before it */
	if (!rt_keep_going)
		rt_flush_program_output();
	rt_report_begin(); /* a hard stop keeps it to the end: the process exits after the report */
	char exp[700], act[700];
	rt_describe_event(exp, sizeof exp, expected);
	snprintf(act, sizeof act, "%s", actual);
	rt_describe_apart(exp, sizeof exp, act, sizeof act, expected);
	rt_msg("replay diverged at event #%llu (thread %u): %s",
	       (unsigned long long)expected->seq, expected->tid, why);
	rt_msg("  recorded: %s", exp);
	rt_msg("  replayed: %s", act);
	if (rt_pyloc_checked()) {
		char loc[512];
		rt_pyloc_describe_recorded(loc, sizeof loc, expected->location, 0);
		rt_msg("  recorded at %s", loc);
		rt_pyloc_describe_live(loc, sizeof loc, rt_self.pyloc_now, 0);
		rt_msg("  now at %s", loc);
		rt_pystack_print_recorded();
		rt_pyloc_traceback();
	}
	if (rt_threaded()) {
		rt_msg("  threads (the recording has %zu):", rt_reader.ntids);
		rt_sched_report_threads("made the call above");
	}
	rt_report_tail(expected, actual, why);
	if (!rt_keep_going)
		rt_debug_at_divergence();
}

/* --keep-going: report a divergence that can be gone past and count it; 0 without the option
 * (the caller stops as always).  The first report is the full one, later ones a line. */
int rt_keep_going_past(const struct trace_event *expected, const char *actual,
			      const char *why)
{
	if (!rt_keep_going)
		return 0;
	rt_self.inside++;
	rt_report_begin();
	uint64_t n = __atomic_add_fetch(&rt_kg_count, 1, __ATOMIC_SEQ_CST);
	if (n == 1) {
		rt_kg_first = expected->seq;
		rt_report_divergence(expected, actual, why);
		rt_msg("--keep-going: going on with the recorded result; later divergences get one "
		       "line each");
	} else {
		rt_msg("replay diverged at event #%llu (thread %u): %s; replayed %s; going on",
		       (unsigned long long)expected->seq, expected->tid, why, actual);
	}
	rt_report_end();
	rt_self.inside--;
	return 1;
}

int rt_diverge_soft(const struct trace_event *expected, const char *what)
{
	char act[160];
	rt_describe_asked(act, sizeof act, expected->call, expected->arg0, expected->arg1,
			  expected->arg2);
	if (rt_keep_going_past(expected, act, what))
		return 1;
	rt_report_divergence(expected, act, what);
	rt_exit_with(RETRACE_EXIT_DIVERGED, RETRACE_STATUS_DIVERGED);
}

__attribute__((noreturn)) void rt_diverge(const struct trace_event *expected, const char *what)
{
	char act[160];
	rt_describe_asked(act, sizeof act, expected->call, expected->arg0, expected->arg1,
			  expected->arg2);
	rt_report_divergence(expected, act, what);
	rt_exit_with(RETRACE_EXIT_DIVERGED, RETRACE_STATUS_DIVERGED);
}
