/* sync.c — waiting for other threads: semaphores (sem_trywait, sem_wait, sem_post,
 * sem_timedwait, sem_clockwait) and pthread_cond_timedwait.
 *
 * CPython 3.11's locks are semaphores: an acquire tries with the GIL held (sem_trywait), then
 * waits with it released (sem_wait, or sem_clockwait with a timeout); Condition, Event, Queue,
 * Barrier and concurrent.futures are built on them.  While several threads run, every
 * semaphore operation is an event, and replay returns the recorded result in the recorded order
 * without touching the semaphore: a waiter woken outside the GIL cannot win a lock the
 * recording gave to another thread, and a wait that timed out when recorded times out at once.
 *
 * A timed wait's deadline was computed from a replayed clock and means nothing to the real
 * one.  With one thread (a semaphore another process posts, a signal handler), a wait that was
 * woken when recorded waits for real on replay, its deadline moved onto the real clock, so it
 * neither hangs nor spins.  The GIL's own timed wait is gil.c's.
 */
#include <fcntl.h>
#include <semaphore.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>

#include "rt.h"

#define NS 1000000000LL
/* How much longer than recorded a woken wait may take on replay before it is a divergence. */
#define WAIT_SLACK_NS (10 * NS)

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

/* The clock a deadline was computed from, when the wait does not say: the replayed clock whose
 * last value is nearest to it (realtime and monotonic values are decades apart). */
static clockid_t deadline_clock(const struct timespec *abs)
{
	int64_t t = ts_ns(abs);
	int64_t dr = t - rt_replayed_clock(CLOCK_REALTIME);
	int64_t dm = t - rt_replayed_clock(CLOCK_MONOTONIC);
	return (dr < 0 ? -dr : dr) <= (dm < 0 ? -dm : dm) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
}

/* A replayed deadline moved onto the real clock, plus slack: the wait was woken when recorded,
 * so on replay it should be woken too, and if it is not, it must not hang forever. */
static struct timespec real_deadline(clockid_t clk, const struct timespec *abs)
{
	int64_t left = ts_ns(abs) - rt_replayed_clock(clk);
	if (left < 0)
		left = 0;
	if (left > 60 * NS)
		left = 60 * NS;
	struct timespec now, out;
	rt_real.clock_gettime(clk, &now);
	int64_t t = ts_ns(&now) + left + WAIT_SLACK_NS;
	out.tv_sec = t / NS;
	out.tv_nsec = t % NS;
	return out;
}

RT_EXPORT int pthread_cond_timedwait(pthread_cond_t *restrict cond, pthread_mutex_t *restrict mutex,
				     const struct timespec *restrict abs)
{
	if (rt_is_gil_cond(cond))
		return rt_gil_cond_timedwait(cond, mutex, abs);
	if (!rt_active(RT_SLEEP))
		return REAL(pthread_cond_timedwait)(cond, mutex, abs);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_COND_TIMEDWAIT, 0, 0, 0);
		if (ev->result != 0)
			return (int)ev->result; /* timed out (or failed) when recorded: at once now */
		rt_sched_release(&rt_self); /* whoever wakes it may need the turn */
		struct timespec dl = real_deadline(deadline_clock(abs), abs);
		int r = rt_real.pthread_cond_timedwait(cond, mutex, &dl);
		if (r == ETIMEDOUT)
			rt_diverge(ev, "a condition wait that was woken when recorded timed out on replay");
		return r;
	}
	int r = rt_real.pthread_cond_timedwait(cond, mutex, abs);
	struct trace_event ev = { .call = RETRACE__CALL__CALL_COND_TIMEDWAIT, .result = r };
	rt_record(&ev);
	return r;
}

/* ---- semaphores ----------------------------------------------------------------------------- */

/* The semaphore operations that are events while several threads run, or other processes of
 * the recording may share semaphores with this one (multiprocessing's locks are named
 * semaphores, and replay runs no other process to post them); otherwise only the timed waits
 * are (their outcome is the clock's). */
static inline int sem_recorded(uint32_t call)
{
	int timed = call == RETRACE__CALL__CALL_SEM_TIMEDWAIT || call == RETRACE__CALL__CALL_SEM_CLOCKWAIT;
	return (timed || rt_threaded() || rt_processes()) && rt_active(RT_THREAD);
}

static int sem_replay(uint32_t call, clockid_t clk, sem_t *sem, const struct timespec *abs)
{
	const struct trace_event *ev =
		rt_replay_next(call, call == RETRACE__CALL__CALL_SEM_CLOCKWAIT ? clk : 0, 0, 0);
	if (ev->result != 0) {
		errno = ev->err;
		return (int)ev->result;
	}
	if (!abs || rt_threaded() || rt_processes())
		return 0; /* the recorded order is the semaphore's: nothing to wait for */
	struct timespec dl = real_deadline(clk, abs);
	int r = rt_real.sem_clockwait(sem, clk, &dl);
	if (r < 0 && errno == ETIMEDOUT)
		rt_diverge(ev, "a semaphore wait that succeeded when recorded timed out on replay");
	return r;
}

