/* gil.c — CPython's GIL as the schedule of Python threads: pthread_mutex_lock/unlock,
 * pthread_cond_signal, pthread_cond_wait, and the GIL's timed wait.
 *
 * The GIL is a mutex, a flag and two condition variables in _PyRuntime (pyhooks gives their
 * addresses); every one of its operations is a call through the PLT, so libretrace sees a thread
 * take it (take_gil signals switch_cond right after marking itself the holder) and drop it
 * (drop_gil locks the mutex as the holder).  Once a second thread exists:
 *
 *  - Every take is a GIL_TAKE event.  Replay lets a thread into take_gil only when its GIL_TAKE
 *    is next in the global order and the GIL is free, so threads run Python in the recorded
 *    order.  The GIL's own waits and clock reads pass through unrecorded.
 *  - Forced switches are made deterministic.  A thread waiting for the GIL beyond the switch
 *    interval does not get CPython's asynchronous drop request (its timed wait reports a spurious
 *    wake-up instead); it raises rt_yield_wanted, and the holder, at its next point that replay
 *    can find again — a call it makes holding the GIL, or a Python frame entry (counted through
 *    pyhooks) — logs a YIELD and sets the drop request itself: CPython drops at its next
 *    eval-breaker check after that point, on replay too.
 *  - A holder that reaches no such point (a loop that makes no call) is stopped the way CPython
 *    would, after one more interval, and where it dropped is logged as an approximate YIELD:
 *    its frame count, place and a fingerprint of its frame.  Replay then asks for a drop at every check
 *    of that thread past that frame count ("probing": each drop is undone at once, the GIL never
 *    changes hands) until the fingerprint matches, and reports a divergence if the thread gets to
 *    another event first.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "exitcodes.h"
#include "rt.h"

static struct rt_pygil rt_gilp; /* the GIL's addresses; mutex NULL: none known */
static int rt_gil_state;        /* 0: not started, 1: scheduling the GIL, 2: there is no GIL
				   (not CPython, or pyhooks off: events are still ordered),
				   -1: cannot (the GIL is not where it should be) */
static char rt_layout[96];      /* of this process's interpreter (pyhooks), "" when none */
int rt_yield_wanted;
static int rt_gil_takers;       /* record: threads inside take_gil */
static int rt_yield_waits;      /* record: switch intervals waited since the last take */
static uint32_t rt_gil_owner;   /* replay: the thread holding the GIL (logical id), 0: free */
static int rt_gil_freed;        /* replay: futex word, bumped when the GIL is given up */

/* How many switch intervals a waiting thread lets pass, once it wants the GIL, before the
 * holder, which reached no point to yield at, is stopped wherever it is (an approximate
 * switch).  Each such switch costs replay a probe at every eval-breaker check of the stretch
 * before it: one more interval is all a holder that makes calls needs. */
#define RT_YIELD_PATIENCE 1

enum { RT_YIELD_AT_CALL = 1, RT_YIELD_AT_FRAME = 2, RT_YIELD_APPROX = 3 };

static int (*real_mutex_lock)(pthread_mutex_t *);
static int (*real_mutex_unlock)(pthread_mutex_t *);
static int (*real_cond_signal)(pthread_cond_t *);
static int (*real_cond_wait)(pthread_cond_t *, pthread_mutex_t *);

/* glibc keeps the pre-2.3.2 condition variable ABI under the old version (real.c says so too) */
static void *rt_cond_sym(const char *name)
{
	void *p = dlvsym(RTLD_NEXT, name, "GLIBC_2.3.2");
	return p ? p : rt_real_sym(name);
}

static inline int rt_gil_on(void)
{
	return rt_gil_state == 1 && rt_mode != RT_MODE_OFF;
}

const char *rt_gil_layout(void)
{
	if (!rt_layout[0] && rt_py.gil) {
		struct rt_pygil g;
		rt_py.gil(&g);
		memcpy(rt_layout, g.layout, sizeof rt_layout);
		rt_layout[sizeof rt_layout - 1] = 0;
	}
	return rt_layout;
}

static void rt_frame_entered(void);

