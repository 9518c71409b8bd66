/* path.c — which files are outside input: the files policy, and events about paths.
 *
 * A path is recorded unless it lies under an unrecorded prefix: the interpreter's installation,
 * the system directories, and RETRACE_UNRECORDED (RETRACE_RECORDED names prefixes recorded even
 * so).  /proc, /sys and /dev (but /dev/shm) are always recorded.  The decision reads the path's
 * text only — resolved against the cwd or the directory fd, normalised lexically (".", "..",
 * "//"), never with realpath or stat — and replay takes the prefix list from the trace header,
 * so record and replay decide identically whatever the replay machine's files are.  It runs for
 * every open and stat of Python's start-up, so it is a copy of the path and a few compares.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rt.h"

struct prefix {
	const char *s; /* normalised: "/" or no trailing slash */
	size_t len;
};

#define PREFIX_MAX 64
static struct prefix unrecorded[PREFIX_MAX], recorded[PREFIX_MAX];
static size_t n_unrecorded, n_recorded;

/* The cwd the program's relative paths resolve against: the recorded one at start (replay runs
 * in it too), then wherever chdir/fchdir take it (file.c).  Not the live getcwd: on replay a
 * recorded directory need not exist. */
static struct rt_path cwd;
static int cwd_known, cwd_is_recorded;

/* Replay: the last few paths the program opened or stat'ed live because they are not recorded,
 * for the likely cause of a divergence (core.c).  From the arena at replay's start, so recording
 * pays nothing; a slot is a truncated copy, and a racing thread can at worst garble a hint. */
#define LIVE_RING 8
#define LIVE_PATH 256
static char (*live_ring)[LIVE_PATH];
static unsigned live_next;

static void live_note(const struct rt_path *p)
{
	if (!live_ring)
		return;
	unsigned i = __atomic_fetch_add(&live_next, 1, __ATOMIC_RELAXED) % LIVE_RING;
	size_t n = p->len < LIVE_PATH - 1 ? p->len : LIVE_PATH - 1;
	memcpy(live_ring[i], p->s, n);
	live_ring[i][n] = 0;
}

const char *rt_paths_live_recent(unsigned back)
{
	unsigned n = __atomic_load_n(&live_next, __ATOMIC_RELAXED);
	if (!live_ring || back >= LIVE_RING || back >= n)
		return NULL;
	return live_ring[(n - 1 - back) % LIVE_RING];
}

/* Installation, system libraries and the loader's files: the replay machine has the same ones,
 * and the header fingerprints the libraries.  /etc/localtime is read by glibc's tzset through
 * glibc's own internal fopen, which no wrapper sees (stdio.c sees only the program's and its
 * libraries' fopen), so recording its metadata alone would be a half-truth.  /etc/ssl and
 * /etc/pki are recorded: OpenSSL reads CA files there with fopen (stdio.c records them), and they
 * are configuration a replay machine may lack or have otherwise, which steers the program (a
 * certificate verifies or not) as much as its own files do.  /dev/shm holds shared memory the
 * program maps, which replay cannot serve. */
static const char *const default_unrecorded[] = {
	"/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin",
	"/etc/ld.so.cache", "/etc/ld.so.preload", "/etc/localtime",
	"/dev/shm",
};

/* ---- normalising ---------------------------------------------------------------------------- */

/* Append the components of rel to p, which holds an absolute normalised path. */
static int path_append(struct rt_path *p, const char *rel)
{
	const char *c = rel;
	for (;;) {
		while (*c == '/')
			c++;
		if (!*c)
			break;
		const char *e = c;
		while (*e && *e != '/')
			e++;
		size_t n = (size_t)(e - c);
		if (n == 1 && c[0] == '.') {
			/* nothing */
		} else if (n == 2 && c[0] == '.' && c[1] == '.') {
			while (p->len > 1 && p->s[p->len - 1] != '/')
				p->len--;
			if (p->len > 1)
				p->len--; /* the slash, unless it is the root */
		} else {
			if (p->len + 1 + n >= sizeof p->s)
				return -1;
			if (p->len > 1)
				p->s[p->len++] = '/';
			memcpy(p->s + p->len, c, n);
			p->len += n;
		}
		c = e;
	}
	p->s[p->len] = 0;
	return 0;
}

static void path_set(struct rt_path *p, const char *s, size_t n)
{
	if (n >= sizeof p->s)
		n = sizeof p->s - 1;
	memcpy(p->s, s, n);
	p->s[n] = 0;
	p->len = n;
}

