/* fdtable.c — what retrace knows about each file descriptor.
 *
 * One byte of flags per fd number: whether its input comes from the trace, whether it was
 * inherited (stdout and stderr are written for real on replay), whether it is retrace's own.
 * Flags follow the fd through dup and close (io.c), identically in record and replay, so a
 * wrapper decides the same way in both modes without looking at the live fd.  A recorded file
 * or directory also keeps the path it was opened by, for the calls relative to it (path.c).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
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
 * there so the program's next open() gets the number it got when recorded. */
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
		int r = REAL(fstat)(fd, &st);
		struct trace_event ev = {
			.call = RETRACE__CALL__CALL_FD_INVENTORY,
			.arg0 = fd,
			.result = r == 0,
			.data = r == 0 ? (const uint8_t *)&st : NULL,
			.data_len = r == 0 ? sizeof st : 0,
		};
		rt_record(&ev);
		rt_fd_set(fd, r == 0 ? RT_FD_RECORDED | RT_FD_INHERITED : 0);
	}
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
	while (__atomic_exchange_n(&fdnum_lock, 1, __ATOMIC_ACQUIRE))
		rt_futex_wait(&fdnum_lock, 1, 1000000);
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
		__atomic_store_n(&fdnum_lock, 0, __ATOMIC_RELEASE);
		rt_futex_wake(&fdnum_lock, 0);
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
