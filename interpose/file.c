/* file.c — changes to recorded files by path, and the cwd (which files are recorded: path.c).
 *
 * Calls that change a recorded path — unlink, rename, mkdir, rmdir, truncate, chmod, chown,
 * utimensat, symlink, link, setxattr, mknod — are recorded with their result and a hash of
 * their arguments, and on replay are checked against it and not made: the replayed program
 * sees the recorded results, and the replay machine's files stay as they are.  chdir, fchdir
 * and getcwd keep the cwd the policy resolves relative paths against.  Changes through an fd
 * are filefd.c's; opening, reading and writing io.c's, metadata stat.c's, listings dir.c's.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#include "rt.h"

/* ---- changes by path: unlink, rename, mkdir, … --------------------------------------------- */

/* CALL_FILE_OP's arg0 (retrace.proto lists them too). */
enum file_op {
	OP_UNLINK = 1, OP_RMDIR, OP_MKDIR, OP_RENAME, OP_TRUNCATE, OP_CHMOD, OP_CHOWN, OP_UTIMENS,
	OP_SYMLINK, OP_LINK, OP_CHDIR, OP_FCHDIR, OP_SETXATTR, OP_REMOVEXATTR, OP_MKNOD,
};

/* A change to one or two paths: hash over the paths and `extra` (arguments that are not
 * numbers, e.g. times), aux = the paths, NUL-separated. */
struct change {
	int which;
	int64_t a1, a2;
	const struct rt_path *p, *p2;
	const void *extra, *extra2; /* extra2: an attribute's value after its name */
	size_t extra_len, extra2_len;
};

static void change_hash(const struct change *c, uint8_t h[TRACE_HASH_SIZE])
{
	struct trace_hash_state s;
	trace_hash_init(&s);
	rt_hash_update(&s, c->p->s, c->p->len);
	if (c->p2) {
		rt_hash_update(&s, "", 1);
		rt_hash_update(&s, c->p2->s, c->p2->len);
	}
	if (c->extra_len)
		rt_hash_update(&s, c->extra, c->extra_len);
	if (c->extra2_len)
		rt_hash_update(&s, c->extra2, c->extra2_len);
	trace_hash_final(&s, h);
}

static size_t change_aux(const struct change *c, const uint8_t **aux)
{
	if (!c->p2) {
		*aux = (const uint8_t *)c->p->s;
		return c->p->len;
	}
	size_t n = c->p->len + 1 + c->p2->len;
	uint8_t *buf = rt_scratch(n);
	if (!buf) {
		*aux = (const uint8_t *)c->p->s;
		return c->p->len;
	}
	memcpy(buf, c->p->s, c->p->len + 1);
	memcpy(buf + c->p->len + 1, c->p2->s, c->p2->len);
	*aux = buf;
	return n;
}

static int change_replay(const struct change *c)
{
	uint8_t h[TRACE_HASH_SIZE];
	change_hash(c, h);
	struct trace_event asked = { .call = RETRACE__CALL__CALL_FILE_OP, .arg0 = c->which,
				     .arg1 = c->a1, .arg2 = c->a2 };
	asked.aux_len = (uint32_t)change_aux(c, &asked.aux);
	rt_self.asked = &asked;
	const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_FILE_OP, c->which, c->a1, c->a2);
	if (ev->hash_len != TRACE_HASH_SIZE || memcmp(ev->hash, h, TRACE_HASH_SIZE) != 0)
		rt_diverge(ev, "the program changed another path, or the same one differently, than "
			       "when recorded");
	rt_self.asked = NULL;
	if (ev->result < 0)
		errno = ev->err;
	return (int)ev->result;
}

static void change_record(const struct change *c, int r, int e)
{
	uint8_t h[TRACE_HASH_SIZE];
	change_hash(c, h);
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_FILE_OP, .arg0 = c->which, .arg1 = c->a1, .arg2 = c->a2,
		.result = r, .err = r < 0 ? e : 0, .hash = h, .hash_len = TRACE_HASH_SIZE,
	};
	ev.aux_len = (uint32_t)change_aux(c, &ev.aux);
	rt_record(&ev);
	errno = e;
}

/* Two paths: the change is recorded when either is (a rename into or out of the recorded
 * files).  Otherwise *live_abs says whether the real call must use the absolute paths. */