int rt_gil_start(void)
{
	if (rt_gil_state)
		return rt_gil_state > 0 ? 0 : -1;
	rt_gil_state = -1;
	if (!rt_py.gil) {
		/* a recording scheduled by the GIL cannot be replayed without it */
		if (rt_replaying() && rt_recorded_threads_layout()[0])
			return -1;
		/* not CPython (or pyhooks off): events are ordered, there is no GIL to schedule */
		if (rt_py.location == NULL && rt_mode == RT_MODE_RECORD && dlsym(RTLD_DEFAULT, "Py_GetVersion"))
			rt_msg("warning: threads are recorded without their Python schedule (Python "
			       "locations are off), so their replay may diverge");
		rt_gil_state = 2;
		return 0;
	}
	REAL_SYM(real_mutex_lock, "pthread_mutex_lock");
	REAL_SYM(real_mutex_unlock, "pthread_mutex_unlock");
	real_cond_signal = rt_cond_sym("pthread_cond_signal");
	real_cond_wait = rt_cond_sym("pthread_cond_wait");
	struct rt_pygil g;
	rt_py.gil(&g);
	if (!g.drop_request || !g.eval_breaker || !rt_py.gil_check() ||
	    strcmp(g.layout, rt_gil_layout()) != 0) {
		rt_msg("warning: CPython's GIL does not look the way retrace expects (%s); threads are "
		       "%s without their schedule", g.layout, rt_replaying() ? "replayed" : "recorded");
		return -1;
	}
	if (rt_replaying() && strcmp(g.layout, rt_recorded_threads_layout()) != 0)
		return -1;
	if (rt_py.count_frames(rt_frame_entered) < 0)
		return -1;
	struct rt_thread *t = &rt_self;
	t->gil = rt_py.holds_gil() ? RT_GIL_HELD : RT_GIL_NONE;
	if (rt_replaying() && t->gil == RT_GIL_HELD)
		rt_gil_owner = t->tid;
	rt_gilp = g;
	rt_gil_state = 1;
	return 0;
}

static inline void rt_request_switch(void)
{
	__atomic_store_n(rt_gilp.drop_request, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(rt_gilp.eval_breaker, 1, __ATOMIC_SEQ_CST);
}

/* ---- record: yields ----------------------------------------------------------------------- */

static void rt_yield_now(struct rt_thread *t, int kind)
{
	if (t->yield_pending)
		return;
	__atomic_store_n(&rt_yield_wanted, 0, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&rt_gil_takers, __ATOMIC_SEQ_CST))
		return; /* whoever wanted it got it some other way */
	t->yield_pending = 1;
	/* the frame's state too: replay checks it, so an approximate switch that landed on another
	 * turn of its loop shows at the next exact one, not only in the program's results */
	struct trace_event ev = { .call = RETRACE__CALL__CALL_YIELD, .arg0 = kind,
				  .arg1 = (int64_t)t->frames, .value = (int64_t)rt_py.fingerprint() };
	rt_record(&ev);
	rt_request_switch();
}

void rt_yield_at_call(struct rt_thread *t)
{
	if (t->gil == RT_GIL_HELD && rt_gil_on())
		rt_yield_now(t, RT_YIELD_AT_CALL);
}

/* ---- replay: yields ----------------------------------------------------------------------- */

__attribute__((noreturn)) static void rt_yield_missed(struct rt_thread *t, const struct trace_event *ev)
{
	char why[300];
	if (ev->arg0 == RT_YIELD_APPROX)
		snprintf(why, sizeof why, "the recording stopped this thread at an approximate forced "
			 "switch (at Python frame entry %lld, a frame state it did not reach again); "
			 "the thread went further (frame entry %llu)", (long long)ev->arg1,
			 (unsigned long long)t->frames);
	else
		snprintf(why, sizeof why, "the recording switched threads at this thread's Python frame "
			 "entry %lld; the thread went further (frame entry %llu) without reaching it",
			 (long long)ev->arg1, (unsigned long long)t->frames);
	rt_diverge(ev, why);
}

/* Replay: from here on every eval-breaker check of the thread drops the GIL as a probe, until
 * one is at the recorded approximate switch's place and state (rt_drop_replay). */
static void rt_probe_arm(struct rt_thread *t, const struct trace_event *yield)
{
	t->probing = 1;
	t->probe_place = yield->arg2;
	t->probe_print = (uint64_t)yield->value;
	rt_request_switch();
}

