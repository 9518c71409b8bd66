/* tracedir.h — retrace-entrypoint's trace directory, which many replicas may share.
 *
 * A finished recording is HOST.STAMP.PID.CMD.pb (STAMP the start, UTC, YYYYMMDDTHHMMSSZ, so
 * names sort by time; PID-N when the name was taken; the fields hold no dots).  While it is
 * recorded it is .NAME.part (libretrace writes it and its children's .NAME.part.1 ...), hidden,
 * so that nothing takes it for finished, and its entrypoint holds an flock on .NAME.lock for as
 * long as it runs.  At the end the part is sealed into NAME and the lock file removed.  A lock
 * nobody holds is the mark of an entrypoint that was killed: tracedir_recover seals what its
 * run recorded.  Retention (tracedir_prune) only ever deletes finished recordings.
 */
#ifndef RETRACE_TOOLS_TRACEDIR_H
#define RETRACE_TOOLS_TRACEDIR_H

#include <stddef.h>
#include <time.h>

#include "seal.h"

struct tracedir_run {
	char final[4096]; /* DIR/NAME */
	char part[4096];  /* DIR/.NAME.part: RETRACE_TRACE */
	char lock[4096];  /* DIR/.NAME.lock */
	int lock_fd;      /* held (flock) until tracedir_finish */
};

/* Claim a new name in dir for a run of the command named cmd (argv[0]) started now, with its
 * lock held.  0, or -1 with a one-line reason in why. */
int tracedir_begin(const char *dir, const char *cmd, struct tracedir_run *r, char *why, size_t n);

/* The run has ended.  keep: seal the part into the final name (plain there when it cannot be
 * sealed, with a warning); else delete it.  The lock goes last. */
void tracedir_finish(struct tracedir_run *r, int keep, const struct seal_opts *o);

/* Seal the recordings of runs whose entrypoint is gone (their lock held by nobody) into their
 * final names: what they recorded up to the kill replays to there. */
void tracedir_recover(const char *dir, const struct seal_opts *o);

struct tracedir_limits {
	long long count;  /* at most this many finished recordings; -1: no limit */
	long long bytes;  /* their files together at most this many bytes; -1: no limit */
	double days;      /* none started longer ago; < 0: no limit */
};

/* Delete finished recordings, oldest first, until the limits hold; `spare` (a name in dir, or
 * NULL) is never deleted but counts. */
void tracedir_prune(const char *dir, const struct tracedir_limits *l, const char *spare);

/* Whether name is a finished recording's, and its start. */
int tracedir_parse_name(const char *name, time_t *start);

#endif
