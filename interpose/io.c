/* io.c — file descriptors whose input comes from outside: stdin, pipes and ttys inherited as
 * fds 0–2, and files opened by a recorded path (path.c: /dev, /proc, the program's own files).
 *
 * For these fds, reads, fstat, lseek, isatty and ioctl are recorded, and replayed without
 * touching the live fd; writes are recorded as a length and a hash, and on replay are checked
 * against it, then really written to inherited fds (the program's stdout and stderr).  A file
 * opened on replay is a /dev/null placeholder at the recorded fd number, so the program's later
 * opens get the numbers they got when recorded.  Every other fd passes straight through.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "rt.h"

static int fd_recorded(int fd)
{
	return rt_fd_get(fd) & RT_FD_RECORDED;
}

/* ---- scratch: contiguous room for readv/writev data, from the arena, one per thread -------- */

static __thread uint8_t *scratch;
static __thread size_t scratch_size;

uint8_t *rt_scratch(size_t n)
{
	if (n > scratch_size) {
		size_t want = n < 65536 ? 65536 : n;
		uint8_t *p = rt_alloc(want); /* the old one is not reused: rare, and bounded */
		if (!p)
			return NULL;
		scratch = p;
		scratch_size = want;
	}
	return scratch;
}

size_t rt_iov_total(const struct iovec *iov, int n)
{
	size_t t = 0;
	for (int i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

void rt_iov_scatter(const struct iovec *iov, int n, const uint8_t *src, size_t len)
{
	for (int i = 0; i < n && len; i++) {
		size_t k = iov[i].iov_len < len ? iov[i].iov_len : len;
		memcpy(iov[i].iov_base, src, k);
		src += k;
		len -= k;
	}
}

size_t rt_iov_gather(uint8_t *dst, const struct iovec *iov, int n)
{
	size_t off = 0;
	for (int i = 0; i < n; i++) {
		memcpy(dst + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	return off;
}

/* ---- opening files by path (which paths are recorded: path.c) ---------------------------- */

/* Replay: a recorded file is virtual, whether or not it still exists: a placeholder at the fd
 * number the recording got, its reads, fstat and lseek from the trace. */
static int open_replay(const struct rt_path *p, int flags)
{
	const struct trace_event *ev = rt_path_replay(RETRACE__CALL__CALL_OPEN, flags, 0, 0, p);
	if (ev->result < 0) {
		errno = ev->err;
		return (int)ev->result;
	}
	int fd = rt_fd_placeholder(ev, (int)ev->result, flags & O_CLOEXEC,
				   RT_FD_RECORDED | RT_FD_FILE);
	rt_fd_set_path(fd, p->s);
	return fd;
}

static void open_record(const struct rt_path *p, int flags, int r, int e)
{
	rt_path_record(RETRACE__CALL__CALL_OPEN, flags, 0, 0, p, r, e, NULL, 0);
	if (r >= 0) {
		rt_fd_set(r, RT_FD_RECORDED | RT_FD_FILE);
		rt_fd_set_path(r, p->s);
	}
	errno = e;
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

RT_EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED) {
		struct rt_fdnum o;
		rt_fdnum_begin(&o, RT_FDNUM_OPEN, -1, -1);
		int r = REAL(open)(path, flags, mode);
		return (int)rt_fdnum_end(&o, r, errno);
	}
	if (rt_replaying())
		return open_replay(&p, flags);
	int r = rt_real.open(path, flags, mode);
	open_record(&p, flags, r, errno);
	return r;
}

RT_EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED) {
		struct rt_fdnum o;
		rt_fdnum_begin(&o, RT_FDNUM_OPEN, -1, -1);
		int r = REAL(open64)(path, flags, mode);
		return (int)rt_fdnum_end(&o, r, errno);
	}
	if (rt_replaying())
		return open_replay(&p, flags);
	int r = rt_real.open64(path, flags, mode);
	open_record(&p, flags, r, errno);
	return r;
}

/* _FORTIFY_SOURCE builds call these instead of open/open64 when they pass no mode. */
static int (*real___open_2)(const char *, int);

RT_EXPORT int __open64_2(const char *path, int flags)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED) {
		struct rt_fdnum o;
		rt_fdnum_begin(&o, RT_FDNUM_OPEN, -1, -1);
		int r = REAL(__open64_2)(path, flags);
		return (int)rt_fdnum_end(&o, r, errno);
	}
	if (rt_replaying())
		return open_replay(&p, flags);
	int r = rt_real.__open64_2(path, flags);
	open_record(&p, flags, r, errno);
	return r;
}

