/* rt.h — the event core's internal interface, shared by every wrapper file.
 *
 * Invariants (DESIGN.md §4) kept here, for record and replay alike:
 *  - retrace never touches the program's heap or stdio: its memory is the arena (arena.c) and the
 *    trace mapping, both at fixed addresses far from anything the program or the kernel places;
 *  - its fds sit at fixed high numbers recorded in the header, the same in both modes;
 *  - the environment the program sees is the recorded one: RETRACE_* variables are removed from
 *    it before the program runs, in both modes;
 *  - everything retrace itself does at start-up happens identically in both modes, so the
 *    program's heap, and with it every id() and set order, is laid out the same way.
 */
#ifndef RETRACE_INTERPOSE_RT_H
#define RETRACE_INTERPOSE_RT_H

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "pyhooks.h"
#include "trace.h"

#define RT_EXPORT __attribute__((visibility("default")))
#define RT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RT_LIKELY(x) __builtin_expect(!!(x), 1)

/* Fixed addresses of retrace's own memory: 62 TiB and 63 TiB, far below where the kernel places
 * mmaps without ASLR (just under 128 TiB) and far above the heap and ASan's shadow. */
#define RT_TRACE_MAP_ADDR ((void *)0x3e0000000000ull)
#define RT_TRACE_MAP_RESERVE (1ull << 40)
#define RT_ARENA_ADDR ((void *)0x3f0000000000ull)
#define RT_ARENA_RESERVE (1ull << 36)

/* Families of calls; a wrapper is active when its family is on and its thread is not already
 * inside retrace. */
enum rt_family {
	RT_TIME = 1u << 0,
	RT_RANDOM = 1u << 1,
	RT_IDENTITY = 1u << 2,
	RT_SLEEP = 1u << 3,
	RT_FD = 1u << 4,
	RT_PROC = 1u << 5,
	RT_NET = 1u << 6,  /* sockets, pipes, readiness (net.c, poll.c) */
	RT_DNS = 1u << 7,  /* name resolution (dns.c) */
	RT_FILE = 1u << 8, /* files by path (path.c decides; io.c, stat.c, file.c, filefd.c, dir.c) */
	RT_THREAD = 1u << 9, /* threads and semaphores (thread.c, sync.c) */
	RT_ALL = (1u << 10) - 1,
};

enum rt_mode { RT_MODE_OFF, RT_MODE_RECORD, RT_MODE_REPLAY };

struct rt_sched_entry;

/* gil.c's view of a thread and CPython's GIL */
enum rt_gil_state { RT_GIL_NONE, RT_GIL_TAKING, RT_GIL_HELD };

struct rt_thread {
	int inside;      /* >0 while retrace's own code runs on this thread: calls pass through */
	uint32_t tid;    /* logical thread id: 1 the main thread, then creation order (thread.c) */
	struct trace_chunk chunk;   /* record: this thread's open chunk */
	struct rt_sched_entry *me;  /* replay: this thread's events and place in the order (sched.c) */
	struct trace_event ev;      /* replay: the event handed back last */
	int turn_held;              /* replay, several threads: it consumed an event and the next
				       thread's turn begins at this one's next step (sched.c) */
	/* threads and the GIL (gil.c) */
	uint64_t frames;            /* Python frame entries since a second thread started */
	uint64_t yield_due;         /* replay: the frame count at which the next event, a YIELD at
				       a frame entry or an approximate one, is due; 0: none */
	uint8_t gil;                /* enum rt_gil_state */
	uint8_t gil_taken;          /* inside take_gil: the GIL is this thread's now */
	uint8_t yield_pending;      /* record: logged an exact YIELD; its drop has not come yet */
	uint8_t probing;            /* replay: every eval-breaker check asks for a drop, to find an
				       approximate switch (gil.c) */
	uint8_t probe_drop;         /* replay: the drop under way is such a probe, not a switch */
	uint8_t sig_probe;          /* replay: a signal is due at an eval-breaker check: every
				       check drops the GIL, to find it (gil.c, signal.c) */
	uint8_t sig_probe_phase;    /* replay: 1 in such a drop, 2 taking the GIL back after it */
	uint8_t sig_delivering;     /* a signal is being handed to the program (signal.c) */
	uint8_t sig_blocking;       /* record: in a blocking wait, between its events (sync.c): a
				       signal that ends the process is recorded and ends it there */
	int sig_defer;              /* record: a lock is held: signals wait for its release */
	int64_t probe_place;        /* replay, probing: the recorded switch's frame place ... */
	uint64_t probe_print;       /* ... and fingerprint (gil.c) */
	/* replay: the call as the program is making it, set by wrappers whose key arguments the
	 * trace holds only as a hash (dns.c), so a divergence can show what was asked; else NULL */
	const struct trace_event *asked;
	struct rt_pyloc_thread pyloc;  /* this thread's Python locations (pyloc.c, _retrace) */
	uint32_t pyloc_now;            /* replay: the location of the call being replayed */
	struct rt_recorded_def *pyloc_recorded; /* replay: the recorded definitions, by id */
	uint32_t pyloc_recorded_cap;
	uint32_t pyloc_logged;         /* record: location ids defined in the trace so far */
	uint32_t pystack_logged;       /* record: stack node ids defined in the trace so far */
	uint32_t pystack_now;          /* record: the stack of the last PY_STACK; replay: live */
	uint32_t pystack_recorded;     /* replay: the stack the trace says the next event has */
	struct rt_pystack_node *pystack_recorded_defs; /* replay: recorded nodes, by id */
	uint32_t pystack_recorded_cap;
	uint8_t debugging;             /* replay: in a pdb session (debug.c): its GIL handoffs,
					  frames and calls are not the program's */
	uint8_t debug_watched;         /* replay: traced for --break FILE:LINE / exceptions */
	uint8_t debug_traced;          /* replay: a trace function of pdb's ran on it (pyloc.c) */
};

