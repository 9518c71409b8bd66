/* child.c — child processes: fork, vfork, posix_spawn, system, and the wait family.
 *
 * Record: every child the program starts is numbered (1, 2, ... in the order of its FORK
 * events) and records its own trace beside this one, named this trace's name + "." + its number
 * (a grandchild: TRACE.1.1).  A forked child switches to its trace at once (core.c,
 * rt_record_forked_child); a child that executes a program passes the name on through the
 * environment (rt_child_env_add), and so does posix_spawn, which executes inside glibc.
 *
 * Replay creates no process.  FORK and WAIT events hand back the recorded pids and statuses,
 * pipes from a child replay like any fd, and a kill of a child is checked, not delivered
 * (proc.c).  What a child wrote to the terminal (the fds 1 and 2 the replayed process has) is
 * in its own trace, bytes included: the replay writes it there when it reaps the child, or at
 * its end for a child it never reaped.
 *
 * vfork: the child borrows this process's memory and the calling thread's stack until it
 * executes or exits, so nothing may run in it that changes retrace's state, allocates or locks.
 * vfork is a stub that keeps its caller's return address in a register across the system call,
 * as glibc's does.  Before it, the parent's thread is marked inside retrace (every wrapper the
 * child calls then passes straight through) and the entries the child's exec adds to its
 * environment are made ready (proc.c's execve merges them on its stack); after it, only the
 * parent records the FORK event.
 */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcodes.h"
#include "rt.h"

enum { RT_FORK = 1, RT_VFORK = 2, RT_SPAWN = 3, RT_SPAWNP = 4 };
enum { RT_WAIT_PID = 1, RT_WAIT_ID = 2 };

static unsigned rt_children; /* children started so far: the next one's number is one more */

static unsigned rt_child_number(void)
{
	return __atomic_add_fetch(&rt_children, 1, __ATOMIC_SEQ_CST);
}

static unsigned rt_nkids;

void rt_children_forked(void)
{
	rt_children = 0;
	rt_nkids = 0;
}

int rt_processes(void)
{
	return __atomic_load_n(&rt_children, __ATOMIC_RELAXED) || rt_is_child();
}

/* ---- replay: the children's output ------------------------------------------------------- */

struct rt_child {
	pid_t pid;
	unsigned num;
	int played;
};

/* the children the replayed process started, in order; grown in the arena */
static struct rt_child *rt_kids;
static unsigned rt_capkids;

void rt_child_started(const struct trace_event *ev, pid_t pid)
{
	if (pid <= 0)
		return;
	if (rt_nkids == rt_capkids) {
		unsigned cap = rt_capkids ? rt_capkids * 2 : 16;
		struct rt_child *k = rt_alloc(sizeof *k * cap);
		if (!k)
			return;
		if (rt_nkids)
			memcpy(k, rt_kids, sizeof *k * rt_nkids);
		rt_kids = k;
		rt_capkids = cap;
	}
	rt_kids[rt_nkids++] = (struct rt_child){ .pid = pid, .num = (unsigned)ev->arg1 };
}

/* Child traces are mapped here while their output is written, one address per depth. */
#define RT_CHILD_MAP_ADDR 0x3d0000000000ull
#define RT_CHILD_MAP_STEP (1ull << 38)
#define RT_CHILD_DEPTH 8

static void rt_play(const char *path, int depth);

/* A child's WRITE event whose bytes went to the replayed process's terminal: write them.  The
 * child kept them, with the device and inode of the fd it wrote to (child.c's write_child). */
static void rt_play_write(const struct trace_event *ev)
{
	if (ev->result <= 0 || ev->aux_len != 16 || !ev->data_len)
		return;
	uint64_t id[2];
	memcpy(id, ev->aux, sizeof id);
	int fd = rt_fd_output_of(id[0], id[1]);
	if (fd < 0)
		return;
	size_t n = (size_t)ev->result < ev->data_len ? (size_t)ev->result : ev->data_len;
	rt_write_fully(fd, ev->data, n);
}

