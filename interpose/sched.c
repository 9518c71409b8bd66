/* sched.c — replay's global order: a thread makes its next event only when its turn comes.
 *
 * Record numbers every event in one global sequence and each thread writes its own stream.
 * Replay reads each thread's stream ahead by one event; a thread may consume its next event
 * only when that event's number is the smallest of every thread's next (so the gaps a killed
 * recording or a full disk leave do not matter).  The thread whose turn it is consumes the
 * event, keeps the turn while it does what the event asks (a write to the terminal, an fd put
 * at its number), and passes it on at its next step into retrace: its next event, a GIL
 * operation, a block.  Only that thread changes the order's state, so nothing here locks; a
 * waiting thread sleeps on its own futex word and is woken by the thread that hands it the turn.
 *
 * A replay that leaves the recorded schedule (an edited script, another input) would wait
 * forever: every wait here checks that the program still makes progress, and when nothing has
 * happened for the stall limit, the thread that notices reports every thread — what it waits
 * for, where its Python code is — and ends the replay with 90.
 */
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "exitcodes.h"
#include "rt.h"

enum rt_sched_state {
	RT_TS_UNBORN,  /* not created yet */
	RT_TS_RUNNING, /* between events */
	RT_TS_WAITING, /* waits for its turn */
	RT_TS_ENDED,   /* its recording has ended: waits for the process to end */
	RT_TS_EXITED,  /* made its THREAD_EXIT */
};

struct rt_sched_entry {
	struct trace_cursor cursor; /* the thread's stream; read by the thread only, once it runs */
	struct trace_event next;    /* the next event, read ahead */
	int next_state;             /* 1: next holds it; 0: no more; -1: damaged (next_err);
				       RT_NEXT_UNREAD: not read yet (one thread runs: read when
				       asked, straight into the thread's event) */
	struct trace_error next_err;
	uint64_t next_seq;          /* next.seq, or UINT64_MAX when none: what the order compares */
	int wake;                   /* futex word, bumped to wake the thread */
	int sleeping;
	int state;                  /* enum rt_sched_state */
	uint32_t tid;
	struct rt_thread *thread;   /* once it runs */
	uint32_t waits_loc;         /* its live Python location when it began to wait */
	const char *waits_what;     /* what it waits for, in words */
	char name[64];              /* the Python name its creator recorded */
};

static struct rt_sched_entry *rt_sched;  /* by logical id; [0] unused */
static uint32_t rt_sched_n;              /* entries, ids 1 .. rt_sched_n - 1 */
static uint64_t rt_turn;                 /* the seq that may be consumed next; UINT64_MAX: all */
static struct rt_sched_entry *rt_turn_of; /* whose it is */
static uint64_t rt_progress;             /* events consumed while several threads run */
static int rt_all_done;                  /* futex word, bumped when every event is consumed */
static int64_t rt_stall_ns = 5 * 1000000000LL; /* RETRACE_STALL_TIMEOUT */
static int64_t rt_rec_mono;              /* recorded CLOCK_MONOTONIC of the latest event with one */

