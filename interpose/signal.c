/* signal.c — signals: a program's handler runs where replay can run it again.
 *
 * Record: for every signal the program handles with a function (sigaction, signal), the real
 * handler is retrace's.  It notes the signal pending and returns, and the program's handler is
 * called at the next point replay can find again: right after the next event a thread records
 * (a blocking call the signal interrupted returns EINTR and is logged first, so the program
 * sees the handler's effect when the call returns, as it would), or, while the thread runs
 * Python code that makes no call, at its next eval-breaker check, where CPython would have
 * noticed the signal: the handler asks for a GIL drop there, as CPython's forced switch does
 * (gil.c), with one thread only.  A SIGNAL event says which signal, where, and the
 * siginfo.  Replay installs the same handler, which drops every live signal except those that
 * stop the replay on the user's behalf (SIGINT, SIGTERM, SIGHUP, SIGQUIT: the replay dies of
 * it, as retrace-replay passes them on), and calls the program's handler at the recorded
 * points: after the recorded event, or at the eval-breaker check whose frame place and state
 * are the recorded ones (gil.c asks for a drop at every check until then).
 *
 * Signals raised by a fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS) and SIGABRT come
 * from the program's own execution and reach its handlers directly.  Timers (setitimer, alarm)
 * and the calls that wait for a signal (pause, sigsuspend) are SIGNAL_SETUP events: replay arms
 * nothing and waits for nothing.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "exitcodes.h"
#include "rt.h"

#define RT_NSIG 65

enum { RT_SIG_AFTER_EVENT = 1, RT_SIG_AT_CHECK = 2 };
enum { RT_SETUP_SETITIMER = 1, RT_SETUP_ALARM = 2, RT_SETUP_GETITIMER = 3, RT_SETUP_PAUSE = 4,
       RT_SETUP_SIGSUSPEND = 5, RT_SETUP_PIDFD_SEND = 6, RT_SETUP_SIGWAIT = 7,
       RT_SETUP_SIGWAITINFO = 8, RT_SETUP_SIGTIMEDWAIT = 9 };

static struct sigaction rt_sig_prog[RT_NSIG]; /* the program's actions for held signals */
static uint64_t rt_sig_held;                  /* signals whose real handler is ours */
static uint64_t rt_sig_default;               /* of those, the ones the program leaves at SIG_DFL,
						 whose default action ends the process */
uint64_t rt_sig_pending;                      /* record: arrived, not handed to the program yet */
static siginfo_t rt_sig_info[RT_NSIG];        /* record: their siginfo */
static uint64_t rt_sig_count;                 /* record: SIGNAL events, for the trailer */
int rt_sig_expected;                          /* replay: the trace may hold SIGNAL events */

static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);

static int rt_sig_holdable(int sig)
{
	switch (sig) {
	case SIGKILL: case SIGSTOP: case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL:
	case SIGTRAP: case SIGSYS: case SIGABRT:
		return 0;
	default:
		return sig > 0 && sig < RT_NSIG;
	}
}

static int real_sa(int sig, const struct sigaction *act, struct sigaction *old)
{
	return REAL_SYM(real_sigaction, "sigaction")(sig, act, old);
}

/* The signals whose default action ends the process that someone outside is likely to send:
 * held while the program leaves them at SIG_DFL, so that a process killed by one replays to the
 * same point and dies of it there. */
static int rt_sig_fatal_default(int sig)
{
	switch (sig) {
	case SIGHUP: case SIGINT: case SIGQUIT: case SIGTERM: case SIGUSR1: case SIGUSR2:
	case SIGALRM: case SIGVTALRM: case SIGPROF: case SIGXCPU:
		return 1;
	default:
		return 0;
	}
}