static int either_recorded(enum rt_path_use a, enum rt_path_use b, int *live_abs)
{
	*live_abs = a == RT_PATH_LIVE_ABS || b == RT_PATH_LIVE_ABS;
	return a == RT_PATH_RECORDED || b == RT_PATH_RECORDED;
}

static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);
static int (*real_rmdir)(const char *);
static int (*real_mkdir)(const char *, mode_t);
static int (*real_mkdirat)(int, const char *, mode_t);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned);
static int (*real_truncate)(const char *, off_t);
static int (*real_truncate64)(const char *, off64_t);
static int (*real_chmod)(const char *, mode_t);
static int (*real_fchmodat)(int, const char *, mode_t, int);
static int (*real_chown)(const char *, uid_t, gid_t);
static int (*real_lchown)(const char *, uid_t, gid_t);
static int (*real_fchownat)(int, const char *, uid_t, gid_t, int);
static int (*real_utimensat)(int, const char *, const struct timespec *, int);
static int (*real_utime)(const char *, const struct utimbuf *);
static int (*real_symlink)(const char *, const char *);
static int (*real_symlinkat)(const char *, int, const char *);
static int (*real_link)(const char *, const char *);
static int (*real_linkat)(int, const char *, int, const char *, int);

RT_EXPORT int unlink(const char *path)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_unlink, "unlink")(path);
	struct change c = { .which = OP_UNLINK, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_unlink, "unlink")(path);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_unlinkat, "unlinkat")(dirfd, path, flags);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_unlinkat, "unlinkat")(AT_FDCWD, p.s, flags);
	struct change c = { .which = OP_UNLINK, .a1 = flags, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_unlinkat, "unlinkat")(dirfd, path, flags);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int rmdir(const char *path)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_rmdir, "rmdir")(path);
	struct change c = { .which = OP_RMDIR, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_rmdir, "rmdir")(path);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int mkdir(const char *path, mode_t mode)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_mkdir, "mkdir")(path, mode);
	struct change c = { .which = OP_MKDIR, .a1 = mode, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_mkdir, "mkdir")(path, mode);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int mkdirat(int dirfd, const char *path, mode_t mode)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_mkdirat, "mkdirat")(dirfd, path, mode);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_mkdirat, "mkdirat")(AT_FDCWD, p.s, mode);
	struct change c = { .which = OP_MKDIR, .a1 = mode, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_mkdirat, "mkdirat")(dirfd, path, mode);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int rename(const char *from, const char *to)
{
	struct rt_path p, p2;
	int abs;
	if (!rt_active(RT_FILE) || !either_recorded(rt_path_resolve(AT_FDCWD, from, &p),
						    rt_path_resolve(AT_FDCWD, to, &p2), &abs))
		return REAL_SYM(real_rename, "rename")(from, to);
	struct change c = { .which = OP_RENAME, .p = &p, .p2 = &p2 };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_rename, "rename")(from, to);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
	struct rt_path p, p2;
	int abs = 0;
	if (!rt_active(RT_FILE) || !either_recorded(rt_path_resolve(fromfd, from, &p),
						    rt_path_resolve(tofd, to, &p2), &abs)) {
		if (abs) /* under a recorded directory fd: by the absolute paths (path.c) */
			return REAL_SYM(real_renameat2, "renameat2")(AT_FDCWD, p.s, AT_FDCWD, p2.s, flags);
		return REAL_SYM(real_renameat2, "renameat2")(fromfd, from, tofd, to, flags);
	}
	struct change c = { .which = OP_RENAME, .a1 = flags, .p = &p, .p2 = &p2 };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_renameat2, "renameat2")(fromfd, from, tofd, to, flags);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	struct rt_path p, p2;
	int abs = 0;
	if (!rt_active(RT_FILE) || !either_recorded(rt_path_resolve(fromfd, from, &p),
						    rt_path_resolve(tofd, to, &p2), &abs)) {
		if (abs)
			return REAL_SYM(real_renameat, "renameat")(AT_FDCWD, p.s, AT_FDCWD, p2.s);
		return REAL_SYM(real_renameat, "renameat")(fromfd, from, tofd, to);
	}
	struct change c = { .which = OP_RENAME, .p = &p, .p2 = &p2 };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_renameat, "renameat")(fromfd, from, tofd, to);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int truncate(const char *path, off_t length)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_truncate, "truncate")(path, length);
	struct change c = { .which = OP_TRUNCATE, .a2 = length, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_truncate, "truncate")(path, length);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int truncate64(const char *path, off64_t length)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_truncate64, "truncate64")(path, length);
	struct change c = { .which = OP_TRUNCATE, .a2 = length, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_truncate64, "truncate64")(path, length);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int chmod(const char *path, mode_t mode)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_chmod, "chmod")(path, mode);
	struct change c = { .which = OP_CHMOD, .a1 = mode, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_chmod, "chmod")(path, mode);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_fchmodat, "fchmodat")(dirfd, path, mode, flags);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_fchmodat, "fchmodat")(AT_FDCWD, p.s, mode, flags);
	struct change c = { .which = OP_CHMOD, .a1 = mode, .a2 = flags, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_fchmodat, "fchmodat")(dirfd, path, mode, flags);
	change_record(&c, r, errno);
	return r;
}

