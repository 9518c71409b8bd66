/* filefd.c — changes to recorded files through their fds, and mappings of them.
 *
 * pwrite, fsync, fdatasync, ftruncate, fchmod, fchown, futimens, fsetxattr, fremovexattr,
 * posix_fallocate, flock, sendfile and copy_file_range on an fd opened by a recorded path (a
 * /dev/null placeholder on replay) are recorded with their result and a hash of their
 * arguments, and on replay are checked against it and not made.  mmap of such an fd records
 * the bytes the mapping showed and replays them in anonymous memory at the same address.
 * Which files are recorded is path.c's decision; changes by path are file.c's.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "rt.h"

/* fchown's owner and group travel as one argument, uid << 32 | gid (file.c does the same). */
static int64_t owner(uid_t uid, gid_t gid)
{
	return (int64_t)((uint64_t)uid << 32 | gid);
}

static int fd_recorded(int fd)
{
	return rt_fd_get(fd) & RT_FD_RECORDED;
}

static ssize_t pwrite_replay(int fd, const void *buf, size_t n, off_t off,
			     const uint8_t h[TRACE_HASH_SIZE])
{
	const struct trace_event *ev =
		rt_replay_next(RETRACE__CALL__CALL_PWRITE, fd, (int64_t)n, off);
	if (ev->hash_len != TRACE_HASH_SIZE || memcmp(ev->hash, h, TRACE_HASH_SIZE) != 0)
		rt_diverge_bytes(ev, buf, n);
	if (ev->result < 0)
		errno = ev->err;
	return (ssize_t)ev->result;
}

static void pwrite_record(int fd, const void *buf, size_t n, off_t off,
			  const uint8_t h[TRACE_HASH_SIZE], ssize_t r, int e)
{
	int keep = rt_write_bytes_enabled();
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_PWRITE, .arg0 = fd, .arg1 = (int64_t)n, .arg2 = off,
		.result = r, .err = r < 0 ? e : 0, .hash = h, .hash_len = TRACE_HASH_SIZE,
		.data = keep ? buf : NULL, .data_len = keep ? (uint32_t)n : 0,
	};
	rt_record(&ev);
	errno = e;
}

static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);

RT_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_pwrite, "pwrite")(fd, buf, n, off);
	uint8_t h[TRACE_HASH_SIZE];
	rt_hash(buf, n, h);
	if (rt_replaying())
		return pwrite_replay(fd, buf, n, off, h);
	ssize_t r = REAL_SYM(real_pwrite, "pwrite")(fd, buf, n, off);
	pwrite_record(fd, buf, n, off, h, r, errno);
	return r;
}

RT_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_pwrite64, "pwrite64")(fd, buf, n, off);
	uint8_t h[TRACE_HASH_SIZE];
	rt_hash(buf, n, h);
	if (rt_replaying())
		return pwrite_replay(fd, buf, n, off, h);
	ssize_t r = REAL_SYM(real_pwrite64, "pwrite64")(fd, buf, n, off);
	pwrite_record(fd, buf, n, off, h, r, errno);
	return r;
}

/* CALL_FSYNC's arg1 (retrace.proto lists them too). */
enum fd_change {
	FD_FSYNC = 1, FD_FDATASYNC, FD_FTRUNCATE, FD_FCHMOD, FD_FCHOWN, FD_FUTIMENS, FD_FSETXATTR,
	FD_FREMOVEXATTR, FD_FALLOCATE, FD_FLOCK,
};

static int fd_change_replay(int which, int fd, int64_t arg, const void *extra, size_t n)
{
	const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_FSYNC, fd, which, arg);
	if (n) {
		uint8_t h[TRACE_HASH_SIZE];
		rt_hash(extra, n, h);
		if (ev->hash_len != TRACE_HASH_SIZE || memcmp(ev->hash, h, TRACE_HASH_SIZE) != 0)
			rt_diverge(ev, "the program changed the file with other arguments than when "
				       "recorded");
	}
	if (ev->result < 0)
		errno = ev->err;
	return (int)ev->result;
}

static void fd_change_record(int which, int fd, int64_t arg, const void *extra, size_t n, int r,
			     int e)
{
	uint8_t h[TRACE_HASH_SIZE];
	if (n)
		rt_hash(extra, n, h);
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_FSYNC, .arg0 = fd, .arg1 = which, .arg2 = arg,
		.result = r, .err = r < 0 ? e : 0, .hash = n ? h : NULL,
		.hash_len = n ? TRACE_HASH_SIZE : 0,
	};
	rt_record(&ev);
	errno = e;
}