/* The process dies of sig now, as it would have without retrace. */
void rt_signal_die(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigemptyset(&dfl.sa_mask);
	real_sa(sig, &dfl, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	rt_real.kill(rt_real_pid(), sig);
}

/* Record: the signals ignored and blocked as the program inherited them, for the header (replay
 * starts the program with the same: retrace.proto, Header.ignored_signals). */
void rt_sig_inherited(uint64_t *ignored, uint64_t *blocked)
{
	sigset_t mask;
	*ignored = *blocked = 0;
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	for (int sig = 1; sig <= 64; sig++) {
		struct sigaction a;
		if (sig != SIGKILL && sig != SIGSTOP && real_sa(sig, NULL, &a) == 0 &&
		    !(a.sa_flags & SA_SIGINFO) && a.sa_handler == SIG_IGN)
			*ignored |= 1ull << (sig - 1);
		if (sigismember(&mask, sig) == 1)
			*blocked |= 1ull << (sig - 1);
	}
}

static int rt_sig_is_function(const struct sigaction *a)
{
	if (a->sa_flags & SA_SIGINFO)
		return a->sa_sigaction != NULL && (void *)a->sa_sigaction != (void *)SIG_IGN;
	return a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN;
}



/* The program's handler, as the kernel would call it.  SA_RESETHAND is done here: the real
 * action is retrace's, installed without it. */
static void rt_sig_call(int sig, siginfo_t *si)
{
	struct sigaction a = rt_sig_prog[sig];
	uint64_t held = __atomic_load_n(&rt_sig_held, __ATOMIC_SEQ_CST);
	if ((held & (1ull << sig)) && (__atomic_load_n(&rt_sig_default, __ATOMIC_SEQ_CST) & (1ull << sig)))
		rt_signal_die(sig); /* its default action, where the recording had it */
	if (!(held & (1ull << sig)) || !rt_sig_is_function(&a))
		return; /* the program let it go since it arrived */
	if (a.sa_flags & SA_RESETHAND) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		sigemptyset(&dfl.sa_mask);
		__atomic_and_fetch(&rt_sig_held, ~(1ull << sig), __ATOMIC_SEQ_CST);
		real_sa(sig, &dfl, NULL);
	}
	int e = errno;
	if (a.sa_flags & SA_SIGINFO)
		a.sa_sigaction(sig, si, NULL);
	else
		a.sa_handler(sig);
	errno = e;
}

/* ---- the real handler ------------------------------------------------------------------ */

