/* thread.c — the threads a program creates: pthread_create, pthread_exit, pthread_join,
 * pthread_detach.
 *
 * Threads get logical ids in the order they are created (the creator is at the same point of
 * the program in record and replay), which name their streams in the trace.  The first creation
 * switches the process to multi-threaded recording or replay (rt_mt: the GIL, forced switches
 * and semaphores become events) at that same point in both modes.  Each thread runs on a stack
 * retrace maps at a fixed address chosen by its id: glibc's stack cache would otherwise hand
 * out stacks by timing, moving threading.get_ident() and every later mmap (and id()) between
 * record and replay.  For the same reason malloc keeps one arena for all threads.
 */
#include <malloc.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exitcodes.h"
#include "rt.h"

int rt_mt;
static uint32_t rt_tids; /* ids handed out; the main thread's is 1 */

/* Thread stacks: bumped upwards from 60 TiB, never reused (an address depends only on the
 * threads created before), given back to the kernel once their thread is gone. */
#define RT_STACKS_ADDR 0x3c0000000000ull
#define RT_STACKS_RESERVE (1ull << 40)
static uint64_t rt_stacks_used;

struct rt_start {
	void *(*fn)(void *);
	void *arg;
	uint32_t tid;
	uint8_t *stack;    /* the mapping: guard page(s), then the stack */
	size_t stack_len;
	pid_t ktid;        /* the kernel's id of the thread, once it runs */
	int finished;      /* it ran its last code of ours */
	int detached;      /* nobody will join it: its stack can go once the thread is gone */
	pthread_t self;
	struct rt_start *next;
};
static struct rt_start *rt_started;  /* threads whose stacks are still mapped */
static int rt_started_lock;
static __thread struct rt_start *rt_my_start;

uint32_t rt_thread_new_id(void)
{
	return __atomic_add_fetch(&rt_tids, 1, __ATOMIC_SEQ_CST);
}

uint32_t rt_threads_count(void)
{
	return __atomic_load_n(&rt_tids, __ATOMIC_SEQ_CST);
}

void rt_thread_attach(struct rt_thread *t, uint32_t tid)
{
	t->tid = tid;
	t->chunk.tid = tid;
	if (rt_mode == RT_MODE_REPLAY)
		rt_sched_attach(t);
}


/* Unmap the stacks of threads that are gone for good: finished, nobody to join them, and the
 * kernel has no such task any more (glibc runs a little of its own code on the stack after
 * ours returns). */
static void rt_stacks_collect(void)
{
	rt_lock_take(&rt_started_lock);
	for (struct rt_start **p = &rt_started; *p;) {
		struct rt_start *s = *p;
		if (__atomic_load_n(&s->finished, __ATOMIC_SEQ_CST) &&
		    __atomic_load_n(&s->detached, __ATOMIC_SEQ_CST) && s->ktid > 0 &&
		    REAL(syscall)(SYS_tgkill, rt_real_pid(), s->ktid, 0, 0, 0, 0) < 0 && errno == ESRCH) {
			munmap(s->stack, s->stack_len);
			*p = s->next;
			continue;
		}
		p = &s->next;
	}
	rt_lock_give(&rt_started_lock);
}

/* A stack of `size` bytes with `guard` bytes below it (both whole pages), at the next fixed
 * address; the mapping's start, or NULL. */