void rt_yield_expect(struct rt_thread *t, const struct trace_event *next)
{
	t->yield_due = 0;
	if (!next || next->call != RETRACE__CALL__CALL_YIELD || next->arg0 == RT_YIELD_AT_CALL ||
	    !rt_gil_on())
		return;
	uint64_t due = (uint64_t)next->arg1;
	if (t->frames > due || (t->frames == due && next->arg0 == RT_YIELD_AT_FRAME))
		rt_yield_missed(t, next);
	t->yield_due = due ? due : 1;
	if (t->frames == due && next->arg0 == RT_YIELD_APPROX)
		rt_probe_arm(t, next);
}

/* Replay: an exact forced switch is made where the recorded one was, with the frame in the
 * recorded state. */
static void rt_yield_check_state(const struct trace_event *ev)
{
	if (ev->value && (uint64_t)ev->value != rt_py.fingerprint())
		rt_diverge(ev, "at this forced switch the thread's Python frame is in another state "
			   "than when recorded (its variables differ: an earlier approximate switch "
			   "may have stopped a thread at another turn of its loop)");
}

void rt_yield_replay(struct rt_thread *t, const struct trace_event *ev)
{
	if (ev->arg0 != RT_YIELD_AT_CALL)
		rt_yield_missed(t, ev); /* due at a frame count or a frame state, met at a call */
	if (!rt_gil_on())
		return;
	rt_yield_check_state(ev);
	rt_request_switch();
}

/* Every Python frame entry once threads run (pyhooks' frame-evaluation function). */
static void rt_frame_entered(void)
{
	struct rt_thread *t = &rt_self;
	if (RT_UNLIKELY(t->debugging))
		return; /* pdb's frames are not the program's */
	t->frames++;
	if (!__atomic_load_n(&rt_on, __ATOMIC_RELAXED) || t->inside)
		return;
	if (rt_mode == RT_MODE_RECORD) {
		if (RT_UNLIKELY(__atomic_load_n(&rt_yield_wanted, __ATOMIC_RELAXED)) && t->gil == RT_GIL_HELD)
			rt_yield_now(t, RT_YIELD_AT_FRAME);
		return;
	}
	if (RT_LIKELY(!t->yield_due || t->frames < t->yield_due))
		return;
	struct trace_event ahead, *next = &ahead;
	if (!rt_sched_peek_event(t, &ahead) || next->call != RETRACE__CALL__CALL_YIELD) {
		t->yield_due = 0;
		return;
	}
	if (t->frames > t->yield_due)
		rt_yield_missed(t, next);
	if (next->arg0 == RT_YIELD_AT_FRAME) {
		rt_yield_check_state(rt_replay_next(RETRACE__CALL__CALL_YIELD, RT_YIELD_AT_FRAME,
						    (int64_t)t->frames, 0));
		rt_request_switch();
	} else {
		rt_probe_arm(t, next);
	}
}

/* ---- the GIL's calls -------------------------------------------------------------------- */

/* Record: the holder begins to drop the GIL.  A drop it was asked for with no YIELD of its own
 * pending is a switch CPython forced wherever the thread was: logged as approximate. */
static void rt_drop_record(struct rt_thread *t)
{
	if (__atomic_load_n(rt_gilp.drop_request, __ATOMIC_SEQ_CST) && !t->yield_pending &&
	    __atomic_load_n(&rt_on, __ATOMIC_RELAXED)) {
		struct trace_event ev = { .call = RETRACE__CALL__CALL_YIELD, .arg0 = RT_YIELD_APPROX,
					  .arg1 = (int64_t)t->frames, .arg2 = rt_py.frame_place(),
					  .value = (int64_t)rt_py.fingerprint() };
		rt_record(&ev);
	}
	t->yield_pending = 0;
}

/* Replay: the holder begins to drop.  While probing for an approximate switch, a drop at any
 * other state than the recorded one is undone: the GIL stays this thread's. */
static void rt_drop_replay(struct rt_thread *t)
{
	if (t->probing) {
		/* the place first: most checks of a stretch are elsewhere in its loop */
		if (rt_py.frame_place() != t->probe_place || rt_py.fingerprint() != t->probe_print) {
			t->probe_drop = 1;
			return;
		}
		t->probing = 0;
		t->yield_due = 0;
		rt_replay_next(RETRACE__CALL__CALL_YIELD, RT_YIELD_APPROX, (int64_t)t->frames,
			       t->probe_place);
	}
	rt_sched_release(t);
	__atomic_store_n(&rt_gil_owner, 0, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&rt_gil_freed, 1, __ATOMIC_SEQ_CST);
	rt_futex_wake(&rt_gil_freed, 1);
}

