/* core.c — start-up, the event core, and the end of a recording or replay.
 *
 * The constructor decides the mode, turns ASLR off (re-executing if it has to), hides RETRACE_*
 * from the program, opens the trace and writes (record) or checks (replay) its header.  Events
 * get a global sequence number and a logical thread id; each thread appends to (record) or reads
 * from (replay) its own stream of the trace.  See rt.h for the invariants this file keeps.
 */
#include <dlfcn.h>
#include <fcntl.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/auxv.h>
#include <sys/personality.h>
#include <sys/single_threaded.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exitcodes.h"
#include "rt.h"

extern char **environ;

__thread struct rt_thread rt_self __attribute__((tls_model("initial-exec")));
unsigned rt_on;
enum rt_mode rt_mode;

int rt_status_fd = -1;
static int rt_trace_fd = -1;
static struct trace_writer rt_writer;
static struct trace_reader rt_reader;
static uint64_t rt_seq = 1;       /* record: next sequence number */
static pid_t rt_pid;              /* the real pid of the process being recorded or replayed */
static pid_t rt_pid_recorded;
static int rt_finished;
static int rt_write_bytes;
static int rt_pyhooks_off;        /* record: RETRACE_PYHOOKS=0 */
static int rt_pystacks_on;        /* record: RETRACE_PYSTACKS=1 */
static char rt_stopped[256];      /* record: why recording stopped early, if it did */
static uint64_t rt_stopped_seq;
static int64_t rt_clock_last[16]; /* replay: last value handed out per clock id */
static char rt_trace_abs[4096];   /* absolute path of the trace (record: for programs we exec and
				     children's names; replay: for the children's traces) */
static char rt_parent_trace[4096]; /* record: a child's parent trace (RETRACE_PARENT), "" for
				     the root */
static uint64_t rt_parent_event;   /* record: the parent's FORK event that started this child */
static unsigned rt_child_no;       /* record: this child's number among its parent's children */
static int rt_forked;              /* record: forked, not executed: the header says so */
static char rt_libpath[4096];     /* this library's path, for a child whose environment lost it */
static size_t rt_trace_map_len;    /* replay: the trace's mapping at RT_TRACE_MAP_ADDR */
static unsigned rt_fork_chain[16];  /* replay of a forked child alone: the child numbers from
				      the trace started down to it (RETRACE_FORK_TARGET) ... */
static unsigned rt_fork_n, rt_fork_at; /* ... how many, and how many forks made so far */
static int rt_argc;                /* the program's arguments, for a forked child's header */
static char **rt_argv;
static char rt_execfn[4096];      /* the path the program was first executed by */
static char *rt_unrecorded_env;   /* record: "RETRACE_UNRECORDED=…" as the environment had it */
static char *rt_recorded_env;     /* record: "RETRACE_RECORDED=…" */
static int rt_keep_going;         /* replay: RETRACE_KEEP_GOING=1 (retrace-replay --keep-going) */
static uint64_t rt_kg_count;      /* replay, --keep-going: divergences gone past */
static uint64_t rt_kg_first;      /* replay, --keep-going: the event number of the first */

#define RT_CHUNK_SIZE (64u * 1024u)

/* A thread retrace did not see created (a thread that existed before the constructor, or was
 * made while retrace's own code ran) gets the next id at its first event. */
static inline void rt_thread_ensure(struct rt_thread *t)
{
	if (RT_UNLIKELY(!t->tid))
		rt_thread_attach(t, rt_thread_new_id());
}

int rt_recording_exited(void)
{
	return rt_reader.trailer != NULL;
}

const char *rt_recorded_threads_layout(void)
{
	const Retrace__Capture *cap = rt_reader.header ? rt_reader.header->capture : NULL;
	return cap && cap->threads_layout ? cap->threads_layout : "";
}

pid_t rt_recorded_pid(void)
{
	return rt_pid_recorded;
}