RT_EXPORT int __open_2(const char *path, int flags)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED) {
		struct rt_fdnum o;
		rt_fdnum_begin(&o, RT_FDNUM_OPEN, -1, -1);
		int r = REAL_SYM(real___open_2, "__open_2")(path, flags);
		return (int)rt_fdnum_end(&o, r, errno);
	}
	if (rt_replaying())
		return open_replay(&p, flags);
	int r = REAL_SYM(real___open_2, "__open_2")(path, flags);
	open_record(&p, flags, r, errno);
	return r;
}

/* A path relative to a directory fd is placed by the directory's path when the directory was
 * opened by a recorded path (it is a placeholder on replay); under any other directory fd it is
 * live in both modes (rt_path_resolve). */
RT_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE) {
		struct rt_fdnum o;
		rt_fdnum_begin(&o, RT_FDNUM_OPEN, -1, -1);
		int r = REAL(openat)(dirfd, path, flags, mode);
		return (int)rt_fdnum_end(&o, r, errno);
	}
	if (use == RT_PATH_LIVE_ABS) {
		struct rt_fdnum o;
		rt_fdnum_begin(&o, RT_FDNUM_OPEN, -1, -1);
		int r = REAL(openat)(AT_FDCWD, p.s, flags, mode);
		return (int)rt_fdnum_end(&o, r, errno);
	}
	if (rt_replaying())
		return open_replay(&p, flags);
	int r = rt_real.openat(dirfd, path, flags, mode);
	open_record(&p, flags, r, errno);
	return r;
}

RT_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE) {
		struct rt_fdnum o;
		rt_fdnum_begin(&o, RT_FDNUM_OPEN, -1, -1);
		int r = REAL(openat64)(dirfd, path, flags, mode);
		return (int)rt_fdnum_end(&o, r, errno);
	}
	if (use == RT_PATH_LIVE_ABS) {
		struct rt_fdnum o;
		rt_fdnum_begin(&o, RT_FDNUM_OPEN, -1, -1);
		int r = REAL(openat64)(AT_FDCWD, p.s, flags, mode);
		return (int)rt_fdnum_end(&o, r, errno);
	}
	if (rt_replaying())
		return open_replay(&p, flags);
	int r = rt_real.openat64(dirfd, path, flags, mode);
	open_record(&p, flags, r, errno);
	return r;
}

static int (*real___openat_2)(int, const char *, int);
static int (*real___openat64_2)(int, const char *, int);

RT_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE) {
		struct rt_fdnum o;
		rt_fdnum_begin(&o, RT_FDNUM_OPEN, -1, -1);
		int r = REAL_SYM(real___openat_2, "__openat_2")(dirfd, path, flags);
		return (int)rt_fdnum_end(&o, r, errno);
	}
	if (use == RT_PATH_LIVE_ABS) {
		struct rt_fdnum o;
		rt_fdnum_begin(&o, RT_FDNUM_OPEN, -1, -1);
		int r = REAL_SYM(real___openat_2, "__openat_2")(AT_FDCWD, p.s, flags);
		return (int)rt_fdnum_end(&o, r, errno);
	}
	if (rt_replaying())
		return open_replay(&p, flags);
	int r = REAL_SYM(real___openat_2, "__openat_2")(dirfd, path, flags);
	open_record(&p, flags, r, errno);
	return r;
}

RT_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE) {
		struct rt_fdnum o;
		rt_fdnum_begin(&o, RT_FDNUM_OPEN, -1, -1);
		int r = REAL_SYM(real___openat64_2, "__openat64_2")(dirfd, path, flags);
		return (int)rt_fdnum_end(&o, r, errno);
	}
	if (use == RT_PATH_LIVE_ABS) {
		struct rt_fdnum o;
		rt_fdnum_begin(&o, RT_FDNUM_OPEN, -1, -1);
		int r = REAL_SYM(real___openat64_2, "__openat64_2")(AT_FDCWD, p.s, flags);
		return (int)rt_fdnum_end(&o, r, errno);
	}
	if (rt_replaying())
		return open_replay(&p, flags);
	int r = REAL_SYM(real___openat64_2, "__openat64_2")(dirfd, path, flags);
	open_record(&p, flags, r, errno);
	return r;
}