static int rt_sig_stops_replay(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

static void rt_sig_record(int sig, int where, const siginfo_t *si);

static void rt_sig_handler(int sig, siginfo_t *info, void *uc)
{
	(void)uc;
	int e = errno;
	if (rt_mode == RT_MODE_REPLAY) {
		if (rt_sig_stops_replay(sig)) {
			/* the user ends the replay: it dies of the signal, as retrace-replay then does */
			rt_msg("replay stopped by SIG%s", sigabbrev_np(sig));
			rt_signal_die(sig);
		}
		errno = e;
		return; /* the recorded signals come from the trace */
	}
	if (rt_mode != RT_MODE_RECORD || !__atomic_load_n(&rt_on, __ATOMIC_SEQ_CST)) {
		rt_sig_call(sig, info);
		errno = e;
		return;
	}
	/* One that ends the process waits for a point replay finds again only where such a point
	 * is sure to come soon (Python with one thread), and never twice. */
	int ends = (__atomic_load_n(&rt_sig_default, __ATOMIC_SEQ_CST) & (1ull << sig)) != 0;
	if (ends && (!rt_gil_signal_possible() || info->si_pid == rt_real_pid() ||
		     (__atomic_load_n(&rt_sig_pending, __ATOMIC_SEQ_CST) & (1ull << sig))))
		rt_signal_die(sig);
	/* In a blocking wait the thread makes no event until the wait ends, and the wait may be
	 * one the program retries at once (CPython's lock acquire): a signal that ends the process
	 * is recorded now, after the thread's last event (no event is being written: the flag is
	 * set only around the real wait), and ends it, as replay will right after that event. */
	if (ends && rt_self.sig_blocking && !rt_self.inside && !rt_self.sig_defer &&
	    !rt_self.sig_delivering) {
		rt_sig_record(sig, RT_SIG_AFTER_EVENT, info);
		rt_signal_die(sig);
	}
	rt_sig_info[sig] = *info;
	__atomic_or_fetch(&rt_sig_pending, 1ull << sig, __ATOMIC_SEQ_CST);
	rt_gil_signal_check_soon();
	errno = e;
}

/* ---- record: handing signals to the program -------------------------------------------- */

static void rt_sig_record(int sig, int where, const siginfo_t *si)
{
	struct trace_event ev = { .call = RETRACE__CALL__CALL_SIGNAL, .arg0 = sig, .arg1 = where,
				  .data = (const uint8_t *)si, .data_len = sizeof *si };
	if (where == RT_SIG_AT_CHECK) {
		ev.arg2 = rt_py.frame_place();
		ev.value = (int64_t)rt_py.fingerprint();
	}
	rt_record(&ev);
	__atomic_add_fetch(&rt_sig_count, 1, __ATOMIC_RELAXED);
}

static void rt_signals_deliver(int where)
{
	struct rt_thread *t = &rt_self;
	if (t->inside || t->sig_defer || t->sig_delivering || !__atomic_load_n(&rt_on, __ATOMIC_SEQ_CST))
		return;
	t->sig_delivering = 1;
	uint64_t p;
	while ((p = __atomic_load_n(&rt_sig_pending, __ATOMIC_SEQ_CST))) {
		int sig = __builtin_ctzll(p);
		if (!(__atomic_fetch_and(&rt_sig_pending, ~(1ull << sig), __ATOMIC_SEQ_CST) & (1ull << sig)))
			continue;
		siginfo_t si = rt_sig_info[sig];
		rt_sig_record(sig, where, &si);
		where = RT_SIG_AFTER_EVENT; /* the next one comes right after this one's event */
		rt_sig_call(sig, &si);
	}
	t->sig_delivering = 0;
}

void rt_signals_after_event(void)
{
	rt_signals_deliver(RT_SIG_AFTER_EVENT);
}

/* gil.c: the thread is at an eval-breaker check. */
void rt_signals_at_check(void)
{
	if (rt_mode == RT_MODE_RECORD && __atomic_load_n(&rt_sig_pending, __ATOMIC_SEQ_CST))
		rt_signals_deliver(RT_SIG_AT_CHECK);
}

uint64_t rt_signals_count(void)
{
	return __atomic_load_n(&rt_sig_count, __ATOMIC_RELAXED);
}

/* ---- replay: the recorded signals ------------------------------------------------------ */

uint64_t rt_sig_replayed_seq; /* replay: the seq of the last signal handed to the program */
int rt_sig_replayed_sig;

static void rt_sig_replay_one(const struct trace_event *ev)
{
	rt_sig_replayed_seq = ev->seq;
	rt_sig_replayed_sig = (int)ev->arg0;
	siginfo_t si;
	memset(&si, 0, sizeof si);
	memcpy(&si, ev->data, ev->data_len < sizeof si ? ev->data_len : sizeof si);
	int sig = (int)ev->arg0;
	if (sig > 0 && sig < RT_NSIG)
		rt_sig_call(sig, &si);
}

/* Right after the thread's event: the recorded signals that come next, delivered; one due at
 * an eval-breaker check, armed. */
void rt_signals_replay(struct rt_thread *t)
{
	if (t->sig_delivering || t->inside)
		return;
	struct trace_event next;
	if (!rt_sched_peek_event(t, &next) || next.call != RETRACE__CALL__CALL_SIGNAL)
		return;
	t->sig_delivering = 1;
	struct trace_event saved = t->ev; /* the wrapper that called rt_replay_next still uses it */
	do {
		if (next.arg1 == RT_SIG_AT_CHECK) {
			if (rt_gil_signal_probe() < 0) {
				char why[200];
				snprintf(why, sizeof why, "the recording handed SIG%s to the program at an "
					 "eval-breaker check of its Python code, which this replay cannot "
					 "find (%s)", sigabbrev_np((int)next.arg0) ? sigabbrev_np((int)next.arg0) : "?",
					 rt_threaded() ? "not supported yet while several threads run"
						       : "CPython's internals are not known");
				rt_diverge(&next, why);
			}
			break;
		}
		rt_sig_replay_one(rt_replay_next(RETRACE__CALL__CALL_SIGNAL, next.arg0,
						 RT_SIG_AFTER_EVENT, 0));
	} while (rt_sched_peek_event(t, &next) && next.call == RETRACE__CALL__CALL_SIGNAL);
	t->ev = saved;
	t->sig_delivering = 0;
}

/* gil.c, at an eval-breaker check while a signal is armed: is this its recorded place? */
void rt_signal_probe_check(struct rt_thread *t)
{
	struct trace_event next;
	if (!rt_sched_peek_event(t, &next) || next.call != RETRACE__CALL__CALL_SIGNAL ||
	    next.arg1 != RT_SIG_AT_CHECK) {
		t->sig_probe = 0;
		return;
	}
	if (rt_py.frame_place() != next.arg2 || (int64_t)rt_py.fingerprint() != next.value)
		return;
	t->sig_probe = 0;
	t->sig_delivering = 1;
	rt_sig_replay_one(rt_replay_next(RETRACE__CALL__CALL_SIGNAL, next.arg0, RT_SIG_AT_CHECK,
					 next.arg2));
	t->sig_delivering = 0;
	rt_signals_replay(t);
}

/* ---- the program's calls ----------------------------------------------------------------- */

/* The program's action is act; retrace's handler is what the kernel calls.  dfl: act is
 * SIG_DFL, for a signal whose default ends the process.  A default one is installed without
 * SA_RESTART, so that a blocking call it interrupts returns, is logged, and the process dies
 * right after (CPython retries such calls itself). */
static int rt_sig_hold(int sig, const struct sigaction *act, struct sigaction *real_old, int dfl)
{
	uint64_t bit = 1ull << sig;
	rt_gil_signal_prepare(); /* the handler may need to ask for an eval-breaker check */
	struct sigaction mine = *act;
	mine.sa_sigaction = rt_sig_handler;
	mine.sa_flags = (act->sa_flags | SA_SIGINFO) & ~(SA_RESETHAND | (dfl ? SA_RESTART : 0));
	rt_sig_prog[sig] = *act;
	int r = real_sa(sig, &mine, real_old);
	if (r < 0)
		return r;
	if (dfl)
		__atomic_or_fetch(&rt_sig_default, bit, __ATOMIC_SEQ_CST);
	else
		__atomic_and_fetch(&rt_sig_default, ~bit, __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&rt_sig_held, bit, __ATOMIC_SEQ_CST);
	return 0;
}

/* Start-up, both modes: hold the signals that end the process and are at SIG_DFL. */
void rt_signals_init(void)
{
	for (int sig = 1; sig < RT_NSIG; sig++) {
		struct sigaction cur;
		if (!rt_sig_fatal_default(sig) || real_sa(sig, NULL, &cur) < 0 ||
		    (cur.sa_flags & SA_SIGINFO) || cur.sa_handler != SIG_DFL)
			continue;
		rt_sig_hold(sig, &cur, &cur, 1);
	}
}

RT_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	/* a vfork child runs inside retrace: what it sets is its own */
	if (rt_mode == RT_MODE_OFF || rt_self.inside || !rt_sig_holdable(sig))
		return real_sa(sig, act, old);
	uint64_t bit = 1ull << sig;
	int held = (__atomic_load_n(&rt_sig_held, __ATOMIC_SEQ_CST) & bit) != 0;
	struct sigaction prev = rt_sig_prog[sig], real_old;
	if (!act) {
		if (held) {
			if (old)
				*old = prev;
			return 0;
		}
		return real_sa(sig, NULL, old);
	}
	int dfl = !(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_DFL;
	if (!rt_sig_is_function(act) && !(dfl && rt_sig_fatal_default(sig))) {
		int r = real_sa(sig, act, &real_old);
		if (r == 0) {
			__atomic_and_fetch(&rt_sig_held, ~bit, __ATOMIC_SEQ_CST);
			__atomic_and_fetch(&rt_sig_default, ~bit, __ATOMIC_SEQ_CST);
			if (old)
				*old = held ? prev : real_old;
		}
		return r;
	}
	int r = rt_sig_hold(sig, act, &real_old, dfl);
	if (r < 0) {
		rt_sig_prog[sig] = prev;
		return r;
	}
	if (old)
		*old = held ? prev : real_old;
	return 0;
}

/* glibc's signal() has BSD semantics: the signal blocked in its handler, calls restarted. */
RT_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	static sighandler_t (*real)(int, sighandler_t);
	if (rt_mode == RT_MODE_OFF || rt_self.inside)
		return REAL_SYM(real, "signal")(sig, handler);
	struct sigaction a = { .sa_handler = handler, .sa_flags = SA_RESTART }, o;
	sigemptyset(&a.sa_mask);
	if (sig > 0 && sig < RT_NSIG)
		sigaddset(&a.sa_mask, sig);
	if (sigaction(sig, &a, &o) < 0)
		return SIG_ERR;
	return o.sa_handler;
}