static int rt_reaped(const struct trace_event *ev, pid_t *pid)
{
	if (ev->call != RETRACE__CALL__CALL_WAIT)
		return 0;
	if (ev->arg0 == RT_WAIT_PID) {
		int st = (int)ev->value;
		*pid = (pid_t)ev->result;
		return ev->result > 0 && (WIFEXITED(st) || WIFSIGNALED(st));
	}
	siginfo_t si;
	if (ev->result != 0 || ev->data_len < sizeof si || (ev->arg2 & WNOWAIT))
		return 0;
	memcpy(&si, ev->data, sizeof si);
	*pid = si.si_pid;
	return si.si_pid > 0 && (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED ||
				 si.si_code == CLD_DUMPED);
}

/* Write what the child whose trace is at path wrote to the terminal, and at each of its own
 * reaps what that grandchild wrote, recursively; the rest of its children at its end. */
static void rt_play(const char *path, int depth)
{
	if (depth >= RT_CHILD_DEPTH)
		return;
	int fd = REAL(open)(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || REAL(fstat)(fd, &st) < 0 || st.st_size <= 0) {
		rt_msg("warning: the child process traced at %s has no trace (%s); what it wrote to "
		       "the terminal is not replayed", path, fd < 0 ? strerrordesc_np(errno) : "empty");
		if (fd >= 0)
			REAL(close)(fd);
		return;
	}
	void *at = (void *)(RT_CHILD_MAP_ADDR + (uint64_t)depth * RT_CHILD_MAP_STEP);
	void *map = mmap(at, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	REAL(close)(fd);
	if (map == MAP_FAILED)
		return;
	struct trace_reader r;
	struct trace_error err;
	struct trace_cursor c;
	struct trace_event ev;
	if (trace_reader_open_mapped(&r, map, (size_t)st.st_size, &rt_protobuf_allocator, &err) < 0 ||
	    trace_cursor_init(&c, &r, 0, &err) != 0) {
		rt_msg("warning: the child process's trace %s is unusable (%s); what it wrote to the "
		       "terminal is not replayed", path, err.msg);
		munmap(map, (size_t)st.st_size);
		return;
	}
	/* its children, by pid, as its FORK events say */
	struct { pid_t pid; unsigned num; int played; } kids[256];
	unsigned nk = 0;
	char sub[4200];
	while (trace_cursor_next(&c, &ev, &err) == 1) {
		pid_t pid;
		switch (ev.call) {
		case RETRACE__CALL__CALL_WRITE:
		case RETRACE__CALL__CALL_WRITEV:
			rt_play_write(&ev);
			break;
		case RETRACE__CALL__CALL_FORK: {
			pid_t k = ev.arg0 >= RT_SPAWN ? (ev.result == 0 ? (pid_t)ev.value : 0)
						      : (pid_t)ev.result;
			if (k > 0 && nk < sizeof kids / sizeof kids[0])
				kids[nk++].pid = k, kids[nk - 1].num = (unsigned)ev.arg1,
				kids[nk - 1].played = 0;
			break;
		}
		default:
			if (!rt_reaped(&ev, &pid))
				break;
			for (unsigned i = 0; i < nk; i++)
				if (kids[i].pid == pid && !kids[i].played) {
					kids[i].played = 1;
					snprintf(sub, sizeof sub, "%s.%u", path, kids[i].num);
					rt_play(sub, depth + 1);
				}
		}
	}
	trace_cursor_free(&c);
	for (unsigned i = 0; i < nk; i++)
		if (!kids[i].played) {
			snprintf(sub, sizeof sub, "%s.%u", path, kids[i].num);
			rt_play(sub, depth + 1);
		}
	munmap(map, (size_t)st.st_size);
}

static void rt_play_child(struct rt_child *k)
{
	if (k->played || rt_replay_quiet())
		return;
	k->played = 1;
	char path[4200];
	snprintf(path, sizeof path, "%s.%u", rt_trace_path(), k->num);
	rt_self.inside++;
	rt_play(path, 0);
	rt_self.inside--;
}

static void rt_child_reaped(const struct trace_event *ev)
{
	pid_t pid;
	if (!rt_reaped(ev, &pid))
		return;
	for (unsigned i = 0; i < rt_nkids; i++)
		if (rt_kids[i].pid == pid) {
			if (ev->seq <= rt_quiet_until) /* an earlier run of pdb's back showed it */
				rt_kids[i].played = 1;
			rt_play_child(&rt_kids[i]);
		}
}

void rt_children_output_rest(void)
{
	for (unsigned i = 0; i < rt_nkids; i++)
		rt_play_child(&rt_kids[i]);
}

/* ---- fork -------------------------------------------------------------------------------- */

/* Replay of a forked child alone: at its FORK, fork for real.  The child replays on in its own
 * trace; this process's part is done: it waits and ends as the child ends. */
static pid_t fork_for_real(unsigned num)
{
	rt_self.inside++;
	pid_t pid = rt_real.fork();
	if (pid < 0) {
		rt_msg("cannot fork to replay child %u: %s", num, strerrordesc_np(errno));
		rt_exit_with(RETRACE_EXIT_ERROR, 0);
	}
	if (pid == 0) {
		rt_gil_forked();
		rt_replay_forked_child(num);
		rt_self.inside--;
		return 0;
	}
	int st = 0;
	while (REAL(syscall)(SYS_wait4, pid, (long)&st, 0, 0, 0, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st))
		rt_signal_die(WTERMSIG(st));
	rt_real._exit(WIFEXITED(st) ? WEXITSTATUS(st) : RETRACE_EXIT_ERROR);
}

static pid_t fork_replay(int which, unsigned num)
{
	const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_FORK, which, num, 0);
	if (ev->result < 0) {
		errno = ev->err;
		return -1;
	}
	if (RT_UNLIKELY(rt_fork_target_next() == num) && which == RT_FORK)
		return fork_for_real(num);
	rt_child_started(ev, (pid_t)ev->result);
	return (pid_t)ev->result;
}