/* Replay: a thread is about to take the GIL: only when its GIL_TAKE is next and the GIL free.
 * When its exit is next instead, the recorded thread exited here: CPython ends a thread that
 * comes to take the GIL while another thread finalizes the interpreter (PyThread_exit_thread),
 * and whether the finalizing thread got that far by now is a matter of timing on replay. */
static void rt_take_replay_wait(struct rt_thread *t)
{
	struct trace_event next;
	if (rt_sched_peek_event(t, &next) && next.call == RETRACE__CALL__CALL_THREAD_EXIT)
		rt_thread_exit_now();
	rt_replay_await(t, RETRACE__CALL__CALL_GIL_TAKE);
	struct rt_stall_watch w;
	rt_stall_watch_begin(&w);
	for (;;) {
		int gen = __atomic_load_n(&rt_gil_freed, __ATOMIC_SEQ_CST);
		uint32_t owner = __atomic_load_n(&rt_gil_owner, __ATOMIC_SEQ_CST);
		if (!owner || owner == t->tid)
			return;
		rt_futex_wait(&rt_gil_freed, gen, 100 * 1000000LL);
		rt_stall_watch_check(&w, "waits for the GIL, which another thread holds");
	}
}

static int rt_gil_lock(pthread_mutex_t *m)
{
	struct rt_thread *t = &rt_self;
	if (t->gil == RT_GIL_HELD) {
		/* drop_gil */
		t->gil = RT_GIL_NONE;
		if (rt_replaying())
			rt_drop_replay(t);
		else
			rt_drop_record(t);
		return real_mutex_lock(m);
	}
	if (t->gil == RT_GIL_NONE) {
		/* take_gil: its waits and deadline clock reads are the GIL's own, never events */
		t->gil = RT_GIL_TAKING;
		t->gil_taken = 0;
		t->inside++;
		if (rt_replaying()) {
			if (!t->probe_drop && __atomic_load_n(&rt_on, __ATOMIC_RELAXED)) {
				t->inside--;
				t->gil = RT_GIL_NONE; /* should it end here, it never took the GIL */
				rt_take_replay_wait(t);
				t->gil = RT_GIL_TAKING;
				t->inside++;
			}
		} else {
			__atomic_add_fetch(&rt_gil_takers, 1, __ATOMIC_SEQ_CST);
		}
	}
	return real_mutex_lock(m);
}

static int rt_gil_unlock(pthread_mutex_t *m)
{
	struct rt_thread *t = &rt_self;
	int r = real_mutex_unlock(m);
	if (t->gil != RT_GIL_TAKING)
		return r;
	/* the end of take_gil: with the GIL, or giving up (the interpreter is finalizing) */
	t->gil = t->gil_taken ? RT_GIL_HELD : RT_GIL_NONE;
	if (t->inside)
		t->inside--;
	if (!rt_replaying()) {
		__atomic_sub_fetch(&rt_gil_takers, 1, __ATOMIC_SEQ_CST);
		return r;
	}
	if (t->probe_drop)
		t->probe_drop = 0;
	else
		rt_sched_release(t);
	if (t->probing)
		rt_request_switch(); /* take_gil cleared the request: the next check drops again */
	return r;
}

/* take_gil signals switch_cond right after marking itself the holder: the GIL is taken. */
static void rt_gil_taken(struct rt_thread *t)
{
	if (t->gil != RT_GIL_TAKING)
		return;
	t->gil_taken = 1;
	if (!__atomic_load_n(&rt_on, __ATOMIC_RELAXED))
		return;
	if (rt_replaying()) {
		if (!t->probe_drop) {
			rt_replay_next(RETRACE__CALL__CALL_GIL_TAKE, 0, 0, 0);
			__atomic_store_n(&rt_gil_owner, t->tid, __ATOMIC_SEQ_CST);
		}
		return;
	}
	struct trace_event ev = { .call = RETRACE__CALL__CALL_GIL_TAKE, .value = rt_now_ns() };
	rt_record(&ev);
	__atomic_store_n(&rt_yield_waits, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&rt_yield_wanted, 0, __ATOMIC_SEQ_CST);
}