/* chown's owner and group are arg2 (uid << 32 | gid), its AT_* flags arg1. */
static int64_t owner(uid_t uid, gid_t gid)
{
	return (int64_t)((uint64_t)uid << 32 | gid);
}

RT_EXPORT int chown(const char *path, uid_t uid, gid_t gid)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_chown, "chown")(path, uid, gid);
	struct change c = { .which = OP_CHOWN, .a2 = owner(uid, gid), .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_chown, "chown")(path, uid, gid);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int lchown(const char *path, uid_t uid, gid_t gid)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_lchown, "lchown")(path, uid, gid);
	struct change c = { .which = OP_CHOWN, .a1 = AT_SYMLINK_NOFOLLOW, .a2 = owner(uid, gid),
			    .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_lchown, "lchown")(path, uid, gid);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_fchownat, "fchownat")(dirfd, path, uid, gid, flags);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_fchownat, "fchownat")(AT_FDCWD, p.s, uid, gid, flags);
	struct change c = { .which = OP_CHOWN, .a1 = flags, .a2 = owner(uid, gid), .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_fchownat, "fchownat")(dirfd, path, uid, gid, flags);
	change_record(&c, r, errno);
	return r;
}

/* Python's os.utime; times NULL means "now", which is not an input the program learns. */
RT_EXPORT int utimensat(int dirfd, const char *path, const struct timespec times[2], int flags)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_utimensat, "utimensat")(dirfd, path, times, flags);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_utimensat, "utimensat")(AT_FDCWD, p.s, times, flags);
	struct change c = { .which = OP_UTIMENS, .a1 = flags, .p = &p, .extra = times,
			    .extra_len = times ? 2 * sizeof *times : 0 };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_utimensat, "utimensat")(dirfd, path, times, flags);
	change_record(&c, r, errno);
	return r;
}

/* sqlite's dot-file locking touches with utime. */
RT_EXPORT int utime(const char *path, const struct utimbuf *times)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_utime, "utime")(path, times);
	struct change c = { .which = OP_UTIMENS, .a2 = 1, .p = &p, .extra = times,
			    .extra_len = times ? sizeof *times : 0 };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_utime, "utime")(path, times);
	change_record(&c, r, errno);
	return r;
}

/* A symlink's target is text, not a path the call touches: only the link's path decides. */
RT_EXPORT int symlink(const char *target, const char *path)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_symlink, "symlink")(target, path);
	struct change c = { .which = OP_SYMLINK, .p = &p, .extra = target,
			    .extra_len = strlen(target) };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_symlink, "symlink")(target, path);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int symlinkat(const char *target, int dirfd, const char *path)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_symlinkat, "symlinkat")(target, dirfd, path);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_symlinkat, "symlinkat")(target, AT_FDCWD, p.s);
	struct change c = { .which = OP_SYMLINK, .p = &p, .extra = target,
			    .extra_len = strlen(target) };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_symlinkat, "symlinkat")(target, dirfd, path);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int link(const char *from, const char *to)
{
	struct rt_path p, p2;
	int abs;
	if (!rt_active(RT_FILE) || !either_recorded(rt_path_resolve(AT_FDCWD, from, &p),
						    rt_path_resolve(AT_FDCWD, to, &p2), &abs))
		return REAL_SYM(real_link, "link")(from, to);
	struct change c = { .which = OP_LINK, .p = &p, .p2 = &p2 };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_link, "link")(from, to);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	struct rt_path p, p2;
	int abs = 0;
	if (!rt_active(RT_FILE) || !either_recorded(rt_path_resolve(fromfd, from, &p),
						    rt_path_resolve(tofd, to, &p2), &abs)) {
		if (abs)
			return REAL_SYM(real_linkat, "linkat")(AT_FDCWD, p.s, AT_FDCWD, p2.s, flags);
		return REAL_SYM(real_linkat, "linkat")(fromfd, from, tofd, to, flags);
	}
	struct change c = { .which = OP_LINK, .a1 = flags, .p = &p, .p2 = &p2 };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_linkat, "linkat")(fromfd, from, tofd, to, flags);
	change_record(&c, r, errno);
	return r;
}