/* Replay: a signal the program sends itself reaches its handler from the trace, where the
 * recording's landed; one it does not handle is really sent, so the replay ends the same way
 * (proc.c's kill asks). */
int rt_signal_handled(int sig)
{
	uint64_t bit = 1ull << sig;
	return sig > 0 && sig < RT_NSIG && (__atomic_load_n(&rt_sig_held, __ATOMIC_SEQ_CST) & bit) &&
	       !(__atomic_load_n(&rt_sig_default, __ATOMIC_SEQ_CST) & bit);
}

/* Whether the calling thread blocks sig now (the kernel's mask: the program's own, the same in
 * both modes). */
int rt_signal_blocked(int sig)
{
	uint64_t set = 0;
	if (REAL(syscall)(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&set, sizeof set, 0, 0) != 0)
		return 0;
	return sig > 0 && sig <= 64 && ((set >> (sig - 1)) & 1);
}

/* A signal the process sends itself that it leaves at its default action ends it at once (the
 * recording's did, in its handler: it was sent by the process itself).  Its callers send none it
 * blocks: that one stayed pending when recorded, for a sigwait to take or an unblock to
 * deliver, both of which the trace has. */
void rt_signal_to_self(int sig)
{
	if (sig > 0 && sig < RT_NSIG && (__atomic_load_n(&rt_sig_default, __ATOMIC_SEQ_CST) & (1ull << sig)))
		rt_signal_die(sig);
}

