/* core.c — start-up, the event core, and the end of a recording or replay.
 *
 * The constructor decides the mode, turns ASLR off (re-executing if it has to), hides RETRACE_*
 * from the program, opens the trace and writes (record) or checks (replay) its header.  Events
 * get a global sequence number and a logical thread id; each thread appends to (record) or reads
 * from (replay) its own stream of the trace.  What replay says when the program leaves its
 * trace is report.c's.  See rt.h for the invariants this file keeps.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/auxv.h>
#include <sys/personality.h>
#include <sys/single_threaded.h>
#include <sys/stat.h>
#include <sys/file.h>
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
struct trace_reader rt_reader;
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
static char *rt_redact_env;       /* record: "RETRACE_REDACT=…", for programs it starts */
static char *rt_command_env;      /* record: "RETRACE_COMMAND=…", the command the user gave this
				     exec chain (hex arguments, comma-separated), for the header
				     and for a program this one executes */

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
	if (RT_UNLIKELY(__atomic_load_n(&rt_redacting, __ATOMIC_RELAXED)))
		rt_redact_event(ev);
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
	if (RT_UNLIKELY(__atomic_load_n(&rt_redacting, __ATOMIC_RELAXED)))
		rt_redact_event(ev);
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

void rt_record_thread_done(struct rt_thread *t)
{
	trace_writer_release_chunk(&rt_writer, &t->chunk);
}

/* ---- replay ------------------------------------------------------------------------------- */

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
			(ev->location != loc || (fresh && !rt_pyloc_same_definition(loc)))) &&
	    !(t->debug_traced && rt_pyloc_same_place(ev->location, loc))) {
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
	if (RT_UNLIKELY(rt_debug_on))
		rt_debug_after_event(t, ev);
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
		rt_redacted_summary();
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

void rt_exit_flush(void)
{
	/* not in a vfork child, which shares our memory and our FILEs */
	if (rt_mode != RT_MODE_OFF && rt_real_pid() == rt_pid && !rt_finished)
		rt_stdio_child_flush();
}

__attribute__((destructor)) static void rt_fini(void)
{
	rt_exit_flush();
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
	/* Held while this process may write to the trace (it goes with the fd at exit, exec or a
	 * crash): whoever seals the recording afterwards (tools/seal.c) waits for it, so a child
	 * still recording, or one trimming its file at exit, is never sealed half-written. */
	syscall(SYS_flock, rt_trace_fd, LOCK_SH);
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
	rt_command_env = NULL; /* a program it executes is a command of its own */
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
	    trace_reader_open_mapped(&rt_reader, data, rt_trace_map_len, &rt_protobuf_allocator, &err) < 0) {
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
	if (trace_reader_open_mapped(&rt_reader, data, (size_t)st.st_size, &rt_protobuf_allocator,
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
	/* which variables are secrets (redact.c): read here, before the scrub hides it */
	const char *redact = getenv("RETRACE_REDACT");
	rt_redact_env = redact ? (char *)redact - sizeof "RETRACE_REDACT" : NULL;
	const char *command = getenv("RETRACE_COMMAND");
	rt_command_env = command ? (char *)command - sizeof "RETRACE_COMMAND" : NULL;
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
	if (rt_mode == RT_MODE_REPLAY)
		rt_debug_init(getenv("RETRACE_BREAK"), getenv("RETRACE_BREAK_ON_EXCEPTION"),
			      getenv("RETRACE_BREAK_AT_DIVERGENCE"), getenv("RETRACE_BACK_SCOUT"),
			      getenv("RETRACE_BACK_NOTE"), getenv("RETRACE_BACK_QUIET"));
	if (rt_mode == RT_MODE_REPLAY)
		rt_debug_dap_init(getenv("RETRACE_DAP_FD"), getenv("RETRACE_DAP_RESUMED"),
				  getenv("RETRACE_DAP_LINES"));
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
		rt_redact_init(redact);
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

/* The command the user gave, as RETRACE_COMMAND's entry: inherited through the execs that led
 * here, else this program's own argv (made once, from the arena).  NULL when it cannot be. */
const char *rt_command_of_chain(void)
{
	if (rt_command_env)
		return rt_command_env;
	size_t n = sizeof "RETRACE_COMMAND=" - 1 + trace_command_size(rt_argv, (size_t)rt_argc);
	char *e = n < 65536 ? rt_alloc(n) : NULL;
	if (!e)
		return NULL;
	memcpy(e, "RETRACE_COMMAND=", sizeof "RETRACE_COMMAND=" - 1);
	trace_command_encode(e + sizeof "RETRACE_COMMAND=" - 1, rt_argv, (size_t)rt_argc);
	return rt_command_env = e;
}

/* The RETRACE_* entries a program this one executes or starts needs to record on (the mode, its
 * trace, this recording's settings, and how it relates to this trace), into add (room for
 * RT_ENV_ADD), NULL-terminated; with LD_PRELOAD last, which rt_env_merge adds only to an
 * environment that has none. */
static void rt_env_entries(const char **add, char *trace, char *exec_of, char *parent,
			   char *event, char *child)
{
	static char mode[] = "RETRACE_MODE=record", wb[] = "RETRACE_WRITE_BYTES=1";
	static char pyhooks_off[] = "RETRACE_PYHOOKS=0", pystacks[] = "RETRACE_PYSTACKS=1";
	static char preload[4200];
	size_t k = 0;
	add[k++] = mode;
	add[k++] = trace;
	if (exec_of) {
		add[k++] = exec_of;
		/* the same exec chain: the command the user gave goes on (not to a child: its own
		 * command is its argv) */
		if (rt_command_of_chain())
			add[k++] = rt_command_env;
	}
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
	if (rt_redact_env)
		add[k++] = rt_redact_env;
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