/* A path the policy cannot place (too long, or relative to a directory whose path retrace does
 * not know): recorded, under a name that is the same in both modes. */
static enum rt_path_use path_opaque(struct rt_path *p, int dirfd, const char *rel)
{
	int k = snprintf(p->s, sizeof p->s, "fd %d:%s", dirfd, rel);
	p->len = k < 0 ? 0 : (size_t)k < sizeof p->s ? (size_t)k : sizeof p->s - 1;
	return RT_PATH_RECORDED;
}

/* ---- the decision --------------------------------------------------------------------------- */

static int under(const char *s, size_t n, const char *pre, size_t plen)
{
	if (plen == 1)
		return 1; /* "/" */
	return n >= plen && memcmp(s, pre, plen) == 0 && (n == plen || s[plen] == '/');
}

static int path_is_recorded(const char *s, size_t n)
{
	if (s[0] != '/')
		return 1;
	if (under(s, n, "/proc", 5) || under(s, n, "/sys", 4) ||
	    (under(s, n, "/dev", 4) && !under(s, n, "/dev/shm", 8)))
		return 1;
	for (size_t i = 0; i < n_recorded; i++)
		if (under(s, n, recorded[i].s, recorded[i].len))
			return 1;
	for (size_t i = 0; i < n_unrecorded; i++)
		if (under(s, n, unrecorded[i].s, unrecorded[i].len))
			return 0;
	return 1;
}

enum rt_path_use rt_path_resolve(int dirfd, const char *path, struct rt_path *p)
{
	if (!path)
		return RT_PATH_LIVE; /* the real call reports EFAULT */
	int relative = path[0] != '/';
	if (!relative) {
		p->s[0] = '/';
		p->len = 1;
	} else if (dirfd == AT_FDCWD) {
		if (!cwd_known)
			return path_opaque(p, dirfd, path);
		path_set(p, cwd.s, cwd.len);
	} else {
		/* Only a directory opened by a recorded path can be a placeholder on replay; any other
		 * dirfd is live in both modes, and so is what lies under it. */
		if (!(rt_fd_get(dirfd) & RT_FD_RECORDED))
			return RT_PATH_LIVE;
		const char *base = rt_fd_path(dirfd);
		if (!base)
			return path_opaque(p, dirfd, path);
		path_set(p, base, strlen(base));
	}
	if (path_append(p, path) < 0)
		return path_opaque(p, dirfd, path);
	if (path_is_recorded(p->s, p->len))
		return RT_PATH_RECORDED;
	live_note(p);
	/* Unrecorded, but under a recorded directory fd, which is a placeholder on replay: both
	 * modes make the call by the absolute path. */
	return relative && dirfd != AT_FDCWD ? RT_PATH_LIVE_ABS : RT_PATH_LIVE;
}

/* ---- the cwd -------------------------------------------------------------------------------- */

void rt_cwd_set(const struct rt_path *p)
{
	if (!p || p->s[0] != '/') {
		cwd_known = 0;
		cwd_is_recorded = 1;
		return;
	}
	cwd = *p;
	cwd_known = 1;
	cwd_is_recorded = path_is_recorded(cwd.s, cwd.len);
}

int rt_cwd_recorded(void)
{
	return cwd_is_recorded;
}

/* ---- the prefix lists ----------------------------------------------------------------------- */

static void prefix_add(struct prefix *list, size_t *n, const char *s, size_t len)
{
	if (len == 0 || s[0] != '/') {
		rt_msg("warning: ignoring %.*s in RETRACE_UNRECORDED/RETRACE_RECORDED: prefixes must "
		       "be absolute paths", (int)(len < 200 ? len : 200), s);
		return;
	}
	struct rt_path p = { .len = 1, .s = "/" };
	char raw[sizeof p.s];
	if (len >= sizeof raw)
		return;
	memcpy(raw, s, len);
	raw[len] = 0;
	if (path_append(&p, raw) < 0)
		return;
	for (size_t i = 0; i < *n; i++)
		if (list[i].len == p.len && memcmp(list[i].s, p.s, p.len) == 0)
			return;
	char *copy = rt_alloc(p.len + 1);
	if (!copy || *n >= PREFIX_MAX)
		return;
	memcpy(copy, p.s, p.len + 1);
	list[*n].s = copy;
	list[*n].len = p.len;
	++*n;
}