/* ---- fd bookkeeping: close and dup ------------------------------------------------------- */

static void refuse_ours(int fd)
{
	static int told;
	if (!__atomic_exchange_n(&told, 1, __ATOMIC_RELAXED))
		rt_msg("the program tried to close or replace fd %d, which holds the trace; "
		       "retrace keeps it open", fd);
}

RT_EXPORT int close(int fd)
{
	unsigned f = rt_fd_get(fd);
	if (!rt_active(RT_FD))
		return REAL(close)(fd);
	if (f & RT_FD_OURS) {
		refuse_ours(fd);
		return 0;
	}
	struct rt_fdnum o;
	rt_fdnum_begin(&o, RT_FDNUM_CLOSE, fd, -1);
	if (f)
		rt_fd_set(fd, 0);
	int r = REAL(close)(fd);
	return (int)rt_fdnum_end(&o, r, errno);
}

/* A duplicate is the same open file: it inherits what retrace knows of the original. */
int rt_fd_dup_done(int oldfd, int newfd)
{
	if (newfd >= 0 && newfd != oldfd) {
		const char *path = rt_fd_path(oldfd);
		rt_fd_set(newfd, rt_fd_get(oldfd) & ~RT_FD_OURS);
		if (path)
			rt_fd_set_path(newfd, path);
	}
	return newfd;
}

RT_EXPORT int dup(int oldfd)
{
	if (!rt_active(RT_FD))
		return REAL(dup)(oldfd);
	struct rt_fdnum o;
	rt_fdnum_begin(&o, RT_FDNUM_DUP, oldfd, -1);
	int r = REAL(dup)(oldfd);
	return rt_fd_dup_done(oldfd, (int)rt_fdnum_end(&o, r, errno));
}

RT_EXPORT int dup2(int oldfd, int newfd)
{
	if (!rt_active(RT_FD))
		return REAL(dup2)(oldfd, newfd);
	if (rt_fd_get(newfd) & RT_FD_OURS) {
		refuse_ours(newfd);
		errno = EBUSY;
		return -1;
	}
	struct rt_fdnum o;
	rt_fdnum_begin(&o, RT_FDNUM_DUP2, oldfd, newfd);
	int r = REAL(dup2)(oldfd, newfd);
	return rt_fd_dup_done(oldfd, (int)rt_fdnum_end(&o, r, errno));
}

RT_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (!rt_active(RT_FD))
		return REAL(dup3)(oldfd, newfd, flags);
	if (rt_fd_get(newfd) & RT_FD_OURS) {
		refuse_ours(newfd);
		errno = EBUSY;
		return -1;
	}
	struct rt_fdnum o;
	rt_fdnum_begin(&o, RT_FDNUM_DUP2, oldfd, newfd);
	int r = REAL(dup3)(oldfd, newfd, flags);
	return rt_fd_dup_done(oldfd, (int)rt_fdnum_end(&o, r, errno));
}

/* ---- reads -------------------------------------------------------------------------------- */

static ssize_t read_replay(uint32_t call, int fd, void *buf, size_t n, int64_t off)
{
	const struct trace_event *ev = rt_replay_next(call, fd, (int64_t)n, off);
	rt_check_count(ev, n);
	if (ev->result > 0)
		rt_copy_out(buf, n, ev);
	else if (ev->result < 0)
		errno = ev->err;
	return (ssize_t)ev->result;
}

static void read_record(uint32_t call, int fd, const void *buf, size_t n, int64_t off,
			ssize_t r, int e)
{
	struct trace_event ev = {
		.call = call, .arg0 = fd, .arg1 = (int64_t)n, .arg2 = off, .result = r,
		.err = r < 0 ? e : 0, .data = buf, .data_len = r > 0 ? (uint32_t)r : 0,
	};
	rt_record(&ev);
}

