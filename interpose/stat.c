/* stat.c — metadata of recorded paths: stat and its family, access, readlink, extended
 * attributes, statvfs.
 *
 * Which paths are recorded is path.c's decision.  For those, the call's result, errno and the
 * bytes it fills in (struct stat, struct statx, the link's target, …) are recorded, and replay
 * answers from the trace even when the file has changed or is gone, without touching it.
 * fstat of a recorded fd is io.c's.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "rt.h"

/* ---- metadata by path: stat, lstat, fstatat, statx ---------------------------------------- */

/* CALL_STAT's arg0: which call asked. */
enum stat_which {
	STAT_STAT = 0, STAT_LSTAT = 1, STAT_FSTATAT = 2, STAT_STATX = 3, STAT_STATVFS = 4,
	STAT_FSTATVFS = 5,
};

static int stat_replay(int which, int flags, unsigned mask, const struct rt_path *p, void *out,
		       size_t size)
{
	const struct trace_event *ev = rt_path_replay(RETRACE__CALL__CALL_STAT, which, flags, mask, p);
	rt_check_struct(ev, size);
	if (ev->result == 0)
		rt_copy_out(out, size, ev);
	else
		errno = ev->err;
	return (int)ev->result;
}

static void stat_record(int which, int flags, unsigned mask, const struct rt_path *p, int r, int e,
			const void *out, size_t size)
{
	rt_path_record(RETRACE__CALL__CALL_STAT, which, flags, mask, p, r, e, r == 0 ? out : NULL,
		       r == 0 ? size : 0);
}

static int (*real_stat)(const char *, struct stat *);
static int (*real_stat64)(const char *, struct stat64 *);
static int (*real_lstat)(const char *, struct stat *);
static int (*real_lstat64)(const char *, struct stat64 *);
static int (*real_fstatat)(int, const char *, struct stat *, int);
static int (*real_fstatat64)(int, const char *, struct stat64 *, int);
static int (*real_statx)(int, const char *, int, unsigned, struct statx *);

RT_EXPORT int stat(const char *path, struct stat *st)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_stat, "stat")(path, st);
	if (rt_replaying())
		return stat_replay(STAT_STAT, 0, 0, &p, st, sizeof *st);
	int r = REAL_SYM(real_stat, "stat")(path, st);
	stat_record(STAT_STAT, 0, 0, &p, r, errno, st, sizeof *st);
	return r;
}

RT_EXPORT int stat64(const char *path, struct stat64 *st)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_stat64, "stat64")(path, st);
	if (rt_replaying())
		return stat_replay(STAT_STAT, 0, 0, &p, st, sizeof *st);
	int r = REAL_SYM(real_stat64, "stat64")(path, st);
	stat_record(STAT_STAT, 0, 0, &p, r, errno, st, sizeof *st);
	return r;
}

RT_EXPORT int lstat(const char *path, struct stat *st)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_lstat, "lstat")(path, st);
	if (rt_replaying())
		return stat_replay(STAT_LSTAT, 0, 0, &p, st, sizeof *st);
	int r = REAL_SYM(real_lstat, "lstat")(path, st);
	stat_record(STAT_LSTAT, 0, 0, &p, r, errno, st, sizeof *st);
	return r;
}

RT_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_lstat64, "lstat64")(path, st);
	if (rt_replaying())
		return stat_replay(STAT_LSTAT, 0, 0, &p, st, sizeof *st);
	int r = REAL_SYM(real_lstat64, "lstat64")(path, st);
	stat_record(STAT_LSTAT, 0, 0, &p, r, errno, st, sizeof *st);
	return r;
}

/* fstatat(fd, "", st, AT_EMPTY_PATH) is fstat by another name: "" resolves to fd's own path. */
RT_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_fstatat, "fstatat")(dirfd, path, st, flags);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_fstatat, "fstatat")(AT_FDCWD, p.s, st, flags);
	if (rt_replaying())
		return stat_replay(STAT_FSTATAT, flags, 0, &p, st, sizeof *st);
	int r = REAL_SYM(real_fstatat, "fstatat")(dirfd, path, st, flags);
	stat_record(STAT_FSTATAT, flags, 0, &p, r, errno, st, sizeof *st);
	return r;
}

RT_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_fstatat64, "fstatat64")(dirfd, path, st, flags);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_fstatat64, "fstatat64")(AT_FDCWD, p.s, st, flags);
	if (rt_replaying())
		return stat_replay(STAT_FSTATAT, flags, 0, &p, st, sizeof *st);
	int r = REAL_SYM(real_fstatat64, "fstatat64")(dirfd, path, st, flags);
	stat_record(STAT_FSTATAT, flags, 0, &p, r, errno, st, sizeof *st);
	return r;
}