/* raise, and pthread_kill of the calling thread: a kill of the process itself (its KILL
 * event), made to the calling thread; the handler runs before it returns, as without
 * retrace.  send is the real call. */
static int to_this_thread(int sig, int (*send)(int, void *), void *arg)
{
	if (rt_replaying()) {
		rt_replay_next(RETRACE__CALL__CALL_KILL, rt_recorded_pid(), sig, 0);
		if (rt_signal_handled(sig) || rt_signal_blocked(sig))
			return 0;
		rt_signal_to_self(sig);
		return send(sig, arg);
	}
	struct trace_event ev = { .call = RETRACE__CALL__CALL_KILL, .arg0 = rt_recorded_pid(),
				  .arg1 = sig };
	rt_record(&ev);
	int r = send(sig, arg);
	int e = errno;
	rt_signals_poll();
	errno = e;
	return r;
}

static int (*real_raise)(int);
static int (*real_pthread_kill)(pthread_t, int);

static int send_raise(int sig, void *arg)
{
	(void)arg;
	return REAL_SYM(real_raise, "raise")(sig);
}

static int send_pthread_kill(int sig, void *arg)
{
	return REAL_SYM(real_pthread_kill, "pthread_kill")(*(pthread_t *)arg, sig);
}

RT_EXPORT int raise(int sig)
{
	if (!rt_active(RT_PROC))
		return send_raise(sig, NULL);
	return to_this_thread(sig, send_raise, NULL);
}

