/* family.c — list, measure and delete a recording's files (family.h). */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "family.h"

/* ".N" repeated, N decimal without a leading zero: a child's suffix and nothing else */
static int child_suffix(const char *s)
{
	if (*s == '\0')
		return 0;
	while (*s) {
		if (s[0] != '.' || s[1] < '1' || s[1] > '9')
			return 0;
		s += 2;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return 1;
}

/* Numeric order on each component, so TRACE.2 comes before TRACE.10 and a parent before its
 * children. */
static int suffix_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	while (*x && *y) {
		unsigned long u = strtoul(x + 1, (char **)&x, 10);
		unsigned long v = strtoul(y + 1, (char **)&y, 10);
		if (u != v)
			return u < v ? -1 : 1;
	}
	return (*x != 0) - (*y != 0);
}

static int split(const char *path, char **dir, const char **base)
{
	const char *slash = strrchr(path, '/');
	*base = slash ? slash + 1 : path;
	if (!slash)
		*dir = strdup(".");
	else if (slash == path)
		*dir = strdup("/");
	else
		*dir = strndup(path, (size_t)(slash - path));
	return *dir ? 0 : -1;
}

static int add(struct trace_family *f, const char *suffix)
{
	char **v = realloc(f->suffix, (f->n + 1) * sizeof *v);
	if (!v)
		return -1;
	f->suffix = v;
	if (!(v[f->n] = strdup(suffix)))
		return -1;
	f->n++;
	return 0;
}

int trace_family_list(const char *path, struct trace_family *f)
{
	char *dir;
	const char *base;
	f->suffix = NULL;
	f->n = 0;
	if (split(path, &dir, &base) < 0)
		return -1;
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		free(dir);
		errno = e;
		return -1;
	}
	size_t blen = strlen(base);
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, base, blen) != 0)
			continue;
		const char *suffix = de->d_name + blen;
		if (*suffix && !child_suffix(suffix))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (add(f, suffix) < 0) {
			rc = -1;
			break;
		}
	}
	int e = errno;
	closedir(d);
	free(dir);
	if (rc < 0) {
		trace_family_free(f);
		errno = e;
		return -1;
	}
	if (f->n > 1)
		qsort(f->suffix, f->n, sizeof *f->suffix, suffix_cmp);
	return 0;
}

void trace_family_free(struct trace_family *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->suffix[i]);
	free(f->suffix);
	f->suffix = NULL;
	f->n = 0;
}

int trace_family_remove(const char *path)
{
	struct trace_family f;
	if (trace_family_list(path, &f) < 0)
		return 1;
	int failed = 0, err = 0;
	char name[4200];
	for (size_t i = 0; i < f.n; i++) {
		snprintf(name, sizeof name, "%s%s", path, f.suffix[i]);
		if (unlink(name) < 0 && errno != ENOENT)
			failed++, err = errno;
	}
	trace_family_free(&f);
	errno = err;
	return failed;
}

unsigned long long trace_family_bytes(const char *path)
{
	struct trace_family f;
	unsigned long long total = 0;
	if (trace_family_list(path, &f) < 0)
		return 0;
	char name[4200];
	for (size_t i = 0; i < f.n; i++) {
		struct stat st;
		snprintf(name, sizeof name, "%s%s", path, f.suffix[i]);
		if (lstat(name, &st) == 0)
			total += (unsigned long long)st.st_size;
	}
	trace_family_free(&f);
	return total;
}

int trace_family_rename(const char *from, const char *to)
{
	struct trace_family f;
	if (trace_family_list(from, &f) < 0)
		return 1;
	int failed = 0, err = 0;
	char a[4200], b[4200];
	for (size_t i = 0; i < f.n; i++) {
		snprintf(a, sizeof a, "%s%s", from, f.suffix[i]);
		snprintf(b, sizeof b, "%s%s", to, f.suffix[i]);
		if (rename(a, b) < 0)
			failed++, err = errno;
	}
	trace_family_free(&f);
	errno = err;
	return failed;
}
