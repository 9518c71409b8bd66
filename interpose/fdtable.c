/* fdtable.c — what retrace knows about each file descriptor.
 *
 * One byte of flags per fd number: whether its input comes from the trace, whether it was
 * inherited (stdout and stderr are written for real on replay), whether it is retrace's own.
 * Flags follow the fd through dup and close (io.c), identically in record and replay, so a
 * wrapper decides the same way in both modes without looking at the live fd.  A recorded file
 * or directory also keeps the path it was opened by, for the calls relative to it (path.c).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rt.h"

uint8_t rt_fd_flags[RT_FD_MAX];

/* Paths of recorded file fds (path.c resolves openat and friends against them): one buffer per
 * fd number from the arena, reused by the next file at that number. */
static char *fd_path[RT_FD_MAX];
static uint16_t fd_path_room[RT_FD_MAX];
static uint8_t fd_path_known[RT_FD_MAX];

void rt_fd_set(int fd, unsigned flags)
{
	if (fd >= 0 && fd < RT_FD_MAX) {
		rt_fd_flags[fd] = (uint8_t)flags;
		fd_path_known[fd] = 0;
	}
}

const char *rt_fd_path(int fd)
{
	return fd >= 0 && fd < RT_FD_MAX && fd_path_known[fd] ? fd_path[fd] : NULL;
}

void rt_fd_set_path(int fd, const char *path)
{
	size_t n = strlen(path) + 1;
	if (fd < 0 || fd >= RT_FD_MAX || n > UINT16_MAX)
		return;
	if (n > fd_path_room[fd]) {
		size_t room = n < 128 ? 128 : n;
		char *p = rt_alloc(room);
		if (!p)
			return;
		fd_path[fd] = p;
		fd_path_room[fd] = (uint16_t)room;
	}
	memcpy(fd_path[fd], path, n);
	fd_path_known[fd] = 1;
}

int rt_fd_move(int fd, int target)
{
	if (fd < 0 || fd == target)
		return fd;
	int r = REAL(dup3)(fd, target, O_CLOEXEC);
	REAL(close)(fd);
	return r;
}

int rt_fd_placeholder(const struct trace_event *ev, int want, int cloexec, unsigned flags)
{
	if (want < 0 || want >= RT_FD_MAX || fcntl(want, F_GETFD) >= 0)
		rt_diverge(ev, "the fd number the recording got here is already in use");
	int fd = REAL(open)("/dev/null", O_RDWR | (cloexec ? O_CLOEXEC : 0));
	if (fd >= 0 && fd != want) {
		int r = REAL(dup3)(fd, want, cloexec ? O_CLOEXEC : 0);
		REAL(close)(fd);
		fd = r;
	}
	if (fd != want)
		rt_diverge(ev, "cannot put a placeholder at the fd number the recording got");
	rt_fd_set(fd, flags);
	return fd;
}

/* fds 0, 1 and 2 are outside input like any other: record what they were (open or not, and
 * their stat), and on replay make the process look the same, since Python sizes its buffers and
 * picks line buffering from them.  The replay's own stdin may be absent; the fd must still be
 * there so the program's next open() gets the number it got when recorded.
 *
 * So are the fds above them a process inherits: the pipe multiprocessing's spawn start method
 * and its resource tracker read their orders from, subprocess's pass_fds, a socket handed over
 * by a supervisor.  Each open one is an FD_INVENTORY event after fd 2's (none in a trace made
 * before this was recorded); its reads come from the trace, and on replay it is a placeholder
 * at its number, since the process it came from is not there (a child replayed alone) and the
 * replayer passes none of its own (retrace-replay closes them).  Writes to it are checked, not
 * made: only 1 and 2 are the terminal.  An fd passed in an SCM_RIGHTS message later (recvmsg,
 * multiprocessing's forkserver) is the same kind of thing and gets the same treatment. */

/* The open fds from 3 up, below RT_FD_MAX, not retrace's own, in order, into fds; their count.
 * getdents64 on /proc/self/fd (no allocation: the program's heap must look the same in both
 * modes); without /proc, a probe of each number up to the soft fd limit. */
