/* seal.h — sealed traces: a finished recording compressed (zstd) and/or encrypted to a public key
 * (libsodium), file by file.
 *
 * libretrace writes a plain trace, crash-consistently, while the program runs (format/trace.h);
 * sealing happens after the program has ended, in the tool that started it (retrace-record,
 * retrace-entrypoint), so the program never waits for it.  Every tool reads sealed and plain
 * traces alike through seal_open_plain.
 */
#ifndef RETRACE_TOOLS_SEAL_H
#define RETRACE_TOOLS_SEAL_H

#include <stddef.h>

struct seal_opts {
	int compress;           /* zstd: the default of retrace-record and retrace-entrypoint */
	const char *public_key; /* a retrace-keygen NAME.pub to encrypt to, or NULL */
};

/* Whether a sealing is asked for at all (compression or encryption): when not, a tool may leave
 * the plain trace where libretrace wrote it. */
static inline int seal_wanted(const struct seal_opts *o)
{
	return o->compress || o->public_key;
}

/* Check a public key file before the program starts, so that a bad key is a usage error rather
 * than a recording lost at the end.  0, or -1 with a one-line reason in why. */
int seal_check_public_key(const char *path, char *why, size_t n);

/* Write a new key pair: NAME.pub (0644) and NAME.key (0600), never over an existing file.  0, or
 * -1 with a one-line reason in why. */
int seal_keygen(const char *name, char *why, size_t n);

/* Seal the finished recording at `raw` (its trace and its children's, raw.1, raw.1.2, ...) into
 * dest, dest.1, dest.1.2 ...: each file is sealed on its own into a temporary beside it, synced,
 * renamed into place, and its plain file is removed.  raw may equal dest (sealed in place).
 * Returns 0, or -1 with a one-line reason in why; what could not be sealed is left plain, under
 * its raw name, so nothing is lost. */
int seal_family(const char *raw, const char *dest, const struct seal_opts *o, char *why, size_t n);

/* 1 when the file at path is a sealed trace, 0 when it is anything else (a plain trace, a foreign
 * file), -1 when it cannot be read (errno set). */
int seal_is_sealed(const char *path);

/* A plain trace for a tool to read.  When `path` is sealed, it and its children are unsealed into
 * a new private directory (mode 0700, under $TMPDIR or /tmp) with the same names; *plain is the
 * trace's path there and *tmpdir the directory, for seal_cleanup.  When it is plain, *plain is
 * path and *tmpdir NULL.  secret_key: a retrace-keygen NAME.key, or NULL for $RETRACE_SECRET_KEY.
 * Returns 0, or the exit status to give up with, with a one-line reason in why:
 * RETRACE_EXIT_BAD_TRACE (damaged, or encrypted and no key or another key given),
 * RETRACE_EXIT_USAGE (the key file given is no secret key), RETRACE_EXIT_ERROR (no room). */
int seal_open_plain(const char *path, const char *secret_key, char **plain, char **tmpdir,
		    char *why, size_t n);

/* Remove an unsealed copy made by seal_open_plain (NULL: nothing to do) and free both strings. */
void seal_cleanup(char *plain, char *tmpdir);

#endif
