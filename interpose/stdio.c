/* stdio.c — files a C library opens through stdio: fopen, fopen64, fdopen, freopen, freopen64.
 *
 * glibc's FILE reads, writes and seeks with its internal read/write/lseek, below every wrapper,
 * so a FILE made by the real fopen on a recorded path would read the live file in both modes
 * (OpenSSL's CA file, libuuid's clock file, the script CPython runs).  On a recorded path (path.c,
 * the policy open has) the FILE is instead a glibc cookie stream over the fd our own open gives:
 * its reads, writes and seeks call the interposed read, write and lseek, so they are READ, WRITE
 * and LSEEK events like any recorded fd's, made when the program makes them.
 *
 * Why a cookie stream rather than a snapshot of the file in a memfd on replay:
 *  - one design for every kind of file: a regular file, a /proc or /sys file whose contents change
 *    between two reads, a character device (/dev/urandom never ends), a FIFO; nothing is read
 *    that the program does not read, so a big file costs only what is read of it (no size limit
 *    is needed), and a file changed after fopen by another process is seen as the program saw it;
 *  - the same memory footprint in both modes by construction: the same fopencookie (one malloc of
 *    the FILE), and the buffer glibc allocates at the first read is BUFSIZ in both, because a
 *    cookie stream has no st_blksize to size it from (a real fdopen sizes it from a live fstat,
 *    which differs between the recorded file and whatever stands in for it on replay);
 *  - writes through the FILE are WRITE events: checked against the recording on replay and never
 *    made there (the fd is a /dev/null placeholder), so the replay machine's files are untouched;
 *  - mixing the FILE with calls on its fd (libuuid flocks and ftruncates it, CPython's tokenizer
 *    lseeks it) stays consistent: they all are events on one recorded offset.
 * fileno() must still give the fd (CPython makes the script's fd non-inheritable through it, and
 * fstats it): the cookie stream's _fileno, a public field of glibc's FILE that its cookie code
 * never uses (it holds -2 there only so that fileno() refuses), is set to the fd.
 *
 * A path not recorded (/usr, the system's files) goes to the real fopen unchanged, after the path
 * decision alone.  freopen on a recorded path reopens the stream in place, which a cookie cannot
 * do: it is made live with a `retrace: ` note (see freopen below).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt.h"

static FILE *(*real_fopen)(const char *, const char *);
static FILE *(*real_fopen64)(const char *, const char *);
static FILE *(*real_fdopen)(int, const char *);
static FILE *(*real_freopen)(const char *, const char *, FILE *);
static FILE *(*real_freopen64)(const char *, const char *, FILE *);
static FILE *(*real_fopencookie)(void *, const char *, cookie_io_functions_t);

/* CALL_FOPEN's arg1 (retrace.proto lists them too). */
enum stdio_which { STDIO_FOPEN = 1, STDIO_FDOPEN = 2 };

/* ---- the cookie stream: every operation is the interposed call on the fd ------------------- */

static ssize_t cookie_read(void *c, char *buf, size_t n)
{
	return read((int)(intptr_t)c, buf, n);
}

static ssize_t cookie_write(void *c, const char *buf, size_t n)
{
	return write((int)(intptr_t)c, buf, n);
}

static int cookie_seek(void *c, off64_t *off, int whence)
{
	off_t r = lseek((int)(intptr_t)c, (off_t)*off, whence);
	if (r < 0)
		return -1;
	*off = r;
	return 0;
}

static int cookie_close(void *c)
{
	return close((int)(intptr_t)c);
}

/* What a mode string asks: the open flags, and the plain mode fopencookie understands ("r",
 * "w+", …: it refuses the letters b, e, x, m and ",ccs=", which change nothing here).  -1: a mode
 * glibc refuses too. */
static int mode_parse(const char *mode, char plain[4])
{
	int flags, plus = 0;
	switch (mode[0]) {
	case 'r': flags = O_RDONLY; break;
	case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC; break;
	case 'a': flags = O_WRONLY | O_CREAT | O_APPEND; break;
	default: return -1;
	}
	for (const char *m = mode + 1; *m && *m != ','; m++) {
		if (*m == '+')
			plus = 1;
		else if (*m == 'x')
			flags |= O_EXCL;
		else if (*m == 'e')
			flags |= O_CLOEXEC;
	}
	if (plus)
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	plain[0] = mode[0];
	plain[1] = plus ? '+' : 0;
	plain[2] = 0;
	return flags;
}