extern __thread struct rt_thread rt_self;
extern unsigned rt_on;        /* families being recorded or replayed; 0 = everything passes */
extern enum rt_mode rt_mode;

static inline int rt_active(unsigned family)
{
	return (__atomic_load_n(&rt_on, __ATOMIC_RELAXED) & family) && !rt_self.inside;
}

static inline int rt_replaying(void)
{
	return rt_mode == RT_MODE_REPLAY;
}

/* ---- events (core.c) ---------------------------------------------------------------------- */

/* Record one event; fills seq, tid and location.  Never fails visibly: if the trace cannot grow,
 * recording stops with a message and the program goes on. */
void rt_record(struct trace_event *ev);
/* The same in two halves, for a call whose place in the global order must be taken before the
 * call is made (pthread_create: the new thread's events come after it): begin fills location,
 * tid and seq (and logs location definitions); append writes the event. */
void rt_record_begin(struct trace_event *ev);
void rt_record_append(struct trace_event *ev);

/* Record an event that has only call, arg0, result and value (clocks, ids): the hot path. */
void rt_record_value(uint32_t call, int64_t arg0, int64_t result, int64_t value);

/* Record: the thread made its last event (THREAD_EXIT); its chunk's pages go back to the
 * system. */
void rt_record_thread_done(struct rt_thread *t);

/* Replay: the next event of this thread, which must be `call` with these key arguments;
 * anything else is a divergence (reported; the process exits). */
const struct trace_event *rt_replay_next(uint32_t call, int64_t arg0, int64_t arg1, int64_t arg2);

/* Replay: hand the event's data back to the program, never more than it has room for (the
 * trace is not trusted to be the size the call implies). */
static inline size_t rt_copy_out(void *dst, size_t room, const struct trace_event *ev)
{
	size_t n = ev->data_len < room ? ev->data_len : room;
	__builtin_memcpy(dst, ev->data, n);
	return n;
}

/* Replay: the trace holds a result the call cannot give (more bytes than were asked for, a
 * count that is not its data's length, a failure without an errno): the trace is damaged or
 * forged.  Said with the event, and the process exits 91; never handed to the program. */
__attribute__((noreturn)) void rt_damaged(const struct trace_event *ev, const char *what);

/* Replay: checks of a recorded result against what the call allows.  Each costs a compare or
 * two on the replay path only. */
static inline void rt_check_failure(const struct trace_event *ev)
{
	if (__builtin_expect(ev->result < 0 && (ev->result != -1 || ev->err <= 0 || ev->err > 4095), 0))
		rt_damaged(ev, "a failure that is not -1 with an errno");
}

/* A call that fills at most `room` bytes and returns how many (read, recv, getrandom). */
static inline void rt_check_count(const struct trace_event *ev, size_t room)
{
	rt_check_failure(ev);
	if (__builtin_expect(ev->result > (int64_t)room, 0))
		rt_damaged(ev, "more bytes than the program asked for");
	if (__builtin_expect(ev->result >= 0 && (uint64_t)ev->result != ev->data_len, 0))
		rt_damaged(ev, "a byte count that is not the length of the bytes recorded");
}

/* A call that takes at most `n` bytes and returns how many it took (write, send): 0 only when
 * it was given none. */
static inline void rt_check_taken(const struct trace_event *ev, size_t n)
{
	rt_check_failure(ev);
	if (__builtin_expect(ev->result > (int64_t)n || (ev->result == 0 && n > 0), 0))
		rt_damaged(ev, ev->result ? "more bytes taken than the program gave"
					  : "no bytes taken of a non-empty write");
}

/* A call that fills a structure of `size` bytes when it succeeds (stat, getrusage). */
static inline void rt_check_struct(const struct trace_event *ev, size_t size)
{
	rt_check_failure(ev);
	if (__builtin_expect(ev->result >= 0 && ev->data_len != size, 0))
		rt_damaged(ev, "the structure recorded is not the size the call fills");
}

/* Replay, several threads: a wrapper whose replay did something for real (put an fd at its
 * number, wrote to the terminal) is done: the next thread's turn may begin. */
void rt_replay_done(void);

/* Events that only say where the program's next events are made (their Python locations and
 * stacks), which replay takes in on the way to the next event the program asks for. */
static inline int rt_call_is_definition(uint32_t call)
{
	return call == RETRACE__CALL__CALL_PY_LOCATION || call == RETRACE__CALL__CALL_PY_FRAME ||
	       call == RETRACE__CALL__CALL_PY_STACK;
}

/* Replay: take in the thread's next events up to the next one that is not a definition, and
 * wait for its turn without consuming it; it must be `call` (else the divergence is reported).
 * For a step that must not begin before its turn (taking the GIL). */
void rt_replay_await(struct rt_thread *t, uint32_t call);

/* Replay reports: only the first divergence is reported, by one thread; every report begins
 * here (a second thread that gets here waits for the process to end).  The tail is the C stack,
 * the likely cause and the JSON report. */
void rt_report_begin(void);
void rt_report_end(void); /* --keep-going's one-line reports, which return */
void rt_report_tail(const struct trace_event *ev, const char *actual, const char *why);
/* The tail of this report leaves the C stack out (a stall: the noticing thread's is noise). */
void rt_report_without_c_stack(void);
/* Replay: the recorded process exited (the trace has a trailer), not killed. */
int rt_recording_exited(void);
/* Replay: the header's threads_layout. */
const char *rt_recorded_threads_layout(void);