static int inherited_fds(int *fds, int room)
{
	int n = 0;
	int dir = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd",
			       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		struct rlimit rl;
		long top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < RT_FD_MAX
				   ? (long)rl.rlim_cur : RT_FD_MAX;
		for (int fd = 3; fd < top && n < room; fd++)
			if (!(rt_fd_get(fd) & RT_FD_OURS) && fcntl(fd, F_GETFD) >= 0)
				fds[n++] = fd;
		return n;
	}
	char buf[4096];
	long got;
	while ((got = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
		for (long at = 0; at < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + at);
			at += d->d_reclen;
			char *end;
			long fd = strtol(d->d_name, &end, 10);
			if (*end || end == d->d_name || fd < 3 || fd >= RT_FD_MAX || fd == dir ||
			    (rt_fd_get((int)fd) & RT_FD_OURS) || n == room)
				continue;
			fds[n++] = (int)fd;
		}
	}
	syscall(SYS_close, dir);
	/* getdents gives them in the kernel's order: sorted, the order replay expects them in */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];
			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	return n;
}

static void fd_arrived(int fd, int cloexec, int at_start);

/* Record: the FD_INVENTORY event of fd, its stat into st; whether it is open. */
static int inventory_record(int fd, struct stat *st)
{
	int open = REAL(fstat)(fd, st) == 0;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_FD_INVENTORY,
		.arg0 = fd,
		.result = open,
		.data = open ? (const uint8_t *)st : NULL,
		.data_len = open ? sizeof *st : 0,
	};
	rt_record(&ev);
	return open;
}

/* The flags of an inherited fd above 2, from what it was when recorded. */
static unsigned inherited_flags(const struct stat *st)
{
	unsigned kind = S_ISSOCK(st->st_mode) ? RT_FD_SOCKET : S_ISFIFO(st->st_mode) ? RT_FD_PIPE : 0;
	return RT_FD_RECORDED | kind;
}

void rt_fd_inventory(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (rt_replaying()) {
			const struct trace_event *ev =
				rt_replay_next(RETRACE__CALL__CALL_FD_INVENTORY, fd, 0, 0);
			int live = fcntl(fd, F_GETFD) >= 0;
			rt_self.inside++;
			if (ev->result == 1 && !live) {
				int nfd = REAL(open)("/dev/null", O_RDWR);
				if (nfd >= 0 && nfd != fd) {
					REAL(dup2)(nfd, fd);
					REAL(close)(nfd);
				}
			} else if (ev->result != 1 && live) {
				REAL(close)(fd);
			}
			rt_self.inside--;
			rt_fd_set(fd, ev->result == 1 ? RT_FD_RECORDED | RT_FD_INHERITED : 0);
			rt_fd_note_output(fd, ev);
			continue;
		}
		struct stat st;
		rt_fd_set(fd, inventory_record(fd, &st) ? RT_FD_RECORDED | RT_FD_INHERITED : 0);
	}

	if (rt_replaying()) {
		const struct trace_event *next;
		while ((next = rt_sched_peek(&rt_self)) && next->call == RETRACE__CALL__CALL_FD_INVENTORY &&
		       next->arg0 >= 3)
			fd_arrived((int)next->arg0, 0, 1);
		rt_stdio_child_streams();
		return;
	}
	int fds[256];
	int n = inherited_fds(fds, (int)(sizeof fds / sizeof fds[0]));
	if (n == (int)(sizeof fds / sizeof fds[0]))
		rt_msg("warning: the program inherited more than %d fds; those above fd %d are not "
		       "recorded, and their reads are live", n, fds[n - 1]);
	for (int i = 0; i < n; i++)
		fd_arrived(fds[i], 0, 1);
	rt_stdio_child_streams();
}

void rt_fd_arrived(int fd, int cloexec)
{
	fd_arrived(fd, cloexec, 0);
}

/* at_start: inherited (the raw RETRACE_MODE=replay form may find it open: its caller's), else
 * received, where a live fd at the number is a divergence like any recorded fd's. */
static void fd_arrived(int fd, int cloexec, int at_start)
{
	if (fd < 3 || fd >= RT_FD_MAX)
		return; /* not one the kernel gives: a recvmsg's forged control bytes, say */
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_FD_INVENTORY, fd, 0, 0);
		struct stat st = { 0 };
		if (ev->result == 1 && ev->data_len < sizeof st)
			rt_damaged(ev, "an fd from outside without its stat");
		if (ev->result == 1)
			memcpy(&st, ev->data, sizeof st);
		rt_self.inside++;
		if (at_start && fcntl(fd, F_GETFD) >= 0) {
			if (rt_fd_get(fd) & RT_FD_OURS)
				rt_diverge(ev, "the fd number the recording got here is already in use");
			rt_fd_set(fd, inherited_flags(&st));
		} else {
			rt_fd_placeholder(ev, fd, cloexec, inherited_flags(&st));
		}
		rt_self.inside--;
		rt_replay_done();
		return;
	}
	struct stat st = { 0 };
	inventory_record(fd, &st);
	rt_fd_set(fd, inherited_flags(&st));
}