/* Extended attributes (shutil.copystat copies them): the name, then the value, are hashed. */
static int (*real_setxattr)(const char *, const char *, const void *, size_t, int);
static int (*real_lsetxattr)(const char *, const char *, const void *, size_t, int);
static int (*real_removexattr)(const char *, const char *);
static int (*real_lremovexattr)(const char *, const char *);
static int (*real_mknod)(const char *, mode_t, dev_t);
static int (*real_mknodat)(int, const char *, mode_t, dev_t);
static int (*real_mkfifo)(const char *, mode_t);
static int (*real_mkfifoat)(int, const char *, mode_t);

RT_EXPORT int setxattr(const char *path, const char *name, const void *value, size_t size,
		       int flags)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_setxattr, "setxattr")(path, name, value, size, flags);
	struct change c = { .which = OP_SETXATTR, .a1 = flags, .p = &p, .extra = name,
			    .extra_len = strlen(name) + 1, .extra2 = value, .extra2_len = size };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_setxattr, "setxattr")(path, name, value, size, flags);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int lsetxattr(const char *path, const char *name, const void *value, size_t size,
			int flags)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_lsetxattr, "lsetxattr")(path, name, value, size, flags);
	struct change c = { .which = OP_SETXATTR, .a1 = flags, .a2 = 1, .p = &p, .extra = name,
			    .extra_len = strlen(name) + 1, .extra2 = value, .extra2_len = size };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_lsetxattr, "lsetxattr")(path, name, value, size, flags);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int removexattr(const char *path, const char *name)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_removexattr, "removexattr")(path, name);
	struct change c = { .which = OP_REMOVEXATTR, .p = &p, .extra = name,
			    .extra_len = strlen(name) + 1 };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_removexattr, "removexattr")(path, name);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int lremovexattr(const char *path, const char *name)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_lremovexattr, "lremovexattr")(path, name);
	struct change c = { .which = OP_REMOVEXATTR, .a2 = 1, .p = &p, .extra = name,
			    .extra_len = strlen(name) + 1 };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_lremovexattr, "lremovexattr")(path, name);
	change_record(&c, r, errno);
	return r;
}

/* mkfifo is mknod of a S_IFIFO mode; both are recorded as mknod. */
RT_EXPORT int mknod(const char *path, mode_t mode, dev_t dev)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_mknod, "mknod")(path, mode, dev);
	struct change c = { .which = OP_MKNOD, .a1 = mode, .a2 = (int64_t)dev, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_mknod, "mknod")(path, mode, dev);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_mknodat, "mknodat")(dirfd, path, mode, dev);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_mknodat, "mknodat")(AT_FDCWD, p.s, mode, dev);
	struct change c = { .which = OP_MKNOD, .a1 = mode, .a2 = (int64_t)dev, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_mknodat, "mknodat")(dirfd, path, mode, dev);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int mkfifo(const char *path, mode_t mode)
{
	struct rt_path p;
	if (!rt_active(RT_FILE) || rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED)
		return REAL_SYM(real_mkfifo, "mkfifo")(path, mode);
	struct change c = { .which = OP_MKNOD, .a1 = mode | S_IFIFO, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_mkfifo, "mkfifo")(path, mode);
	change_record(&c, r, errno);
	return r;
}

RT_EXPORT int mkfifoat(int dirfd, const char *path, mode_t mode)
{
	struct rt_path p;
	enum rt_path_use use = rt_active(RT_FILE) ? rt_path_resolve(dirfd, path, &p) : RT_PATH_LIVE;
	if (use == RT_PATH_LIVE)
		return REAL_SYM(real_mkfifoat, "mkfifoat")(dirfd, path, mode);
	if (use == RT_PATH_LIVE_ABS)
		return REAL_SYM(real_mkfifoat, "mkfifoat")(AT_FDCWD, p.s, mode);
	struct change c = { .which = OP_MKNOD, .a1 = mode | S_IFIFO, .p = &p };
	if (rt_replaying())
		return change_replay(&c);
	int r = REAL_SYM(real_mkfifoat, "mkfifoat")(dirfd, path, mode);
	change_record(&c, r, errno);
	return r;
}