/* Replay: a divergence on something other than the call and its arguments (e.g. written bytes). */
__attribute__((noreturn)) void rt_diverge(const struct trace_event *expected, const char *what);
/* The same for a divergence --keep-going may go past: with the option it reports, counts and
 * returns 1; without, it stops like rt_diverge. */
int rt_diverge_soft(const struct trace_event *expected, const char *what);

/* Replay: the last clock value handed to the program for a clock id (0 when none yet). */
int64_t rt_replayed_clock(int clock_id);
void rt_note_replayed_clock(int clock_id, int64_t ns);

/* The process id the recorded process had (replay: from the header). */
pid_t rt_recorded_pid(void);
pid_t rt_real_pid(void);

/* The path the program was executed by (AT_EXECFN of the first image, before any re-exec). */
const char *rt_exec_path(void);

/* Record: the environment a program we exec must get so that it records on into the trace. */
char **rt_exec_env(char *const envp[]);

/* ---- child processes (child.c; their environment and trace, core.c) ---------------------- */

/* Record: the number of entries in an environment, and envp without its RETRACE_* entries
 * followed by add's (LD_PRELOAD only if envp has none) into dst, which has room for
 * rt_env_count(envp) + RT_ENV_ADD + 1; rt_env_merge allocates nothing and touches no state. */
#define RT_ENV_ADD 15
size_t rt_env_count(char *const envp[]);
void rt_env_merge(char **dst, char *const envp[], const char *const *add);
/* Record: what the environment of a child numbered `child`, started by the FORK event `seq`,
 * adds so that the program it executes records into the child's trace (arena; NULL: none). */
const char **rt_child_env_add(unsigned child, uint64_t seq);
/* Record, in the child a fork just made: record on into the child's own trace. */
void rt_record_forked_child(unsigned child, uint64_t fork_seq);
/* This process is a child of a recorded one (its trace names a parent). */
int rt_is_child(void);
/* The absolute path of this process's trace (record or replay). */
const char *rt_trace_path(void);
/* Other processes of the recording may share semaphores with this one: it started a child, or
 * is one (the same in record and replay). */
int rt_processes(void);
/* Replay of a forked child alone: the number of the child whose FORK is the next to make for
 * real (0: none); until the last, the replay is quiet (writes nothing to the terminal); in the
 * child such a fork made, the replay goes on in its trace. */
unsigned rt_fork_target_next(void);
int rt_replay_quiet(void);
void rt_replay_forked_child(unsigned child);
/* child.c: a forked child numbers its own children from 1 again. */
void rt_children_forked(void);
/* Replay: the children the program started and never reaped wrote to the terminal: write it. */
void rt_children_output_rest(void);
/* Record, vfork: while the parent's thread waits for its vfork child, the child's exec adds
 * these entries to its environment (NULL: no vfork child is running on this thread). */
extern __thread const char **rt_vfork_env;
/* Replay: the child that started with the FORK event `ev` (its pid in result or value). */
void rt_child_started(const struct trace_event *ev, pid_t pid);
/* Replay: what the recorded fds 1 and 2 were (their device and inode), for a child's output. */
void rt_fd_note_output(int fd, const struct trace_event *inventory);
int rt_fd_output_of(uint64_t dev, uint64_t ino);

/* Capture settings of this recording (core.c): whether writes keep their bytes, chunk size. */
int rt_write_bytes_enabled(void);
uint32_t rt_chunk_size(void);
/* The fd retrace-replay reads retrace's verdict from (-1: none). */
extern int rt_status_fd;
/* Replay (msg.c): fd 2 as it is at start is where messages go while it stays so; channel: the
 * status fd is retrace-replay's, which prints what comes through it on its own stderr. */
void rt_msg_replay_start(int channel);
/* The verdict for retrace-replay (RETRACE_STATUS_*), on the status channel. */
void rt_status_send(char verdict);
void rt_status_write(const char *buf, size_t n);
/* ---- the divergence report (report.c) ---- */
extern struct trace_reader rt_reader; /* replay: the trace (core.c) */
extern int rt_keep_going;             /* replay: --keep-going */
extern char rt_report_json[4096];     /* replay: --report-json's file, or "" */
/* The program's side of a divergence, as the wrapper showed it (rt_self.asked) or from its
 * numbers; kept for the report. */
void rt_describe_asked(char *buf, size_t n, uint32_t call, int64_t a0, int64_t a1, int64_t a2);
/* The whole report of a divergence at `expected` (the caller exits, or goes on with
 * --keep-going). */
void rt_report_divergence(const struct trace_event *expected, const char *actual, const char *why);
/* --keep-going: report a divergence that can be gone past and count it; 0 without the option. */
int rt_keep_going_past(const struct trace_event *expected, const char *actual, const char *why);
/* At the end of a replay with --keep-going: the count, and the verdict 'D' if any. */
void rt_keep_going_summary(void);
/* Replay: a write or send of the recorded length whose bytes differ, in a trace that redacted
 * secrets, is taken (1) rather than a divergence; the count is said by rt_redacted_summary. */
int rt_redacted_bytes_taken(const struct trace_event *ev);
void rt_redacted_summary(void);
/* Record: the signals the program inherited ignored and blocked (signal.c), bit N-1 for N. */
void rt_sig_inherited(uint64_t *ignored, uint64_t *blocked);
/* The program called something after its thread's last event: the end of the recording (93),
 * or a divergence after the recorded exit. */
__attribute__((noreturn)) void rt_replay_ended(uint32_t call, int64_t a0, int64_t a1, int64_t a2);
/* Replay's start: the command line and environment against the recorded ones (said at start,
 * kept for the likely cause). */
void rt_argv_compare(const Retrace__Header *h, int argc, char **argv);
void rt_env_compare(const Retrace__Header *h);

/* Replay stops: the program's unwritten output (sys.stdout's buffer, stdio's) goes out, live,
 * once (core.c). */