int64_t rt_now_ns(void)
{
	struct timespec ts;
	REAL(clock_gettime)(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void rt_futex_wait(int *word, int val, int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };
	REAL(syscall)(SYS_futex, (long)word, FUTEX_WAIT_PRIVATE, val, ns >= 0 ? (long)&ts : 0, 0, 0);
}

void rt_futex_wake(int *word, int all)
{
	REAL(syscall)(SYS_futex, (long)word, FUTEX_WAKE_PRIVATE, all ? INT_MAX : 1, 0, 0, 0);
}

#define RT_NEXT_UNREAD 2

/* The entry's next event, read ahead (by the thread itself, or at start by the main thread). */
static void rt_sched_advance(struct rt_sched_entry *e)
{
	e->next_state = trace_cursor_next(&e->cursor, &e->next, &e->next_err);
	/* release: whoever hands out the next turn reads it after this thread gave up its own */
	__atomic_store_n(&e->next_seq, e->next_state == 1 ? e->next.seq : UINT64_MAX, __ATOMIC_RELEASE);
}

void rt_sched_init(const struct trace_reader *r)
{
	uint32_t max = 1;
	for (size_t i = 0; i < r->ntids; i++)
		if (r->tids[i] > max)
			max = r->tids[i];
	/* ids come from THREAD_CREATE in creation order: an id far beyond the number of threads
	 * is a damaged trace, and must not make us allocate without bound */
	if (max > r->ntids + 1 + (1u << 20))
		max = (uint32_t)r->ntids + 1;
	rt_sched = rt_alloc((size_t)(max + 1) * sizeof *rt_sched);
	if (!rt_sched) {
		rt_msg("out of memory for the schedule of %u threads", max);
		rt_exit_with(RETRACE_EXIT_ERROR, 0);
	}
	rt_sched_n = max + 1;
	for (uint32_t tid = 1; tid < rt_sched_n; tid++) {
		struct rt_sched_entry *e = &rt_sched[tid];
		e->tid = tid;
		trace_cursor_init(&e->cursor, r, tid, NULL);
		rt_sched_advance(e);
	}
}

void rt_sched_stall_timeout(const char *seconds)
{
	char *end;
	double s = seconds ? strtod(seconds, &end) : 0;
	if (seconds && end != seconds && !*end && s > 0 && s <= 3600)
		rt_stall_ns = (int64_t)(s * 1e9);
}

static struct rt_sched_entry *rt_sched_entry_of(uint32_t tid)
{
	if (tid && tid < rt_sched_n)
		return &rt_sched[tid];
	/* a thread the recording has no events of */
	struct rt_sched_entry *e = rt_alloc(sizeof *e);
	if (!e) {
		rt_msg("out of memory for thread %u", tid);
		rt_exit_with(RETRACE_EXIT_ERROR, 0);
	}
	e->tid = tid;
	e->next_seq = UINT64_MAX;
	e->state = RT_TS_RUNNING;
	return e;
}

void rt_sched_attach(struct rt_thread *t)
{
	t->me = rt_sched_entry_of(t->tid);
	t->me->thread = t;
	if (t->me->state == RT_TS_UNBORN)
		__atomic_store_n(&t->me->state, RT_TS_RUNNING, __ATOMIC_SEQ_CST);
}

static inline void rt_sched_fill(struct rt_sched_entry *e)
{
	if (e->next_state == RT_NEXT_UNREAD)
		rt_sched_advance(e);
}

const struct trace_event *rt_sched_peek(struct rt_thread *t)
{
	if (!t->me)
		return NULL;
	rt_sched_fill(t->me);
	return t->me->next_state == 1 ? &t->me->next : NULL;
}

int rt_sched_peek_event(struct rt_thread *t, struct trace_event *out)
{
	struct rt_sched_entry *e = t->me;
	if (!e)
		return 0;
	rt_sched_fill(e);
	if (e->next_state != 1)
		return 0;
	*out = e->next;
	struct trace_cursor c = e->cursor; /* a copy: reading ahead changes nothing */
	while (rt_call_is_definition(out->call))
		if (trace_cursor_next(&c, out, NULL) != 1)
			return 0;
	return 1;
}

void rt_sched_name(uint32_t tid, const uint8_t *name, size_t n)
{
	if (!tid || tid >= rt_sched_n || !name)
		return;
	if (n >= sizeof rt_sched[tid].name)
		n = sizeof rt_sched[tid].name - 1;
	memcpy(rt_sched[tid].name, name, n);
	rt_sched[tid].name[n] = 0;
}

void rt_sched_start(void)
{
	/* the creating thread has the turn: the first computation of whose it is comes at its next
	 * step, after it made the thread */
	__atomic_store_n(&rt_turn, 0, __ATOMIC_SEQ_CST);
	rt_sched_fill(rt_self.me); /* from now on every thread's next event is read ahead */
	rt_self.turn_held = 1;
}

void rt_sched_release(struct rt_thread *t)
{
	if (!t->turn_held)
		return;
	t->turn_held = 0;
	struct rt_sched_entry *e = t->me, *best = NULL;
	uint64_t min = UINT64_MAX;
	if (e && e->next_seq == t->ev.seq + 1) {
		best = e; /* this thread's events follow each other: nobody else can be next */
		min = e->next_seq;
	} else {
		for (uint32_t i = 1; i < rt_sched_n; i++) {
			uint64_t s = __atomic_load_n(&rt_sched[i].next_seq, __ATOMIC_ACQUIRE);
			if (s < min) {
				min = s;
				best = &rt_sched[i];
			}
		}
	}
	__atomic_add_fetch(&rt_progress, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&rt_turn_of, best, __ATOMIC_SEQ_CST);
	__atomic_store_n(&rt_turn, min, __ATOMIC_SEQ_CST);
	if (best && best != e) {
		__atomic_add_fetch(&best->wake, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&best->sleeping, __ATOMIC_SEQ_CST))
			rt_futex_wake(&best->wake, 0);
	}
	if (min == UINT64_MAX) {
		__atomic_add_fetch(&rt_all_done, 1, __ATOMIC_SEQ_CST);
		rt_futex_wake(&rt_all_done, 1);
	}
}

