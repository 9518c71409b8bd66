/* dir.c — listings of recorded directories (which directories are recorded: path.c).
 *
 * Python lists directories more than one would think: importlib lists every sys.path entry it
 * searches, the script's directory first, and the listing decides which objects get allocated,
 * so one file created beside the script between record and replay moves every id() after it.
 * So a recorded directory's entries come from the trace on replay, one event per readdir.
 *
 * The DIR itself stays real in both modes, because glibc allocates it on the program's heap:
 * replay opens "/" in place of the recorded directory, at the fd number the recording got, and
 * makes the DIR with fdopendir, which allocates as opendir does (the buffer is sized by the
 * directory's st_blksize, so the recorded one is compared).  closedir frees it for real.
 * rewinddir needs nothing: the readdir events after it hold what the program saw.  telldir and
 * seekdir, and glibc's own users of readdir (scandir, glob), see the stand-in "/".
 */
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "rt.h"

/* glibc's DIR buffer: st_blksize, at least 32 KiB, at most 1 MiB (sysdeps/unix/sysv/linux). */
static size_t dir_buffer_size(int64_t blksize)
{
	size_t b = blksize > 0 ? (size_t)blksize : 0;
	return b < 32768 ? 32768 : b > 1048576 ? 1048576 : b;
}

static int64_t dir_blksize(int fd)
{
	struct stat st;
	return REAL(fstat)(fd, &st) == 0 ? st.st_blksize : 0;
}

static int (*real_fcntl)(int, int, ...);
static DIR *(*real_opendir)(const char *);
static DIR *(*real_fdopendir)(int);
static struct dirent *(*real_readdir)(DIR *);
static struct dirent64 *(*real_readdir64)(DIR *);
static int (*real_closedir)(DIR *);

/* Replay: a real directory stream at exactly fd `want` (free, or the placeholder fdopendir was
 * given), standing in for the recorded directory. */
static DIR *dir_stand_in(const struct trace_event *ev, int want)
{
	if (want < 0 || want >= RT_FD_MAX)
		rt_diverge(ev, "the recorded directory stream has an fd number retrace cannot track");
	int fd = REAL(open)("/", O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && fd != want) {
		if (ev->arg0 < 0 && REAL_SYM(real_fcntl, "fcntl")(want, F_GETFD) >= 0)
			rt_diverge(ev, "the fd number the recording got here is already in use");
		int r = REAL(dup3)(fd, want, O_CLOEXEC);
		REAL(close)(fd);
		fd = r;
	}
	if (fd != want)
		rt_diverge(ev, "cannot put a directory stream at the fd number the recording got");
	if (dir_buffer_size(ev->value) != dir_buffer_size(dir_blksize(fd))) {
		static int told;
		if (!__atomic_exchange_n(&told, 1, __ATOMIC_RELAXED))
			rt_msg("warning: a recorded directory had another block size than / has here, "
			       "so its directory stream takes other room on the heap; object ids may "
			       "differ from the recording");
	}
	DIR *d = REAL_SYM(real_fdopendir, "fdopendir")(fd);
	if (!d)
		rt_diverge(ev, "cannot make a directory stream to stand in for the recorded one");
	return d;
}

static DIR *opendir_replay(const struct trace_event *ev, const struct rt_path *p)
{
	if (ev->result < 0) {
		errno = ev->err;
		return NULL;
	}
	DIR *d = dir_stand_in(ev, (int)ev->result);
	if (p) {
		rt_fd_set((int)ev->result, RT_FD_RECORDED | RT_FD_FILE);
		rt_fd_set_path((int)ev->result, p->s);
	}
	return d;
}

static void opendir_record(const struct rt_path *p, DIR *d, int e)
{
	int fd = d ? dirfd(d) : -1;
	uint8_t h[TRACE_HASH_SIZE];
	rt_hash(p->s, p->len, h);
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_OPENDIR, .arg0 = -1, .result = fd, .err = d ? 0 : e,
		.value = d ? dir_blksize(fd) : 0, .hash = h, .hash_len = TRACE_HASH_SIZE,
		.aux = (const uint8_t *)p->s, .aux_len = (uint32_t)p->len,
	};
	rt_record(&ev);
	if (d) {
		rt_fd_set(fd, RT_FD_RECORDED | RT_FD_FILE);
		rt_fd_set_path(fd, p->s);
	}
	errno = e;
}

RT_EXPORT DIR *opendir(const char *path)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED) {
		if (!rt_threaded() || !rt_active(RT_FD))
			return REAL_SYM(real_opendir, "opendir")(path);
		/* While several threads run, the directory's fd is opened through open (an FD_NUMBER
		 * event, at its recorded number on replay) and made a stream as opendir does: the
		 * same flags, the same allocation (fdopendir sizes it the same way). */
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return NULL;
		DIR *d = REAL_SYM(real_fdopendir, "fdopendir")(fd);
		if (!d) {
			int e = errno;
			close(fd);
			errno = e;
		}
		return d;
	}
	if (rt_replaying())
		return opendir_replay(rt_path_replay(RETRACE__CALL__CALL_OPENDIR, -1, 0, 0, &p), &p);
	DIR *d = REAL_SYM(real_opendir, "opendir")(path);
	opendir_record(&p, d, errno);
	return d;
}