void rt_flush_program_output(void);
/* Record: "RETRACE_COMMAND=…", the command the user gave this exec chain (core.c). */
const char *rt_command_of_chain(void);
/* Replay (signal.c): the seq and number of the last recorded signal handed to the program, for
 * the likely cause of a divergence; 0 before any. */
extern uint64_t rt_sig_replayed_seq;
extern int rt_sig_replayed_sig;

/* Finish: write the trailer (record) or check the trace is used up (replay). */
void rt_finish(int status);

/* ---- pdb in a replay (debug.c) ------------------------------------------------------------ */

/* Replay start: RETRACE_BREAK (event numbers and FILE:LINE[:N], newline-separated),
 * RETRACE_BREAK_ON_EXCEPTION (raised, uncaught), RETRACE_BREAK_AT_DIVERGENCE (1). */
void rt_debug_init(const char *breaks, const char *exceptions, const char *divergence,
		   const char *scout, const char *note, const char *quiet);
/* Going back (debug.c): program output of events up to this one is not written again. */
extern uint64_t rt_quiet_until;
extern int rt_debug_on;
/* Threads in a debugger session now: the stall watch waits (sched.c). */
extern int rt_debugging;
/* libretrace's part of the pyhooks table. */
/* retrace-replay --dap: RETRACE_DAP_FD, RETRACE_DAP_RESUMED, RETRACE_DAP_LINES (after
 * rt_debug_init). */
void rt_debug_dap_init(const char *fd, const char *resumed, const char *lines);
void rt_debug_hooks(struct rt_pyhooks *h);
/* Replay: the program's call consumed ev. */
void rt_debug_after_event(struct rt_thread *t, const struct trace_event *ev);
/* A divergence was reported: pdb post-mortem, with --break-at-divergence. */
void rt_debug_at_divergence(void);
/* The likely cause of a divergence when a session may have changed the heap (0: none). */
int rt_debug_disturbed(char *buf, size_t n);

/* ---- signals (signal.c) ------------------------------------------------------------------- */

/* Record: signals that arrived and wait for a point replay can find again (a bit per signal). */
extern uint64_t rt_sig_pending;
/* Replay: the trace may hold SIGNAL events (its trailer counts them, or it has none). */
extern int rt_sig_expected;
/* Record, right after an event: hand the pending signals to the program. */
void rt_signals_after_event(void);
static inline void rt_signals_poll(void)
{
	if (RT_UNLIKELY(__atomic_load_n(&rt_sig_pending, __ATOMIC_RELAXED)))
		rt_signals_after_event();
}
/* Record: a lock is held across an event: signals wait until it is released. */
static inline void rt_signals_defer(struct rt_thread *t)
{
	t->sig_defer++;
}
static inline void rt_signals_undefer(struct rt_thread *t)
{
	if (--t->sig_defer == 0)
		rt_signals_poll();
}
/* Record: SIGNAL events so far (the trailer says). */
uint64_t rt_signals_count(void);
/* Replay, right after the thread's event: deliver the recorded signals that come next. */
void rt_signals_replay(struct rt_thread *t);
/* Replay, gil.c: at an eval-breaker check while a signal is due at one. */
void rt_signal_probe_check(struct rt_thread *t);
/* The program handles this signal with a function of its own. */
int rt_signal_handled(int sig);
/* syscall(SYS_pidfd_send_signal, ...), logged (random.c's syscall wrapper sends it here). */
long rt_pidfd_send_signal(long fd, long sig, long info, long flags);
/* syscall(SYS_pidfd_open, ...), logged (child.c): the pidfd is a recorded fd. */
long rt_pidfd_open(long pid, long flags);
/* The process dies of sig now (its default action restored, the signal unblocked). */
void rt_signal_die(int sig);
/* Replay: the process sends itself sig; one it leaves at its default action ends it now. */
/* Replay: whether the calling thread blocks sig now (a signal the process sends itself then
 * stays pending, as it did when recorded: its fate is in the trace). */
int rt_signal_blocked(int sig);
void rt_signal_to_self(int sig);
/* gil.c, replay: ask for a GIL drop at every eval-breaker check of the calling (main) thread
 * until a signal due at one is found; -1 when that cannot be done. */
int rt_gil_signal_probe(void);
/* gil.c, record, from a signal handler: with one thread, ask for a GIL drop at the next
 * eval-breaker check, where signal.c's rt_signals_at_check hands the signal over.  And the
 * addresses that needs, found beforehand (when the program installs a handler). */
void rt_gil_signal_check_soon(void);
void rt_gil_signal_prepare(void);
/* The GIL can be asked to drop at the next check: Python runs and one thread does. */
int rt_gil_signal_possible(void);
/* signal.c, start-up: hold the signals whose default action ends the process. */
void rt_signals_init(void);
void rt_signals_at_check(void);

/* ---- threads and their schedule (thread.c, sched.c, gil.c, sync.c) ------------------------ */

/* Set when the second thread is created, at the same point of the program in record and replay,
 * and never cleared: from then on GIL takes, forced switches and semaphores are events, and
 * replay lets each thread make its next event only when the global order reaches it.  Until
 * then none of this costs more than reading this word. */
extern int rt_mt;
static inline int rt_threaded(void)
{
	return __atomic_load_n(&rt_mt, __ATOMIC_RELAXED);
}

/* thread.c: a thread takes its logical id (the main thread 1 at start, a created one the id
 * its creator gave it); rt_thread_new_id hands out the next (creation order, or the first event
 * of a thread retrace did not see created). */