/* Record: the real wait, flagged as a blocking one for the signal handler (signal.c), after
 * handing over any signal already held: a signal that ends the process must not wait for the
 * event after a wait that, interrupted, the program retries at once. */
#define SEM_BLOCKING_WAIT(expr)                                                                   \
	({                                                                                        \
		rt_self.sig_blocking = 1;                                                         \
		rt_signals_poll();                                                                \
		int r_ = (expr);                                                                  \
		int e_ = errno;                                                                   \
		rt_self.sig_blocking = 0;                                                         \
		errno = e_;                                                                       \
		r_;                                                                               \
	})

static void sem_record(uint32_t call, clockid_t clk, const sem_t *sem, int r, int e)
{
	struct trace_event ev = {
		.call = call, .arg0 = call == RETRACE__CALL__CALL_SEM_CLOCKWAIT ? clk : 0,
		.result = r, .err = r ? e : 0, .value = (int64_t)(uintptr_t)sem,
	};
	rt_record(&ev);
	errno = e;
}

RT_EXPORT int sem_trywait(sem_t *sem)
{
	static int (*real)(sem_t *);
	if (!sem_recorded(RETRACE__CALL__CALL_SEM_TRYWAIT))
		return REAL_SYM(real, "sem_trywait")(sem);
	if (rt_replaying())
		return sem_replay(RETRACE__CALL__CALL_SEM_TRYWAIT, 0, sem, NULL);
	int r = REAL_SYM(real, "sem_trywait")(sem);
	sem_record(RETRACE__CALL__CALL_SEM_TRYWAIT, 0, sem, r, errno);
	return r;
}

RT_EXPORT int sem_wait(sem_t *sem)
{
	static int (*real)(sem_t *);
	if (!sem_recorded(RETRACE__CALL__CALL_SEM_WAIT))
		return REAL_SYM(real, "sem_wait")(sem);
	if (rt_replaying())
		return sem_replay(RETRACE__CALL__CALL_SEM_WAIT, 0, sem, NULL);
	int r = SEM_BLOCKING_WAIT(REAL_SYM(real, "sem_wait")(sem));
	sem_record(RETRACE__CALL__CALL_SEM_WAIT, 0, sem, r, errno);
	return r;
}

RT_EXPORT int sem_post(sem_t *sem)
{
	static int (*real)(sem_t *);
	if (!sem_recorded(RETRACE__CALL__CALL_SEM_POST))
		return REAL_SYM(real, "sem_post")(sem);
	if (rt_replaying())
		return sem_replay(RETRACE__CALL__CALL_SEM_POST, 0, sem, NULL);
	int r = REAL_SYM(real, "sem_post")(sem);
	sem_record(RETRACE__CALL__CALL_SEM_POST, 0, sem, r, errno);
	return r;
}

RT_EXPORT int sem_timedwait(sem_t *restrict sem, const struct timespec *restrict abs)
{
	if (!sem_recorded(RETRACE__CALL__CALL_SEM_TIMEDWAIT))
		return REAL(sem_timedwait)(sem, abs);
	if (rt_replaying())
		return sem_replay(RETRACE__CALL__CALL_SEM_TIMEDWAIT, CLOCK_REALTIME, sem, abs);
	int r = SEM_BLOCKING_WAIT(rt_real.sem_timedwait(sem, abs));
	sem_record(RETRACE__CALL__CALL_SEM_TIMEDWAIT, CLOCK_REALTIME, sem, r, errno);
	return r;
}

RT_EXPORT int sem_clockwait(sem_t *restrict sem, clockid_t clk, const struct timespec *restrict abs)
{
	if (!sem_recorded(RETRACE__CALL__CALL_SEM_CLOCKWAIT))
		return REAL(sem_clockwait)(sem, clk, abs);
	if (rt_replaying())
		return sem_replay(RETRACE__CALL__CALL_SEM_CLOCKWAIT, clk, sem, abs);
	int r = SEM_BLOCKING_WAIT(rt_real.sem_clockwait(sem, clk, abs));
	sem_record(RETRACE__CALL__CALL_SEM_CLOCKWAIT, clk, sem, r, errno);
	return r;
}

/* The value is another process's or thread's doing (multiprocessing's SemLock checks it before a
 * release): an event whenever the waits are. */
RT_EXPORT int sem_getvalue(sem_t *restrict sem, int *restrict sval)
{
	static int (*real)(sem_t *, int *);
	if (!sem_recorded(RETRACE__CALL__CALL_SEM_GETVALUE))
		return REAL_SYM(real, "sem_getvalue")(sem, sval);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_SEM_GETVALUE, 0, 0, 0);
		if (ev->result != 0) {
			errno = ev->err;
			return (int)ev->result;
		}
		rt_check_struct(ev, sizeof *sval);
		rt_copy_out(sval, sizeof *sval, ev);
		return 0;
	}
	int v = 0;
	int r = REAL_SYM(real, "sem_getvalue")(sem, &v);
	int e = errno;
	if (r == 0)
		*sval = v;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_SEM_GETVALUE, .result = r, .err = r ? e : 0,
		.value = (int64_t)(uintptr_t)sem, .data = r == 0 ? (const uint8_t *)&v : NULL,
		.data_len = r == 0 ? sizeof v : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