RT_EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *stx)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_statx, "statx")(dirfd, path, flags, mask, stx);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_statx, "statx")(AT_FDCWD, p.s, flags, mask, stx);
	if (rt_replaying())
		return stat_replay(STAT_STATX, flags, mask, &p, stx, sizeof *stx);
	int r = REAL_SYM(real_statx, "statx")(dirfd, path, flags, mask, stx);
	stat_record(STAT_STATX, flags, mask, &p, r, errno, stx, sizeof *stx);
	return r;
}

/* Binaries linked against glibc before 2.33 (manylinux wheels, for one) call the versioned
 * entry points; version 1 is the struct stat of today, so they are the calls above. */
static int (*real___xstat)(int, const char *, struct stat *);
static int (*real___xstat64)(int, const char *, struct stat64 *);
static int (*real___lxstat)(int, const char *, struct stat *);
static int (*real___lxstat64)(int, const char *, struct stat64 *);
static int (*real___fxstatat)(int, int, const char *, struct stat *, int);
static int (*real___fxstatat64)(int, int, const char *, struct stat64 *, int);

RT_EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	if (ver != 1)
		return REAL_SYM(real___xstat, "__xstat")(ver, path, st);
	return stat(path, st);
}

RT_EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
	if (ver != 1)
		return REAL_SYM(real___xstat64, "__xstat64")(ver, path, st);
	return stat64(path, st);
}

RT_EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	if (ver != 1)
		return REAL_SYM(real___lxstat, "__lxstat")(ver, path, st);
	return lstat(path, st);
}

RT_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	if (ver != 1)
		return REAL_SYM(real___lxstat64, "__lxstat64")(ver, path, st);
	return lstat64(path, st);
}

RT_EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	if (ver != 1)
		return REAL_SYM(real___fxstatat, "__fxstatat")(ver, dirfd, path, st, flags);
	return fstatat(dirfd, path, st, flags);
}

RT_EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags)
{
	if (ver != 1)
		return REAL_SYM(real___fxstatat64, "__fxstatat64")(ver, dirfd, path, st, flags);
	return fstatat64(dirfd, path, st, flags);
}

/* ---- access and readlink ------------------------------------------------------------------ */

static int access_replay(int mode, int flags, const struct rt_path *p)
{
	const struct trace_event *ev = rt_path_replay(RETRACE__CALL__CALL_ACCESS, mode, flags, 0, p);
	if (ev->result < 0)
		errno = ev->err;
	return (int)ev->result;
}

static int (*real_access)(const char *, int);
static int (*real_faccessat)(int, const char *, int, int);
static int (*real_euidaccess)(const char *, int);

RT_EXPORT int access(const char *path, int mode)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_access, "access")(path, mode);
	if (rt_replaying())
		return access_replay(mode, 0, &p);
	int r = REAL_SYM(real_access, "access")(path, mode);
	rt_path_record(RETRACE__CALL__CALL_ACCESS, mode, 0, 0, &p, r, errno, NULL, 0);
	return r;
}

RT_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_faccessat, "faccessat")(dirfd, path, mode, flags);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_faccessat, "faccessat")(AT_FDCWD, p.s, mode, flags);
	if (rt_replaying())
		return access_replay(mode, flags, &p);
	int r = REAL_SYM(real_faccessat, "faccessat")(dirfd, path, mode, flags);
	rt_path_record(RETRACE__CALL__CALL_ACCESS, mode, flags, 0, &p, r, errno, NULL, 0);
	return r;
}

RT_EXPORT int euidaccess(const char *path, int mode)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_euidaccess, "euidaccess")(path, mode);
	if (rt_replaying())
		return access_replay(mode, AT_EACCESS, &p);
	int r = REAL_SYM(real_euidaccess, "euidaccess")(path, mode);
	rt_path_record(RETRACE__CALL__CALL_ACCESS, mode, AT_EACCESS, 0, &p, r, errno, NULL, 0);
	return r;
}

RT_EXPORT int eaccess(const char *path, int mode) __attribute__((alias("euidaccess")));