void rt_thread_attach(struct rt_thread *t, uint32_t tid);
uint32_t rt_thread_new_id(void);
/* Replay: the thread ends here, where the recorded one did (its THREAD_EXIT is next). */
__attribute__((noreturn)) void rt_thread_exit_now(void);
/* The number of logical threads so far (ids handed out). */
uint32_t rt_threads_count(void);

/* sched.c (replay).  rt_sched_init reads every thread's first event at start. */
void rt_sched_init(const struct trace_reader *r);
/* RETRACE_STALL_TIMEOUT (retrace-replay --stall-timeout): the base stall limit, in seconds. */
void rt_sched_stall_timeout(const char *seconds);
/* The thread (its tid set) takes its entry: its events, found by id (an id without events
 * gets an empty one). */
void rt_sched_attach(struct rt_thread *t);
/* Consume the thread's next event into t->ev, waiting for its turn when several threads run;
 * trace_cursor_next's result (0: the thread's recording ends here; -1 with err: damaged). */
int rt_sched_next(struct rt_thread *t, struct trace_error *err);
/* Wait for the turn of the thread's next event without consuming it (rt_replay_await). */
void rt_sched_await_turn(struct rt_thread *t);
/* The thread's next event without consuming it (NULL at the end). */
const struct trace_event *rt_sched_peek(struct rt_thread *t);
/* The same past the definitions before it (PY_LOCATION, PY_FRAME, PY_STACK), into out; 0 when
 * there is none. */
int rt_sched_peek_event(struct rt_thread *t, struct trace_event *out);
/* The turn a thread holds since its last event passes on (it is about to block, or leaves). */
void rt_sched_release(struct rt_thread *t);
/* Multi-threaded replay begins (the first THREAD_CREATE): the order is enforced from now. */
void rt_sched_start(void);
/* A created thread is given the Python name its creator recorded (reports, retrace-dump). */
void rt_sched_name(uint32_t tid, const uint8_t *name, size_t n);
/* The thread's recording has ended (no event left) and it makes a call: wait for the rest of
 * the program (a daemon thread when the process exits), or end the replay as the recording
 * ended; returns only for the main thread of a recording with a trailer. */
void rt_sched_thread_ended(struct rt_thread *t, const char *what);
/* Replay, at the process's end: wait until every thread's recorded events are consumed. */
void rt_sched_drain(void);
/* Replay: the thread made its THREAD_EXIT. */
void rt_sched_exited(struct rt_thread *t);
/* Replay: the thread is about to end: reports no longer read its state. */
void rt_sched_detach(struct rt_thread *t);
/* Sleep up to ns nanoseconds on a futex word while it holds val; wake one or all. */
void rt_futex_wait(int *word, int val, int64_t ns);
void rt_futex_wake(int *word, int all);
/* A lock of one word, for the library's own short critical sections: waiters sleep on it. */
static inline void rt_lock_take(int *word)
{
	while (__atomic_exchange_n(word, 1, __ATOMIC_ACQUIRE))
		rt_futex_wait(word, 1, 1000000);
}

static inline void rt_lock_give(int *word)
{
	__atomic_store_n(word, 0, __ATOMIC_RELEASE);
	rt_futex_wake(word, 0);
}

/* Replay: every thread's state, for a divergence report of a multi-threaded replay; the
 * reporting thread's is self_state when given. */
void rt_sched_report_threads(const char *self_state);
/* Replay: every wait of retrace's watches for a stall: nothing has happened (no event consumed
 * anywhere) for the stall limit while an event is awaited.  Begin when the wait begins, check
 * now and then while it lasts; the check reports every thread, the likely cause, and exits 90
 * when the schedule has stalled.  `waiting` is the caller's state in words. */
struct rt_stall_watch {
	uint64_t progress;
	int64_t since;
};
void rt_stall_watch_begin(struct rt_stall_watch *w);
void rt_stall_watch_check(struct rt_stall_watch *w, const char *waiting);
/* Real CLOCK_MONOTONIC in ns (never recorded). */
int64_t rt_now_ns(void);

/* gil.c */
extern int rt_yield_wanted;  /* record: a thread waits for the GIL beyond the switch interval */
/* Record: at a call made by a thread; when a switch is wanted and the thread holds the GIL,
 * log a YIELD and ask CPython to switch at its next eval-breaker check. */
void rt_yield_at_call(struct rt_thread *t);
/* Replay: perform a recorded YIELD the thread's stream says comes next (kinds 1 and 2). */
void rt_yield_replay(struct rt_thread *t, const struct trace_event *ev);
/* Replay: the thread's next event (peeked) is a YIELD due at a frame count: arm for it. */
void rt_yield_expect(struct rt_thread *t, const struct trace_event *next);
/* Multi-threaded start: find the GIL, check its layout, count frames; 0 when the schedule can
 * be recorded and enforced, -1 (with a message) when not. */
int rt_gil_start(void);
/* The layout of CPython internals this process would record or replay a schedule with ("" when
 * none: not CPython 3.11 or pyhooks off). */
const char *rt_gil_layout(void);
/* What a stalled thread's GIL state is, for reports. */
const char *rt_gil_describe(const struct rt_thread *t);
/* Record, in a forked child: the forking thread is the only one, and holds no GIL yet. */
void rt_gil_forked(void);
/* The GIL's condition variable, whose timed wait is gil.c's (sync.c asks). */
int rt_is_gil_cond(const pthread_cond_t *c);
int rt_gil_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abs);

/* ---- Python locations (pyloc.c) ----------------------------------------------------------- */

struct rt_recorded_def;

extern struct rt_pyhooks rt_py;

/* The calling thread's Python location id (0: none), with RT_PYLOC_NEW the first time.  Ids are
 * per thread; every rt_pyloc_* function below is about the calling thread. */
static inline uint32_t rt_pyloc(struct rt_thread *t)
{
	return rt_py.location ? rt_py.location(&t->pyloc) : 0;
}

