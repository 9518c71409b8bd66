/* tracedir.c — retrace-entrypoint's trace directory (tracedir.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "family.h"
#include "tracedir.h"

/* A name field: letters, digits, '-' and '_' kept, anything else (dots included) '_', at most
 * max bytes, `empty` when nothing is left. */
static void field(char *out, size_t max, const char *s, const char *empty)
{
	size_t n = 0;
	for (; *s && n < max; s++) {
		char c = *s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '-' || c == '_';
		out[n++] = ok ? c : '_';
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, max + 1, "%s", empty);
}

static int all_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int name_field(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

int tracedir_parse_name(const char *name, time_t *start)
{
	const char *f[5];
	size_t len[5], k = 0;
	const char *p = name;
	while (k < 5) {
		const char *dot = strchr(p, '.');
		f[k] = p;
		len[k] = dot ? (size_t)(dot - p) : strlen(p);
		k++;
		if (!dot)
			break;
		p = dot + 1;
	}
	if (k != 5 || strchr(f[4], '.') || strcmp(f[4], "pb") != 0)
		return 0;
	const char *st = f[1], *pid = f[2];
	if (!name_field(f[0], len[0]) || !name_field(f[3], len[3]) || len[1] != 16 ||
	    !all_digits(st, 8) || st[8] != 'T' || !all_digits(st + 9, 6) || st[15] != 'Z')
		return 0;
	const char *dash = memchr(pid, '-', len[2]);
	if (dash ? !all_digits(pid, (size_t)(dash - pid)) ||
			   !all_digits(dash + 1, len[2] - (size_t)(dash - pid) - 1)
		 : !all_digits(pid, len[2]))
		return 0;
	struct tm tm = { 0 };
	if (!strptime(st, "%Y%m%dT%H%M%SZ", &tm))
		return 0;
	*start = timegm(&tm);
	return 1;
}

int tracedir_begin(const char *dir, const char *cmd, struct tracedir_run *r, char *why, size_t n)
{
	char host[256] = "", h[65], c[33];
	gethostname(host, sizeof host - 1);
	field(h, 64, host, "host");
	const char *slash = strrchr(cmd, '/');
	field(c, 32, slash ? slash + 1 : cmd, "cmd");
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);

	/* The lock appears already locked: made under a private name, locked, then linked into
	 * place (link fails if the name is taken, also over NFS), so that another replica's
	 * tracedir_recover never finds it unlocked and takes a starting run for a dead one. */
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s/.%s.lock.XXXXXX", dir, h);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, n, "cannot create a file in %s: %s", dir, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX) < 0) {
		snprintf(why, n, "cannot lock %s: %s", tmp, strerror(errno));
		goto fail;
	}
	dprintf(fd, "%s %ld\n", host, (long)getpid()); /* for a reader; nothing depends on it */
	for (int k = 1; k <= 100; k++) {
		char pid[40], base[200];
		if (k == 1)
			snprintf(pid, sizeof pid, "%ld", (long)getpid());
		else
			snprintf(pid, sizeof pid, "%ld-%d", (long)getpid(), k);
		snprintf(base, sizeof base, "%s.%s.%s.%s.pb", h, stamp, pid, c);
		snprintf(r->final, sizeof r->final, "%s/%s", dir, base);
		snprintf(r->part, sizeof r->part, "%s/.%s.part", dir, base);
		snprintf(r->lock, sizeof r->lock, "%s/.%s.lock", dir, base);
		struct stat st;
		if (lstat(r->final, &st) == 0 || lstat(r->part, &st) == 0)
			continue;
		if (link(tmp, r->lock) == 0) {
			unlink(tmp);
			r->lock_fd = fd;
			return 0;
		}
		if (errno != EEXIST) {
			snprintf(why, n, "cannot create %s: %s", r->lock, strerror(errno));
			goto fail;
		}
	}
	snprintf(why, n, "no free name for a trace in %s", dir);
fail:
	unlink(tmp);
	close(fd);
	return -1;
}

/* The recording at raw, ended (its entrypoint finished or gone), into dest: sealed, or plain when
 * sealing fails.  0 when it is at dest (or there was none), -1 when it is left at raw. */