RT_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	if (!rt_active(RT_FD) || !fd_recorded(fd))
		return REAL(read)(fd, buf, n);
	if (rt_replaying())
		return read_replay(RETRACE__CALL__CALL_READ, fd, buf, n, 0);
	ssize_t r = rt_real.read(fd, buf, n);
	int e = errno;
	read_record(RETRACE__CALL__CALL_READ, fd, buf, n, 0, r, e);
	errno = e;
	return r;
}

RT_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	if (!rt_active(RT_FD) || !fd_recorded(fd))
		return REAL(pread64)(fd, buf, n, off);
	if (rt_replaying())
		return read_replay(RETRACE__CALL__CALL_PREAD, fd, buf, n, off);
	ssize_t r = rt_real.pread64(fd, buf, n, off);
	int e = errno;
	read_record(RETRACE__CALL__CALL_PREAD, fd, buf, n, off, r, e);
	errno = e;
	return r;
}

RT_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off) __attribute__((alias("pread64")));

RT_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	if (!rt_active(RT_FD) || !fd_recorded(fd) || iovcnt < 0)
		return REAL(readv)(fd, iov, iovcnt);
	size_t total = rt_iov_total(iov, iovcnt);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_READV, fd, (int64_t)total, 0);
		rt_check_count(ev, total);
		if (ev->result > 0)
			rt_iov_scatter(iov, iovcnt, ev->data, ev->data_len < total ? ev->data_len : total);
		else if (ev->result < 0)
			errno = ev->err;
		return (ssize_t)ev->result;
	}
	/* One read into contiguous scratch, then scattered: the same bytes readv would give, and
	 * the event's data in one piece. */
	uint8_t *tmp = rt_scratch(total);
	if (!tmp)
		return REAL(readv)(fd, iov, iovcnt);
	ssize_t r = rt_real.read(fd, tmp, total);
	int e = errno;
	if (r > 0)
		rt_iov_scatter(iov, iovcnt, tmp, (size_t)r);
	read_record(RETRACE__CALL__CALL_READV, fd, tmp, total, 0, r, e);
	errno = e;
	return r;
}

/* ---- writes ------------------------------------------------------------------------------- */

void rt_write_fully(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = REAL(write)(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the replay's stdout went away: what the program sees is the recording */
		p += w;
		n -= (size_t)w;
	}
}

void rt_diverge_bytes(const struct trace_event *ev, const uint8_t *buf, size_t n)
{
	if (rt_redacted_bytes_taken(ev))
		return;
	char what[400], shown[120];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 5 < sizeof shown; i++) {
		uint8_t c = buf[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			shown[k++] = (char)c;
		else
			k += (size_t)snprintf(shown + k, sizeof shown - k, "\\x%02x", c);
	}
	shown[k] = 0;
	int sent = ev->call == RETRACE__CALL__CALL_SEND || ev->call == RETRACE__CALL__CALL_SENDMSG;
	snprintf(what, sizeof what, "the program %s other bytes than when recorded: now \"%s\"%s",
		 sent ? "sent" : "wrote", shown, k + 5 >= sizeof shown ? "..." : "");
	rt_bytes_diverged = 1; /* for the likely cause: a value computed from a redacted secret */
	rt_diverge_soft(ev, what);
	rt_bytes_diverged = 0;
}

static ssize_t write_replay(uint32_t call, int fd, const uint8_t *flat, size_t n,
			    const uint8_t hash[TRACE_HASH_SIZE])
{
	const struct trace_event *ev = rt_replay_next(call, fd, (int64_t)n, 0);
	if (ev->hash_len != TRACE_HASH_SIZE || memcmp(ev->hash, hash, TRACE_HASH_SIZE) != 0)
		rt_diverge_bytes(ev, flat, n);
	rt_check_taken(ev, n);
	if (ev->result < 0) {
		errno = ev->err;
		return (ssize_t)ev->result;
	}
	/* (the replay of a forked child alone leaves out what its parents wrote; a replay pdb's
	 * back started, what an earlier run of it wrote already: debug.c) */
	if ((rt_fd_get(fd) & RT_FD_INHERITED) && !rt_replay_quiet() && ev->seq > rt_quiet_until)
		rt_write_fully(fd, flat, (size_t)ev->result < n ? (size_t)ev->result : n);
	rt_replay_done();
	return (ssize_t)ev->result;
}

