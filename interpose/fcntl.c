/* fcntl.c — fcntl and fcntl64 on recorded fds.
 *
 * What a recorded fd answers (its status flags, its locks) is outside input like its data, so
 * those commands are recorded and replayed; a placeholder's own answers would differ.  The
 * commands that only concern the fd number (F_DUPFD, F_GETFD, F_SETFD) act on the placeholder
 * for real, so fd numbers stay in step, and a duplicate inherits what retrace knows of the fd.
 * Everything on other fds passes straight through.
 */
#include <fcntl.h>
#include <string.h>

#include "rt.h"

static int (*real_fcntl)(int, int, ...);
static int (*real_fcntl64)(int, int, ...);

/* Commands whose third argument is an integer the kernel reads; for the others (F_GETFL, …) it
 * is whatever the register held, and must not be a key argument. */
static int has_int_arg(int cmd)
{
	switch (cmd) {
	case F_SETFL: case F_SETOWN: case F_SETSIG: case F_SETLEASE: case F_NOTIFY:
	case F_SETPIPE_SZ: case F_ADD_SEALS:
		return 1;
	}
	return 0;
}

static int fcntl_common(int (*real)(int, int, ...), int fd, int cmd, void *arg)
{
	unsigned f = rt_fd_get(fd);
	if (!rt_active(RT_FD) || !(f & RT_FD_RECORDED) || cmd == F_GETFD || cmd == F_SETFD)
		return real(fd, cmd, arg);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		return rt_fd_dup_done(fd, real(fd, cmd, arg));
	}
	if (f & RT_FD_OURS)
		return real(fd, cmd, arg);
	/* An integer argument is a key argument; a lock's struct is data. */
	int64_t iarg = has_int_arg(cmd) ? (int)(intptr_t)arg : 0;
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_FCNTL, fd, cmd, iarg);
		if (ev->result < 0) {
			errno = ev->err;
			return -1;
		}
		if ((cmd == F_GETLK || cmd == F_OFD_GETLK) && arg)
			rt_copy_out(arg, sizeof(struct flock), ev);
		return (int)ev->result;
	}
	int r = real(fd, cmd, arg);
	int e = errno;
	int out = (cmd == F_GETLK || cmd == F_OFD_GETLK) && arg && r >= 0;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_FCNTL, .arg0 = fd, .arg1 = cmd, .arg2 = iarg, .result = r,
		.err = r < 0 ? e : 0, .data = out ? arg : NULL, .data_len = out ? sizeof(struct flock) : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

/* fcntl is variadic; its third argument, when there is one, is an int or a pointer, and on
 * x86-64 both travel in the same register, so one void * carries either. */
RT_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(REAL_SYM(real_fcntl, "fcntl"), fd, cmd, arg);
}

RT_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(REAL_SYM(real_fcntl64, "fcntl64"), fd, cmd, arg);
}