/* The stall limit for the event awaited now: the recording's own pause before it (when both it
 * and an earlier event say when they happened), twice over, on top of the base limit. */
static int64_t rt_stall_limit(void)
{
	const struct rt_sched_entry *o = __atomic_load_n(&rt_turn_of, __ATOMIC_SEQ_CST);
	int64_t limit = rt_stall_ns;
	if (o && o->next_state == 1 && o->next.call == RETRACE__CALL__CALL_GIL_TAKE && rt_rec_mono &&
	    o->next.value > rt_rec_mono && o->next.value - rt_rec_mono < 3600 * 1000000000LL)
		limit += 2 * (o->next.value - rt_rec_mono);
	return limit;
}

/* A waiting thread keeps when it last saw the order move; progress anywhere resets it. */
void rt_stall_watch_begin(struct rt_stall_watch *w)
{
	w->progress = __atomic_load_n(&rt_progress, __ATOMIC_SEQ_CST);
	w->since = rt_now_ns();
}

__attribute__((noreturn)) static void rt_sched_stalled(const char *waiting);

void rt_stall_watch_check(struct rt_stall_watch *w, const char *waiting)
{
	uint64_t p = __atomic_load_n(&rt_progress, __ATOMIC_SEQ_CST);
	int64_t now = rt_now_ns();
	/* a thread in pdb is the user's, for as long as it takes */
	if (p != w->progress || __atomic_load_n(&rt_debugging, __ATOMIC_SEQ_CST)) {
		w->progress = p;
		w->since = now;
		return;
	}
	/* nothing is awaited when every event is consumed: the rest of the program runs free */
	if (__atomic_load_n(&rt_turn, __ATOMIC_SEQ_CST) != UINT64_MAX && now - w->since > rt_stall_limit())
		rt_sched_stalled(waiting);
}

#define RT_WAIT_SLICE_NS (100 * 1000000LL)

static void rt_wait_turn(struct rt_thread *t, struct rt_sched_entry *e)
{
	struct rt_stall_watch w;
	rt_stall_watch_begin(&w);
	e->waits_loc = t->pyloc_now;
	e->waits_what = "waits for its turn";
	__atomic_store_n(&e->state, RT_TS_WAITING, __ATOMIC_SEQ_CST);
	for (;;) {
		int gen = __atomic_load_n(&e->wake, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&rt_turn, __ATOMIC_SEQ_CST) == e->next_seq)
			break;
		__atomic_store_n(&e->sleeping, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&rt_turn, __ATOMIC_SEQ_CST) != e->next_seq)
			rt_futex_wait(&e->wake, gen, RT_WAIT_SLICE_NS);
		__atomic_store_n(&e->sleeping, 0, __ATOMIC_SEQ_CST);
		rt_stall_watch_check(&w, "waits for its turn");
	}
	__atomic_store_n(&e->state, RT_TS_RUNNING, __ATOMIC_SEQ_CST);
}

void rt_sched_await_turn(struct rt_thread *t)
{
	struct rt_sched_entry *e = t->me;
	if (t->turn_held)
		rt_sched_release(t);
	rt_sched_fill(e);
	if (e->next_state == 1 && rt_threaded() &&
	    __atomic_load_n(&rt_turn, __ATOMIC_SEQ_CST) != e->next_seq)
		rt_wait_turn(t, e);
}