static void prefix_add_list(struct prefix *list, size_t *n, const char *colon_separated)
{
	for (const char *s = colon_separated; s && *s;) {
		const char *e = strchr(s, ':');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len)
			prefix_add(list, n, s, len);
		s = e ? e + 1 : s + len;
	}
}

/* The installation an executable belongs to: /usr for /usr/bin/python3.11, the version's
 * directory for ~/.pyenv/versions/3.11.7/bin/python3.11, the venv for venv/bin/python; the
 * executable's own directory when it is not in a bin directory (a build tree). */
static void add_installation(const char *exe)
{
	if (!exe || !*exe)
		return;
	struct rt_path p;
	if (exe[0] == '/') {
		p.s[0] = '/';
		p.len = 1;
		p.s[1] = 0;
	} else if (cwd_known) {
		p = cwd;
	} else {
		return;
	}
	if (path_append(&p, exe) < 0)
		return;
	for (int up = 0; up < 2; up++) {
		size_t k = p.len;
		while (k > 0 && p.s[k - 1] != '/')
			k--;
		int was_bin = (p.len - k == 3 && memcmp(p.s + k, "bin", 3) == 0) ||
			      (p.len - k == 4 && memcmp(p.s + k, "sbin", 4) == 0);
		if (up == 1 && !was_bin)
			break;
		p.len = k > 1 ? k - 1 : 1;
		p.s[p.len] = 0;
	}
	if (p.len > 1) /* never "/": that would leave nothing recorded */
		prefix_add(unrecorded, &n_unrecorded, p.s, p.len);
}

void rt_paths_init_record(const char *extra_unrecorded, const char *extra_recorded)
{
	static char buf[RT_PATH_MAX];
	char *c = getcwd(buf, sizeof buf);
	if (c && c[0] == '/') {
		struct rt_path p;
		path_set(&p, c, strlen(c));
		rt_cwd_set(&p);
	} else {
		rt_cwd_set(NULL);
	}
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	add_installation(buf);
	add_installation(rt_exec_path());
	for (size_t i = 0; i < sizeof default_unrecorded / sizeof *default_unrecorded; i++)
		prefix_add(unrecorded, &n_unrecorded, default_unrecorded[i],
			   strlen(default_unrecorded[i]));
	prefix_add_list(unrecorded, &n_unrecorded, extra_unrecorded);
	prefix_add_list(recorded, &n_recorded, extra_recorded);
}

static void prefixes_from(struct prefix *list, size_t *n, const ProtobufCBinaryData *b, size_t nb)
{
	for (size_t i = 0; i < nb && *n < PREFIX_MAX; i++) {
		size_t len = b[i].len;
		while (len > 1 && b[i].data[len - 1] == '/')
			len--; /* the form under() expects, whoever wrote the header */
		char *copy = rt_alloc(len + 1);
		if (!copy)
			return;
		memcpy(copy, b[i].data, len);
		copy[len] = 0;
		list[*n].s = copy;
		list[*n].len = len;
		++*n;
	}
}

void rt_paths_init_replay(const Retrace__Header *h)
{
	if (h->cwd.len && h->cwd.data[0] == '/') {
		struct rt_path p;
		path_set(&p, (const char *)h->cwd.data, h->cwd.len);
		rt_cwd_set(&p);
	} else {
		rt_cwd_set(NULL);
	}
	if (h->capture) {
		prefixes_from(unrecorded, &n_unrecorded, h->capture->unrecorded,
			      h->capture->n_unrecorded);
		prefixes_from(recorded, &n_recorded, h->capture->recorded, h->capture->n_recorded);
	}
	live_ring = rt_alloc(sizeof *live_ring * LIVE_RING);
}

void rt_paths_capture(Retrace__Capture *cap)
{
	ProtobufCBinaryData *u = rt_alloc(sizeof *u * (n_unrecorded + 1));
	ProtobufCBinaryData *r = rt_alloc(sizeof *r * (n_recorded + 1));
	if (!u || !r)
		return;
	for (size_t i = 0; i < n_unrecorded; i++)
		u[i] = (ProtobufCBinaryData){ unrecorded[i].len, (uint8_t *)unrecorded[i].s };
	for (size_t i = 0; i < n_recorded; i++)
		r[i] = (ProtobufCBinaryData){ recorded[i].len, (uint8_t *)recorded[i].s };
	cap->unrecorded = u;
	cap->n_unrecorded = n_unrecorded;
	cap->recorded = r;
	cap->n_recorded = n_recorded;
}

/* ---- events about paths --------------------------------------------------------------------- */