/* ---- replay: a signal due at an eval-breaker check (signal.c) ----------------------------
 *
 * With one thread, no GIL schedule runs, but the same drop request finds the checks: each
 * drop's lock of the GIL's mutex is a check, where signal.c compares the frame with the
 * recorded one; take_gil clears the request, so its unlock sets it again while the signal is
 * due; drop_gil's wait for another thread to take the GIL returns at once. */

static int rt_sig_drop_asked; /* record: a signal handler asked for a drop */

void rt_gil_signal_prepare(void)
{
	if (rt_gilp.mutex || !rt_py.gil || !rt_py.frame_place)
		return;
	struct rt_pygil g;
	rt_py.gil(&g);
	if (!g.drop_request || !g.eval_breaker || !g.mutex)
		return;
	REAL_SYM(real_mutex_lock, "pthread_mutex_lock");
	REAL_SYM(real_mutex_unlock, "pthread_mutex_unlock");
	real_cond_signal = rt_cond_sym("pthread_cond_signal");
	real_cond_wait = rt_cond_sym("pthread_cond_wait");
	rt_gilp = g;
}

int rt_gil_signal_possible(void)
{
	return rt_gilp.mutex != NULL && !rt_threaded();
}

/* From a signal handler: two stores, as CPython's own forced switch makes. */
void rt_gil_signal_check_soon(void)
{
	if (!rt_gil_signal_possible())
		return;
	__atomic_store_n(&rt_sig_drop_asked, 1, __ATOMIC_SEQ_CST);
	rt_request_switch();
}

int rt_gil_signal_probe(void)
{
	if (rt_threaded())
		return -1;
	rt_gil_signal_prepare();
	if (!rt_gilp.mutex)
		return -1;
	rt_self.sig_probe = 1;
	rt_request_switch();
	return 0;
}

/* A lock of the GIL's mutex with one thread: drop_gil's when the GIL is held (the thread is at
 * an eval-breaker check, or releases the GIL around a call: both are points replay finds
 * again), take_gil's when it is free. */
static void rt_sig_gil_lock(struct rt_thread *t)
{
	if (__atomic_load_n(rt_gilp.locked, __ATOMIC_SEQ_CST) != 1) {
		/* take_gil, which clears the request: its unlock asks again while one is wanted */
		if (t->sig_probe_phase == 1 || t->sig_probe ||
		    __atomic_load_n(&rt_sig_drop_asked, __ATOMIC_SEQ_CST))
			t->sig_probe_phase = 2;
		return;
	}
	if (rt_replaying()) {
		if (!t->sig_probe)
			return;
		t->sig_probe_phase = 1;
		rt_signal_probe_check(t);
		return;
	}
	if (!__atomic_exchange_n(&rt_sig_drop_asked, 0, __ATOMIC_SEQ_CST))
		return;
	t->sig_probe_phase = 1;
	rt_signals_at_check();
}

static void rt_sig_probe_unlock(struct rt_thread *t)
{
	if (t->sig_probe_phase != 2)
		return;
	t->sig_probe_phase = 0;
	if (t->sig_probe || __atomic_load_n(&rt_sig_drop_asked, __ATOMIC_SEQ_CST))
		rt_request_switch(); /* take_gil cleared the request: the next check drops again */
}

RT_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	/* pdb's own GIL handoffs (while it waits for the terminal) are not the schedule's: the
	 * schedule still has this thread holding the GIL, so no other thread takes it meanwhile */
	if (RT_UNLIKELY(m == rt_gilp.mutex) && !rt_self.debugging) {
		if (rt_gil_on())
			return rt_gil_lock(m);
		if (__atomic_load_n(&rt_sig_drop_asked, __ATOMIC_RELAXED) || rt_self.sig_probe ||
		    rt_self.sig_probe_phase)
			rt_sig_gil_lock(&rt_self);
	}
	if (RT_UNLIKELY(rt_self.turn_held))
		rt_sched_release(&rt_self); /* replay: it may block on a thread that needs the turn */
	return REAL_SYM(real_mutex_lock, "pthread_mutex_lock")(m);
}