RT_EXPORT pid_t fork(void)
{
	if (!rt_active(RT_PROC))
		return REAL(fork)();
	unsigned num = rt_child_number();
	if (rt_replaying())
		return fork_replay(RT_FORK, num);
	struct trace_event ev = { .call = RETRACE__CALL__CALL_FORK, .arg0 = RT_FORK, .arg1 = num };
	rt_record_begin(&ev);
	rt_self.inside++;
	pid_t pid = rt_real.fork();
	int e = errno;
	if (pid == 0) {
		rt_gil_forked();
		rt_record_forked_child(num, ev.seq);
		rt_self.inside--;
		return 0;
	}
	rt_self.inside--;
	ev.result = pid;
	ev.err = pid < 0 ? e : 0;
	rt_record_append(&ev);
	errno = e;
	return pid;
}

/* ---- vfork ------------------------------------------------------------------------------- */

__thread const char **rt_vfork_env;
static __thread struct trace_event rt_vfork_ev;
static __thread unsigned rt_vfork_num;

/* Before the system call: 0 pass straight through, 1 record (the child's exec will add
 * rt_vfork_env), 2 replay (rt_vfork_replayed returns the recorded result). */
__attribute__((used, visibility("hidden"))) int rt_vfork_begin(void)
{
	if (!rt_active(RT_PROC))
		return 0;
	rt_vfork_num = rt_child_number();
	if (rt_replaying())
		return 2;
	rt_vfork_ev = (struct trace_event){ .call = RETRACE__CALL__CALL_FORK, .arg0 = RT_VFORK,
					    .arg1 = rt_vfork_num };
	rt_record_begin(&rt_vfork_ev);
	rt_vfork_env = rt_child_env_add(rt_vfork_num, rt_vfork_ev.seq);
	rt_self.inside++;
	return 1;
}

__attribute__((used, visibility("hidden"))) pid_t rt_vfork_replayed(void)
{
	return fork_replay(RT_VFORK, rt_vfork_num);
}

/* After it, in the parent only (the child returns straight to the caller): raw is the system
 * call's result. */