static inline void rt_note_recorded_time(const struct trace_event *ev)
{
	if (ev->call == RETRACE__CALL__CALL_GIL_TAKE ||
	    (ev->call == RETRACE__CALL__CALL_CLOCK_GETTIME && ev->arg0 == CLOCK_MONOTONIC))
		rt_rec_mono = ev->value;
}

int rt_sched_next(struct rt_thread *t, struct trace_error *err)
{
	struct rt_sched_entry *e = t->me;
	int mt = rt_threaded();
	if (!mt && e->next_state == RT_NEXT_UNREAD) {
		/* one thread: no other's next event is compared with its own, so none is read ahead */
		int r = trace_cursor_next(&e->cursor, &t->ev, &e->next_err);
		if (r != 1) {
			e->next_state = r;
			if (r < 0 && err)
				*err = e->next_err;
		}
		return r;
	}
	if (t->turn_held)
		rt_sched_release(t);
	rt_sched_fill(e);
	if (e->next_state <= 0) {
		if (e->next_state < 0 && err)
			*err = e->next_err;
		return e->next_state;
	}
	if (mt && __atomic_load_n(&rt_turn, __ATOMIC_SEQ_CST) != e->next_seq)
		rt_wait_turn(t, e);
	t->ev = e->next;
	if (!mt) {
		e->next_state = RT_NEXT_UNREAD;
		return 1;
	}
	rt_note_recorded_time(&t->ev);
	rt_sched_advance(e);
	t->turn_held = 1;
	return 1;
}

/* ---- the end of a thread's recording, and of the process's ------------------------------- */

static void rt_wait_all_done(const char *waiting)
{
	struct rt_stall_watch w;
	rt_stall_watch_begin(&w);
	for (;;) {
		int gen = __atomic_load_n(&rt_all_done, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&rt_turn, __ATOMIC_SEQ_CST) == UINT64_MAX)
			return;
		rt_futex_wait(&rt_all_done, gen, RT_WAIT_SLICE_NS);
		rt_stall_watch_check(&w, waiting);
	}
}

void rt_sched_thread_ended(struct rt_thread *t, const char *what)
{
	rt_sched_release(t);
	struct rt_sched_entry *e = t->me;
	int trailer = rt_recording_exited();
	if (!rt_threaded() || (trailer && t->tid == 1))
		return; /* the caller reports it: one thread, or the main thread went past the end */
	e->waits_loc = t->pyloc_now;
	e->waits_what = what;
	__atomic_store_n(&e->state, RT_TS_ENDED, __ATOMIC_SEQ_CST);
	if (!trailer) {
		/* the recorded process was killed: replay everything up to the kill, then stop */
		rt_wait_all_done("its recording ends here (the process was killed)");
		return;
	}
	/* A thread the process's exit cut short (a daemon thread): its next call never happened.
	 * It waits here until the process exits, as it did when recorded. */
	struct rt_stall_watch w;
	rt_stall_watch_begin(&w);
	for (;;) {
		rt_futex_wait(&e->wake, __atomic_load_n(&e->wake, __ATOMIC_SEQ_CST), RT_WAIT_SLICE_NS * 10);
		rt_stall_watch_check(&w, what);
	}
}

void rt_sched_exited(struct rt_thread *t)
{
	rt_sched_release(t);
	if (t->me)
		__atomic_store_n(&t->me->state, RT_TS_EXITED, __ATOMIC_SEQ_CST);
}

void rt_sched_detach(struct rt_thread *t)
{
	/* its state lives in its thread-local storage, which goes with its stack */
	if (t->me)
		__atomic_store_n(&t->me->thread, NULL, __ATOMIC_SEQ_CST);
}

void rt_sched_drain(void)
{
	struct rt_thread *t = &rt_self;
	if (!rt_threaded())
		return;
	rt_sched_release(t);
	rt_wait_all_done("is exiting; other threads have recorded events left");
}

/* ---- the report of a stall --------------------------------------------------------------- */

static const char *rt_state_name(const struct rt_sched_entry *e)
{
	switch (__atomic_load_n(&e->state, __ATOMIC_SEQ_CST)) {
	case RT_TS_UNBORN: return "not created yet";
	case RT_TS_WAITING: return e->waits_what ? e->waits_what : "waits";
	case RT_TS_ENDED: return e->waits_what ? e->waits_what : "its recording has ended";
	case RT_TS_EXITED: return "has exited";
	default: return "is running";
	}
}