/* ---- named semaphores ------------------------------------------------------------------------
 *
 * multiprocessing's locks and queues are named semaphores (sem_open of /dev/shm/sem.NAME),
 * created by one process and opened by the ones it spawns (a spawned worker rebuilds its
 * queue's lock by name).  On replay the other processes are not there, and a child replayed
 * alone would find no such name: so sem_open and sem_unlink are events, and replay gives the
 * process a semaphore of its own, in a shared anonymous mapping (the page glibc would have
 * mapped), with the value it had when recorded, and touches nothing in /dev/shm.  Opening one
 * name twice gives the same semaphore, as glibc does; sem_close unmaps it at the last close. */

#define FAKE_SEMS 32

static struct fake_sem {
	char name[256];
	sem_t *sem;
	int refs;
} fake_sems[FAKE_SEMS];

static sem_t *fake_sem_open(const struct trace_event *ev, const char *name)
{
	for (int i = 0; i < FAKE_SEMS; i++)
		if (fake_sems[i].sem && strcmp(fake_sems[i].name, name) == 0) {
			fake_sems[i].refs++;
			return fake_sems[i].sem;
		}
	for (int i = 0; i < FAKE_SEMS; i++) {
		if (fake_sems[i].sem)
			continue;
		void *p = mmap(NULL, sizeof(sem_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			       -1, 0);
		if (p == MAP_FAILED)
			rt_diverge(ev, "cannot map a semaphore for the replay");
		sem_init(p, 1, ev->value >= 0 && ev->value <= SEM_VALUE_MAX ? (unsigned)ev->value : 0);
		memcpy(fake_sems[i].name, name, strlen(name) + 1); /* shorter than it: sem_open */
		fake_sems[i].sem = p;
		fake_sems[i].refs = 1;
		return p;
	}
	rt_diverge(ev, "the replay has more named semaphores open than retrace can give (32)");
}

static void sem_name_check(const struct trace_event *ev, const char *name)
{
	size_t n = strlen(name);
	if (ev->aux_len != n || memcmp(ev->aux, name, n) != 0)
		rt_diverge(ev, "the program named another semaphore than when recorded");
}

RT_EXPORT sem_t *sem_open(const char *name, int oflag, ...)
{
	static sem_t *(*real)(const char *, int, ...);
	static int (*real_getvalue)(sem_t *, int *);
	mode_t mode = 0;
	unsigned value = 0;
	if (oflag & O_CREAT) {
		va_list ap;
		va_start(ap, oflag);
		mode = (mode_t)va_arg(ap, unsigned);
		value = va_arg(ap, unsigned);
		va_end(ap);
	}
	if (!rt_active(RT_THREAD) || strlen(name) >= sizeof fake_sems[0].name)
		return REAL_SYM(real, "sem_open")(name, oflag, mode, value);
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_SEM_OPEN, oflag, (oflag & O_CREAT) ? value : 0, 0);
		sem_name_check(ev, name);
		rt_check_failure(ev);
		if (ev->result != 0) {
			errno = ev->err;
			return SEM_FAILED;
		}
		sem_t *s = fake_sem_open(ev, name);
		rt_replay_done();
		return s;
	}
	rt_self.inside++;
	sem_t *s = REAL_SYM(real, "sem_open")(name, oflag, mode, value);
	int e = errno, v = -1;
	if (s != SEM_FAILED && REAL_SYM(real_getvalue, "sem_getvalue")(s, &v) != 0)
		v = -1;
	rt_self.inside--;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_SEM_OPEN, .arg0 = oflag,
		.arg1 = (oflag & O_CREAT) ? value : 0, .result = s == SEM_FAILED ? -1 : 0,
		.err = s == SEM_FAILED ? e : 0, .value = v,
		.aux = (const uint8_t *)name, .aux_len = strlen(name),
	};
	rt_record(&ev);
	errno = e;
	return s;
}

RT_EXPORT int sem_close(sem_t *sem)
{
	static int (*real)(sem_t *);
	if (rt_replaying())
		for (int i = 0; i < FAKE_SEMS; i++)
			if (fake_sems[i].sem == sem) {
				if (--fake_sems[i].refs == 0) {
					munmap(sem, sizeof(sem_t));
					fake_sems[i].sem = NULL;
				}
				return 0;
			}
	return REAL_SYM(real, "sem_close")(sem);
}

RT_EXPORT int sem_unlink(const char *name)
{
	static int (*real)(const char *);
	if (!rt_active(RT_THREAD))
		return REAL_SYM(real, "sem_unlink")(name);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_SEM_UNLINK, 0, 0, 0);
		sem_name_check(ev, name);
		rt_check_failure(ev);
		errno = ev->err;
		return ev->result ? -1 : 0;
	}
	rt_self.inside++;
	int r = REAL_SYM(real, "sem_unlink")(name);
	int e = errno;
	rt_self.inside--;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_SEM_UNLINK, .result = r, .err = r ? e : 0,
		.aux = (const uint8_t *)name, .aux_len = strlen(name),
	};
	rt_record(&ev);
	errno = e;
	return r;
}