__attribute__((used, visibility("hidden"))) pid_t rt_vfork_end(long raw, int mode)
{
	int e = raw < 0 && raw > -4096 ? (int)-raw : 0;
	pid_t pid = e ? -1 : (pid_t)raw;
	if (mode == 1) {
		rt_self.inside--;
		rt_vfork_env = NULL;
		rt_vfork_ev.result = pid;
		rt_vfork_ev.err = e;
		rt_record_append(&rt_vfork_ev);
	}
	if (e)
		errno = e;
	return pid;
}

/* The stub.  At entry the return address is on top of the stack; the child may overwrite that
 * slot before the parent resumes, so it is kept in %rdi (which the kernel copies to the child
 * and keeps for the parent) and pushed back after the call.  %esi keeps the mode. */
__asm__(".text\n"
	".globl vfork\n"
	".type vfork,@function\n"
	"vfork:\n"
	"	sub $8, %rsp\n"
	"	call rt_vfork_begin\n"
	"	add $8, %rsp\n"
	"	cmp $2, %eax\n"
	"	je rt_vfork_replayed\n"
	"	mov %eax, %esi\n"
	"	pop %rdi\n"
	"	mov $58, %eax\n" /* SYS_vfork */
	"	syscall\n"
	"	push %rdi\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	mov %rax, %rdi\n"
	"	jmp rt_vfork_end\n"
	"1:	ret\n"
	".size vfork, .-vfork\n");

/* ---- posix_spawn ------------------------------------------------------------------------- */

typedef int (*spawn_fn)(pid_t *, const char *, const void *, const void *, char *const[],
			char *const[]);

static int spawn_common(int which, spawn_fn real, pid_t *pid, const char *path, const void *fa,
			const void *attr, char *const argv[], char *const envp[])
{
	if (!rt_active(RT_PROC))
		return real(pid, path, fa, attr, argv, envp);
	unsigned num = rt_child_number();
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_FORK, which, num, 0);
		if (ev->result == 0) {
			if (pid)
				*pid = (pid_t)ev->value;
			rt_child_started(ev, (pid_t)ev->value);
		}
		return (int)ev->result;
	}
	struct trace_event ev = { .call = RETRACE__CALL__CALL_FORK, .arg0 = which, .arg1 = num,
				  .aux = (const uint8_t *)path, .aux_len = path ? strlen(path) : 0 };
	rt_record_begin(&ev);
	const char **add = rt_child_env_add(num, ev.seq);
	char **env = add ? rt_alloc(sizeof *env * (rt_env_count(envp) + RT_ENV_ADD + 1)) : NULL;
	if (env)
		rt_env_merge(env, envp, add);
	pid_t child = 0;
	rt_self.inside++;
	int r = real(&child, path, fa, attr, argv, env ? env : envp);
	rt_self.inside--;
	if (pid && r == 0)
		*pid = child;
	ev.result = r;
	ev.value = r == 0 ? child : 0;
	rt_record_append(&ev);
	return r;
}

RT_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn_common(RT_SPAWN, REAL(posix_spawn), pid, path, fa, attr, argv, envp);
}

RT_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn_common(RT_SPAWNP, REAL(posix_spawnp), pid, file, fa, attr, argv, envp);
}

/* ---- system ------------------------------------------------------------------------------ */

extern char **environ;
static int (*real_system)(const char *);

/* glibc's system starts the shell with its own posix_spawn, which no wrapper sees: while
 * recording or replaying it is done here the same way (SIGINT and SIGQUIT ignored and SIGCHLD
 * blocked while it runs, both reset in the shell) through the wrapped posix_spawn and
 * waitpid. */