/* ---- the cwd: chdir, fchdir, getcwd --------------------------------------------------------- */

/* The policy resolves relative paths against its own copy of the cwd (path.c).  A recorded
 * directory need not exist on replay, so there chdir into one only tries to follow for real,
 * and getcwd answers from the trace while the cwd is a recorded directory. */

static int (*real_chdir)(const char *);
static int (*real_fchdir)(int);
static char *(*real_getcwd)(char *, size_t);

RT_EXPORT int chdir(const char *path)
{
	struct rt_path p;
	if (!rt_active(RT_FILE))
		return REAL_SYM(real_chdir, "chdir")(path);
	if (rt_path_resolve(AT_FDCWD, path, &p) != RT_PATH_RECORDED) {
		int r = REAL_SYM(real_chdir, "chdir")(path);
		if (r == 0)
			rt_cwd_set(&p);
		return r;
	}
	struct change c = { .which = OP_CHDIR, .p = &p };
	if (rt_replaying()) {
		int r = change_replay(&c);
		if (r == 0) {
			int e = errno;
			REAL_SYM(real_chdir, "chdir")(p.s); /* best effort: the directory may be gone */
			errno = e;
			rt_cwd_set(&p);
		}
		return r;
	}
	int r = REAL_SYM(real_chdir, "chdir")(path);
	int e = errno;
	if (r == 0)
		rt_cwd_set(&p);
	change_record(&c, r, e);
	return r;
}

RT_EXPORT int fchdir(int fd)
{
	if (!rt_active(RT_FILE))
		return REAL_SYM(real_fchdir, "fchdir")(fd);
	if (!(rt_fd_get(fd) & RT_FD_RECORDED)) {
		/* A live directory, there in both modes: where it is comes from the kernel. */
		int r = REAL_SYM(real_fchdir, "fchdir")(fd);
		if (r == 0) {
			int e = errno;
			struct rt_path p;
			rt_self.inside++;
			char *c = REAL_SYM(real_getcwd, "getcwd")(p.s, sizeof p.s);
			rt_self.inside--;
			p.len = c ? strlen(p.s) : 0;
			rt_cwd_set(c ? &p : NULL);
			errno = e;
		}
		return r;
	}
	struct rt_path p;
	const char *dir = rt_fd_path(fd);
	rt_path_resolve(fd, "", &p); /* the fd's own path, or "fd N:" when unknown */
	struct change c = { .which = OP_FCHDIR, .a2 = fd, .p = &p };
	if (rt_replaying()) {
		int r = change_replay(&c);
		if (r == 0) {
			int e = errno;
			if (dir)
				REAL_SYM(real_chdir, "chdir")(dir);
			errno = e;
			rt_cwd_set(dir ? &p : NULL);
		}
		return r;
	}
	int r = REAL_SYM(real_fchdir, "fchdir")(fd);
	int e = errno;
	if (r == 0)
		rt_cwd_set(dir ? &p : NULL);
	change_record(&c, r, e);
	return r;
}

/* getcwd(NULL, …) allocates on the program's heap by the length of the live cwd; it is left
 * live (Python and sqlite pass a buffer). */
RT_EXPORT char *getcwd(char *buf, size_t size)
{
	if (!rt_active(RT_FILE) || !buf || !rt_cwd_recorded())
		return REAL_SYM(real_getcwd, "getcwd")(buf, size);
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_GETCWD, (int64_t)size, 0, 0);
		if (ev->result < 0 || size == 0) {
			errno = ev->err;
			return NULL;
		}
		size_t n = rt_copy_out(buf, size, ev);
		buf[n < size ? n : size - 1] = 0;
		return buf;
	}
	char *r = REAL_SYM(real_getcwd, "getcwd")(buf, size);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_GETCWD, .arg0 = (int64_t)size, .result = r ? 0 : -1,
		.err = r ? 0 : e, .data = r ? (const uint8_t *)buf : NULL,
		.data_len = r ? (uint32_t)strlen(buf) + 1 : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}