static int settle(const char *raw, const char *dest, const struct seal_opts *o)
{
	struct trace_family f;
	if (trace_family_list(raw, &f) == 0 && f.n == 0) {
		trace_family_free(&f);
		return 0; /* nothing was recorded: libretrace could not start, or the exec failed */
	}
	trace_family_free(&f);
	char why[4400];
	if (!seal_wanted(o) || seal_family(raw, dest, o, why, sizeof why) != 0) {
		if (seal_wanted(o))
			tool_msg("warning: cannot seal the trace %s: %s; it is kept as recorded, plain",
				 dest, why);
		if (trace_family_rename(raw, dest) != 0) {
			tool_msg("warning: cannot move the trace %s to %s: %s", raw, dest,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

void tracedir_finish(struct tracedir_run *r, int keep, const struct seal_opts *o)
{
	int settled = 0;
	if (keep) {
		settled = settle(r->part, r->final, o) == 0;
	} else {
		settled = trace_family_remove(r->part) == 0;
		if (!settled)
			tool_msg("warning: cannot delete the trace %s: %s", r->part, strerror(errno));
	}
	/* A part left behind keeps its lock file: the next start's tracedir_recover tries again. */
	if (settled)
		unlink(r->lock);
	close(r->lock_fd);
	r->lock_fd = -1;
}

/* A lock file of a run: ".NAME.lock" with NAME a finished recording's name. */
static int lock_name(const char *name, char *base, size_t n)
{
	size_t len = strlen(name);
	if (name[0] != '.' || len < 7 || strcmp(name + len - 5, ".lock") != 0 || len - 6 >= n)
		return 0;
	memcpy(base, name + 1, len - 6);
	base[len - 6] = '\0';
	time_t t;
	return tracedir_parse_name(base, &t);
}

void tracedir_recover(const char *dir, const struct seal_opts *o)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char base[256], lock[4400], part[4400], final[4400];
		if (!lock_name(de->d_name, base, sizeof base))
			continue;
		snprintf(lock, sizeof lock, "%s/%s", dir, de->d_name);
		int fd = open(lock, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct stat a, b;
		/* held: its run goes on.  Gone or replaced since we opened it: another replica has
		 * recovered it. */
		if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &a) < 0 || lstat(lock, &b) < 0 ||
		    a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
			close(fd);
			continue;
		}
		snprintf(part, sizeof part, "%s/.%s.part", dir, base);
		snprintf(final, sizeof final, "%s/%s", dir, base);
		if (trace_family_bytes(part) > 0 || access(part, F_OK) == 0)
			tool_msg("the run recorded in %s ended without its entrypoint (killed?); its "
				 "trace is kept as far as it was written", final);
		if (settle(part, final, o) == 0)
			unlink(lock);
		close(fd);
	}
	closedir(d);
}

struct finished {
	char *name;
	time_t start;
	unsigned long long bytes;
};

static int oldest_first(const void *a, const void *b)
{
	const struct finished *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->name, y->name);
}

void tracedir_prune(const char *dir, const struct tracedir_limits *l, const char *spare)
{
	if (l->count < 0 && l->bytes < 0 && l->days < 0)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct finished *v = NULL;
	size_t n = 0, cap = 0;
	unsigned long long total = 0;
	struct dirent *de;
	char path[4400];
	while ((de = readdir(d)) != NULL) {
		time_t start;
		struct stat st;
		if (!tracedir_parse_name(de->d_name, &start) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			struct finished *w = realloc(v, cap * sizeof *v);
			if (!w)
				break;
			v = w;
		}
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (!(v[n].name = strdup(de->d_name)))
			break;
		v[n].start = start;
		v[n].bytes = trace_family_bytes(path);
		total += v[n].bytes;
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof *v, oldest_first);
	time_t now = time(NULL);
	unsigned long long left = n;
	for (size_t i = 0; i < n; i++) {
		int old = l->days >= 0 && (double)(now - v[i].start) > l->days * 86400.0;
		int many = l->count >= 0 && left > (unsigned long long)l->count;
		int big = l->bytes >= 0 && total > (unsigned long long)l->bytes;
		if ((old || many || big) && !(spare && strcmp(v[i].name, spare) == 0)) {
			snprintf(path, sizeof path, "%s/%s", dir, v[i].name);
			if (trace_family_remove(path) != 0)
				tool_msg("warning: cannot delete the old trace %s: %s", path,
					 strerror(errno));
			left--;
			total -= v[i].bytes;
		}
		free(v[i].name);
	}
	free(v);
}