static void rt_thread_label(char *buf, size_t n, const struct rt_sched_entry *e)
{
	if (e->name[0])
		snprintf(buf, n, "thread %u (%s)", e->tid, e->name);
	else
		snprintf(buf, n, "thread %u%s", e->tid, e->tid == 1 ? " (main)" : "");
}

/* The entry's next event past its definitions, and where the recording made it: from the
 * thread's recorded definitions, or from a definition among those ahead. */
static int rt_next_described(const struct rt_sched_entry *e, char *call, size_t cn, char *where,
			     size_t wn)
{
	if (e->next_state != 1)
		return 0;
	struct trace_event ev = e->next, def = { 0 };
	struct trace_cursor c = e->cursor;
	int have_def = 0;
	while (rt_call_is_definition(ev.call)) {
		if (ev.call == RETRACE__CALL__CALL_PY_LOCATION) {
			def = ev;
			have_def = 1;
		}
		if (trace_cursor_next(&c, &ev, NULL) != 1)
			return 0;
	}
	rt_describe_event(call, cn, &ev);
	int n = snprintf(where, wn, "#%llu, %s", (unsigned long long)ev.seq, call);
	if (n < 0 || (size_t)n >= wn)
		return 1;
	char loc[520];
	if (have_def && (uint32_t)def.arg0 == ev.location)
		rt_pyloc_describe_def(loc, sizeof loc, &def);
	else
		rt_pyloc_describe_of(e->thread, loc, sizeof loc, ev.location, 1);
	snprintf(where + n, wn - (size_t)n, " at %s", loc);
	return 1;
}

void rt_sched_report_threads(const char *self_state)
{
	for (uint32_t i = 1; i < rt_sched_n; i++) {
		const struct rt_sched_entry *e = &rt_sched[i];
		char label[120], at[600] = "", next[800] = "", call[200], loc[520];
		rt_thread_label(label, sizeof label, e);
		int state = __atomic_load_n(&e->state, __ATOMIC_SEQ_CST);
		if (e->thread && (state == RT_TS_WAITING || state == RT_TS_ENDED)) {
			rt_pyloc_describe_of(e->thread, loc, sizeof loc, e->waits_loc, 0);
			snprintf(at, sizeof at, ", at %s", loc);
		} else if (e->thread && state == RT_TS_RUNNING && rt_pyloc_where(e->thread, loc, sizeof loc)) {
			snprintf(at, sizeof at, ", now at %s", loc);
		}
		char rest[820] = "";
		if (state != RT_TS_EXITED && rt_next_described(e, call, sizeof call, next, sizeof next))
			snprintf(rest, sizeof rest, "; its next recorded event is %s", next);
		if (self_state && e->thread == &rt_self) {
			rt_msg("  %s %s", label, self_state);
			continue;
		}
		rt_msg("  %s %s%s%s%s%s", label, rt_state_name(e), e->thread ? ", " : "",
		       e->thread ? rt_gil_describe(e->thread) : "", at, rest);
	}
}

/* The schedule stalled: report each thread, the likely cause, and exit 90. */
__attribute__((noreturn)) static void rt_sched_stalled(const char *waiting)
{
	rt_report_begin();
	const struct rt_sched_entry *o = __atomic_load_n(&rt_turn_of, __ATOMIC_SEQ_CST);
	char call[200] = "", next[800] = "", label[120] = "";
	if (o && rt_next_described(o, call, sizeof call, next, sizeof next)) {
		rt_thread_label(label, sizeof label, o);
		rt_msg("replay diverged: the program left the recorded schedule: nothing happened for "
		       "%.1f s while the recording's next event is %s, on %s",
		       (double)rt_stall_limit() / 1e9, next, label);
	} else {
		rt_msg("replay diverged: the program left the recorded schedule: nothing happened for "
		       "%.1f s", (double)rt_stall_limit() / 1e9);
	}
	rt_msg("  threads (the recording has %u):", rt_sched_n - 1);
	rt_sched_report_threads(NULL);
	rt_report_without_c_stack();
	rt_report_tail(NULL, waiting, "the program left the recorded schedule");
	rt_exit_with(RETRACE_EXIT_DIVERGED, RETRACE_STATUS_DIVERGED);
}
