/* dump-tree.c — retrace-dump --tree: the process tree of a recording.
 *
 * A recording is its root trace and its children's, TRACE.1, TRACE.2, TRACE.1.1 ... (each
 * child's number is its FORK event's in the parent).  For each process: its trace, pid, command
 * line, how it was started, and how it ended: its trailer's exit status, or the status its parent
 * reaped (a death by signal has no trailer), or that neither is known.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "dump.h"

#define TREE_DEPTH 16

static const char *const start_names[] = { "?", "fork", "vfork", "posix_spawn", "posix_spawnp" };

static void print_status(int st)
{
	if (WIFEXITED(st))
		printf("exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("killed by SIG%s%s", sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?",
		       WCOREDUMP(st) ? " (core dumped)" : "");
	else
		printf("status 0x%x", st);
}

struct kid {
	int64_t pid;
	unsigned num;
	int how;
	uint64_t seq;
	int reaped, status;
};

/* A sealed trace is read from an unsealed copy elsewhere (tool_plain_trace): paths are shown
 * as the user named them, the copy's directory replaced by theirs. */
static const char *shown_root;
static size_t read_root_len;
static int root_status; /* the reader's error when the root trace cannot be read */

/* One process and, below it, its children.  reaped/status: what its parent's WAIT said. */
static int tree(const char *path, int depth, const char *how, uint64_t at, int reaped, int status)
{
	struct trace_reader r;
	struct trace_error err;
	printf("%*s%s%s", depth * 2, "", shown_root, path + read_root_len);
	if (how)
		printf("  (%s, parent event #%" PRIu64 ")", how, at);
	int opened = trace_reader_open_file(&r, path, NULL, &err) == 0;
	if (!opened || r.header == NULL) {
		printf("  no trace: %s", opened ? "no header" : err.msg);
		if (reaped) {
			fputs("; ", stdout);
			print_status(status);
		}
		putchar('\n');
		/* A child's trace may be missing or cut short (it was killed, or was not a program
		 * libretrace could load in); the root's is the recording, and without it there is
		 * no tree: damage (-2). */
		trace_reader_close(&r);
		if (depth == 0) {
			root_status = opened ? TRACE_E_TRUNCATED : err.code;
			return -2;
		}
		return 0;
	}
	const Retrace__Header *h = r.header;
	printf("\n%*s  pid %" PRId32 ": ", depth * 2, "", h->pid);
	for (size_t i = 0; i < h->n_argv; i++) {
		if (i)
			putchar(' ');
		tool_print_escaped(stdout, h->argv[i].data, h->argv[i].len);
	}
	printf("\n%*s  ", depth * 2, "");
	if (r.trailer && r.trailer->exit_status >= 0) {
		printf("exited %d", r.trailer->exit_status);
	} else if (reaped) {
		print_status(status);
	} else if (r.trailer) {
		fputs("exited (status not seen)", stdout);
	} else {
		fputs("did not exit: killed or still running (no trailer)", stdout);
	}
	putchar('\n');

	struct kid *kids = NULL;
	size_t nk = 0, cap = 0;
	struct trace_cursor c;
	struct trace_event ev;
	int rc = trace_cursor_init(&c, &r, 0, &err);
	while (rc == 0 && trace_cursor_next(&c, &ev, &err) == 1) {
		if (ev.call == CALL(FORK)) {
			int64_t pid = ev.arg0 >= 3 ? (ev.result == 0 ? ev.value : 0) : ev.result;
			if (pid <= 0)
				continue;
			if (nk == cap) {
				cap = cap ? cap * 2 : 16;
				struct kid *k = realloc(kids, cap * sizeof *k);
				if (!k) {
					free(kids);
					trace_cursor_free(&c);
					trace_reader_close(&r);
					return -1;
				}
				kids = k;
			}
			kids[nk++] = (struct kid){ .pid = pid, .num = (unsigned)ev.arg1,
						   .how = ev.arg0 >= 1 && ev.arg0 <= 4 ? (int)ev.arg0 : 0,
						   .seq = ev.seq };
		} else if (ev.call == CALL(WAIT) && ev.arg0 == 1 && ev.result > 0) {
			for (size_t i = 0; i < nk; i++)
				if (kids[i].pid == ev.result && !kids[i].reaped &&
				    (WIFEXITED((int)ev.value) || WIFSIGNALED((int)ev.value))) {
					kids[i].reaped = 1;
					kids[i].status = (int)ev.value;
				}
		} else if (ev.call == CALL(WAIT) && ev.arg0 == 2 && ev.result == 0 &&
			   ev.data_len >= sizeof(siginfo_t)) {
			siginfo_t si;
			memcpy(&si, ev.data, sizeof si);
			for (size_t i = 0; i < nk; i++)
				if (kids[i].pid == si.si_pid && !kids[i].reaped) {
					kids[i].reaped = si.si_code == CLD_EXITED || si.si_code == CLD_KILLED ||
							 si.si_code == CLD_DUMPED;
					kids[i].status = si.si_code == CLD_EXITED
								 ? W_EXITCODE(si.si_status, 0)
								 : si.si_status;
				}
		}
	}
	if (rc == 0)
		trace_cursor_free(&c);
	trace_reader_close(&r);
	int result = 0;
	for (size_t i = 0; i < nk && depth + 1 < TREE_DEPTH; i++) {
		char sub[4200];
		snprintf(sub, sizeof sub, "%s.%u", path, kids[i].num);
		if (tree(sub, depth + 1, start_names[kids[i].how], kids[i].seq, kids[i].reaped,
			 kids[i].status) < 0)
			result = -1;
	}
	free(kids);
	return result;
}

int dump_tree(const char *path, size_t read_dir_len, const char *shown_dir)
{
	shown_root = shown_dir;
	read_root_len = read_dir_len;
	int r = tree(path, 0, NULL, 0, 0, 0);
	if (r == -2) {
		fflush(stdout);
		tool_msg("%s%s: no process tree: the recording's own trace cannot be read", shown_root,
			 path + read_root_len);
		return finish_output(tool_exit_for_trace_status(root_status));
	}
	if (r < 0) {
		tool_msg("out of memory");
		return finish_output(RETRACE_EXIT_ERROR);
	}
	return finish_output(0);
}