void rt_path_record(uint32_t call, int64_t a0, int64_t a1, int64_t a2, const struct rt_path *p,
		    int64_t result, int err, const void *data, size_t data_len)
{
	uint8_t h[TRACE_HASH_SIZE];
	rt_hash(p->s, p->len, h);
	struct trace_event ev = {
		.call = call, .arg0 = a0, .arg1 = a1, .arg2 = a2, .result = result,
		.err = result < 0 ? err : 0, .hash = h, .hash_len = TRACE_HASH_SIZE,
		.aux = (const uint8_t *)p->s, .aux_len = (uint32_t)p->len,
		.data = data, .data_len = (uint32_t)data_len,
	};
	rt_record(&ev);
	errno = err;
}

const struct trace_event *rt_path_replay(uint32_t call, int64_t a0, int64_t a1, int64_t a2,
					 const struct rt_path *p)
{
	struct trace_event asked = {
		.call = call, .arg0 = a0, .arg1 = a1, .arg2 = a2,
		.aux = (const uint8_t *)p->s, .aux_len = (uint32_t)p->len,
	};
	rt_self.asked = &asked;
	const struct trace_event *ev = rt_replay_next(call, a0, a1, a2);
	uint8_t h[TRACE_HASH_SIZE];
	rt_hash(p->s, p->len, h);
	if (ev->hash_len != TRACE_HASH_SIZE || memcmp(ev->hash, h, TRACE_HASH_SIZE) != 0)
		rt_diverge(ev, "the program used another path than when recorded");
	rt_self.asked = NULL;
	return ev;
}

/* For messages: open("/etc/app.conf", flags 0x80000) and the like, with the path from aux.
 * (The `which` numbers are stat.c's and file.c's enums, listed in retrace.proto.) */
int rt_path_describe(char *buf, size_t n, const struct trace_event *ev)
{
	static const char *const stat_names[] = { "stat", "lstat", "fstatat", "statx", "statvfs",
		"fstatvfs" };
	static const char *const op_names[] = { "?", "unlink", "rmdir", "mkdir", "rename",
		"truncate", "chmod", "chown", "utimens", "symlink", "link", "chdir", "fchdir",
		"setxattr", "removexattr", "mknod" };
	static const char *const xattr_names[] = { "listxattr", "llistxattr", "getxattr",
		"lgetxattr", "flistxattr", "fgetxattr" };
	const char *name = trace_call_name(ev->call);
	char args[64] = "";
	switch (ev->call) {
	case RETRACE__CALL__CALL_OPEN:
		snprintf(args, sizeof args, ", flags 0x%llx", (unsigned long long)ev->arg0);
		break;
	case RETRACE__CALL__CALL_STAT:
		if (ev->arg0 >= 0 && ev->arg0 < 6)
			name = stat_names[ev->arg0];
		if (ev->arg1)
			snprintf(args, sizeof args, ", flags 0x%llx", (unsigned long long)ev->arg1);
		break;
	case RETRACE__CALL__CALL_FILE_OP:
		if (ev->arg0 > 0 && ev->arg0 < (int64_t)(sizeof op_names / sizeof *op_names))
			name = op_names[ev->arg0];
		if (ev->arg1)
			snprintf(args, sizeof args, ", 0%llo", (unsigned long long)ev->arg1);
		break;
	case RETRACE__CALL__CALL_ACCESS:
		snprintf(args, sizeof args, ", mode %lld", (long long)ev->arg0);
		break;
	case RETRACE__CALL__CALL_READLINK:
		snprintf(args, sizeof args, ", %lld bytes", (long long)ev->arg0);
		break;
	case RETRACE__CALL__CALL_XATTR:
		if (ev->arg0 >= 0 && ev->arg0 < 6)
			name = xattr_names[ev->arg0];
		break;
	case RETRACE__CALL__CALL_OPENDIR:
		break;
	default:
		return 0;
	}
	if (!ev->aux_len)
		return 0;
	/* two paths (rename, link), or a path and an attribute's name, are NUL-separated */
	const char *a = (const char *)ev->aux;
	size_t la = strnlen(a, ev->aux_len);
	const char *b = la + 1 < ev->aux_len ? a + la + 1 : NULL;
	size_t lb = b ? ev->aux_len - la - 1 : 0;
	snprintf(buf, n, "%s(\"%.*s\"%s%.*s%s%s)", name, (int)(la < 200 ? la : 200), a,
		 b ? ", \"" : "", (int)(lb < 200 ? lb : 200), b ? b : "", b ? "\"" : "", args);
	return 1;
}