static void write_record(uint32_t call, int fd, const uint8_t *flat, size_t n,
			 const uint8_t hash[TRACE_HASH_SIZE], ssize_t r, int e)
{
	int keep = rt_write_bytes_enabled() && flat;
	struct trace_event ev = {
		.call = call, .arg0 = fd, .arg1 = (int64_t)n, .result = r, .err = r < 0 ? e : 0,
		.hash = hash, .hash_len = TRACE_HASH_SIZE,
		.data = keep ? flat : NULL, .data_len = keep ? (uint32_t)n : 0,
	};
	/* A child's writes to an fd it inherited may be its parent's terminal: the parent's replay
	 * writes them there (child.c), so they keep their bytes and what the fd is. */
	uint64_t id[2];
	struct stat st;
	if (RT_UNLIKELY(rt_is_child()) && r > 0 && flat && (rt_fd_get(fd) & RT_FD_INHERITED) &&
	    REAL(fstat)(fd, &st) == 0) {
		id[0] = st.st_dev;
		id[1] = st.st_ino;
		ev.aux = (const uint8_t *)id;
		ev.aux_len = sizeof id;
		ev.data = flat;
		ev.data_len = (uint32_t)n;
	}
	rt_record(&ev);
}

/* Record, several threads: what the program writes to an fd it inherited (the terminal, a pipe)
 * replay writes for real, in the trace's order, so that order must be the order the writes
 * reached the fd: the write and its place in the order are taken under one lock. */
static int inherited_lock;

static int inherited_write_begin(int fd)
{
	if (!rt_threaded() || !(rt_fd_get(fd) & RT_FD_INHERITED))
		return 0;
	rt_signals_defer(&rt_self);
	rt_lock_take(&inherited_lock);
	return 1;
}

static void inherited_write_end(int locked)
{
	if (!locked)
		return;
	rt_lock_give(&inherited_lock);
	rt_signals_undefer(&rt_self);
}

RT_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	if (!rt_active(RT_FD) || !fd_recorded(fd))
		return REAL(write)(fd, buf, n);
	uint8_t h[TRACE_HASH_SIZE];
	rt_hash(buf, n, h);
	if (rt_replaying())
		return write_replay(RETRACE__CALL__CALL_WRITE, fd, buf, n, h);
	int locked = inherited_write_begin(fd);
	ssize_t r = rt_real.write(fd, buf, n);
	int e = errno;
	write_record(RETRACE__CALL__CALL_WRITE, fd, buf, n, h, r, e);
	inherited_write_end(locked);
	errno = e;
	return r;
}

RT_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	if (!rt_active(RT_FD) || !fd_recorded(fd) || iovcnt < 0)
		return REAL(writev)(fd, iov, iovcnt);
	size_t total = rt_iov_total(iov, iovcnt);
	uint8_t *flat = rt_scratch(total);
	if (!flat)
		return REAL(writev)(fd, iov, iovcnt);
	rt_iov_gather(flat, iov, iovcnt);
	uint8_t h[TRACE_HASH_SIZE];
	rt_hash(flat, total, h);
	if (rt_replaying())
		return write_replay(RETRACE__CALL__CALL_WRITEV, fd, flat, total, h);
	int locked = inherited_write_begin(fd);
	ssize_t r = rt_real.writev(fd, iov, iovcnt);
	int e = errno;
	write_record(RETRACE__CALL__CALL_WRITEV, fd, flat, total, h, r, e);
	inherited_write_end(locked);
	errno = e;
	return r;
}

/* ---- what the fd is: fstat, lseek, isatty, ioctl ----------------------------------------- */

static int fstat_common(int (*real)(int, struct stat *), int fd, struct stat *st)
{
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_FSTAT, fd, 0, 0);
		rt_check_struct(ev, sizeof *st);
		if (ev->result == 0)
			rt_copy_out(st, sizeof *st, ev);
		else
			errno = ev->err;
		return (int)ev->result;
	}
	int r = real(fd, st);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_FSTAT, .arg0 = fd, .result = r, .err = r ? e : 0,
		.data = r == 0 ? (const uint8_t *)st : NULL, .data_len = r == 0 ? sizeof *st : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