pid_t rt_real_pid(void)
{
	return (pid_t)REAL(syscall)(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

/* ---- record ------------------------------------------------------------------------------- */

static void rt_record_failed(uint64_t seq)
{
	/* First failure only: later events of other threads fail quietly. */
	if (__atomic_exchange_n(&rt_on, 0, __ATOMIC_SEQ_CST) == 0)
		return;
	rt_stopped_seq = seq;
	snprintf(rt_stopped, sizeof rt_stopped, "%s", rt_writer.error.msg);
	rt_msg("recording stopped at event #%llu: %s; the trace holds every event before it, "
	       "and the program goes on unrecorded", (unsigned long long)seq, rt_writer.error.msg);
}

/* The global sequence number.  A locked add costs more than the rest of a clock event's
 * recording; while glibc says the process is single-threaded (it clears
 * __libc_single_threaded, never to set it again, before a second thread exists, and thread
 * creation is a barrier) the only thread may use a plain one. */
static inline uint64_t rt_next_seq(void)
{
	if (__libc_single_threaded)
		return rt_seq++;
	return __atomic_fetch_add(&rt_seq, 1, __ATOMIC_RELAXED);
}

/* An event that says where the program's next events are made (PY_LOCATION, PY_FRAME,
 * PY_STACK), logged by the thread right before them. */
static void rt_record_python(struct rt_thread *t, struct trace_event *ev)
{
	ev->tid = t->tid;
	ev->seq = rt_next_seq();
	if (RT_UNLIKELY(trace_writer_append(&rt_writer, &t->chunk, RT_CHUNK_SIZE, ev) < 0))
		rt_record_failed(ev->seq);
}

/* The first event at a Python location: define its id, in the event stream right before it. */
static void rt_record_definition(struct rt_thread *t, uint32_t id)
{
	const struct rt_pyloc_def *d = rt_py.definition(&t->pyloc, id);
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_PY_LOCATION, .arg0 = id,
		.arg1 = d ? d->line : 0, .arg2 = d ? d->offset : 0,
		.aux = d ? (const uint8_t *)d->text : NULL,
		.aux_len = d ? d->text_len : 0, .location = id,
	};
	rt_record_python(t, &ev);
}

/* Location ids count up without gaps: define every one up to id not defined yet. */
static void rt_record_definitions_upto(struct rt_thread *t, uint32_t id)
{
	while (t->pyloc_logged < id)
		rt_record_definition(t, ++t->pyloc_logged);
}

/* With RETRACE_PYSTACKS: define the stack's new nodes (and their new locations), and say when
 * the thread's stack is another one than at its previous event. */
static void rt_record_stack(struct rt_thread *t, uint32_t loc)
{
	uint32_t node = rt_py.stack(&t->pyloc);
	if (node & RT_PYLOC_NEW) {
		node &= ~RT_PYLOC_NEW;
		const struct rt_pystack_node *d;
		while ((d = rt_py.node(&t->pyloc, t->pystack_logged + 1))) {
			rt_record_definitions_upto(t, d->location);
			struct trace_event ev = { .call = RETRACE__CALL__CALL_PY_FRAME,
						  .arg0 = ++t->pystack_logged, .arg1 = d->parent,
						  .arg2 = d->location, .location = loc };
			rt_record_python(t, &ev);
		}
	}
	if (node != t->pystack_now) {
		t->pystack_now = node;
		struct trace_event ev = { .call = RETRACE__CALL__CALL_PY_STACK, .arg0 = node,
					  .location = loc };
		rt_record_python(t, &ev);
	}
}

static inline uint32_t rt_record_location(struct rt_thread *t)
{
	uint32_t loc = rt_pyloc(t);
	if (RT_UNLIKELY(loc & RT_PYLOC_NEW)) {
		loc &= ~RT_PYLOC_NEW;
		rt_record_definitions_upto(t, loc);
	}
	if (RT_UNLIKELY(rt_py.stack != NULL))
		rt_record_stack(t, loc);
	return loc;
}

void rt_record_begin(struct trace_event *ev)
{
	struct rt_thread *t = &rt_self;
	rt_thread_ensure(t);
	if (RT_UNLIKELY(__atomic_load_n(&rt_yield_wanted, __ATOMIC_RELAXED)))
		rt_yield_at_call(t);
	/* a thread's exit has no place in its Python code to check (the interpreter may be
	 * finalizing it away) */
	ev->location = ev->call == RETRACE__CALL__CALL_THREAD_EXIT ? 0 : rt_record_location(t);
	ev->tid = t->tid;
	ev->seq = rt_next_seq();
}

void rt_record_append(struct trace_event *ev)
{
	struct rt_thread *t = &rt_self;
	if (RT_UNLIKELY(trace_writer_append(&rt_writer, &t->chunk, RT_CHUNK_SIZE, ev) < 0))
		rt_record_failed(ev->seq);
	rt_signals_poll();
}

void rt_record(struct trace_event *ev)
{
	rt_record_begin(ev);
	rt_record_append(ev);
}

void rt_record_value(uint32_t call, int64_t arg0, int64_t result, int64_t value)
{
	struct rt_thread *t = &rt_self;
	rt_thread_ensure(t);
	if (RT_UNLIKELY(__atomic_load_n(&rt_yield_wanted, __ATOMIC_RELAXED)))
		rt_yield_at_call(t);
	uint32_t loc = rt_record_location(t);
	uint64_t seq = rt_next_seq();
	if (RT_UNLIKELY(trace_writer_append_value(&rt_writer, &t->chunk, RT_CHUNK_SIZE, seq, call,
						  arg0, result, value, loc) < 0))
		rt_record_failed(seq);
	rt_signals_poll();
}

/* ---- replay ------------------------------------------------------------------------------- */

/* The program's side of a divergence: the call it is making, as the wrapper showed it when it
 * can (rt_self.asked), else from its numbers. */
static __thread struct { uint32_t call; int64_t a[3]; } rt_asked_nums;

static void rt_describe_asked(char *buf, size_t n, uint32_t call, int64_t a0, int64_t a1,
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

__attribute__((noreturn)) static void rt_replay_ended(uint32_t call, int64_t a0, int64_t a1,
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

/* Replay's start: a command line that differs from the recorded one.  It is not refused (only
 * retrace-replay refuses another program): the program runs with it, replay stops where it
 * leaves the trace, and the report names the argument as the likely cause.  Said at start too,
 * since a replay that never diverges would otherwise hide it. */
static void rt_argv_compare(const Retrace__Header *h, int argc, char **argv)
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
static void rt_env_compare(const Retrace__Header *h)
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
	static struct rt_path p;
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
	snprintf(cause, cn, "the program took another path than when recorded");
	snprintf(hint, hn, "compare the recorded and current Python locations above; the program "
		 "may depend on something retrace does not intercept");
}

/* ---- the report as JSON (retrace-replay --report-json) ------------------------------------ */

/* the C stack at the divergent call, captured by rt_c_stack_capture below */
#define RT_CSTACK_MAX 16
static char rt_cstack[RT_CSTACK_MAX][128];
static int rt_cstack_n;

static char rt_report_json[4096]; /* replay: RETRACE_REPORT_JSON, the file to write, or "" */

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
static int rt_keep_going_past(const struct trace_event *expected, const char *actual,
			      const char *why);

static void rt_keep_going_summary(void)
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

/* Replay: take in one of the events that only say where the program's next events are made
 * (PY_LOCATION, PY_FRAME, PY_STACK); 0 when ev is not one. */
static int rt_take_in_definition(struct rt_thread *t, const struct trace_event *ev)
{
	if (ev->call == RETRACE__CALL__CALL_PY_LOCATION)
		rt_pyloc_note_recorded(ev);
	else if (ev->call == RETRACE__CALL__CALL_PY_FRAME)
		rt_pystack_note_recorded(ev);
	else if (ev->call == RETRACE__CALL__CALL_PY_STACK)
		t->pystack_recorded = (uint32_t)ev->arg0;
	else
		return 0;
	return 1;
}

/* Replay: the thread's next event that is not a definition nor a PY_STACK, nor (unless `call`
 * is YIELD) a forced switch at this call, taking those in on the way, each in its turn;
 * rt_sched_next's result. */
static int rt_cursor_next(struct rt_thread *t, struct trace_error *err, uint32_t call)
{
	int r;
	while ((r = rt_sched_next(t, err)) == 1) {
		if (rt_take_in_definition(t, &t->ev))
			continue;
		if (t->ev.call == RETRACE__CALL__CALL_YIELD && call != RETRACE__CALL__CALL_YIELD) {
			rt_yield_replay(t, &t->ev);
			continue;
		}
		break;
	}
	if (rt_threaded()) {
		struct trace_event ahead;
		rt_yield_expect(t, rt_sched_peek_event(t, &ahead) ? &ahead : NULL);
	}
	return r;
}

void rt_replay_await(struct rt_thread *t, uint32_t call)
{
	rt_thread_ensure(t);
	const struct trace_event *next;
	struct trace_error err;
	while ((next = rt_sched_peek(t)) && next->call != call && rt_call_is_definition(next->call)) {
		if (rt_sched_next(t, &err) == 1)
			rt_take_in_definition(t, &t->ev);
	}
	if (!next || next->call != call) {
		rt_replay_next(call, 0, 0, 0); /* reports the divergence, or the end of the recording */
		return;
	}
	rt_sched_await_turn(t);
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

/* The two lines of a report never look alike: where the summaries are the same, the calls
 * differ in something a summary leaves out (an offset, a flag, which variant of the call, the
 * path behind an fd), so both get the numbers they were made of, and the recorded path or
 * address beside the one asked for when those differ. */
static void rt_describe_apart(char *exp, size_t en, char *act, size_t an,
			      const struct trace_event *expected)
{
	if (strcmp(exp, act) != 0)
		return;
	size_t el = strlen(exp), al = strlen(act);
	snprintf(exp + el, en - el, " [call %u, arguments %lld, %lld, %lld]", expected->call,
		 (long long)expected->arg0, (long long)expected->arg1, (long long)expected->arg2);
	snprintf(act + al, an - al, " [call %u, arguments %lld, %lld, %lld]", rt_asked_nums.call,
		 (long long)rt_asked_nums.a[0], (long long)rt_asked_nums.a[1],
		 (long long)rt_asked_nums.a[2]);
	const struct trace_event *asked = rt_self.asked;
	if (asked && (asked->aux_len != expected->aux_len ||
		      memcmp(asked->aux, expected->aux, asked->aux_len) != 0)) {
		el = strlen(exp);
		al = strlen(act);
		snprintf(exp + el, en - el, " on \"%.*s\"", (int)(expected->aux_len < 300 ? expected->aux_len : 300),
			 (const char *)expected->aux);
		snprintf(act + al, an - al, " on \"%.*s\"", (int)(asked->aux_len < 300 ? asked->aux_len : 300),
			 (const char *)asked->aux);
	}
	if (strcmp(exp, act) == 0) {
		/* equal in every number: what differs is a hash (the bytes, the path) */
		el = strlen(exp);
		snprintf(exp + el, en - el, " (with other bytes or path than now)");
	}
}

static void rt_report_divergence(const struct trace_event *expected, const char *actual,
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
}

/* --keep-going: report a divergence that can be gone past and count it; 0 without the option
 * (the caller stops as always).  The first report is the full one, later ones a line. */
static int rt_keep_going_past(const struct trace_event *expected, const char *actual,
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

/* Calls whose replay hands back what the trace holds and does nothing else: while several
 * threads run, the next thread's turn can begin as soon as one of these is consumed.  After any
 * other (an fd put at its number, a real write to the terminal, memory mapped or allocated), the
 * turn passes when the wrapper is done (rt_replay_done) or at the thread's next step. */
static int rt_replay_is_pure(uint32_t call)
{
	switch (call) {
	case RETRACE__CALL__CALL_CLOCK_GETTIME: case RETRACE__CALL__CALL_GETTIMEOFDAY:
	case RETRACE__CALL__CALL_TIME: case RETRACE__CALL__CALL_CLOCK: case RETRACE__CALL__CALL_TIMES:
	case RETRACE__CALL__CALL_GETRUSAGE: case RETRACE__CALL__CALL_GETRANDOM:
	case RETRACE__CALL__CALL_GETENTROPY: case RETRACE__CALL__CALL_GETPID:
	case RETRACE__CALL__CALL_GETPPID: case RETRACE__CALL__CALL_GETTID: case RETRACE__CALL__CALL_UNAME:
	case RETRACE__CALL__CALL_GETHOSTNAME: case RETRACE__CALL__CALL_GETLOADAVG:
	case RETRACE__CALL__CALL_NANOSLEEP: case RETRACE__CALL__CALL_CLOCK_NANOSLEEP:
	case RETRACE__CALL__CALL_USLEEP: case RETRACE__CALL__CALL_SLEEP:
	case RETRACE__CALL__CALL_SEM_TIMEDWAIT: case RETRACE__CALL__CALL_SEM_CLOCKWAIT:
	case RETRACE__CALL__CALL_SEM_TRYWAIT: case RETRACE__CALL__CALL_SEM_WAIT:
	case RETRACE__CALL__CALL_SEM_POST: case RETRACE__CALL__CALL_READ: case RETRACE__CALL__CALL_READV:
	case RETRACE__CALL__CALL_PREAD: case RETRACE__CALL__CALL_FSTAT: case RETRACE__CALL__CALL_ISATTY:
	case RETRACE__CALL__CALL_CONNECT: case RETRACE__CALL__CALL_SHUTDOWN:
	case RETRACE__CALL__CALL_GETSOCKNAME: case RETRACE__CALL__CALL_GETPEERNAME:
	case RETRACE__CALL__CALL_GETSOCKOPT: case RETRACE__CALL__CALL_SETSOCKOPT:
	case RETRACE__CALL__CALL_SEND: case RETRACE__CALL__CALL_RECV: case RETRACE__CALL__CALL_SENDMSG:
	case RETRACE__CALL__CALL_RECVMSG: case RETRACE__CALL__CALL_POLL: case RETRACE__CALL__CALL_SELECT:
	case RETRACE__CALL__CALL_EPOLL_WAIT: case RETRACE__CALL__CALL_STAT: case RETRACE__CALL__CALL_READDIR:
	case RETRACE__CALL__CALL_FILE_OP: case RETRACE__CALL__CALL_FSYNC: case RETRACE__CALL__CALL_ACCESS:
	case RETRACE__CALL__CALL_READLINK: case RETRACE__CALL__CALL_GETCWD: case RETRACE__CALL__CALL_XATTR:
	case RETRACE__CALL__CALL_GIL_TAKE: case RETRACE__CALL__CALL_YIELD:
		return 1;
	default:
		return 0;
	}
}

void rt_replay_done(void)
{
	if (RT_UNLIKELY(rt_self.turn_held))
		rt_sched_release(&rt_self);
}

const struct trace_event *rt_replay_next(uint32_t call, int64_t a0, int64_t a1, int64_t a2)
{
	struct rt_thread *t = &rt_self;
	rt_thread_ensure(t);
	uint32_t loc = rt_pyloc(t);
	int fresh = (loc & RT_PYLOC_NEW) != 0;
	loc &= ~RT_PYLOC_NEW;
	t->pyloc_now = loc;
	uint32_t node = 0;
	int fresh_stack = 0;
	if (RT_UNLIKELY(rt_py.stack != NULL)) {
		node = rt_py.stack(&t->pyloc);
		fresh_stack = (node & RT_PYLOC_NEW) != 0;
		t->pystack_now = node &= ~RT_PYLOC_NEW;
	}
	struct trace_error err;
	/* Definitions of recorded locations come right before the first event made there. */
	int r = rt_cursor_next(t, &err, call);
	if (RT_UNLIKELY(r <= 0)) {
		if (r == 0) {
			rt_sched_thread_ended(t, "its recording has ended (it called something after its last event)");
			rt_replay_ended(call, a0, a1, a2);
		}
		rt_report_begin();
		rt_msg("the trace is damaged: %s", err.msg);
		rt_exit_with(RETRACE_EXIT_BAD_TRACE, 0);
	}
	const struct trace_event *ev = &t->ev;
	if (RT_UNLIKELY(ev->call != call || ev->arg0 != a0 || ev->arg1 != a1 || ev->arg2 != a2)) {
		char act[160];
		rt_describe_asked(act, sizeof act, call, a0, a1, a2);
		rt_report_divergence(ev, act, ev->call != call ? "the program made a different call"
							       : "the program called it with other arguments");
		rt_exit_with(RETRACE_EXIT_DIVERGED, RETRACE_STATUS_DIVERGED);
	}
	/* The identity checkpoint: the same call from the same place in the Python code.  Not for a
	 * thread's exit, nor for a thread the interpreter is finalizing away (in record or now):
	 * where its last events fall is a matter of timing (pyhooks.h, RT_PYLOC_FINALIZING). */
	int unchecked = call == RETRACE__CALL__CALL_THREAD_EXIT || loc == RT_PYLOC_FINALIZING ||
			ev->location == RT_PYLOC_FINALIZING;
	if (RT_UNLIKELY(rt_pyloc_checked() && !unchecked &&
			(ev->location != loc || (fresh && !rt_pyloc_same_definition(loc))))) {
		char act[160], was[512], now[512], why[1100];
		rt_describe_asked(act, sizeof act, call, a0, a1, a2);
		rt_pyloc_describe_recorded(was, sizeof was, ev->location, 0);
		rt_pyloc_describe_live(now, sizeof now, loc, 0);
		if (strcmp(was, now) == 0) {
			rt_pyloc_describe_recorded(was, sizeof was, ev->location, 1);
			rt_pyloc_describe_live(now, sizeof now, loc, 1);
		}
		snprintf(why, sizeof why, "the program made this call from another place in its Python "
			 "code: recorded at %s, now at %s", was, now);
		if (rt_keep_going_past(ev, act, why))
			return ev;
		rt_report_divergence(ev, act, why);
		rt_exit_with(RETRACE_EXIT_DIVERGED, RETRACE_STATUS_DIVERGED);
	}
	/* With whole stacks: the same place, reached through the same callers. */
	if (RT_UNLIKELY(rt_py.stack != NULL && !unchecked &&
			(t->pystack_recorded != node || (fresh_stack && !rt_pystack_same(node))))) {
		char act[160], where[1100], why[1300];
		rt_describe_asked(act, sizeof act, call, a0, a1, a2);
		rt_pystack_difference(where, sizeof where, t->pystack_recorded, node);
		snprintf(why, sizeof why, "the program made this call from the recorded place but "
			 "through other Python callers: %s", where);
		if (rt_keep_going_past(ev, act, why))
			return ev;
		rt_report_divergence(ev, act, why);
		rt_exit_with(RETRACE_EXIT_DIVERGED, RETRACE_STATUS_DIVERGED);
	}
	if (RT_UNLIKELY(t->turn_held) && rt_replay_is_pure(call))
		rt_sched_release(t);
	if (RT_UNLIKELY(rt_sig_expected))
		rt_signals_replay(t);
	return ev;
}

int64_t rt_replayed_clock(int clock_id)
{
	return clock_id >= 0 && clock_id < 16 ? rt_clock_last[clock_id] : 0;
}

void rt_note_replayed_clock(int clock_id, int64_t ns)
{
	if (clock_id >= 0 && clock_id < 16)
		rt_clock_last[clock_id] = ns;
}

/* ---- the end ------------------------------------------------------------------------------ */

void rt_finish(int status)
{
	/* Only the process that started the recording finishes it: a vfork child shares our
	 * memory and must not. */
	if (rt_mode == RT_MODE_OFF || rt_real_pid() != rt_pid ||
	    __atomic_exchange_n(&rt_finished, 1, __ATOMIC_SEQ_CST))
		return;
	rt_self.inside++;
	if (rt_mode == RT_MODE_RECORD) {
		__atomic_store_n(&rt_on, 0, __ATOMIC_SEQ_CST);
		Retrace__Trailer tr = RETRACE__TRAILER__INIT;
		tr.events = (rt_stopped[0] ? rt_stopped_seq : __atomic_load_n(&rt_seq, __ATOMIC_SEQ_CST)) - 1;
		tr.exit_status = status < 0 ? -1 : status & 0xff;
		tr.signals = rt_signals_count();
		if (rt_stopped[0]) {
			tr.stopped = rt_stopped;
			tr.stopped_at_seq = rt_stopped_seq;
		}
		trace_writer_trim_chunk(&rt_writer, &rt_self.chunk);
		if (trace_writer_put_trailer(&rt_writer, &tr) < 0 && !rt_stopped[0])
			rt_msg("cannot finish the trace: %s", rt_writer.error.msg);
	} else if (__atomic_load_n(&rt_on, __ATOMIC_SEQ_CST)) {
		struct rt_thread *t = &rt_self;
		rt_thread_ensure(t);
		const struct trace_event *next = rt_sched_peek(t);
		if (next) {
			char exp[160];
			rt_report_begin();
			rt_describe_event(exp, sizeof exp, next);
			rt_msg("replay diverged at event #%llu (thread %u): the program is exiting, but the "
			       "recording goes on with %s", (unsigned long long)next->seq, next->tid, exp);
			rt_report_tail(next, "exit", "the program is exiting, but the recording goes on");
			rt_exit_with(RETRACE_EXIT_DIVERGED, RETRACE_STATUS_DIVERGED);
		}
		/* the other threads' recorded events happened before the recorded exit */
		rt_sched_drain();
		/* what children never reaped wrote to the terminal */
		rt_children_output_rest();
		/* a report another thread is writing ends the process with its own status */
		rt_report_begin();
		__atomic_store_n(&rt_on, 0, __ATOMIC_SEQ_CST);
		rt_keep_going_summary();
	}
	rt_self.inside--;
}

/* Returning from main exits through libc's internal exit(), which no wrapper sees (CPython
 * always leaves that way, sys.exit included): main is wrapped instead, to learn the status. */
static int (*rt_main_real)(int, char **, char **);
static int rt_main_status = -1;

static int rt_main(int argc, char **argv, char **envp)
{
	int status = rt_main_real(argc, argv, envp);
	rt_main_status = status;
	return status;
}

RT_EXPORT int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
				void (*init)(void), void (*fini)(void), void (*rtld_fini)(void),
				void *stack_end)
{
	static int (*real_start)(int (*)(int, char **, char **), int, char **, void (*)(void),
				 void (*)(void), void (*)(void), void *);
	rt_main_real = main;
	return REAL_SYM(real_start, "__libc_start_main")(rt_main, argc, argv, init, fini,
							 rtld_fini, stack_end);
}

__attribute__((destructor)) static void rt_fini(void)
{
	rt_finish(rt_main_status);
}

/* ---- start-up ----------------------------------------------------------------------------- */

/* Same layout in record and replay needs ASLR off; if it is on, turn it off and start over. */
static void rt_aslr_off(char **argv)
{
	int p = personality(0xffffffff);
	if (p < 0 || (p & ADDR_NO_RANDOMIZE))
		return;
	if (personality((unsigned long)p | ADDR_NO_RANDOMIZE) < 0) {
		rt_msg("warning: cannot turn address space randomization off (%s); object ids may "
		       "differ between record and replay", strerrordesc_np(errno));
		return;
	}
	/* Through the re-exec the kernel only knows /proc/self/exe; keep the path the program was
	 * started by, which the header records (setenv's heap use dies with this image). */
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	if (execfn && !getenv("RETRACE_EXECFN"))
		setenv("RETRACE_EXECFN", execfn, 1);
	REAL(execve)("/proc/self/exe", argv, environ);
	rt_msg("warning: cannot re-execute the program with address space randomization off (%s); "
	       "object ids may differ between record and replay", strerrordesc_np(errno));
}

static void rt_env_scrub(void)
{
	char **src = environ, **dst = environ;
	if (!src)
		return;
	for (; *src; src++)
		if (strncmp(*src, "RETRACE_", 8) != 0)
			*dst++ = *src;
	*dst = NULL;
}

int rt_header_build(Retrace__Header *h, int argc, char **argv, int trace_fd, int status_fd);
void rt_header_check(const Retrace__Header *h);

static void rt_disable(void)
{
	rt_mode = RT_MODE_OFF;
	__atomic_store_n(&rt_on, 0, __ATOMIC_SEQ_CST);
}

/* Our fds go at the top of what the program may open, below RLIMIT_NOFILE's soft limit. */
static int rt_high_fd(int below)
{
	struct rlimit rl;
	int lim = RT_FD_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)lim)
		lim = (int)rl.rlim_cur;
	return lim - below;
}

static int rt_open_dev_null_at(int target)
{
	int fd = REAL(open)("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	return rt_fd_move(fd, target);
}

static void rt_abs_path(char *buf, size_t n, const char *path)
{
	if (path[0] == '/' || !getcwd(buf, n - 1))
		snprintf(buf, n, "%s", path);
	else
		snprintf(buf + strlen(buf), n - strlen(buf), "/%s", path);
}

/* The trace file, created, at retrace's fd number, with its header written; -1 when it cannot be
 * (said; the caller stops recording). */
static int rt_trace_create(const char *path)
{
	int fd = REAL(open)(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rt_msg("cannot create the trace file %s: %s; the program runs unrecorded", path,
		       strerrordesc_np(errno));
		return -1;
	}
	rt_trace_fd = rt_fd_move(fd, rt_high_fd(1));
	if (trace_writer_open(&rt_writer, rt_trace_fd, RT_TRACE_MAP_ADDR, RT_TRACE_MAP_RESERVE,
			      1u << 20) < 0) {
		rt_msg("cannot record to %s: %s; the program runs unrecorded", path, rt_writer.error.msg);
		return -1;
	}
	Retrace__Header h;
	rt_pid_recorded = rt_pid;
	rt_header_build(&h, rt_argc, rt_argv, rt_trace_fd, rt_status_fd);
	h.parent.data = (uint8_t *)rt_parent_trace;
	h.parent.len = strlen(rt_parent_trace);
	h.parent_event = rt_parent_event;
	h.forked = rt_forked;
	h.child = rt_child_no;
	if (trace_writer_put_header(&rt_writer, &h) < 0) {
		rt_msg("cannot record to %s: %s; the program runs unrecorded", path, rt_writer.error.msg);
		return -1;
	}
	return 0;
}

/* A new recording over an old one keeps the old trace as PATH.old; its children's traces,
 * PATH.1, PATH.2.1 ..., go with it (as PATH.old.1 ...), so that PATH's children are all of this
 * recording.  (getdents64 on a buffer of our own: start-up must not touch the program's heap.) */
static void rt_children_aside(const char *path)
{
	char dir[4096], old[4200], from[4200];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t nbase = strlen(base);
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path + 1) : 1, slash ? path : ".");
	int fd = REAL(open)(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	static char buf[32768];
	long got;
	while ((got = REAL(syscall)(SYS_getdents64, fd, (long)buf, sizeof buf, 0, 0, 0)) > 0) {
		for (long at = 0; at < got;) {
			struct { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type;
				 char name[]; } *e = (void *)(buf + at);
			at += e->reclen;
			const char *n = e->name, *rest = n + nbase + 1;
			if (strncmp(n, base, nbase) != 0 || n[nbase] != '.' || *rest < '1' ||
			    *rest > '9' || strspn(rest, "0123456789.") != strlen(rest))
				continue;
			/* only old traces, regular files, are moved (outpath.c) */
			struct stat st;
			if (e->type != DT_REG && (e->type != DT_UNKNOWN ||
						  fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
						  !S_ISREG(st.st_mode)))
				continue;
			snprintf(from, sizeof from, "%s%s", slash ? dir : "", n);
			snprintf(old, sizeof old, "%s.old%s", path, n + nbase);
			rename(from, old);
		}
	}
	REAL(close)(fd);
}

static void rt_start_record(const char *path, const char *exec_of, const char *parent,
			    const char *parent_event, const char *child_no)
{
	char old[4096];
	if (parent && *parent) {
		snprintf(rt_parent_trace, sizeof rt_parent_trace, "%s", parent);
		rt_parent_event = parent_event ? strtoull(parent_event, NULL, 10) : 0;
		rt_child_no = child_no ? (unsigned)strtoul(child_no, NULL, 10) : 0;
	}
	char why[4400];
	if (trace_output_usable(path, why, sizeof why) != 0) {
		rt_msg("cannot record to %s: %s; the program runs unrecorded", path, why);
		rt_disable();
		return;
	}
	if ((exec_of && atoi(exec_of) == rt_pid) || rt_parent_trace[0]) {
		/* our own previous image's trace: recording starts over in this one; or a child's
		 * stale one (the root moved its recording's aside) */
		unlink(path);
	} else if (snprintf(old, sizeof old, "%s.old", path) < (int)sizeof old) {
		rename(path, old); /* like perf record: keep the previous trace, once */
		if (!rt_parent_trace[0])
			rt_children_aside(path);
	}
	rt_abs_path(rt_trace_abs, sizeof rt_trace_abs, path);
	rt_status_fd = rt_open_dev_null_at(rt_high_fd(2));
	if (rt_trace_create(path) < 0)
		rt_disable();
}

/* Record, in a child fork just made: it records on into a trace of its own, named after its
 * parent's and its number, from this point (its memory, fds and threads' state are the
 * parent's at the fork).  The parent's trace is still mapped here, shared: it is let go
 * untouched. */
void rt_record_forked_child(unsigned child, uint64_t fork_seq)
{
	snprintf(rt_parent_trace, sizeof rt_parent_trace, "%s", rt_trace_abs);
	char path[4200];
	snprintf(path, sizeof path, "%s.%u", rt_parent_trace, child);
	snprintf(rt_trace_abs, sizeof rt_trace_abs, "%s", path);
	rt_parent_event = fork_seq;
	rt_child_no = child;
	rt_forked = 1;
	munmap(rt_writer.map, rt_writer.map_reserve);
	REAL(close)(rt_trace_fd);
	memset(&rt_writer, 0, sizeof rt_writer);
	uint32_t tid = rt_self.chunk.tid;
	memset(&rt_self.chunk, 0, sizeof rt_self.chunk);
	rt_self.chunk.tid = tid;
	rt_self.pyloc_logged = 0;
	rt_self.pystack_logged = 0;
	rt_self.pystack_now = 0;
	rt_seq = 1;
	rt_stopped[0] = 0;
	rt_pid = rt_real_pid();
	rt_children_forked();
	char why[4400];
	if (trace_output_usable(path, why, sizeof why) != 0) {
		rt_msg("cannot record to %s: %s; the child runs unrecorded", path, why);
		rt_disable();
		return;
	}
	unlink(path); /* a stale one: the root moved its recording's aside */
	if (rt_trace_create(path) < 0) {
		rt_disable();
		return;
	}
	rt_fd_set(rt_trace_fd, RT_FD_OURS);
}

/* Replay of a forked child alone (retrace-replay TRACE.N of a child that did not execute):
 * retrace-replay starts the trace the chain of forks begins in, and names the child: its path
 * is that trace's + ".a.b..." (the child numbers, forked one after the other). */
static void rt_fork_target(const char *trace, const char *target)
{
	if (!target || !*target || !trace)
		return;
	size_t n = strlen(trace);
	const char *p = target + n;
	if (strncmp(target, trace, n) != 0 || *p != '.') {
		rt_msg("RETRACE_FORK_TARGET=%s is not a child of %s", target, trace);
		rt_exit_with(RETRACE_EXIT_USAGE, 0);
	}
	while (*p == '.' && rt_fork_n < sizeof rt_fork_chain / sizeof rt_fork_chain[0]) {
		char *end;
		unsigned long k = strtoul(p + 1, &end, 10);
		if (end == p + 1 || !k) {
			rt_msg("RETRACE_FORK_TARGET=%s does not end in child numbers", target);
			rt_exit_with(RETRACE_EXIT_USAGE, 0);
		}
		rt_fork_chain[rt_fork_n++] = (unsigned)k;
		p = end;
	}
}

unsigned rt_fork_target_next(void)
{
	return rt_fork_at < rt_fork_n ? rt_fork_chain[rt_fork_at] : 0;
}

int rt_replay_quiet(void)
{
	return rt_fork_at < rt_fork_n;
}

/* Replay, in the child a fork made for real at the FORK event of child `child`: the replay
 * goes on in that child's trace, from its first event. */
void rt_replay_forked_child(unsigned child)
{
	char path[4200];
	snprintf(path, sizeof path, "%s.%u", rt_trace_abs, child);
	int fd = REAL(open)(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || REAL(fstat)(fd, &st) < 0 || st.st_size <= 0) {
		rt_msg("cannot open the child's trace %s: %s", path, fd < 0 ? strerrordesc_np(errno) : "empty");
		rt_exit_with(RETRACE_EXIT_BAD_TRACE, 0);
	}
	munmap(RT_TRACE_MAP_ADDR, rt_trace_map_len);
	rt_trace_map_len = (size_t)st.st_size;
	void *data = mmap(RT_TRACE_MAP_ADDR, rt_trace_map_len, PROT_READ,
			  MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	struct trace_error err;
	if (data == MAP_FAILED ||
	    trace_reader_open_mem(&rt_reader, data, rt_trace_map_len, &rt_protobuf_allocator, &err) < 0) {
		rt_msg("cannot replay the child's trace %s: %s", path,
		       data == MAP_FAILED ? strerrordesc_np(errno) : err.msg);
		rt_exit_with(RETRACE_EXIT_BAD_TRACE, 0);
	}
	const Retrace__Header *h = rt_reader.header;
	char why[200];
	if (trace_header_limits(h, why, sizeof why)) {
		rt_msg("cannot replay the child's trace %s: %s; the trace is damaged", path, why);
		rt_exit_with(RETRACE_EXIT_BAD_TRACE, 0);
	}
	if (!h->forked || h->child != child) {
		rt_msg("%s is not the trace of the child forked here (child %u)", path, child);
		rt_exit_with(RETRACE_EXIT_BAD_TRACE, 0);
	}
	REAL(close)(rt_trace_fd);
	rt_trace_fd = rt_fd_move(fd, h->trace_fd);
	rt_fd_set(rt_trace_fd, RT_FD_OURS);
	snprintf(rt_trace_abs, sizeof rt_trace_abs, "%s", path);
	rt_pid_recorded = h->pid;
	rt_pid = rt_real_pid();
	rt_fork_at++;
	rt_children_forked();
	rt_sched_init(&rt_reader);
	rt_self.me = NULL;
	rt_self.turn_held = 0;
	rt_sched_attach(&rt_self);
	if (rt_threaded())
		rt_sched_start();
	rt_sig_expected = !rt_reader.trailer || rt_reader.trailer->signals > 0;
}

/* Replay: the recorded bytes of the loader's variables back in the environment, now that ld.so
 * is done with them: retrace-replay renamed them in place or put our LD_PRELOAD there, in the
 * same length (retrace-replay.c, loader_environment), so the program sees what it saw when
 * recorded.  Only an entry in one of those two forms is touched. */
static void rt_env_restore(const Retrace__Header *h)
{
	for (size_t i = 0; environ && environ[i] && i < h->n_env; i++) {
		char *e = environ[i];
		const ProtobufCBinaryData *rec = &h->env[i];
		size_t len = strlen(e);
		if (rec->len != len || len < 11 || !trace_env_restorable(rec->data, rec->len) ||
		    memcmp(e, rec->data, len) == 0)
			continue;
		int renamed = e[0] == '_' && memcmp(e + 1, rec->data + 1, len - 1) == 0;
		int preload = memcmp(e, "LD_PRELOAD=", 11) == 0 && memcmp(rec->data, "LD_PRELOAD=", 11) == 0;
		if (renamed || preload)
			memcpy(e, rec->data, len);
	}
}

static void rt_start_replay(int argc, char **argv, const char *path, const char *status_fd)
{
	if (!path) {
		rt_msg("RETRACE_MODE=replay needs RETRACE_TRACE (use retrace-replay TRACE)");
		rt_exit_with(RETRACE_EXIT_USAGE, 0);
	}
	if (status_fd)
		rt_status_fd = atoi(status_fd);
	int fd = REAL(open)(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || REAL(fstat)(fd, &st) < 0) {
		rt_msg("cannot open the trace %s: %s", path, strerrordesc_np(errno));
		rt_exit_with(RETRACE_EXIT_BAD_TRACE, 0);
	}
	const void *data = "";
	if (st.st_size > 0) {
		rt_trace_map_len = (size_t)st.st_size;
		data = mmap(RT_TRACE_MAP_ADDR, (size_t)st.st_size, PROT_READ,
			    MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
		if (data == MAP_FAILED) {
			rt_msg("cannot map the trace %s: %s", path, strerrordesc_np(errno));
			rt_exit_with(RETRACE_EXIT_BAD_TRACE, 0);
		}
	}
	struct trace_error err;
	if (trace_reader_open_mem(&rt_reader, data, (size_t)st.st_size, &rt_protobuf_allocator,
				  &err) < 0) {
		rt_msg("cannot replay %s: %s", path, err.msg);
		rt_exit_with(RETRACE_EXIT_BAD_TRACE, 0);
	}
	const Retrace__Header *h = rt_reader.header;
	char why[200];
	if (trace_header_limits(h, why, sizeof why)) {
		rt_msg("cannot replay %s: %s; the trace is damaged", path, why);
		rt_exit_with(RETRACE_EXIT_BAD_TRACE, 0);
	}
	rt_env_restore(h);
	rt_abs_path(rt_trace_abs, sizeof rt_trace_abs, path);
	rt_paths_init_replay(h);
	rt_pid_recorded = h->pid;
	rt_trace_fd = rt_fd_move(fd, h->trace_fd);
	int channel = rt_status_fd == h->status_fd && fcntl(rt_status_fd, F_SETFD, FD_CLOEXEC) == 0;
	if (!channel)
		rt_status_fd = rt_open_dev_null_at(h->status_fd);
	rt_msg_replay_start(channel);
	rt_fd_set(rt_status_fd, RT_FD_OURS);
	rt_header_check(h);
	rt_argv_compare(h, argc, argv);
	rt_env_compare(h);
	rt_sched_init(&rt_reader);
	/* a trace without a trailer may have signals up to where it ends */
	rt_sig_expected = !rt_reader.trailer || rt_reader.trailer->signals > 0;
}

__attribute__((constructor)) static void rt_init(int argc, char **argv, char **envp)
{
	rt_real_init();
	Dl_info self;
	if (dladdr((void *)rt_init, &self) && self.dli_fname && self.dli_fname[0] == '/')
		snprintf(rt_libpath, sizeof rt_libpath, "%s", self.dli_fname);
	const char *mode = getenv("RETRACE_MODE");
	if (!mode || !*mode || strcmp(mode, "off") == 0) {
		rt_env_scrub();
		return;
	}
	rt_self.inside++;
	if (strcmp(mode, "record") == 0) {
		rt_mode = RT_MODE_RECORD;
	} else if (strcmp(mode, "replay") == 0) {
		rt_mode = RT_MODE_REPLAY;
	} else {
		rt_msg("RETRACE_MODE=%s is not one of record, replay, off; the program runs unrecorded",
		       mode);
		rt_env_scrub();
		rt_self.inside--;
		return;
	}
	rt_aslr_off(argv);
	if (rt_arena_init() < 0) {
		rt_msg("cannot map retrace's memory at its fixed address: %s", strerrordesc_np(errno));
		if (rt_mode == RT_MODE_REPLAY)
			rt_exit_with(RETRACE_EXIT_ERROR, 0);
		rt_disable();
		rt_env_scrub();
		rt_self.inside--;
		return;
	}
	const char *path = getenv("RETRACE_TRACE");
	const char *wb = getenv("RETRACE_WRITE_BYTES");
	const char *status_fd = getenv("RETRACE_STATUS_FD");
	const char *exec_of = getenv("RETRACE_EXEC_OF");
	const char *parent = getenv("RETRACE_PARENT");
	const char *parent_event = getenv("RETRACE_PARENT_EVENT");
	const char *child_no = getenv("RETRACE_CHILD");
	const char *execfn = getenv("RETRACE_EXECFN");
	/* which files are recorded (path.c); replay takes the lists from the header instead */
	const char *unrecorded = getenv("RETRACE_UNRECORDED");
	const char *recorded = getenv("RETRACE_RECORDED");
	/* the whole NAME=value entries, which the scrub leaves in place, for a program we exec */
	rt_unrecorded_env = unrecorded ? (char *)unrecorded - sizeof "RETRACE_UNRECORDED" : NULL;
	rt_recorded_env = recorded ? (char *)recorded - sizeof "RETRACE_RECORDED" : NULL;
	if (!execfn)
		execfn = (const char *)getauxval(AT_EXECFN);
	snprintf(rt_execfn, sizeof rt_execfn, "%s", execfn ? execfn : "");
	rt_write_bytes = wb && *wb && strcmp(wb, "0") != 0;
	const char *report_json = getenv("RETRACE_REPORT_JSON");
	if (report_json && rt_mode == RT_MODE_REPLAY)
		snprintf(rt_report_json, sizeof rt_report_json, "%s", report_json);
	if (rt_mode == RT_MODE_REPLAY) {
		rt_sched_stall_timeout(getenv("RETRACE_STALL_TIMEOUT"));
		rt_fork_target(path, getenv("RETRACE_FORK_TARGET"));
	}
	const char *keep_going = getenv("RETRACE_KEEP_GOING");
	rt_keep_going = rt_mode == RT_MODE_REPLAY && keep_going && strcmp(keep_going, "1") == 0;
	const char *pyhooks = getenv("RETRACE_PYHOOKS");
	rt_pyhooks_off = pyhooks && strcmp(pyhooks, "0") == 0;
	const char *pystacks = getenv("RETRACE_PYSTACKS");
	rt_pystacks_on = pystacks && *pystacks && strcmp(pystacks, "0") != 0;
	rt_env_scrub();
	rt_pid = rt_real_pid();
	rt_argc = argc;
	rt_argv = argv;

	/* pyhooks load at the same point of start-up in both modes, as far as the program's heap
	 * can tell (nothing between here and there allocates from it); record first, so that the
	 * header can say whether events carry Python locations, replay after reading that. */
	if (rt_mode == RT_MODE_RECORD) {
		rt_paths_init_record(unrecorded, recorded);
		rt_pyhooks_load(rt_pyhooks_off);
		rt_pystacks_enable(rt_pystacks_on);
		if (rt_pystacks_on && !rt_pystacks_active())
			rt_msg("warning: RETRACE_PYSTACKS needs Python locations, which this process "
			       "does not have; events get no Python stacks");
		rt_start_record(path && *path ? path : "trace.pb", exec_of, parent, parent_event,
				child_no);
	} else {
		rt_start_replay(argc, argv, path, status_fd);
		if (rt_mode == RT_MODE_REPLAY) {
			const Retrace__Capture *cap = rt_reader.header->capture;
			int recorded_with = cap && cap->python_locations;
			rt_pyhooks_load(!recorded_with);
			rt_pyhooks_replay_start(recorded_with);
			rt_pystacks_enable(cap && cap->python_stacks && rt_pyloc_checked());
		}
	}
	if (rt_mode != RT_MODE_OFF) {
		rt_fd_set(rt_trace_fd, RT_FD_OURS);
		rt_fd_set(rt_status_fd, RT_FD_OURS);
		rt_thread_attach(&rt_self, rt_thread_new_id()); /* the main thread is thread 1 */
		rt_signals_init();
		__atomic_store_n(&rt_on, RT_ALL, __ATOMIC_SEQ_CST);
		rt_self.inside--;
		rt_fd_inventory();
		return;
	}
	rt_self.inside--;
}

int rt_write_bytes_enabled(void)
{
	return rt_write_bytes;
}

uint32_t rt_chunk_size(void)
{
	return RT_CHUNK_SIZE;
}

/* The entry point pyhooks (_retrace) finds with dlsym: what this process is doing. */
RT_EXPORT const char *retrace_pyhooks_mode(void)
{
	return rt_mode == RT_MODE_RECORD ? "record" : rt_mode == RT_MODE_REPLAY ? "replay" : "off";
}

const char *rt_exec_path(void)
{
	return rt_execfn;
}

/* ---- the environment of programs the recorded one starts ---------------------------------- */

/* The RETRACE_* entries a program this one executes or starts needs to record on (the mode, its
 * trace, this recording's settings, and how it relates to this trace), into add (room for
 * RT_ENV_ADD), NULL-terminated; with LD_PRELOAD last, which rt_env_merge adds only to an
 * environment that has none. */
#define RT_ENV_ADD 14
static void rt_env_entries(const char **add, char *trace, char *exec_of, char *parent,
			   char *event, char *child)
{
	static char mode[] = "RETRACE_MODE=record", wb[] = "RETRACE_WRITE_BYTES=1";
	static char pyhooks_off[] = "RETRACE_PYHOOKS=0", pystacks[] = "RETRACE_PYSTACKS=1";
	static char preload[4200];
	size_t k = 0;
	add[k++] = mode;
	add[k++] = trace;
	if (exec_of)
		add[k++] = exec_of;
	if (parent) {
		add[k++] = parent;
		add[k++] = event;
		add[k++] = child;
	}
	if (rt_write_bytes)
		add[k++] = wb;
	if (rt_pyhooks_off)
		add[k++] = pyhooks_off;
	if (rt_pystacks_on)
		add[k++] = pystacks;
	if (rt_unrecorded_env)
		add[k++] = rt_unrecorded_env;
	if (rt_recorded_env)
		add[k++] = rt_recorded_env;
	if (!preload[0])
		snprintf(preload, sizeof preload, "LD_PRELOAD=%s", rt_libpath);
	if (rt_libpath[0])
		add[k++] = preload;
	add[k] = NULL;
}

size_t rt_env_count(char *const envp[])
{
	size_t n = 0;
	while (envp && envp[n])
		n++;
	return n;
}

/* envp without its RETRACE_* entries, then add's: into dst, which has room for
 * rt_env_count(envp) + RT_ENV_ADD + 1.  Allocates nothing and touches no state (a vfork child
 * calls it). */
void rt_env_merge(char **dst, char *const envp[], const char *const *add)
{
	size_t k = 0;
	int preload = 0;
	for (size_t i = 0; envp && envp[i]; i++) {
		if (strncmp(envp[i], "RETRACE_", 8) == 0)
			continue;
		preload |= strncmp(envp[i], "LD_PRELOAD=", 11) == 0;
		dst[k++] = envp[i];
	}
	for (size_t i = 0; add[i]; i++)
		if (!preload || strncmp(add[i], "LD_PRELOAD=", 11) != 0)
			dst[k++] = (char *)add[i];
	dst[k] = NULL;
}

static char *rt_env_str(const char *fmt, const char *s, unsigned long long n)
{
	char tmp[4300];
	int len = s ? snprintf(tmp, sizeof tmp, fmt, s, n) : snprintf(tmp, sizeof tmp, fmt, n);
	char *p = rt_alloc((size_t)len + 1);
	if (p)
		memcpy(p, tmp, (size_t)len + 1);
	return p;
}

/* Record: the entries a child numbered `child`, started by the FORK event `seq`, adds to the
 * environment it executes a program with (arena memory; NULL when there is none left). */
const char **rt_child_env_add(unsigned child, uint64_t seq)
{
	const char **add = rt_alloc(sizeof *add * (RT_ENV_ADD + 1));
	char *trace = rt_env_str("RETRACE_TRACE=%s.%llu", rt_trace_abs, child);
	char *parent = rt_env_str("RETRACE_PARENT=%s", rt_trace_abs, 0);
	char *event = rt_env_str("RETRACE_PARENT_EVENT=%llu", NULL, seq);
	char *num = rt_env_str("RETRACE_CHILD=%llu", NULL, child);
	if (!add || !trace || !parent || !event || !num)
		return NULL;
	rt_env_entries(add, trace, NULL, parent, event, num);
	return add;
}

/* A recorded program that executes another one (a pyenv shim, `env python3 …`, os.execv)
 * becomes that program: the trace then describes the program that ran last, which is the one
 * replay starts.  So the new image gets the recording's variables back (they were removed
 * from the program's view), and is told to replace, not keep, this image's trace. */
char **rt_exec_env(char *const envp[])
{
	static char trace[4200], exec_of[64], parent[4200], event[64], child[48];
	const char *add[RT_ENV_ADD + 1];
	snprintf(trace, sizeof trace, "RETRACE_TRACE=%s", rt_trace_abs);
	snprintf(exec_of, sizeof exec_of, "RETRACE_EXEC_OF=%d", (int)rt_pid);
	snprintf(parent, sizeof parent, "RETRACE_PARENT=%s", rt_parent_trace);
	snprintf(event, sizeof event, "RETRACE_PARENT_EVENT=%llu", (unsigned long long)rt_parent_event);
	snprintf(child, sizeof child, "RETRACE_CHILD=%u", rt_child_no);
	rt_env_entries(add, trace, exec_of, rt_parent_trace[0] ? parent : NULL, event, child);
	char **env = rt_alloc(sizeof *env * (rt_env_count(envp) + RT_ENV_ADD + 1));
	if (!env)
		return (char **)envp;
	rt_env_merge(env, envp, add);
	return env;
}

int rt_is_child(void)
{
	if (rt_mode == RT_MODE_REPLAY)
		return rt_reader.header && rt_reader.header->parent.len > 0;
	return rt_parent_trace[0] != 0;
}

const char *rt_trace_path(void)
{
	return rt_trace_abs;
}