/* Start-up, in both modes: load _retrace.so unless off (RETRACE_PYHOOKS=0 or the header says so)
 * or the process is not CPython 3.11. */
void rt_pyhooks_load(int off);
int rt_pyhooks_active(void);
/* Replay, after loading: compare locations only when the recording has them and so do we. */
void rt_pyhooks_replay_start(int recorded_with_pyhooks);
int rt_pyloc_checked(void);
/* Replay: remember what a recorded PY_LOCATION event defines. */
void rt_pyloc_note_recorded(const struct trace_event *ev);
/* "app.py:12 in main" for a live or a recorded id; with_offset adds " (instruction N)". */
void rt_pyloc_describe_live(char *buf, size_t n, uint32_t id, int with_offset);
void rt_pyloc_describe_recorded(char *buf, size_t n, uint32_t id, int with_offset);
/* The same for another thread (reports about every thread); t NULL: "no Python frame". */
void rt_pyloc_describe_of(const struct rt_thread *t, char *buf, size_t n, uint32_t id, int recorded);
/* The place a recorded PY_LOCATION event defines. */
void rt_pyloc_describe_def(char *buf, size_t n, const struct trace_event *def);
/* Where another thread's Python code is now (racy: reports only); 0 when unknown. */
int rt_pyloc_where(const struct rt_thread *t, char *buf, size_t n);
/* Replay, a thread pdb traces: the recorded and the live id are the same file, function, line. */
int rt_pyloc_same_place(uint32_t recorded, uint32_t live);
/* Replay: the live definition of id is the recorded one (file, function, line, offset). */
int rt_pyloc_same_definition(uint32_t id);
/* The calling thread's Python traceback on stderr, most recent call last. */
void rt_pyloc_traceback(void);
/* The same traceback as text into buf ("  File \"f\", line N, in g" lines); its length. */
size_t rt_pyloc_traceback_text(char *buf, size_t n);
/* The Python file of a recorded or live location id into buf; 0 when unknown. */
int rt_pyloc_file_recorded(char *buf, size_t n, uint32_t id);
int rt_pyloc_file_live(char *buf, size_t n, uint32_t id);
struct rt_pyloc_parts {
	const char *file, *func; /* not NUL-ended */
	int nfile, nfunc;
	uint32_t line;
};
int rt_pyloc_parts_recorded(uint32_t id, struct rt_pyloc_parts *o);
int rt_pyloc_parts_live(uint32_t id, struct rt_pyloc_parts *o);

/* Whole Python stacks (RETRACE_PYSTACKS; rt_py.stack is NULL when off).  Record: on or off by
 * the environment; replay: by the header, and only when locations are compared too. */
void rt_pystacks_enable(int on);
static inline int rt_pystacks_active(void)
{
	return rt_py.stack != NULL;
}
/* Replay: remember what a recorded PY_FRAME event defines. */
void rt_pystack_note_recorded(const struct trace_event *ev);
/* Replay: the live stack `node` is, frame by frame, the recorded node of the same id. */
int rt_pystack_same(uint32_t node);
/* Replay: where the recorded and the live stack part, as "frame N ...: recorded X, now Y". */
void rt_pystack_difference(char *buf, size_t n, uint32_t recorded, uint32_t live);
/* Replay: a recorded stack as traceback lines ("  File \"f\", line N, in g"), outermost first;
 * its length (0: none). */
size_t rt_pystack_recorded_text(char *buf, size_t n, uint32_t node);

/* ---- helpers shared by the fd wrappers (io.c) --------------------------------------------- */

/* Write all n bytes to fd for real, through EINTR; gives up quietly when the fd is gone. */
void rt_write_fully(int fd, const uint8_t *p, size_t n);

/* Per-thread contiguous room from the arena, for flattening iovecs. */
uint8_t *rt_scratch(size_t n);
size_t rt_iov_total(const struct iovec *iov, int n);
void rt_iov_scatter(const struct iovec *iov, int n, const uint8_t *src, size_t len);
size_t rt_iov_gather(uint8_t *dst, const struct iovec *iov, int n);
/* Replay: the program sent or wrote other bytes than recorded; shows the start of them.  Stops
 * the replay, except with --keep-going, where it returns and the caller hands back the recorded
 * result (core.c, rt_keep_going_past). */
void rt_diverge_bytes(const struct trace_event *ev, const uint8_t *buf, size_t n);

/* ---- redacted secrets (redact.c) ---------------------------------------------------------- */

/* Record: the number of secret values searched for in bytes; 0 (the common case) costs every
 * field and hash one branch. */
extern unsigned rt_redacting;
/* Record start: RETRACE_REDACT's value (NULL: unset, the defaults). */
void rt_redact_init(const char *patterns);
/* Record, the header: an environment entry as the trace keeps it (NAME=xxxx in the arena when
 * NAME is a secret, whose value is then searched for); argv and command with the values
 * replaced, and the list of redacted variables. */
ProtobufCBinaryData rt_redact_env_entry(const char *entry);
void rt_redact_header(Retrace__Header *h);
/* Record: the event's data, aux and control as the trace may hold them (core.c, before every
 * append). */
void rt_redact_event(struct trace_event *ev);
void rt_redact_hash(const void *p, size_t n, uint8_t h[TRACE_HASH_SIZE]);
void rt_redact_hash_update(struct trace_hash_state *s, const void *p, size_t n);
/* The hash of bytes the program gave (a write, a send, a path): over the bytes with the secrets
 * replaced.  Every such hash in the wrappers is taken by these. */