RT_EXPORT int fstat(int fd, struct stat *st)
{
	if (!rt_active(RT_FD) || !fd_recorded(fd))
		return REAL(fstat)(fd, st);
	return fstat_common(rt_real.fstat, fd, st);
}

RT_EXPORT int fstat64(int fd, struct stat64 *st)
{
	if (!rt_active(RT_FD) || !fd_recorded(fd))
		return REAL(fstat64)(fd, (struct stat *)st);
	/* on x86-64 struct stat64 and struct stat are one layout */
	return fstat_common(rt_real.fstat, fd, (struct stat *)st);
}

static off_t lseek_common(off_t (*real)(int, off_t, int), int fd, off_t off, int whence)
{
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_LSEEK, fd, off, whence);
		if (ev->result < 0)
			errno = ev->err;
		return (off_t)ev->result;
	}
	off_t r = real(fd, off, whence);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_LSEEK, .arg0 = fd, .arg1 = off, .arg2 = whence,
		.result = r, .err = r < 0 ? e : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

RT_EXPORT off_t lseek(int fd, off_t off, int whence)
{
	if (!rt_active(RT_FD) || !fd_recorded(fd))
		return REAL(lseek)(fd, off, whence);
	return lseek_common(rt_real.lseek, fd, off, whence);
}

RT_EXPORT off_t lseek64(int fd, off_t off, int whence)
{
	if (!rt_active(RT_FD) || !fd_recorded(fd))
		return REAL(lseek64)(fd, off, whence);
	return lseek_common(rt_real.lseek64, fd, off, whence);
}

RT_EXPORT int isatty(int fd)
{
	if (!rt_active(RT_FD) || !fd_recorded(fd))
		return REAL(isatty)(fd);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_ISATTY, fd, 0, 0);
		if (ev->result == 0)
			errno = ev->err;
		return (int)ev->result;
	}
	int r = rt_real.isatty(fd);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_ISATTY, .arg0 = fd, .result = r, .err = r ? 0 : e,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

/* ioctl on a recorded fd.  What a request writes back into the caller's memory is outside input
 * like a read's bytes: recorded, and copied out on replay.  Three kinds of request are known:
 *  - the ones whose number encodes their size and direction (_IOC_READ: the kernel writes
 *    _IOC_SIZE bytes), and the older terminal ones listed in ioctl_out_size;
 *  - the socket interface queries (SIOCGIF*, struct ifreq in and out: libuuid asks for the
 *    hardware addresses), whose interface name is a key argument (hash);
 *  - SIOCGIFCONF, whose struct ifconf points to the caller's buffer: the event keeps the length
 *    asked (arg2), the length the kernel gave back (aux) and the bytes of the buffer (data).
 * FIONBIO, FIOCLEX and FIONCLEX only change the fd's own flags, which a placeholder takes as well
 * as the original: made for real in both modes, with nothing to record.  Any other request is
 * recorded with its result only, and named once on stderr at record time: retrace cannot know
 * what it writes back, so replay may hand the program less than it got. */

/* How many bytes an ioctl writes back through its argument (0: nothing, or unknown).  TCGETS
 * and friends predate the size-encoding request numbers; the kernel's struct termios is 36
 * bytes, not glibc's 60. */
static size_t ioctl_out_size(unsigned long req)
{
	switch (req) {
	case TCGETS: return 36;
	case TIOCGWINSZ: return sizeof(struct winsize);
	case FIONREAD: return sizeof(int);
	case TIOCGPGRP: return sizeof(pid_t);
	case TIOCGSID: return sizeof(pid_t);
	case TIOCOUTQ: return sizeof(int);
	}
	if (_IOC_DIR(req) & _IOC_READ)
		return _IOC_SIZE(req);
	return 0;
}

/* Requests that write nothing back: their result is all there is to record. */
static int ioctl_in_only(unsigned long req)
{
	switch (req) {
	case TCSETS: case TCSETSW: case TCSETSF: case TIOCSWINSZ: case TIOCSPGRP: case TCFLSH:
	case TCXONC: case TCSBRK: case TCSBRKP: case TIOCSCTTY: case TIOCNOTTY: case TIOCEXCL:
	case TIOCNXCL: case FIOASYNC:
		return 1;
	}
	return _IOC_DIR(req) == _IOC_WRITE;
}