/* Replay: the file at path now is not the recorded one (its size or mtime differ, as the FOPEN
 * event has them); the replay goes on with the recorded contents, and says so once per file.  A
 * file that is gone (a trace replayed on another machine) is no news. */
static void note_if_changed(const char *path, const struct trace_event *ev)
{
	static int (*real_stat)(const char *, struct stat *);
	static uint8_t told[16][TRACE_HASH_SIZE];
	static unsigned n_told;
	int64_t rec[2];
	struct stat st;
	if (!path || ev->aux_len != sizeof rec || REAL_SYM(real_stat, "stat")(path, &st) != 0)
		return;
	memcpy(rec, ev->aux, sizeof rec);
	if (st.st_size == rec[0] &&
	    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec == rec[1])
		return;
	uint8_t h[TRACE_HASH_SIZE];
	rt_hash(path, strlen(path), h);
	for (unsigned i = 0; i < n_told && i < 16; i++)
		if (memcmp(told[i], h, sizeof h) == 0)
			return;
	if (n_told < 16)
		memcpy(told[n_told++], h, sizeof h);
	rt_msg("%.400s differs from the recording; replaying the recorded contents", path);
}

/* The FILE over a recorded fd, the same in both modes.  A FOPEN event first says where the
 * program made its stream (retrace-dump shows it; replay checks that the program asks here),
 * with the size and mtime a regular file had, so replay can say when the file changed since. */
static FILE *stream_over(int fd, int which, int flags, const char *plain, const char *path)
{
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_FOPEN, fd, which, flags);
		if (ev->result < 0) {
			errno = ev->err;
			return NULL;
		}
		note_if_changed(path, ev);
	} else {
		int64_t meta[2];
		struct stat st;
		int e = errno, regular = REAL(fstat)(fd, &st) == 0 && S_ISREG(st.st_mode);
		if (regular) {
			meta[0] = st.st_size;
			meta[1] = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		}
		struct trace_event ev = {
			.call = RETRACE__CALL__CALL_FOPEN, .arg0 = fd, .arg1 = which, .arg2 = flags,
			.aux = regular ? (const uint8_t *)meta : NULL, .aux_len = regular ? sizeof meta : 0,
		};
		rt_record(&ev);
		errno = e;
	}
	return rt_stdio_cookie(fd, plain);
}

FILE *rt_stdio_cookie(int fd, const char *plain)
{
	cookie_io_functions_t io = { cookie_read, cookie_write, cookie_seek, cookie_close };
	FILE *f = REAL_SYM(real_fopencookie, "fopencookie")((void *)(intptr_t)fd, plain, io);
	if (f)
		f->_fileno = fd;
	return f;
}

/* fopen and fopen64 on a recorded path: our open (an OPEN event; a placeholder on replay), then
 * the stream over its fd. */
static FILE *fopen_recorded(const char *path, const char *mode)
{
	char plain[4];
	int flags = mode_parse(mode, plain);
	if (flags < 0) {
		errno = EINVAL;
		return NULL;
	}
	int fd = open(path, flags, 0666);
	if (fd < 0)
		return NULL;
	FILE *f = stream_over(fd, STDIO_FOPEN, flags, plain, rt_fd_path(fd));
	if (!f) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

RT_EXPORT FILE *fopen(const char *path, const char *mode)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || !mode || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_fopen, "fopen")(path, mode);
	return fopen_recorded(path, mode);
}

RT_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || !mode || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_fopen64, "fopen64")(path, mode);
	return fopen_recorded(path, mode);
}

/* fdopen of an fd opened by a recorded path (libuuid opens its clock file with open, then
 * fdopens it).  glibc refuses a mode the fd's access mode does not allow, and adds O_APPEND for
 * "a": both through the interposed fcntl, so replay decides as the recording did. */