static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off64_t);
static int (*real_fchmod)(int, mode_t);
static int (*real_fchown)(int, uid_t, gid_t);
static int (*real_futimens)(int, const struct timespec *);

RT_EXPORT int fsync(int fd)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_fsync, "fsync")(fd);
	if (rt_replaying())
		return fd_change_replay(FD_FSYNC, fd, 0, NULL, 0);
	int r = REAL_SYM(real_fsync, "fsync")(fd);
	fd_change_record(FD_FSYNC, fd, 0, NULL, 0, r, errno);
	return r;
}

RT_EXPORT int fdatasync(int fd)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_fdatasync, "fdatasync")(fd);
	if (rt_replaying())
		return fd_change_replay(FD_FDATASYNC, fd, 0, NULL, 0);
	int r = REAL_SYM(real_fdatasync, "fdatasync")(fd);
	fd_change_record(FD_FDATASYNC, fd, 0, NULL, 0, r, errno);
	return r;
}

RT_EXPORT int ftruncate(int fd, off_t length)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_ftruncate, "ftruncate")(fd, length);
	if (rt_replaying())
		return fd_change_replay(FD_FTRUNCATE, fd, length, NULL, 0);
	int r = REAL_SYM(real_ftruncate, "ftruncate")(fd, length);
	fd_change_record(FD_FTRUNCATE, fd, length, NULL, 0, r, errno);
	return r;
}

RT_EXPORT int ftruncate64(int fd, off64_t length)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_ftruncate64, "ftruncate64")(fd, length);
	if (rt_replaying())
		return fd_change_replay(FD_FTRUNCATE, fd, length, NULL, 0);
	int r = REAL_SYM(real_ftruncate64, "ftruncate64")(fd, length);
	fd_change_record(FD_FTRUNCATE, fd, length, NULL, 0, r, errno);
	return r;
}

/* On replay a recorded fd is a /dev/null placeholder: fchmod or fchown reaching it would
 * change /dev/null itself (sqlite, run as root, fchowns its journal). */
RT_EXPORT int fchmod(int fd, mode_t mode)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_fchmod, "fchmod")(fd, mode);
	if (rt_replaying())
		return fd_change_replay(FD_FCHMOD, fd, mode, NULL, 0);
	int r = REAL_SYM(real_fchmod, "fchmod")(fd, mode);
	fd_change_record(FD_FCHMOD, fd, mode, NULL, 0, r, errno);
	return r;
}

RT_EXPORT int fchown(int fd, uid_t uid, gid_t gid)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_fchown, "fchown")(fd, uid, gid);
	if (rt_replaying())
		return fd_change_replay(FD_FCHOWN, fd, owner(uid, gid), NULL, 0);
	int r = REAL_SYM(real_fchown, "fchown")(fd, uid, gid);
	fd_change_record(FD_FCHOWN, fd, owner(uid, gid), NULL, 0, r, errno);
	return r;
}

RT_EXPORT int futimens(int fd, const struct timespec times[2])
{
	size_t n = times ? 2 * sizeof *times : 0;
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_futimens, "futimens")(fd, times);
	if (rt_replaying())
		return fd_change_replay(FD_FUTIMENS, fd, 0, times, n);
	int r = REAL_SYM(real_futimens, "futimens")(fd, times);
	fd_change_record(FD_FUTIMENS, fd, 0, times, n, r, errno);
	return r;
}

static int (*real_fsetxattr)(int, const char *, const void *, size_t, int);
static int (*real_fremovexattr)(int, const char *);
static int (*real_posix_fallocate)(int, off_t, off_t);
static int (*real_posix_fallocate64)(int, off64_t, off64_t);

/* The attribute's name and value are hashed as one: name, NUL, value. */
static size_t xattr_extra(const char *name, const void *value, size_t size, uint8_t **out)
{
	size_t n = strlen(name) + 1;
	uint8_t *buf = rt_scratch(n + size);
	if (!buf)
		return 0;
	memcpy(buf, name, n);
	if (size)
		memcpy(buf + n, value, size);
	*out = buf;
	return n + size;
}

RT_EXPORT int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_fsetxattr, "fsetxattr")(fd, name, value, size, flags);
	uint8_t *extra = NULL;
	size_t n = xattr_extra(name, value, size, &extra);
	if (rt_replaying())
		return fd_change_replay(FD_FSETXATTR, fd, flags, extra, n);
	int r = REAL_SYM(real_fsetxattr, "fsetxattr")(fd, name, value, size, flags);
	fd_change_record(FD_FSETXATTR, fd, flags, extra, n, r, errno);
	return r;
}