static inline void rt_hash(const void *p, size_t n, uint8_t h[TRACE_HASH_SIZE])
{
	if (RT_UNLIKELY(__atomic_load_n(&rt_redacting, __ATOMIC_RELAXED)))
		rt_redact_hash(p, n, h);
	else
		trace_hash(p, n, h);
}
static inline void rt_hash_update(struct trace_hash_state *s, const void *p, size_t n)
{
	if (RT_UNLIKELY(__atomic_load_n(&rt_redacting, __ATOMIC_RELAXED)))
		rt_redact_hash_update(s, p, n);
	else
		trace_hash_update(s, p, n);
}
/* Replay (report.c): a write or send whose bytes differ was just reported on; the likely cause
 * may be a redacted secret. */
extern int rt_bytes_diverged;

/* ---- memory (arena.c) --------------------------------------------------------------------- */

void *rt_alloc(size_t n);
extern ProtobufCAllocator rt_protobuf_allocator;
int rt_arena_init(void);

/* ---- messages (msg.c) --------------------------------------------------------------------- */

/* "retrace: " + message + newline on stderr, written directly. */
void rt_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Each line of text (n bytes, lines ended by '\n') as a message of its own, after prefix. */
void rt_msg_lines(const char *prefix, const char *text, size_t n);
/* Exit the process at once with an exit status of retrace's own, telling retrace-replay why. */
__attribute__((noreturn)) void rt_exit_with(int status, char status_byte);
/* --keep-going, stopping at a divergence: how many were gone past before it (core.c). */
void rt_keep_going_stopped(void);
/* Describe a call and its arguments, e.g. "clock_gettime(CLOCK_MONOTONIC)", into buf. */
void rt_describe(char *buf, size_t n, uint32_t call, int64_t arg0, int64_t arg1, int64_t arg2);
/* The same for a whole event: calls that keep their arguments as text in aux (name resolution)
 * show it, e.g. getaddrinfo("localhost", "80"). */
void rt_describe_event(char *buf, size_t n, const struct trace_event *ev);

/* ---- file descriptors (fdtable.c) --------------------------------------------------------- */

enum rt_fd_flag {
	RT_FD_RECORDED = 1u << 0,  /* reads, fstat, lseek, isatty, ioctl come from the trace */
	RT_FD_INHERITED = 1u << 1, /* open before the program started (0, 1, 2): on replay, writes
				      happen for real */
	RT_FD_OURS = 1u << 2,      /* retrace's own: the program may not close or replace it */
	RT_FD_SOCKET = 1u << 3,    /* a socket (or socketpair end): net.c's calls apply */
	RT_FD_FILE = 1u << 4,      /* opened by a recorded path: a file, directory or device */
	RT_FD_EPOLL = 1u << 5,     /* an epoll instance (poll.c) */
	RT_FD_PIPE = 1u << 6,      /* a pipe end */
};

#define RT_FD_MAX TRACE_FD_LIMIT
extern uint8_t rt_fd_flags[RT_FD_MAX];

static inline unsigned rt_fd_get(int fd)
{
	return fd >= 0 && fd < RT_FD_MAX ? rt_fd_flags[fd] : 0;
}
void rt_fd_set(int fd, unsigned flags);
/* Move an fd we own to exactly `target` (closing the original); -1 on failure. */
int rt_fd_move(int fd, int target);
/* Replay: put a placeholder (/dev/null) at exactly fd number `fd`, the number the recording got
 * for the call `ev`, so the program's later fds get the numbers they got when recorded; a number
 * already taken is a divergence.  Sets `flags` on it and returns fd. */
int rt_fd_placeholder(const struct trace_event *ev, int fd, int cloexec, unsigned flags);
/* Record (or replay) what fds 0–2 are at start, and every other fd the process inherited; on
 * replay, make the process match. */
void rt_fd_inventory(void);
/* An fd that came from outside, at start or in an SCM_RIGHTS message: record its stat (an
 * FD_INVENTORY event) and give it the flags of its kind; on replay, a placeholder at its number
 * (cloexec: with O_CLOEXEC). */
void rt_fd_arrived(int fd, int cloexec);
/* In a child: stdin, stdout and stderr become cookie streams over fds 0-2, so a C program's
 * stdio is READ and WRITE events (stdio.c); after the inventory, in both modes. */
void rt_stdio_child_streams(void);
/* At exit (not _exit, which drops them as without retrace), before the recording ends: what
 * those streams still hold is written. */
void rt_stdio_child_flush(void);
/* exit() and the destructor, in the process that records or replays: rt_stdio_child_flush. */
void rt_exit_flush(void);
/* A FILE whose reads, writes and seeks are the interposed calls on fd (plain: "r", "w", "r+",
 * ...); fileno() gives fd. */
FILE *rt_stdio_cookie(int fd, const char *plain);
/* The path a recorded file or directory fd was opened by, for calls relative to it (openat,
 * fstatat, …); NULL when unknown.  rt_fd_set forgets it (close, dup onto the number), so it
 * never outlives the file; a dup'd fd has none. */
const char *rt_fd_path(int fd);
/* After a successful dup (newfd >= 0): newfd inherits oldfd's flags and path.  Returns newfd. */
int rt_fd_dup_done(int oldfd, int newfd);
void rt_fd_set_path(int fd, const char *path);

/* While several threads run, a real call that takes or gives back an fd number outside the
 * other events (a live open, close, dup, closedir; opendir opens through open) is an FD_NUMBER
 * event made in the
 * recorded order: begin before the real call, end after it with its result, which end returns
 * (replay: at the recorded number).  Inactive with one thread. */
enum rt_fdnum_which {
	RT_FDNUM_OPEN = 1, RT_FDNUM_CLOSE = 2, RT_FDNUM_DUP = 3, RT_FDNUM_DUP2 = 4,
	RT_FDNUM_CLOSEDIR = 5,
};
struct rt_fdnum {
	int on, which;
	struct trace_event ev;        /* record */
	const struct trace_event *rec; /* replay */
};
void rt_fdnum_begin(struct rt_fdnum *o, int which, int fd, int newfd);
long rt_fdnum_end(struct rt_fdnum *o, long r, int err);