static ssize_t readlink_replay(const struct rt_path *p, char *buf, size_t size)
{
	const struct trace_event *ev =
		rt_path_replay(RETRACE__CALL__CALL_READLINK, (int64_t)size, 0, 0, p);
	rt_check_count(ev, size);
	if (ev->result < 0) {
		errno = ev->err;
		return (ssize_t)ev->result;
	}
	return (ssize_t)rt_copy_out(buf, size, ev);
}

static void readlink_record(const struct rt_path *p, const char *buf, size_t size, ssize_t r,
			    int e)
{
	rt_path_record(RETRACE__CALL__CALL_READLINK, (int64_t)size, 0, 0, p, r, e,
		       r > 0 ? buf : NULL, r > 0 ? (size_t)r : 0);
}

static ssize_t (*real_readlink)(const char *, char *, size_t);
static ssize_t (*real_readlinkat)(int, const char *, char *, size_t);

RT_EXPORT ssize_t readlink(const char *path, char *buf, size_t size)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_readlink, "readlink")(path, buf, size);
	if (rt_replaying())
		return readlink_replay(&p, buf, size);
	ssize_t r = REAL_SYM(real_readlink, "readlink")(path, buf, size);
	readlink_record(&p, buf, size, r, errno);
	return r;
}

RT_EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t size)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_readlinkat, "readlinkat")(dirfd, path, buf, size);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_readlinkat, "readlinkat")(AT_FDCWD, p.s, buf, size);
	if (rt_replaying())
		return readlink_replay(&p, buf, size);
	ssize_t r = REAL_SYM(real_readlinkat, "readlinkat")(dirfd, path, buf, size);
	readlink_record(&p, buf, size, r, errno);
	return r;
}

/* ---- extended attributes and file system statistics --------------------------------------- */

/* shutil.copy2 and copystat list and read extended attributes; shutil.disk_usage is statvfs.
 * CALL_XATTR's arg0: which call asked. */
enum xattr_which { XA_LIST = 0, XA_LLIST, XA_GET, XA_LGET, XA_FLIST, XA_FGET };

/* By fd, the fd's path (or "fd N:" when it has none) stands for the path. */
static int fd_path_recorded(int fd, struct rt_path *p)
{
	if (!(rt_fd_get(fd) & RT_FD_RECORDED))
		return 0;
	rt_path_resolve(fd, "", p);
	return 1;
}

/* The path and the attribute's name, for the hash: "path\0name". */
static void xattr_key(struct rt_path *p, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (!name || p->len + 1 + n >= sizeof p->s)
		return;
	p->s[p->len] = 0;
	memcpy(p->s + p->len + 1, name, n + 1);
	p->len += 1 + n;
}

static ssize_t xattr_replay(int which, size_t size, int fd, const struct rt_path *p, void *out)
{
	const struct trace_event *ev = rt_path_replay(RETRACE__CALL__CALL_XATTR, which,
						      (int64_t)size, fd, p);
	if (size && out)
		rt_check_count(ev, size);
	if (ev->result < 0) {
		errno = ev->err;
		return (ssize_t)ev->result;
	}
	if (size && out)
		rt_copy_out(out, size, ev);
	return (ssize_t)ev->result;
}

static void xattr_record(int which, size_t size, int fd, const struct rt_path *p, ssize_t r, int e,
			 const void *out)
{
	int keep = r > 0 && size && out;
	rt_path_record(RETRACE__CALL__CALL_XATTR, which, (int64_t)size, fd, p, r, e,
		       keep ? out : NULL, keep ? (size_t)r : 0);
}

static ssize_t (*real_listxattr)(const char *, char *, size_t);
static ssize_t (*real_llistxattr)(const char *, char *, size_t);
static ssize_t (*real_flistxattr)(int, char *, size_t);
static ssize_t (*real_getxattr)(const char *, const char *, void *, size_t);
static ssize_t (*real_lgetxattr)(const char *, const char *, void *, size_t);
static ssize_t (*real_fgetxattr)(int, const char *, void *, size_t);

RT_EXPORT ssize_t listxattr(const char *path, char *list, size_t size)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_listxattr, "listxattr")(path, list, size);
	if (rt_replaying())
		return xattr_replay(XA_LIST, size, 0, &p, list);
	ssize_t r = REAL_SYM(real_listxattr, "listxattr")(path, list, size);
	xattr_record(XA_LIST, size, 0, &p, r, errno, list);
	return r;
}

RT_EXPORT ssize_t llistxattr(const char *path, char *list, size_t size)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_llistxattr, "llistxattr")(path, list, size);
	if (rt_replaying())
		return xattr_replay(XA_LLIST, size, 0, &p, list);
	ssize_t r = REAL_SYM(real_llistxattr, "llistxattr")(path, list, size);
	xattr_record(XA_LLIST, size, 0, &p, r, errno, list);
	return r;
}