RT_EXPORT int fremovexattr(int fd, const char *name)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_fremovexattr, "fremovexattr")(fd, name);
	if (rt_replaying())
		return fd_change_replay(FD_FREMOVEXATTR, fd, 0, name, strlen(name) + 1);
	int r = REAL_SYM(real_fremovexattr, "fremovexattr")(fd, name);
	fd_change_record(FD_FREMOVEXATTR, fd, 0, name, strlen(name) + 1, r, errno);
	return r;
}

/* posix_fallocate returns an error number rather than setting errno; the offset is hashed. */
RT_EXPORT int posix_fallocate(int fd, off_t off, off_t len)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_posix_fallocate, "posix_fallocate")(fd, off, len);
	if (rt_replaying())
		return fd_change_replay(FD_FALLOCATE, fd, len, &off, sizeof off);
	int r = REAL_SYM(real_posix_fallocate, "posix_fallocate")(fd, off, len);
	fd_change_record(FD_FALLOCATE, fd, len, &off, sizeof off, r, errno);
	return r;
}

RT_EXPORT int posix_fallocate64(int fd, off64_t off, off64_t len)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_posix_fallocate64, "posix_fallocate64")(fd, off, len);
	if (rt_replaying())
		return fd_change_replay(FD_FALLOCATE, fd, len, &off, sizeof off);
	int r = REAL_SYM(real_posix_fallocate64, "posix_fallocate64")(fd, off, len);
	fd_change_record(FD_FALLOCATE, fd, len, &off, sizeof off, r, errno);
	return r;
}

/* Every placeholder is /dev/null, one file: a real flock on two of them would make the
 * second wait for the first, even in one process, and two replays would wait for each other. */
static int (*real_flock)(int, int);

RT_EXPORT int flock(int fd, int op)
{
	if (!rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_flock, "flock")(fd, op);
	if (rt_replaying())
		return fd_change_replay(FD_FLOCK, fd, op, NULL, 0);
	int r = REAL_SYM(real_flock, "flock")(fd, op);
	fd_change_record(FD_FLOCK, fd, op, NULL, 0, r, errno);
	return r;
}

/* ---- copies inside the kernel: sendfile, copy_file_range ----------------------------------- */

/* shutil.copyfile copies with sendfile: with a recorded end, on replay a placeholder, the copy
 * is logged and not made.  aux = the offsets after the call, when the caller passed them. */
static ssize_t copy_replay(int out, int in, size_t count, off64_t *off_in, off64_t *off_out)
{
	const struct trace_event *ev =
		rt_replay_next(RETRACE__CALL__CALL_SENDFILE, out, in, (int64_t)count);
	rt_check_failure(ev);
	if (ev->result > (int64_t)count)
		rt_damaged(ev, "more bytes copied than the program asked for");
	int64_t offs[2] = { 0, 0 };
	if (ev->aux_len == sizeof offs)
		memcpy(offs, ev->aux, sizeof offs);
	if (off_in)
		*off_in = offs[0];
	if (off_out)
		*off_out = offs[1];
	if (ev->result < 0)
		errno = ev->err;
	return (ssize_t)ev->result;
}

static void copy_record(int out, int in, size_t count, const off64_t *off_in,
			const off64_t *off_out, ssize_t r, int e)
{
	int64_t offs[2] = { off_in ? *off_in : 0, off_out ? *off_out : 0 };
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_SENDFILE, .arg0 = out, .arg1 = in, .arg2 = (int64_t)count,
		.result = r, .err = r < 0 ? e : 0,
		.aux = off_in || off_out ? (const uint8_t *)offs : NULL,
		.aux_len = off_in || off_out ? sizeof offs : 0,
	};
	rt_record(&ev);
	errno = e;
}

static ssize_t (*real_sendfile)(int, int, off_t *, size_t);
static ssize_t (*real_sendfile64)(int, int, off64_t *, size_t);
static ssize_t (*real_copy_file_range)(int, off64_t *, int, off64_t *, size_t, unsigned);

RT_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	if (!rt_active(RT_FILE) || !(fd_recorded(out) || fd_recorded(in)))
		return REAL_SYM(real_sendfile, "sendfile")(out, in, off, count);
	if (rt_replaying())
		return copy_replay(out, in, count, (off64_t *)off, NULL);
	ssize_t r = REAL_SYM(real_sendfile, "sendfile")(out, in, off, count);
	copy_record(out, in, count, (off64_t *)off, NULL, r, errno);
	return r;
}

