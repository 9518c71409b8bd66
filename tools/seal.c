/* seal.c — sealed traces (seal.h).
 *
 * FIRST CUT: the interface only.  Sealing moves the plain files into place unchanged, and every
 * trace is read as plain; zstd and libsodium come next.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "family.h"
#include "seal.h"

int seal_check_public_key(const char *path, char *why, size_t n)
{
	snprintf(why, n, "encryption is not built yet");
	return -1;
}

int seal_family(const char *raw, const char *dest, const struct seal_opts *o, char *why, size_t n)
{
	struct trace_family f;
	if (trace_family_list(raw, &f) < 0) {
		snprintf(why, n, "cannot list %s: %s", raw, strerror(errno));
		return -1;
	}
	int rc = 0;
	char from[4200], to[4200];
	for (size_t i = 0; i < f.n && strcmp(raw, dest) != 0; i++) {
		snprintf(from, sizeof from, "%s%s", raw, f.suffix[i]);
		snprintf(to, sizeof to, "%s%s", dest, f.suffix[i]);
		if (rename(from, to) < 0) {
			snprintf(why, n, "cannot move %s to %s: %s", from, to, strerror(errno));
			rc = -1;
			break;
		}
	}
	trace_family_free(&f);
	return rc;
}

int seal_is_sealed(const char *path)
{
	return 0;
}

int seal_open_plain(const char *path, const char *secret_key, char **plain, char **tmpdir,
		    char *why, size_t n)
{
	*plain = strdup(path);
	*tmpdir = NULL;
	if (!*plain) {
		snprintf(why, n, "out of memory");
		return RETRACE_EXIT_ERROR;
	}
	return 0;
}

void seal_cleanup(char *plain, char *tmpdir)
{
	free(plain);
	free(tmpdir);
}