RT_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (RT_UNLIKELY(m == rt_gilp.mutex) && !rt_self.debugging) {
		if (rt_gil_on())
			return rt_gil_unlock(m);
		int r = REAL_SYM(real_mutex_unlock, "pthread_mutex_unlock")(m);
		if (rt_self.sig_probe_phase)
			rt_sig_probe_unlock(&rt_self);
		return r;
	}
	return REAL_SYM(real_mutex_unlock, "pthread_mutex_unlock")(m);
}

RT_EXPORT int pthread_cond_signal(pthread_cond_t *c)
{
	if (!real_cond_signal)
		real_cond_signal = rt_cond_sym("pthread_cond_signal");
	if (RT_UNLIKELY(c == rt_gilp.switch_cond || c == rt_gilp.cond) && rt_gil_on() &&
	    !rt_self.debugging) {
		struct rt_thread *t = &rt_self;
		if (c == rt_gilp.switch_cond)
			rt_gil_taken(t);
		else if (t->probe_drop)
			return 0; /* a probe's drop wakes nobody: the GIL stays this thread's */
	}
	return real_cond_signal(c);
}

RT_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	if (!real_cond_wait)
		real_cond_wait = rt_cond_sym("pthread_cond_wait");
	/* drop_gil waits for the next holder: replay orders the takes itself; and with one thread
	 * the drop was signal.c's (a signal can ask for it while drop_gil runs), with no one to
	 * take the GIL */
	if (RT_UNLIKELY(c == rt_gilp.switch_cond) &&
	    ((rt_gil_on() && rt_replaying()) || !rt_threaded()))
		return 0;
	if (RT_UNLIKELY(rt_self.turn_held))
		rt_sched_release(&rt_self);
	return real_cond_wait(c, m);
}

/* The GIL's timed wait, in take_gil (sync.c's pthread_cond_timedwait sends it here). */
int rt_gil_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abs)
{
	if (rt_replaying()) {
		/* Never a timeout (CPython would ask the holder to drop): wait until the GIL is given
		 * up for real, which a probe's drop is not. */
		struct rt_stall_watch w;
		rt_stall_watch_begin(&w);
		for (;;) {
			if (!__atomic_load_n(&rt_gil_owner, __ATOMIC_SEQ_CST) &&
			    __atomic_load_n(rt_gilp.locked, __ATOMIC_SEQ_CST) != 1)
				return 0;
			struct timespec dl;
			int64_t t = rt_now_ns() + 100 * 1000000LL;
			dl.tv_sec = t / 1000000000LL;
			dl.tv_nsec = t % 1000000000LL;
			rt_real.pthread_cond_timedwait(c, m, &dl);
			rt_stall_watch_check(&w, "waits for the GIL, which another thread holds");
		}
	}
	int r = rt_real.pthread_cond_timedwait(c, m, abs);
	if (r != ETIMEDOUT || __atomic_load_n(rt_gilp.locked, __ATOMIC_SEQ_CST) != 1)
		return r == ETIMEDOUT ? 0 : r;
	/* a switch interval has passed: ask the holder to yield where replay can find it again, and
	 * only after one more let CPython stop it wherever it is */
	__atomic_store_n(&rt_yield_wanted, 1, __ATOMIC_SEQ_CST);
	if (__atomic_add_fetch(&rt_yield_waits, 1, __ATOMIC_SEQ_CST) > RT_YIELD_PATIENCE)
		return ETIMEDOUT;
	return 0;
}

int rt_is_gil_cond(const pthread_cond_t *c)
{
	return c == rt_gilp.cond && rt_gil_on() && !rt_self.debugging;
}

const char *rt_gil_describe(const struct rt_thread *t)
{
	switch (t->gil) {
	case RT_GIL_HELD: return "holds the GIL";
	case RT_GIL_TAKING: return "is taking the GIL";
	default: return "does not hold the GIL";
	}
}

/* Record, in a forked child: only the forking thread is left, and CPython takes the GIL afresh
 * (PyOS_AfterFork_Child). */
void rt_gil_forked(void)
{
	rt_self.gil = RT_GIL_NONE;
	rt_self.yield_pending = 0;
	rt_gil_takers = 0;
	rt_yield_waits = 0;
	rt_yield_wanted = 0;
	rt_gil_owner = 0;
}