RT_EXPORT ssize_t sendfile64(int out, int in, off64_t *off, size_t count)
{
	if (!rt_active(RT_FILE) || !(fd_recorded(out) || fd_recorded(in)))
		return REAL_SYM(real_sendfile64, "sendfile64")(out, in, off, count);
	if (rt_replaying())
		return copy_replay(out, in, count, off, NULL);
	ssize_t r = REAL_SYM(real_sendfile64, "sendfile64")(out, in, off, count);
	copy_record(out, in, count, off, NULL, r, errno);
	return r;
}

RT_EXPORT ssize_t copy_file_range(int in, off64_t *off_in, int out, off64_t *off_out,
				  size_t count, unsigned flags)
{
	if (!rt_active(RT_FILE) || !(fd_recorded(out) || fd_recorded(in)))
		return REAL_SYM(real_copy_file_range, "copy_file_range")(in, off_in, out, off_out,
									  count, flags);
	if (rt_replaying())
		return copy_replay(out, in, count, off_in, off_out);
	ssize_t r = REAL_SYM(real_copy_file_range, "copy_file_range")(in, off_in, out, off_out,
								       count, flags);
	copy_record(out, in, count, off_in, off_out, r, errno);
	return r;
}

/* ---- mappings of recorded files ----------------------------------------------------------- */

/* A recorded fd is a /dev/null placeholder on replay, which cannot be mapped; sqlite maps its
 * WAL index (the -shm file), and Python's mmap module maps whatever it is given.  Record keeps
 * what the mapping showed when it was made; replay maps anonymous memory at the recorded
 * address with those bytes.  Later changes by other processes to a shared mapping are not seen
 * on replay. */

#define MMAP_DATA_MAX (1u << 30)

static void *(*real_mmap)(void *, size_t, int, int, int, off_t);

static void *mmap_replay(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_MMAP, fd, (int64_t)len, off);
	if (ev->result == -1) {
		errno = ev->err;
		return MAP_FAILED;
	}
	void *want = flags & MAP_FIXED ? addr : (void *)(uintptr_t)ev->result;
	int fixed = flags & MAP_FIXED ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	void *p = REAL_SYM(real_mmap, "mmap")(want, len, prot | PROT_WRITE,
					     MAP_PRIVATE | MAP_ANONYMOUS | fixed, -1, 0);
	if (p != want || (uintptr_t)p != (uintptr_t)ev->result)
		rt_diverge(ev, "cannot map memory at the address the recording's mapping got");
	memcpy(p, ev->data, ev->data_len < len ? ev->data_len : len);
	if (!(prot & PROT_WRITE))
		mprotect(p, len, prot);
	return p;
}

static void mmap_record(void *p, size_t len, int prot, int fd, off_t off, int e)
{
	size_t n = 0;
	struct stat st;
	if (p != MAP_FAILED && (prot & PROT_READ) && REAL(fstat)(fd, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size > off) {
		/* beyond the end of the file a mapping faults: take only the file's bytes */
		n = (size_t)(st.st_size - off) < len ? (size_t)(st.st_size - off) : len;
		if (n > MMAP_DATA_MAX) {
			rt_msg("warning: a mapping of %zu bytes of a recorded file is too big to record; "
			       "replay shows only its first %u bytes", n, MMAP_DATA_MAX);
			n = MMAP_DATA_MAX;
		}
	}
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_MMAP, .arg0 = fd, .arg1 = (int64_t)len, .arg2 = off,
		.result = p == MAP_FAILED ? -1 : (int64_t)(uintptr_t)p, .err = p == MAP_FAILED ? e : 0,
		.data = n ? p : NULL, .data_len = (uint32_t)n,
	};
	rt_record(&ev);
	errno = e;
}

/* Python's allocator maps anonymous memory through here: that case is the first test. */
RT_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fd < 0 || (flags & MAP_ANONYMOUS) || !rt_active(RT_FILE) || !fd_recorded(fd))
		return REAL_SYM(real_mmap, "mmap")(addr, len, prot, flags, fd, off);
	if (rt_replaying())
		return mmap_replay(addr, len, prot, flags, fd, off);
	void *p = REAL_SYM(real_mmap, "mmap")(addr, len, prot, flags, fd, off);
	mmap_record(p, len, prot, fd, off, errno);
	return p;
}

RT_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
	__attribute__((alias("mmap")));