static uint8_t *rt_stack_map(size_t size, size_t guard)
{
	uint64_t at = __atomic_fetch_add(&rt_stacks_used, size + guard, __ATOMIC_SEQ_CST);
	if (at + size + guard > RT_STACKS_RESERVE)
		return NULL;
	void *p = mmap((void *)(uintptr_t)(RT_STACKS_ADDR + at), size + guard, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK | MAP_FIXED_NOREPLACE,
		       -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (guard)
		mprotect(p, guard, PROT_NONE);
	return p;
}

/* The attributes the thread is really created with: the program's, with our stack. */
static int rt_thread_attr(pthread_attr_t *out, const pthread_attr_t *in, struct rt_start *s)
{
	size_t size = 0, guard = 0;
	int detach = PTHREAD_CREATE_JOINABLE;
	pthread_attr_t def;
	if (!in) {
		pthread_attr_init(&def);
		in = &def;
	}
	pthread_attr_getstacksize(in, &size);
	pthread_attr_getguardsize(in, &guard);
	pthread_attr_getdetachstate(in, &detach);
	void *given = NULL;
	size_t given_size = 0;
	if (pthread_attr_getstack(in, &given, &given_size) == 0 && given) {
		/* the program brought its own stack: it decides where its thread runs */
		if (in == &def)
			pthread_attr_destroy(&def);
		return 1;
	}
	if (pthread_attr_init(out) != 0)
		return -1;
	int inherit = 0, policy = 0, scope = 0;
	struct sched_param param;
	if (pthread_attr_getinheritsched(in, &inherit) == 0)
		pthread_attr_setinheritsched(out, inherit);
	if (pthread_attr_getschedpolicy(in, &policy) == 0)
		pthread_attr_setschedpolicy(out, policy);
	if (pthread_attr_getschedparam(in, &param) == 0)
		pthread_attr_setschedparam(out, &param);
	if (pthread_attr_getscope(in, &scope) == 0)
		pthread_attr_setscope(out, scope);
	pthread_attr_setdetachstate(out, detach);
	if (in == &def)
		pthread_attr_destroy(&def);
	s->detached = detach == PTHREAD_CREATE_DETACHED;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size = (size + page - 1) & ~(page - 1);
	guard = (guard + page - 1) & ~(page - 1);
	s->stack = rt_stack_map(size, guard);
	s->stack_len = size + guard;
	if (!s->stack || pthread_attr_setstack(out, s->stack + guard, size) != 0) {
		pthread_attr_destroy(out);
		return -1;
	}
	return 0;
}

static void rt_thread_finished(struct rt_thread *t)
{
	if (t->tid && rt_threaded() && rt_active(RT_THREAD)) {
		if (rt_replaying()) {
			rt_replay_next(RETRACE__CALL__CALL_THREAD_EXIT, 0, 0, 0);
			rt_sched_exited(t);
		} else {
			struct trace_event ev = { .call = RETRACE__CALL__CALL_THREAD_EXIT };
			rt_record(&ev);
			rt_record_thread_done(t);
		}
	}
	if (rt_replaying())
		rt_sched_detach(t);
	if (rt_my_start)
		__atomic_store_n(&rt_my_start->finished, 1, __ATOMIC_SEQ_CST);
}

void rt_thread_exit_now(void)
{
	static void (*real_exit)(void *) __attribute__((noreturn));
	rt_thread_finished(&rt_self);
	REAL_SYM(real_exit, "pthread_exit")(NULL);
}

static void *rt_thread_start(void *arg)
{
	struct rt_start *s = arg;
	rt_my_start = s;
	s->ktid = (pid_t)REAL(syscall)(SYS_gettid, 0, 0, 0, 0, 0, 0);
	rt_thread_attach(&rt_self, s->tid);
	void *r = s->fn(s->arg);
	rt_thread_finished(&rt_self);
	return r;
}

RT_EXPORT void pthread_exit(void *r)
{
	static void (*real_exit)(void *) __attribute__((noreturn));
	rt_thread_finished(&rt_self);
	REAL_SYM(real_exit, "pthread_exit")(r);
}

/* Replay reaches a second thread, but cannot enforce the recorded schedule: the recording has
 * none, or this interpreter's internals are not the recorded ones. */
__attribute__((noreturn)) static void rt_threads_refused(int unrecorded)
{
	if (unrecorded)
		rt_msg("the program starts a second thread here, and the recording has no schedule of "
		       "its threads (the recording interpreter's GIL could not be found or checked); "
		       "replay cannot follow them");
	else
		rt_msg("the program starts a second thread here, and this interpreter's internals "
		       "(%s) are not the recording's (%s): replaying its threads' schedule would "
		       "misread them; replay with the interpreter that recorded", rt_gil_layout()[0] ?
		       rt_gil_layout() : "none found", rt_recorded_threads_layout());
	rt_exit_with(RETRACE_EXIT_MISMATCH, 0);
}

/* The first thread the program creates: everything that must be in place before a second
 * thread runs, at the same point in record and replay. */
static void rt_threads_begin(void)
{
	/* malloc's per-thread arenas are given out by contention: one arena keeps addresses a
	 * matter of the (ordered) calls alone */
	mallopt(M_ARENA_MAX, 1);
	__atomic_store_n(&rt_mt, 1, __ATOMIC_SEQ_CST);
}

RT_EXPORT int pthread_create(pthread_t *restrict th, const pthread_attr_t *restrict attr,
			     void *(*fn)(void *), void *restrict arg)
{
	static int (*real_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	REAL_SYM(real_create, "pthread_create");
	if (!rt_active(RT_THREAD))
		return real_create(th, attr, fn, arg);
	struct rt_thread *t = &rt_self;
	int first = !rt_threaded();
	int scheduled = rt_gil_start() == 0;
	uint32_t tid = rt_thread_new_id();
	rt_stacks_collect();
	struct rt_start *s = rt_alloc(sizeof *s);
	if (!s)
		return EAGAIN;
	*s = (struct rt_start){ .fn = fn, .arg = arg, .tid = tid };
	pthread_attr_t ours;
	int own = rt_thread_attr(&ours, attr, s);
	if (own < 0) {
		rt_msg("warning: cannot map a stack for thread %u at its fixed address; it gets "
		       "glibc's, and threading.get_ident() may differ between record and replay", tid);
		own = 1;
	}
	const pthread_attr_t *use = own == 0 ? &ours : attr;
	int r;
	if (rt_replaying()) {
		const struct trace_event *next = rt_sched_peek(t);
		if (next && next->call == RETRACE__CALL__CALL_THREAD_CREATE && (next->arg1 || !scheduled))
			rt_threads_refused(next->arg1 != 0);
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_THREAD_CREATE, tid, 0, 0);
		if (ev->result != 0) {
			if (own == 0)
				pthread_attr_destroy(&ours);
			return (int)ev->result; /* it failed when recorded: no thread now either */
		}
		rt_sched_name(tid, ev->aux, ev->aux_len);
		if (first) {
			rt_threads_begin();
			rt_sched_start();
		}
		r = real_create(th, use, rt_thread_start, s);
		if (r != 0) {
			rt_msg("cannot create thread %u, which the recording has: %s", tid, strerrordesc_np(r));
			rt_exit_with(RETRACE_EXIT_ERROR, 0);
		}
	} else {
		char name[64];
		size_t nlen = rt_py.thread_name ? rt_py.thread_name(name, sizeof name) : 0;
		struct trace_event ev = { .call = RETRACE__CALL__CALL_THREAD_CREATE, .arg0 = tid,
					  .arg1 = !scheduled, .aux = (const uint8_t *)name,
					  .aux_len = (uint32_t)nlen };
		if (first)
			rt_threads_begin();
		rt_record_begin(&ev);
		r = real_create(th, use, rt_thread_start, s);
		ev.result = r;
		rt_record_append(&ev);
	}
	if (own == 0)
		pthread_attr_destroy(&ours);
	if (r == 0 && s->stack) {
		s->self = *th;
		rt_lock_take(&rt_started_lock);
		s->next = rt_started;
		rt_started = s;
		rt_lock_give(&rt_started_lock);
	} else if (s->stack) {
		munmap(s->stack, s->stack_len);
	}
	return r;
}

/* Nobody will join th any more (it was detached, or joined): its stack can go once it is gone. */
static void rt_stack_unclaimed(pthread_t th)
{
	rt_lock_take(&rt_started_lock);
	for (struct rt_start *s = rt_started; s; s = s->next)
		if (pthread_equal(s->self, th)) {
			__atomic_store_n(&s->detached, 1, __ATOMIC_SEQ_CST);
			break;
		}
	rt_lock_give(&rt_started_lock);
}

RT_EXPORT int pthread_detach(pthread_t th)
{
	static int (*real_detach)(pthread_t);
	int r = REAL_SYM(real_detach, "pthread_detach")(th);
	if (r == 0)
		rt_stack_unclaimed(th);
	return r;
}

RT_EXPORT int pthread_join(pthread_t th, void **ret)
{
	static int (*real_join)(pthread_t, void **);
	if (rt_replaying())
		rt_sched_release(&rt_self); /* the joined thread may need the turn to exit */
	int r = REAL_SYM(real_join, "pthread_join")(th, ret);
	if (r == 0)
		rt_stack_unclaimed(th);
	return r;
}