RT_EXPORT FILE *fdopen(int fd, const char *mode)
{
	if (!rt_active(RT_FILE) || !(rt_fd_get(fd) & RT_FD_FILE) || !mode)
		return REAL_SYM(real_fdopen, "fdopen")(fd, mode);
	char plain[4];
	int flags = mode_parse(mode, plain);
	if (flags < 0) {
		errno = EINVAL;
		return NULL;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return NULL;
	int acc = fl & O_ACCMODE, want = flags & O_ACCMODE;
	if (acc != O_RDWR && acc != want) {
		errno = EINVAL;
		return NULL;
	}
	if ((flags & O_APPEND) && !(fl & O_APPEND) && fcntl(fd, F_SETFL, fl | O_APPEND) < 0)
		return NULL;
	return stream_over(fd, STDIO_FDOPEN, flags, plain, rt_fd_path(fd));
}

/* ---- a child's standard streams ------------------------------------------------------------
 *
 * What a child writes to the terminal is in its trace so that its parent's replay, which runs no
 * child, can write it where it went (io.c keeps a child's writes to inherited fds).  A C
 * program's printf, puts and fwrite go out through glibc's internal write, past every wrapper,
 * so in a child (coreutils' date or ls under subprocess) stdin, stdout and stderr are made
 * cookie streams over fds 0, 1 and 2, as fopen's are: their reads and writes are the interposed
 * read and write, READ and WRITE events like Python's own.  The same in both modes (a child
 * replayed alone reads its stdin from the trace too); buffered as glibc buffers them (stdout by
 * line at a terminal, else fully; stderr not at all); fileno() still gives 0, 1, 2.  The FILEs
 * glibc made stay behind, unused; freopen of one of ours goes back to glibc's (below). */

static FILE *std_orig[3], *std_ours[3];

static void std_swap(FILE **var, int fd, const char *plain, int buffering)
{
	if (!(rt_fd_get(fd) & RT_FD_RECORDED) || !*var)
		return;
	FILE *f = rt_stdio_cookie(fd, plain);
	if (!f)
		return;
	setvbuf(f, NULL, buffering, BUFSIZ);
	std_orig[fd] = *var;
	std_ours[fd] = f;
	*var = f;
}

void rt_stdio_child_streams(void)
{
	if (!rt_is_child() || !rt_active(RT_FILE))
		return;
	/* the interposed isatty, an event: the buffering decides how the writes are cut, so it is
	 * the recording's on replay, whatever fd 1 is then */
	int tty = (rt_fd_get(1) & RT_FD_RECORDED) && isatty(1);
	std_swap(&stdin, 0, "r", _IOFBF);
	std_swap(&stdout, 1, "w", tty ? _IOLBF : _IOFBF);
	std_swap(&stderr, 2, "w", _IONBF);
}

void rt_stdio_child_flush(void)
{
	/* glibc flushes its streams after every destructor, ours (which ends the recording)
	 * included: what stdout holds then is written here, while it is still recorded */
	if (std_ours[1])
		fflush(std_ours[1]);
	if (std_ours[2])
		fflush(std_ours[2]);
}

/* freopen of one of our standard streams: glibc's own FILE takes the new file, as the program
 * asked of "stdout", and becomes the standard stream again. */
static FILE *std_unswap(FILE *stream)
{
	for (int fd = 0; fd < 3; fd++)
		if (stream && stream == std_ours[fd]) {
			fflush(stream);
			FILE *orig = std_orig[fd];
			if (fd == 0)
				stdin = orig;
			else if (fd == 1)
				stdout = orig;
			else
				stderr = orig;
			std_ours[fd] = NULL;
			return orig;
		}
	return stream;
}

/* freopen replaces the stream's file in place (stdin, say), and a cookie stream cannot take an
 * existing FILE's place.  On a recorded path it is live in both modes, and says so once when
 * recording: what the stream reads then is not in the trace. */
static void freopen_live(const char *path)
{
	static int told;
	if (!rt_replaying() && !__atomic_exchange_n(&told, 1, __ATOMIC_RELAXED))
		rt_msg("warning: freopen(\"%.200s\") is not recorded: the stream reads the live file, "
		       "on replay too", path);
}

RT_EXPORT FILE *freopen(const char *path, const char *mode, FILE *stream)
{
	struct rt_path p;
	if (rt_active(RT_FILE) && path && rt_path_resolve(AT_FDCWD, path, &p) == RT_PATH_RECORDED)
		freopen_live(p.s);
	return REAL_SYM(real_freopen, "freopen")(path, mode, std_unswap(stream));
}

RT_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *stream)
{
	struct rt_path p;
	if (rt_active(RT_FILE) && path && rt_path_resolve(AT_FDCWD, path, &p) == RT_PATH_RECORDED)
		freopen_live(p.s);
	return REAL_SYM(real_freopen64, "freopen64")(path, mode, std_unswap(stream));
}