RT_EXPORT ssize_t flistxattr(int fd, char *list, size_t size)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || !fd_path_recorded(fd, &p))
		return REAL_SYM(real_flistxattr, "flistxattr")(fd, list, size);
	if (rt_replaying())
		return xattr_replay(XA_FLIST, size, fd, &p, list);
	ssize_t r = REAL_SYM(real_flistxattr, "flistxattr")(fd, list, size);
	xattr_record(XA_FLIST, size, fd, &p, r, errno, list);
	return r;
}

RT_EXPORT ssize_t getxattr(const char *path, const char *name, void *value, size_t size)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_getxattr, "getxattr")(path, name, value, size);
	xattr_key(&p, name);
	if (rt_replaying())
		return xattr_replay(XA_GET, size, 0, &p, value);
	ssize_t r = REAL_SYM(real_getxattr, "getxattr")(path, name, value, size);
	xattr_record(XA_GET, size, 0, &p, r, errno, value);
	return r;
}

RT_EXPORT ssize_t lgetxattr(const char *path, const char *name, void *value, size_t size)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_lgetxattr, "lgetxattr")(path, name, value, size);
	xattr_key(&p, name);
	if (rt_replaying())
		return xattr_replay(XA_LGET, size, 0, &p, value);
	ssize_t r = REAL_SYM(real_lgetxattr, "lgetxattr")(path, name, value, size);
	xattr_record(XA_LGET, size, 0, &p, r, errno, value);
	return r;
}

RT_EXPORT ssize_t fgetxattr(int fd, const char *name, void *value, size_t size)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || !fd_path_recorded(fd, &p))
		return REAL_SYM(real_fgetxattr, "fgetxattr")(fd, name, value, size);
	xattr_key(&p, name);
	if (rt_replaying())
		return xattr_replay(XA_FGET, size, fd, &p, value);
	ssize_t r = REAL_SYM(real_fgetxattr, "fgetxattr")(fd, name, value, size);
	xattr_record(XA_FGET, size, fd, &p, r, errno, value);
	return r;
}

static int (*real_statvfs)(const char *, struct statvfs *);
static int (*real_statvfs64)(const char *, struct statvfs64 *);
static int (*real_fstatvfs)(int, struct statvfs *);
static int (*real_fstatvfs64)(int, struct statvfs64 *);

RT_EXPORT int statvfs(const char *path, struct statvfs *st)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_statvfs, "statvfs")(path, st);
	if (rt_replaying())
		return stat_replay(STAT_STATVFS, 0, 0, &p, st, sizeof *st);
	int r = REAL_SYM(real_statvfs, "statvfs")(path, st);
	stat_record(STAT_STATVFS, 0, 0, &p, r, errno, st, sizeof *st);
	return r;
}

RT_EXPORT int statvfs64(const char *path, struct statvfs64 *st)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_statvfs64, "statvfs64")(path, st);
	if (rt_replaying())
		return stat_replay(STAT_STATVFS, 0, 0, &p, st, sizeof *st);
	int r = REAL_SYM(real_statvfs64, "statvfs64")(path, st);
	stat_record(STAT_STATVFS, 0, 0, &p, r, errno, st, sizeof *st);
	return r;
}

RT_EXPORT int fstatvfs(int fd, struct statvfs *st)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || !fd_path_recorded(fd, &p))
		return REAL_SYM(real_fstatvfs, "fstatvfs")(fd, st);
	if (rt_replaying())
		return stat_replay(STAT_FSTATVFS, fd, 0, &p, st, sizeof *st);
	int r = REAL_SYM(real_fstatvfs, "fstatvfs")(fd, st);
	stat_record(STAT_FSTATVFS, fd, 0, &p, r, errno, st, sizeof *st);
	return r;
}

RT_EXPORT int fstatvfs64(int fd, struct statvfs64 *st)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || !fd_path_recorded(fd, &p))
		return REAL_SYM(real_fstatvfs64, "fstatvfs64")(fd, st);
	if (rt_replaying())
		return stat_replay(STAT_FSTATVFS, fd, 0, &p, st, sizeof *st);
	int r = REAL_SYM(real_fstatvfs64, "fstatvfs64")(fd, st);
	stat_record(STAT_FSTATVFS, fd, 0, &p, r, errno, st, sizeof *st);
	return r;
}
