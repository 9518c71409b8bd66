/* outpath.c — where a trace may be written: only over nothing or over a regular file.
 *
 * A new recording keeps an existing trace as PATH.old (as perf does) and a child's stale trace
 * is removed, so whatever is at a trace's path is moved or deleted.  That is right for an old
 * trace and wrong for anything else: `-o /dev/null` as root would turn the device into a file,
 * `-o somedir` would move a directory aside.  So a path that holds anything but a regular file
 * (a directory, a device, a FIFO, a socket, a symbolic link, which might lead anywhere) is
 * refused, and the same for PATH.old.  The directory must be one no other user can swap the
 * trace in: owned by the user or root, and not writable by everyone unless sticky (as /tmp is).
 * Shared by retrace-record (which refuses before running the program) and libretrace
 * (RETRACE_TRACE given directly, children's trace names).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace.h"

static const char *kind_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFDIR: return "a directory";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	case S_IFLNK: return "a symbolic link";
	default: return "not a regular file";
	}
}

static int usable(const char *path, char *why, size_t n)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, n, "%s cannot be examined: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode))
		return 0;
	snprintf(why, n, "%s is %s; a trace is only written where there is nothing or a regular "
		 "file (an old trace, kept as .old)", path, kind_of(st.st_mode));
	return -1;
}

static int safe_directory(const char *path, char *why, size_t n)
{
	char dir[4200];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	struct stat st;
	if (stat(dir, &st) != 0)
		return 0; /* creating the trace will fail, and say why */
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		snprintf(why, n, "the directory %s is writable by everyone and not sticky: another user "
			 "could replace the trace there", dir);
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(why, n, "the directory %s is another user's (uid %u)", dir,
			 (unsigned)st.st_uid);
		return -1;
	}
	return 0;
}

int trace_output_usable(const char *path, char *why, size_t n)
{
	char old[4200];
	if (safe_directory(path, why, n) != 0 || usable(path, why, n) != 0)
		return -1;
	if (snprintf(old, sizeof old, "%s.old", path) >= (int)sizeof old) {
		snprintf(why, n, "the trace path is too long");
		return -1;
	}
	return usable(old, why, n);
}