/* ---- fd numbers while several threads run --------------------------------------------------
 *
 * A program's fd numbers are the lowest free ones, so they depend on the order in which its
 * threads open and close.  Replay puts every recorded fd at its recorded number, but a file
 * used live, a close, a dup, a directory stream are real calls in both modes: while several
 * threads run they are FD_NUMBER events, so replay makes them in the recorded order (and
 * between no other thread's events).  Record makes each under one lock, so that their order
 * in the trace is the order the kernel saw; replay gives an fd such a call opens the number it
 * had when recorded (another thread's live fd outside these calls, fopen's say, could have
 * taken the lower one), and a number that is not free is a divergence. */

static int fdnum_lock;

/* opens take the lowest free number; the others give one back (dup2 replaces its new fd) */
static int rt_fdnum_opens(int which)
{
	return which == RT_FDNUM_OPEN || which == RT_FDNUM_DUP;
}

void rt_fdnum_begin(struct rt_fdnum *o, int which, int fd, int newfd)
{
	o->on = rt_threaded() && rt_active(RT_FD);
	if (!o->on)
		return;
	o->which = which;
	if (rt_replaying()) {
		o->rec = rt_replay_next(RETRACE__CALL__CALL_FD_NUMBER, which, fd, newfd);
		return;
	}
	o->ev = (struct trace_event){ .call = RETRACE__CALL__CALL_FD_NUMBER, .arg0 = which,
				      .arg1 = fd, .arg2 = newfd };
	rt_signals_defer(&rt_self);
	rt_lock_take(&fdnum_lock);
	/* A number given back takes its place in the order before it is free: whoever gets it next
	 * (a socket, say, which is no FD_NUMBER) comes after, in the trace as in the kernel. */
	if (!rt_fdnum_opens(which))
		rt_record_begin(&o->ev);
}

long rt_fdnum_end(struct rt_fdnum *o, long r, int err)
{
	if (!o->on)
		return r;
	if (!rt_replaying()) {
		o->ev.result = r;
		o->ev.err = r < 0 ? err : 0;
		if (rt_fdnum_opens(o->which))
			rt_record(&o->ev);
		else
			rt_record_append(&o->ev);
		rt_lock_give(&fdnum_lock);
		rt_signals_undefer(&rt_self);
		errno = err;
		return r;
	}
	const struct trace_event *ev = o->rec;
	if ((ev->result < 0) != (r < 0)) {
		rt_diverge(ev, r < 0 ? "this call failed on replay, and succeeded when recorded"
				     : "this call succeeded on replay, and failed when recorded");
	}
	if (rt_fdnum_opens(o->which) && r >= 0 && r != ev->result) {
		int want = (int)ev->result;
		if (want < 0 || want >= RT_FD_MAX || fcntl(want, F_GETFD) >= 0)
			rt_diverge(ev, "the fd number the recording got here is already in use");
		int cloexec = fcntl((int)r, F_GETFD);
		int moved = REAL(dup3)((int)r, want, cloexec > 0 && (cloexec & FD_CLOEXEC) ? O_CLOEXEC : 0);
		REAL(close)((int)r);
		if (moved != want)
			rt_diverge(ev, "cannot put this fd at the number the recording got");
		r = want;
	}
	rt_replay_done();
	errno = err;
	return r;
}

/* ---- what the recorded terminal was --------------------------------------------------------
 *
 * Replay writes what a child wrote to the replayed process's own fds 1 and 2 (child.c): a
 * child's write names the device and inode it went to, and these are the recorded ones. */

static struct { uint64_t dev, ino; int known; } rt_outputs[3];

void rt_fd_note_output(int fd, const struct trace_event *inventory)
{
	struct stat st;
	if (fd < 1 || fd > 2 || inventory->result != 1 || inventory->data_len < sizeof st)
		return;
	memcpy(&st, inventory->data, sizeof st);
	rt_outputs[fd].dev = st.st_dev;
	rt_outputs[fd].ino = st.st_ino;
	rt_outputs[fd].known = 1;
}

int rt_fd_output_of(uint64_t dev, uint64_t ino)
{
	for (int fd = 1; fd <= 2; fd++)
		if (rt_outputs[fd].known && rt_outputs[fd].dev == dev && rt_outputs[fd].ino == ino)
			return fd;
	return -1;
}
