/* family.h — a recording's files: its trace and its children's (TRACE.1, TRACE.1.2, ...).
 *
 * libretrace names a child's trace after its parent's and its number (interpose/child.c), so a
 * recording is one trace plus every file beside it named TRACE + ".N" + ".N"...  Tools that move,
 * seal, unseal or delete recordings handle them as a whole.
 */
#ifndef RETRACE_TOOLS_FAMILY_H
#define RETRACE_TOOLS_FAMILY_H

#include <stddef.h>

struct trace_family {
	char **suffix; /* "" for the trace itself (when it exists), then ".1", ".1.2", ... sorted */
	size_t n;
};

/* The existing regular files of the recording at `path`: path itself, when it is there, and every
 * path.N[.M...] beside it.  Returns 0 (n may be 0), or -1 with errno set (the directory cannot be
 * read, or no memory). */
int trace_family_list(const char *path, struct trace_family *f);

void trace_family_free(struct trace_family *f);

/* Delete the recording at `path`, children included.  Returns the number of files that could not
 * be deleted (errno of the last failure). */
int trace_family_remove(const char *path);

/* Rename the recording at `from`, children included, to `to` (to.1, to.1.2 ...), plain, as it is.
 * Returns the number of files that could not be renamed (errno of the last failure). */
int trace_family_rename(const char *from, const char *to);

/* Bytes the recording's files take (st_size summed), 0 when none exists. */
unsigned long long trace_family_bytes(const char *path);

#endif