/* os.listdir(fd) and os.scandir(fd) dup the fd and fdopendir the copy.  The fd keeps its flags
 * (and on replay the placeholder there gives way to the stand-in). */
RT_EXPORT DIR *fdopendir(int fd)
{
	if (!rt_active(RT_FILE) || !(rt_fd_get(fd) & RT_FD_RECORDED))
		return REAL_SYM(real_fdopendir, "fdopendir")(fd);
	if (rt_replaying())
		return opendir_replay(rt_replay_next(RETRACE__CALL__CALL_OPENDIR, fd, 0, 0), NULL);
	DIR *d = REAL_SYM(real_fdopendir, "fdopendir")(fd);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_OPENDIR, .arg0 = fd, .result = d ? fd : -1,
		.err = d ? 0 : e, .value = d ? dir_blksize(fd) : 0,
	};
	rt_record(&ev);
	errno = e;
	return d;
}

/* ---- entries -------------------------------------------------------------------------------- */

/* Replay: the entry readdir hands out, one per fd number, valid until the next readdir on that
 * stream as POSIX says; from the arena, reused. */
static struct dirent64 *dir_entry[RT_FD_MAX];

static struct dirent64 *readdir_replay(int fd)
{
	const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_READDIR, fd, 0, 0);
	if (ev->result < 0)
		errno = ev->err;
	if (ev->result != 1)
		return NULL;
	if (!dir_entry[fd] && !(dir_entry[fd] = rt_alloc(sizeof *dir_entry[fd])))
		rt_diverge(ev, "out of memory for a directory entry");
	struct dirent64 *de = dir_entry[fd];
	memset(de, 0, sizeof *de);
	rt_copy_out(de, sizeof *de - 1, ev);
	return de;
}

static void readdir_record(int fd, const struct dirent64 *de, int e)
{
	size_t n = de ? offsetof(struct dirent64, d_name) + strnlen(de->d_name, sizeof de->d_name) + 1
		      : 0;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_READDIR, .arg0 = fd, .result = de ? 1 : e ? -1 : 0,
		.err = de ? 0 : e, .data = (const uint8_t *)de, .data_len = (uint32_t)n,
	};
	rt_record(&ev);
}

/* The end of a directory leaves errno alone and an error sets it, so errno is cleared around
 * the real call to tell them apart, then given back as the program left it. */
RT_EXPORT struct dirent *readdir(DIR *d)
{
	int fd = dirfd(d); /* d is not NULL: glibc's readdir does not accept it either */
	if (!rt_active(RT_FILE) || fd < 0 || fd >= RT_FD_MAX || !(rt_fd_get(fd) & RT_FD_RECORDED))
		return REAL_SYM(real_readdir, "readdir")(d);
	if (rt_replaying())
		return (struct dirent *)readdir_replay(fd);
	int saved = errno;
	errno = 0;
	struct dirent *de = REAL_SYM(real_readdir, "readdir")(d);
	int e = errno;
	readdir_record(fd, (const struct dirent64 *)de, e);
	errno = de || !e ? saved : e;
	return de;
}

RT_EXPORT struct dirent64 *readdir64(DIR *d)
{
	int fd = dirfd(d); /* d is not NULL: glibc's readdir does not accept it either */
	if (!rt_active(RT_FILE) || fd < 0 || fd >= RT_FD_MAX || !(rt_fd_get(fd) & RT_FD_RECORDED))
		return REAL_SYM(real_readdir64, "readdir64")(d);
	if (rt_replaying())
		return readdir_replay(fd);
	int saved = errno;
	errno = 0;
	struct dirent64 *de = REAL_SYM(real_readdir64, "readdir64")(d);
	int e = errno;
	readdir_record(fd, de, e);
	errno = de || !e ? saved : e;
	return de;
}

/* closedir closes the fd inside glibc, where close's wrapper does not see it. */
RT_EXPORT int closedir(DIR *d)
{
	int fd = dirfd(d);
	if (fd >= 0 && (rt_fd_get(fd) & RT_FD_RECORDED) && !(rt_fd_get(fd) & RT_FD_OURS))
		rt_fd_set(fd, 0);
	struct rt_fdnum o;
	rt_fdnum_begin(&o, RT_FDNUM_CLOSEDIR, fd, -1);
	int r = REAL_SYM(real_closedir, "closedir")(d);
	return (int)rt_fdnum_end(&o, r, errno);
}