/* To another thread: sent for real in record; on replay dropped like any live signal, and
 * the recorded SIGNAL events deliver it. */
RT_EXPORT int pthread_kill(pthread_t thread, int sig)
{
	if (!rt_active(RT_PROC) || sig == 0 || !pthread_equal(thread, pthread_self()))
		return send_pthread_kill(sig, &thread);
	return to_this_thread(sig, send_pthread_kill, &thread);
}

static int rt_real_sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	static int (*real)(const sigset_t *, siginfo_t *);
	return REAL_SYM(real, "sigwaitinfo")(set, info);
}

static int rt_real_sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *t)
{
	static int (*real)(const sigset_t *, siginfo_t *, const struct timespec *);
	return REAL_SYM(real, "sigtimedwait")(set, info, t);
}

static int setup_replay(int which, int64_t arg, void *out, size_t room)
{
	const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_SIGNAL_SETUP, which, arg, 0);
	if (ev->result < 0)
		errno = ev->err;
	else if (out)
		rt_copy_out(out, room, ev);
	return (int)ev->result;
}

static void setup_record(int which, int64_t arg, long r, int e, const void *out, size_t len)
{
	struct trace_event ev = { .call = RETRACE__CALL__CALL_SIGNAL_SETUP, .arg0 = which,
				  .arg1 = arg, .result = r, .err = r < 0 ? e : 0,
				  .data = r >= 0 ? out : NULL, .data_len = r >= 0 && out ? len : 0 };
	rt_record(&ev);
	errno = e;
}

RT_EXPORT int setitimer(__itimer_which_t which, const struct itimerval *nv, struct itimerval *ov)
{
	static int (*real)(__itimer_which_t, const struct itimerval *, struct itimerval *);
	if (!rt_active(RT_PROC))
		return REAL_SYM(real, "setitimer")(which, nv, ov);
	if (rt_replaying())
		return setup_replay(RT_SETUP_SETITIMER, which, ov, sizeof *ov);
	struct itimerval mine;
	int r = REAL_SYM(real, "setitimer")(which, nv, &mine);
	int e = errno;
	if (r == 0 && ov)
		*ov = mine;
	setup_record(RT_SETUP_SETITIMER, which, r, e, &mine, sizeof mine);
	return r;
}

RT_EXPORT int getitimer(__itimer_which_t which, struct itimerval *cur)
{
	static int (*real)(__itimer_which_t, struct itimerval *);
	if (!rt_active(RT_PROC))
		return REAL_SYM(real, "getitimer")(which, cur);
	if (rt_replaying())
		return setup_replay(RT_SETUP_GETITIMER, which, cur, sizeof *cur);
	int r = REAL_SYM(real, "getitimer")(which, cur);
	setup_record(RT_SETUP_GETITIMER, which, r, errno, cur, sizeof *cur);
	return r;
}

RT_EXPORT unsigned alarm(unsigned seconds)
{
	static unsigned (*real)(unsigned);
	if (!rt_active(RT_PROC))
		return REAL_SYM(real, "alarm")(seconds);
	if (rt_replaying())
		return (unsigned)setup_replay(RT_SETUP_ALARM, seconds, NULL, 0);
	unsigned r = REAL_SYM(real, "alarm")(seconds);
	setup_record(RT_SETUP_ALARM, seconds, r, errno, NULL, 0);
	return r;
}

RT_EXPORT int pause(void)
{
	static int (*real)(void);
	if (!rt_active(RT_PROC))
		return REAL_SYM(real, "pause")();
	if (rt_replaying())
		return setup_replay(RT_SETUP_PAUSE, 0, NULL, 0);
	int r = REAL_SYM(real, "pause")();
	setup_record(RT_SETUP_PAUSE, 0, r, errno, NULL, 0);
	return r;
}