static int rt_system(const char *cmd)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, intr, quit;
	sigset_t omask, chld, reset;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &intr);
	sigaction(SIGQUIT, &ign, &quit);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &omask);
	sigemptyset(&reset);
	if (intr.sa_handler != SIG_IGN)
		sigaddset(&reset, SIGINT);
	if (quit.sa_handler != SIG_IGN)
		sigaddset(&reset, SIGQUIT);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &omask);
	posix_spawnattr_setsigdefault(&attr, &reset);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	pid_t pid;
	int status;
	int r = posix_spawn(&pid, "/bin/sh", NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (r == 0) {
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR) {
				status = -1;
				break;
			}
	} else {
		status = W_EXITCODE(127, 0);
	}
	int e = errno;
	sigaction(SIGINT, &intr, NULL);
	sigaction(SIGQUIT, &quit, NULL);
	sigprocmask(SIG_SETMASK, &omask, NULL);
	errno = r ? r : e;
	return status;
}

/* popen(3): glibc's starts its shell through its internal posix_spawn and reads the pipe
 * through its internal read, past every wrapper, so the command would run again on replay and
 * what it printed would be live.  Made here of interposed calls, as system is: a pipe, a
 * posix_spawn of /bin/sh -c (a child like any other: replay runs none), and the program's end as
 * a cookie stream (stdio.c), whose reads and writes are events.  pclose closes it and waits
 * through the interposed waitpid.  As POSIX asks, a child does not inherit the other popen
 * streams still open. */

#define POPEN_MAX 64

static struct { FILE *f; pid_t pid; } popened[POPEN_MAX];
static int popen_lock;

RT_EXPORT FILE *popen(const char *cmd, const char *mode)
{
	static FILE *(*real)(const char *, const char *);
	if (!rt_active(RT_PROC))
		return REAL_SYM(real, "popen")(cmd, mode);
	int reading = mode && mode[0] == 'r' && (!mode[1] || mode[1] == 'e');
	int writing = mode && mode[0] == 'w' && (!mode[1] || mode[1] == 'e');
	if (!reading && !writing) {
		errno = EINVAL;
		return NULL;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return NULL;
	int theirs = reading ? p[1] : p[0], ours = reading ? p[0] : p[1];
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, theirs, reading ? 1 : 0);
	rt_lock_take(&popen_lock);
	for (int i = 0; i < POPEN_MAX; i++)
		if (popened[i].f)
			posix_spawn_file_actions_addclose(&fa, fileno(popened[i].f));
	rt_lock_give(&popen_lock);
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	pid_t pid;
	int r = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(theirs);
	if (r != 0) {
		close(ours);
		errno = r;
		return NULL;
	}
	if (!mode[1])
		fcntl(ours, F_SETFD, 0); /* glibc's stream is inheritable unless "e" */
	FILE *f = rt_stdio_cookie(ours, reading ? "r" : "w");
	rt_lock_take(&popen_lock);
	int slot = -1;
	for (int i = 0; i < POPEN_MAX && f && slot < 0; i++)
		if (!popened[i].f)
			slot = i;
	if (slot >= 0) {
		popened[slot].f = f;
		popened[slot].pid = pid;
	}
	rt_lock_give(&popen_lock);
	if (slot < 0) {
		/* no room to remember it: end it as pclose would, and say the call failed */
		if (f)
			fclose(f);
		else
			close(ours);
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		errno = EMFILE;
		return NULL;
	}
	return f;
}

RT_EXPORT int pclose(FILE *f)
{
	static int (*real)(FILE *);
	pid_t pid = -1;
	rt_lock_take(&popen_lock);
	for (int i = 0; i < POPEN_MAX; i++)
		if (f && popened[i].f == f) {
			pid = popened[i].pid;
			popened[i].f = NULL;
			break;
		}
	rt_lock_give(&popen_lock);
	if (pid < 0)
		return REAL_SYM(real, "pclose")(f);
	fclose(f);
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	return r < 0 ? -1 : st;
}

RT_EXPORT int system(const char *cmd)
{
	if (!rt_active(RT_PROC))
		return REAL_SYM(real_system, "system")(cmd);
	if (!cmd)
		return rt_system("exit 0") == 0;
	return rt_system(cmd);
}

/* ---- the wait family --------------------------------------------------------------------- */

/* A pidfd names a child that replay never starts: on replay a placeholder at the recorded
 * number, flagged recorded, so that poll, select and epoll on it (poll.c) and waitid(P_PIDFD)
 * (below) answer from the trace, and pidfd_send_signal (signal.c) sends nothing. */