/* The socket interface queries: struct ifreq in (the name), struct ifreq out. */
static int ioctl_is_ifreq(unsigned long req)
{
	switch (req) {
	case SIOCGIFNAME: case SIOCGIFFLAGS: case SIOCGIFADDR: case SIOCGIFDSTADDR:
	case SIOCGIFBRDADDR: case SIOCGIFNETMASK: case SIOCGIFMETRIC: case SIOCGIFMTU:
	case SIOCGIFHWADDR: case SIOCGIFINDEX: case SIOCGIFTXQLEN: case SIOCGIFMAP:
		return 1;
	}
	return 0;
}

/* Record: name a request retrace does not know, once per request number (a few of them). */
static void ioctl_unknown(int fd, unsigned long req)
{
	static unsigned long told[8];
	static unsigned n_told;
	for (unsigned i = 0; i < n_told && i < 8; i++)
		if (told[i] == req)
			return;
	if (n_told < 8)
		told[n_told++] = req;
	rt_msg("ioctl 0x%lx on fd %d is not recorded: retrace does not know what it writes back, "
	       "so replay gives only its result", req, fd);
}

static int ioctl_ifconf(int fd, unsigned long req, struct ifconf *ifc)
{
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_IOCTL, fd,
							      (int64_t)req, ifc ? ifc->ifc_len : -1);
		if (ev->result < 0 || !ifc) {
			errno = ev->err;
			return (int)ev->result;
		}
		int len = 0;
		if (ev->aux_len == sizeof len)
			memcpy(&len, ev->aux, sizeof len);
		if (ifc->ifc_buf && ifc->ifc_len > 0)
			rt_copy_out(ifc->ifc_buf, (size_t)ifc->ifc_len, ev);
		ifc->ifc_len = len;
		return (int)ev->result;
	}
	int asked = ifc ? ifc->ifc_len : -1;
	int r = rt_real.ioctl(fd, req, ifc);
	int e = errno;
	int ok = r >= 0 && ifc;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_IOCTL, .arg0 = fd, .arg1 = (int64_t)req, .arg2 = asked,
		.result = r, .err = r < 0 ? e : 0,
		.aux = ok ? (const uint8_t *)&ifc->ifc_len : NULL, .aux_len = ok ? sizeof(int) : 0,
		.data = ok && ifc->ifc_buf ? (const uint8_t *)ifc->ifc_buf : NULL,
		.data_len = ok && ifc->ifc_buf && ifc->ifc_len > 0 ? (uint32_t)ifc->ifc_len : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

RT_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (!rt_active(RT_FD) || !fd_recorded(fd) || req == FIONBIO || req == FIOCLEX ||
	    req == FIONCLEX)
		return REAL(ioctl)(fd, req, arg);
	if (req == SIOCGIFCONF)
		return ioctl_ifconf(fd, req, arg);
	int ifreq = ioctl_is_ifreq(req) && arg;
	size_t out = ifreq ? sizeof(struct ifreq) : ioctl_out_size(req);
	uint8_t h[TRACE_HASH_SIZE];
	if (ifreq)
		trace_hash(((struct ifreq *)arg)->ifr_name, strnlen(((struct ifreq *)arg)->ifr_name, IFNAMSIZ), h);
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_IOCTL, fd, (int64_t)req, 0);
		if (ifreq && (ev->hash_len != TRACE_HASH_SIZE || memcmp(ev->hash, h, sizeof h) != 0))
			rt_diverge(ev, "the program asked about another network interface than when "
				       "recorded");
		if (ev->result >= 0 && out && arg)
			rt_copy_out(arg, out, ev);
		if (ev->result < 0)
			errno = ev->err;
		return (int)ev->result;
	}
	if (!out && !ioctl_in_only(req))
		ioctl_unknown(fd, req);
	int r = rt_real.ioctl(fd, req, arg);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_IOCTL, .arg0 = fd, .arg1 = (int64_t)req, .result = r,
		.err = r < 0 ? e : 0, .data = r >= 0 && arg ? arg : NULL,
		.data_len = r >= 0 && arg ? (uint32_t)out : 0,
		.hash = ifreq ? h : NULL, .hash_len = ifreq ? TRACE_HASH_SIZE : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}