/* ---- paths and the files policy (path.c) -------------------------------------------------- */

#define RT_PATH_MAX 4096
/* A path as the policy sees it: absolute and normalised lexically, or, when it cannot be placed
 * (relative to a directory fd of unknown path, too long), "fd N:" and the path as given. */
struct rt_path {
	size_t len;
	char s[RT_PATH_MAX + 64];
};
enum rt_path_use {
	RT_PATH_LIVE,     /* not recorded: the real call, with the program's arguments */
	RT_PATH_LIVE_ABS, /* not recorded, but relative to a recorded directory fd (a placeholder
			     on replay): the real call by the absolute path p->s, in both modes */
	RT_PATH_RECORDED, /* recorded: the call's result comes from the trace on replay */
};
/* Where (dirfd, path) points, and whether it is recorded.  Decided on the text alone (plus the
 * cwd and the directory fds' paths, the same in both modes), never on the live file system. */
enum rt_path_use rt_path_resolve(int dirfd, const char *path, struct rt_path *p);
/* Record: an event about p (hash = its hash, aux = its text); errno is left at err. */
void rt_path_record(uint32_t call, int64_t a0, int64_t a1, int64_t a2, const struct rt_path *p,
		    int64_t result, int err, const void *data, size_t data_len);
/* Replay: the next event, which must be this call on this path. */
const struct trace_event *rt_path_replay(uint32_t call, int64_t a0, int64_t a1, int64_t a2,
					 const struct rt_path *p);
/* Describe an event about a path, e.g. open("/etc/app.conf", O_RDONLY); 0 if it is not one. */
int rt_path_describe(char *buf, size_t n, const struct trace_event *ev);
/* The cwd relative paths resolve against (chdir/fchdir move it; NULL: unknown). */
void rt_cwd_set(const struct rt_path *p);
int rt_cwd_recorded(void);
/* Start-up: the prefix lists from the defaults and the environment (record) or from the header
 * (replay); rt_paths_capture puts them in the header. */
void rt_paths_init_record(const char *extra_unrecorded, const char *extra_recorded);
void rt_paths_init_replay(const Retrace__Header *h);
void rt_paths_capture(Retrace__Capture *cap);
/* Replay: the back-th most recent path used live because it is not recorded (0: the latest);
 * NULL when there is none. */
const char *rt_paths_live_recent(unsigned back);

/* ---- real functions (real.c) -------------------------------------------------------------- */

#include <dirent.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>

struct rt_real_table {
	int (*clock_gettime)(clockid_t, struct timespec *);
	int (*gettimeofday)(struct timeval *, void *);
	time_t (*time)(time_t *);
	clock_t (*clock)(void);
	clock_t (*times)(struct tms *);
	int (*getrusage)(int, struct rusage *);
	ssize_t (*getrandom)(void *, size_t, unsigned);
	int (*getentropy)(void *, size_t);
	long (*syscall)(long, long, long, long, long, long, long);
	pid_t (*getpid)(void);
	pid_t (*getppid)(void);
	pid_t (*gettid)(void);
	int (*uname)(struct utsname *);
	int (*gethostname)(char *, size_t);
	int (*getloadavg)(double *, int);
	int (*nanosleep)(const struct timespec *, struct timespec *);
	int (*clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
	int (*usleep)(useconds_t);
	unsigned (*sleep)(unsigned);
	int (*pthread_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
	int (*sem_timedwait)(sem_t *, const struct timespec *);
	int (*sem_clockwait)(sem_t *, clockid_t, const struct timespec *);
	int (*open)(const char *, int, ...);
	int (*open64)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*openat64)(int, const char *, int, ...);
	int (*__open64_2)(const char *, int);
	int (*close)(int);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*pread64)(int, void *, size_t, off_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*writev)(int, const struct iovec *, int);
	int (*fstat)(int, struct stat *);
	int (*fstat64)(int, struct stat *);
	off_t (*lseek)(int, off_t, int);
	off_t (*lseek64)(int, off_t, int);
	int (*isatty)(int);
	int (*ioctl)(int, unsigned long, ...);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*kill)(pid_t, int);
	pid_t (*fork)(void);
	int (*posix_spawn)(pid_t *, const char *, const void *, const void *, char *const[],
			   char *const[]);
	int (*posix_spawnp)(pid_t *, const char *, const void *, const void *, char *const[],
			    char *const[]);
	void (*exit)(int) __attribute__((noreturn));
	void (*_exit)(int) __attribute__((noreturn));
	void (*_Exit)(int) __attribute__((noreturn));
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*fexecve)(int, char *const[], char *const[]);
};

extern struct rt_real_table rt_real;
void rt_real_init(void);

/* Wrapper files outside the core keep their real functions in file-local pointers, resolved on
 * first use: REAL_SYM(real_recv, "recv")(fd, buf, n, flags). */
void *rt_real_sym(const char *name);
static inline void *rt_real_sym_cached(void **slot, const char *name)
{
	void *p = *slot;
	if (RT_UNLIKELY(!p))
		*slot = p = rt_real_sym(name);
	return p;
}
#define REAL_SYM(var, name) ((__typeof__(var))rt_real_sym_cached((void **)&(var), (name)))

/* The real function, resolved on first use: wrappers can run before our constructor (another
 * library's constructor may read the clock), so the table may still be empty. */
#define REAL(name) (RT_UNLIKELY(!rt_real.name) ? (rt_real_init(), rt_real.name) : rt_real.name)

#endif