long rt_pidfd_open(long pid, long flags)
{
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_PIDFD_OPEN, pid, flags, 0);
		rt_check_failure(ev);
		if (ev->result < 0) {
			errno = ev->err;
			return -1;
		}
		rt_self.inside++;
		long fd = rt_fd_placeholder(ev, (int)ev->result, 1, RT_FD_RECORDED);
		rt_self.inside--;
		rt_replay_done();
		return fd;
	}
	long r = REAL(syscall)(SYS_pidfd_open, pid, flags, 0, 0, 0, 0);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_PIDFD_OPEN, .arg0 = pid, .arg1 = flags,
		.result = r, .err = r < 0 ? e : 0,
	};
	rt_record(&ev);
	if (r >= 0)
		rt_fd_set((int)r, RT_FD_RECORDED);
	errno = e;
	return r;
}

static pid_t wait_common(pid_t pid, int *status, int options, struct rusage *ru)
{
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_WAIT, RT_WAIT_PID, pid, options);
		if (ev->result < 0) {
			errno = ev->err;
			return -1;
		}
		if (status)
			*status = (int)ev->value;
		if (ru && ev->result > 0 && ev->data_len != sizeof *ru)
			rt_damaged(ev, "the structure recorded is not the size the call fills");
		if (ru)
			rt_copy_out(ru, sizeof *ru, ev);
		rt_child_reaped(ev);
		rt_replay_done();
		return (pid_t)ev->result;
	}
	int st = 0;
	struct rusage mine;
	pid_t r = (pid_t)REAL(syscall)(SYS_wait4, pid, (long)&st, options, (long)(ru ? ru : &mine), 0, 0);
	int e = errno;
	if (r > 0 && status)
		*status = st;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_WAIT, .arg0 = RT_WAIT_PID, .arg1 = pid, .arg2 = options,
		.result = r, .err = r < 0 ? e : 0, .value = r > 0 ? st : 0,
		.data = ru && r > 0 ? (const uint8_t *)ru : NULL, .data_len = ru && r > 0 ? sizeof *ru : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

RT_EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
	if (!rt_active(RT_PROC))
		return (pid_t)REAL(syscall)(SYS_wait4, pid, (long)status, options, 0, 0, 0);
	return wait_common(pid, status, options, NULL);
}

RT_EXPORT pid_t wait(int *status)
{
	return waitpid(-1, status, 0);
}

RT_EXPORT pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	if (!rt_active(RT_PROC))
		return (pid_t)REAL(syscall)(SYS_wait4, pid, (long)status, options, (long)ru, 0, 0);
	return wait_common(pid, status, options, ru);
}

RT_EXPORT pid_t wait3(int *status, int options, struct rusage *ru)
{
	return wait4(-1, status, options, ru);
}

RT_EXPORT int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	if (!rt_active(RT_PROC))
		return (int)REAL(syscall)(SYS_waitid, idtype, id, (long)info, options, 0, 0);
	int64_t which = (int64_t)idtype << 32 | id;
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_WAIT, RT_WAIT_ID, which, options);
		if (ev->result < 0) {
			errno = ev->err;
			return -1;
		}
		if (info && ev->data_len != sizeof *info)
			rt_damaged(ev, "the structure recorded is not the size the call fills");
		if (info)
			rt_copy_out(info, sizeof *info, ev);
		rt_child_reaped(ev);
		rt_replay_done();
		return (int)ev->result;
	}
	siginfo_t si;
	memset(&si, 0, sizeof si);
	int r = (int)REAL(syscall)(SYS_waitid, idtype, id, (long)&si, options, 0, 0);
	int e = errno;
	if (r == 0 && info)
		*info = si;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_WAIT, .arg0 = RT_WAIT_ID, .arg1 = which, .arg2 = options,
		.result = r, .err = r < 0 ? e : 0,
		.data = r == 0 ? (const uint8_t *)&si : NULL, .data_len = r == 0 ? sizeof si : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}