/* The synchronous waits (signal.sigwait, sigwaitinfo, sigtimedwait) take a blocked signal
 * that never reaches a handler: the signal and its siginfo are their results, from the trace on
 * replay, which waits for nothing (a timeout that expired when recorded expires at once). */
RT_EXPORT int sigwait(const sigset_t *restrict set, int *restrict sig)
{
	static int (*real)(const sigset_t *, int *);
	if (!rt_active(RT_PROC))
		return REAL_SYM(real, "sigwait")(set, sig);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_SIGNAL_SETUP,
							      RT_SETUP_SIGWAIT, 0, 0);
		if (ev->result == 0) {
			rt_check_struct(ev, sizeof *sig);
			rt_copy_out(sig, sizeof *sig, ev);
		}
		return (int)ev->result;
	}
	int got = 0;
	int r = REAL_SYM(real, "sigwait")(set, &got);
	if (r == 0)
		*sig = got;
	struct trace_event ev = { .call = RETRACE__CALL__CALL_SIGNAL_SETUP, .arg0 = RT_SETUP_SIGWAIT,
				  .result = r, .data = r == 0 ? (const uint8_t *)&got : NULL,
				  .data_len = r == 0 ? sizeof got : 0 };
	rt_record(&ev);
	return r;
}

static int sigwaitinfo_common(int which, const sigset_t *set, siginfo_t *info,
			      const struct timespec *timeout)
{
	if (rt_replaying()) {
		siginfo_t si;
		int r = setup_replay(which, 0, &si, sizeof si);
		if (r > 0 && info)
			*info = si;
		return r;
	}
	siginfo_t si;
	memset(&si, 0, sizeof si);
	int r = which == RT_SETUP_SIGWAITINFO ? rt_real_sigwaitinfo(set, &si)
					       : rt_real_sigtimedwait(set, &si, timeout);
	int e = errno;
	if (r > 0 && info)
		*info = si;
	setup_record(which, 0, r, e, &si, sizeof si);
	return r;
}

RT_EXPORT int sigwaitinfo(const sigset_t *restrict set, siginfo_t *restrict info)
{
	if (!rt_active(RT_PROC))
		return rt_real_sigwaitinfo(set, info);
	return sigwaitinfo_common(RT_SETUP_SIGWAITINFO, set, info, NULL);
}

RT_EXPORT int sigtimedwait(const sigset_t *restrict set, siginfo_t *restrict info,
			   const struct timespec *restrict timeout)
{
	if (!rt_active(RT_PROC))
		return rt_real_sigtimedwait(set, info, timeout);
	return sigwaitinfo_common(RT_SETUP_SIGTIMEDWAIT, set, info, timeout);
}

RT_EXPORT int sigsuspend(const sigset_t *mask)
{
	static int (*real)(const sigset_t *);
	if (!rt_active(RT_PROC))
		return REAL_SYM(real, "sigsuspend")(mask);
	if (rt_replaying())
		return setup_replay(RT_SETUP_SIGSUSPEND, 0, NULL, 0);
	int r = REAL_SYM(real, "sigsuspend")(mask);
	setup_record(RT_SETUP_SIGSUSPEND, 0, r, errno, NULL, 0);
	return r;
}

/* pidfd_send_signal (through syscall(2): signal.pidfd_send_signal): its result is logged, a
 * signal it sent the process itself reaches the handler before it returns, and replay sends
 * nothing (the pidfd is a replayed fd). */
long rt_pidfd_send_signal(long fd, long sig, long info, long flags)
{
	if (rt_replaying())
		return setup_replay(RT_SETUP_PIDFD_SEND, fd << 8 | (sig & 0xff), NULL, 0);
	long r = REAL(syscall)(SYS_pidfd_send_signal, fd, sig, info, flags, 0, 0);
	setup_record(RT_SETUP_PIDFD_SEND, fd << 8 | (sig & 0xff), r, errno, NULL, 0);
	int e = errno;
	rt_signals_poll();
	errno = e;
	return r;
}
