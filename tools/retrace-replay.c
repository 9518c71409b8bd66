/* retrace-replay — run a recorded program again, offline, fed from its trace.
 *
 * Rebuilds the recorded process's start (executable, argv, environment, cwd, ASLR off) so its
 * memory layout matches, cuts it off from the network, and runs it with libretrace in replay
 * mode.  Exits as the program did, or with retrace's own verdict (divergence, end of the trace)
 * which the library reports on a status pipe so it is never confused with the program's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

const char tool_name[] = "retrace-replay";

static void usage(void)
{
	printf("Usage: %s [--no-netns] [--keep-going] [--report-json FILE] [--stall-timeout S]\n"
	       "       [--break EVENT|FILE:LINE[:N]]... [--break-on-exception[=uncaught]]\n"
	       "       [--break-at-divergence] [--dap SOCKET|127.0.0.1:PORT] [--allow-program]\n"
	       "       [--key FILE] [-v]\n"
	       "       TRACE [-- CMD [ARG...]]\n"
	       "Replay the program recorded in TRACE, offline, with the same inputs it saw.\n"
	       "TRACE may be a child process's trace (TRACE.1, TRACE.1.2 ...): that child\n"
	       "replays alone (a forked one through its parent, up to the fork, quietly).\n"
	       "\n"
	       "  CMD [ARG...]     optional: the recorded program (checked against TRACE), with\n"
	       "                   the recorded arguments or others (the replay then stops\n"
	       "                   where they make the program leave the trace)\n"
	       "      --break=EVENT  open pdb in the replayed program right after event EVENT\n"
	       "                   (a number retrace-dump shows as #EVENT), at the next line of\n"
	       "                   the Python code that made it\n"
	       "      --break=FILE:LINE[:N]  open pdb the Nth time (1st by default) LINE of FILE\n"
	       "                   runs; --break may be given up to 16 times\n"
	       "      --break-on-exception[=uncaught]  open pdb at the first exception raised in\n"
	       "                   the program's code, or post-mortem at the first uncaught one\n"
	       "      --break-at-divergence  open pdb post-mortem where replay diverges\n"
	       "                   (pdb runs on the terminal, /dev/tty; `continue` resumes the\n"
	       "                   replay, `quit` ends it as Ctrl-C would; `back [N]`,\n"
	       "                   `back [FILE:]LINE [N]` and `lastchange NAME` go back to an\n"
	       "                   earlier event, line run or change by replaying again)\n"
	       "      --dap=SOCKET|127.0.0.1:PORT  serve the Debug Adapter Protocol there\n"
	       "                   instead of pdb: wait for an editor to attach, then run; its\n"
	       "                   breakpoints and the --break ones stop the replay, stepBack\n"
	       "                   goes back an event (see retrace-replay(1), DEBUG ADAPTER)\n"
	       "      --allow-program  replay a trace of a program that is not a Python\n"
	       "                   interpreter without giving its command (a trace is untrusted\n"
	       "                   input: it names what replay runs)\n"
	       "      --key=FILE   the secret key (retrace-keygen) of an encrypted trace; also\n"
	       "                   RETRACE_SECRET_KEY\n"
	       "      --no-netns   do not put the replay in a new network namespace\n"
	       "      --keep-going go past divergences that leave the program's course defined\n"
	       "                   (a call made from another Python line, other bytes written or\n"
	       "                   sent), counting them; exit 90 if there were any\n"
	       "      --report-json=FILE  on divergence, also write the report to FILE as JSON\n"
	       "      --stall-timeout=S   a multi-threaded replay in which nothing happens for S\n"
	       "                   seconds (5 by default, more where the recording paused longer)\n"
	       "                   has left the recorded schedule: report every thread, exit 90\n"
	       "  -v, --verbose    say what runs, and print a summary line when the replay ends\n"
	       "      --help       show this help and exit\n"
	       "      --version    show the version and exit\n"
	       "\n"
	       "Exit status: that of the replayed program (or its signal), else\n"
	       "  90 diverged from the trace     91 unusable trace   92 another program/CPython\n"
	       "  93 the recording ends here     94 usage error      95 retrace failed\n"
	       " 126 program not executable     127 program not found\n"
	       "See retrace-replay(1).\n",
	       tool_name);
}

/* What the replayed process is started with, copied out of the trace header (the reader is
 * closed before the fork so the child inherits nothing of it). */
struct replay_plan {
	char **argv;         /* NULL-terminated */
	size_t argc;
	char **env;          /* the recorded entries, NULL-terminated, room for 16 more */
	size_t nenv;
	char **command;      /* the command the user typed, when it reached exe through execs */
	size_t ncommand;
	char *exe;
	char *cwd;
	int status_fd;
	int has_signals;          /* the header says what the program inherited: */
	uint64_t ignored_signals; /* SIG_IGN, bit N-1 for signal N */
	uint64_t blocked_signals; /* in the mask */
	uint64_t nevents;    /* counted only with -v */
	int64_t recorded_ns; /* start to the last wall-clock read, -1 when unknown; only with -v */
};

static _Noreturn void out_of_memory(void)
{
	tool_msg("out of memory");
	exit(RETRACE_EXIT_ERROR);
}

/* A header byte string as a C string.  An embedded NUL cannot come from the kernel (argv, env
 * and paths are C strings there), so it means a damaged or forged header. */
static char *header_string(const ProtobufCBinaryData *b, const char *trace, const char *what)
{
	if (b->len > 0 && memchr(b->data, '\0', b->len) != NULL) {
		tool_msg("%s: the header's %s contains a NUL byte; the trace is damaged", trace, what);
		exit(RETRACE_EXIT_BAD_TRACE);
	}
	char *s = malloc(b->len + 1);
	if (s == NULL)
		out_of_memory();
	if (b->len > 0)
		memcpy(s, b->data, b->len);
	s[b->len] = '\0';
	return s;
}

static int is_wall_clock_read(const struct trace_event *ev)
{
	switch (ev->call) {
	case RETRACE__CALL__CALL_CLOCK_GETTIME:
		return ev->arg0 == CLOCK_REALTIME || ev->arg0 == CLOCK_REALTIME_COARSE;
	case RETRACE__CALL__CALL_GETTIMEOFDAY:
	case RETRACE__CALL__CALL_TIME:
		return 1;
	default:
		return 0;
	}
}

/* For the -v summary: walks every event once, which also proves the trace decodes to its end
 * before the program starts. */
static void count_events(const struct trace_reader *r, const char *trace, struct replay_plan *p)
{
	struct trace_cursor c;
	struct trace_error err;
	struct trace_event ev;
	int64_t last_wall = INT64_MIN;
	int rc;

	if (trace_cursor_init(&c, r, 0, &err) != 0) {
		tool_msg("%s: %s", trace, err.msg);
		exit(tool_exit_for_trace_status(err.code));
	}
	while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
		p->nevents++;
		if (is_wall_clock_read(&ev) && ev.value > last_wall)
			last_wall = ev.value;
	}
	trace_cursor_free(&c);
	if (rc < 0) {
		tool_msg("%s: %s", trace, err.msg);
		exit(tool_exit_for_trace_status(err.code));
	}
	int64_t start = r->header->start_time_ns;
	p->recorded_ns = last_wall > start ? last_wall - start : -1;
}

static void load_plan(const char *trace, int verbose, struct replay_plan *p)
{
	struct trace_reader r;
	struct trace_error err;

	if (trace_reader_open_file(&r, trace, NULL, &err) != 0) {
		tool_msg("%s: %s", trace, err.msg);
		exit(tool_exit_for_trace_status(err.code));
	}
	if (r.torn_offset != 0)
		tool_msg("note: %s: the trace's tail from byte %llu on is torn (the recording was cut "
			 "off there); it is ignored", trace, (unsigned long long)r.torn_offset);

	const Retrace__Header *h = r.header;
	if (h == NULL || h->n_argv == 0 || h->exe_path.len == 0) {
		tool_msg("%s: the header does not say what was run (no argv or executable); the "
			 "trace is damaged", trace);
		exit(RETRACE_EXIT_BAD_TRACE);
	}
	char why[200];
	if (trace_header_limits(h, why, sizeof why)) {
		tool_msg("%s: %s; the trace is damaged", trace, why);
		exit(RETRACE_EXIT_BAD_TRACE);
	}

	p->argc = h->n_argv;
	p->argv = calloc(h->n_argv + 1, sizeof *p->argv);
	p->nenv = h->n_env;
	p->env = calloc(h->n_env + 16, sizeof *p->env);
	if (p->argv == NULL || p->env == NULL)
		out_of_memory();
	for (size_t i = 0; i < h->n_argv; i++)
		p->argv[i] = header_string(&h->argv[i], trace, "argv");
	for (size_t i = 0; i < h->n_env; i++) {
		p->env[i] = header_string(&h->env[i], trace, "environment");
		/* glibc's getenv returns the first match, so a recorded RETRACE_MODE=record would beat
		 * ours and overwrite the trace being replayed, a RETRACE_REPORT_JSON would write
		 * wherever the trace says.  The recording removes them all (RETRACE_* is ours). */
		if (strncmp(p->env[i], "RETRACE_", 8) == 0) {
			tool_msg("%s: the recorded environment holds %.*s, which the recording should "
				 "have removed; refusing to replay it", trace,
				 (int)strcspn(p->env[i], "="), p->env[i]);
			exit(RETRACE_EXIT_BAD_TRACE);
		}
	}
	p->ncommand = h->n_command;
	p->command = calloc(h->n_command + 1, sizeof *p->command);
	if (p->command == NULL)
		out_of_memory();
	for (size_t i = 0; i < h->n_command; i++)
		p->command[i] = header_string(&h->command[i], trace, "command");
	p->exe = header_string(&h->exe_path, trace, "executable path");
	/* Start the program by the path it was started by when recorded (e.g. the python3 symlink
	 * rather than python3.11), so the process begins the same way; only if that path still
	 * leads to the recorded executable. */
	if (h->exec_path.len > 0) {
		char *via = header_string(&h->exec_path, trace, "exec path");
		struct stat a, b;
		if (stat(via, &a) == 0 && stat(p->exe, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			free(p->exe);
			p->exe = via;
		} else {
			free(via);
		}
	}
	p->cwd = header_string(&h->cwd, trace, "working directory");
	p->status_fd = h->status_fd;
	p->has_signals = h->inherited != NULL;
	p->ignored_signals = h->inherited ? h->inherited->ignored : 0;
	p->blocked_signals = h->inherited ? h->inherited->blocked : 0;
	p->recorded_ns = -1;
	/* Walking every event in their merged order proves the numbers continue across threads: a
	 * chunk dropped from the middle of a multi-threaded trace is then refused (91) up front,
	 * where a thread's own cursor, which replay uses, cannot see it.  A single thread's cursor
	 * checks its own numbers, so its trace is walked only for -v. */
	if (verbose || (r.ntids > 1 && r.trailer))
		count_events(&r, trace, p);
	trace_reader_close(&r);
}

/* A child that was forked and did not execute a program starts where its parent was at the
 * fork: it replays by replaying the trace its chain of forks began in (quietly, up to the
 * fork), then its own.  Its trace is its parent's name + ".N", so the chain is read off the
 * names.  Returns that first trace (malloc'd), or NULL when trace is no forked child. */
static char *fork_root(const char *trace)
{
	char *cur = strdup(trace);
	if (cur == NULL)
		out_of_memory();
	for (int depth = 0;; depth++) {
		struct trace_reader r;
		struct trace_error err;
		if (trace_reader_open_file(&r, cur, NULL, &err) != 0) {
			tool_msg("%s: %s", cur, err.msg);
			free(cur);
			exit(tool_exit_for_trace_status(err.code));
		}
		int forked = r.header != NULL && r.header->forked;
		trace_reader_close(&r);
		if (!forked) {
			if (depth == 0) {
				free(cur);
				return NULL;
			}
			return cur;
		}
		char *dot = strrchr(cur, '.');
		if (dot == NULL || dot[1] < '1' || dot[1] > '9' || depth >= 15) {
			tool_msg("%s: a forked child's trace, whose parent's trace cannot be found by its "
				 "name (TRACE.N)", trace);
			free(cur);
			exit(RETRACE_EXIT_BAD_TRACE);
		}
		*dot = '\0';
	}
}

static void print_command(FILE *f, char *const *argv, size_t argc)
{
	for (size_t i = 0; i < argc; i++) {
		if (i > 0)
			fputc(' ', f);
		tool_print_shell_word(f, (const uint8_t *)argv[i], strlen(argv[i]));
	}
	fputc('\n', f);
}

/* Does the command name `cmd` (a path, or a name looked up in PATH as execvp would) lead to the
 * same file as `exe`? */
static int same_program(const char *cmd, const char *exe)
{
	struct stat want, st;
	if (stat(exe, &want) != 0)
		return 0;
	if (strchr(cmd, '/'))
		return stat(cmd, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino;
	const char *path = getenv("PATH");
	for (const char *dir = path ? path : "/usr/local/bin:/usr/bin:/bin"; *dir;) {
		size_t n = strcspn(dir, ":");
		char cand[PATH_MAX];
		if (snprintf(cand, sizeof cand, "%.*s/%s", (int)(n ? n : 1), n ? dir : ".", cmd) < (int)sizeof cand &&
		    stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return st.st_dev == want.st_dev && st.st_ino == want.st_ino;
		dir += n + (dir[n] == ':');
	}
	return 0;
}

/* Whether exe is a Python interpreter a user would run: named python3, python3.11, ... and a
 * regular executable file that only its owner, root or the user replaying, may change (a trace
 * cannot make one of its own choosing count, e.g. /tmp/x/python3). */
static int is_python_interpreter(const char *exe)
{
	const char *base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	if (strncmp(base, "python", 6) != 0)
		return 0;
	const char *v = base + 6;
	if (*v < '2' || *v > '9' || strspn(v, "0123456789.") != strlen(v) || v[strlen(v) - 1] == '.')
		return 0;
	struct stat st;
	return stat(exe, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
	       !(st.st_mode & 022) && (st.st_uid == 0 || st.st_uid == getuid());
}

/* A trace is untrusted: it names the program replay runs.  Without a command given, replay runs
 * only a Python interpreter (what retrace is for); anything else needs --allow-program, or the
 * command given, which the user then chose. */
static void check_program(const struct replay_plan *p, const char *trace, int given,
			  int allow_program)
{
	if (given || allow_program || is_python_interpreter(p->exe))
		return;
	fprintf(stderr, "%s: %s records a program that is not a Python interpreter: ", tool_name, trace);
	tool_print_shell_word(stderr, (const uint8_t *)p->exe, strlen(p->exe));
	fputs("\n  recorded command: ", stderr);
	print_command(stderr, p->argv, p->argc);
	fprintf(stderr, "A trace decides what replay runs; to run this one, give its command after "
		"--, or pass --allow-program.\n");
	exit(RETRACE_EXIT_MISMATCH);
}

/* The command given after the trace.  Its program must be the recorded one (by name, or by a
 * name that leads to the same file: the recorded argv[0] is kept, as part of the layout).  Its
 * arguments may differ: the program then runs with them, and libretrace says so at start and
 * names the argument as the likely cause where the program leaves the trace. */
static void check_command(struct replay_plan *p, char **given, size_t ngiven)
{
	/* the command as it was typed when recording (a pyenv shim's `python3 app.py`, which ran
	 * the interpreter through execs): the recorded program, with its recorded arguments */
	if (ngiven == p->ncommand) {
		size_t i = 0;
		while (i < ngiven && strcmp(given[i], p->command[i]) == 0)
			i++;
		if (i == ngiven)
			return;
	}
	if (strcmp(given[0], p->argv[0]) != 0 && !same_program(given[0], p->exe)) {
		tool_msg("the command given runs another program than the recorded one; replay runs "
			 "the recorded program, so give its command or none");
		fputs("  recorded: ", stderr);
		print_command(stderr, p->argv, p->argc);
		fputs("  given:    ", stderr);
		print_command(stderr, given, ngiven);
		fprintf(stderr, "  argument 0 differs\n");
		exit(RETRACE_EXIT_MISMATCH);
	}
	char **argv = calloc(ngiven + 1, sizeof *argv);
	if (argv == NULL)
		out_of_memory();
	argv[0] = p->argv[0];
	for (size_t i = 1; i < ngiven; i++)
		argv[i] = given[i];
	for (size_t i = 1; i < p->argc; i++)
		free(p->argv[i]);
	free(p->argv);
	p->argv = argv;
	p->argc = ngiven;
}

/* ---------------------------------------------------------------------------------------------
 * The loader's variables.  A trace is untrusted, and its LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT,
 * GLIBC_TUNABLES would have ld.so load or do whatever the trace says before any code of ours
 * runs.  So none of them reaches ld.so: LD_PRELOAD is our own libretrace.so (padded with spaces,
 * which ld.so skips, to the recorded length when our path is shorter), the others are renamed in
 * place (first byte '_').  The environment keeps its layout, entry for entry and in length; once
 * ld.so is done, libretrace puts the recorded bytes back (core.c, rt_env_restore), so the program
 * sees the environment it was recorded with -- all but GCONV_PATH, which glibc reads later (when
 * iconv loads a module) and which stays renamed.
 */
static char *env_entry(const char *name, const char *value)
{
	char *e;

	if (asprintf(&e, "%s=%s", name, value) < 0)
		out_of_memory();
	return e;
}

static void loader_environment(struct replay_plan *p, const char *ours)
{
	int have_preload = 0;
	for (size_t i = 0; i < p->nenv; i++) {
		char *e = p->env[i];
		if (!trace_env_is_loader((const uint8_t *)e, strlen(e)))
			continue;
		if (strncmp(e, "LD_PRELOAD=", 11) != 0) {
			e[0] = '_';
			continue;
		}
		have_preload = 1;
		size_t recorded = strlen(e + 11), mine = strlen(ours);
		if (recorded == mine && memcmp(e + 11, ours, mine) == 0)
			continue;
		if (mine > recorded) {
			fprintf(stderr, "%s: warning: the recorded LD_PRELOAD (", tool_name);
			tool_print_escaped(stderr, (const uint8_t *)e + 11, recorded);
			fprintf(stderr, ") is shorter than this libretrace's path, %s; the environment's "
				"layout differs from the recording and object ids may differ\n", ours);
			free(p->env[i]);
			p->env[i] = env_entry("LD_PRELOAD", ours);
			continue;
		}
		memcpy(e + 11, ours, mine);
		memset(e + 11 + mine, ' ', recorded - mine);
	}
	if (!have_preload) {
		/* the recording had the library some other way (e.g. /etc/ld.so.preload) */
		tool_msg("warning: the recorded environment has no LD_PRELOAD; adding LD_PRELOAD=%s at "
			 "its end, so object ids may differ", ours);
		p->env[p->nenv++] = env_entry("LD_PRELOAD", ours);
	}
}

/* The recorded environment, with the loader's variables made harmless, and ours at its end. */
/* --dap: the fd the editor's connection has in each run: below the status channel's and
 * /dev/tty's (interpose/debug.c), the numbers retrace keeps for itself. */
#define DAP_FD_BELOW 2

/* What --break and its kin ask libretrace for (debug.c). */
struct break_options {
	char breaks[4096];     /* EVENT or FILE:LINE[:N], newline-separated */
	int nbreaks;
	const char *exceptions; /* "raised", "uncaught", or NULL */
	int divergence;
	/* set by a restart (pdb's back, lastchange): what the next run does (interpose/debug.c) */
	char scout[4096], note[1024], quiet[32];
	/* --dap: the editor's connection (-1: none), and its breakpoints a restart carries */
	const char *dap;
	int dap_fd, runs;
	char dap_lines[4096];
};

/* --break's value: an event number, or FILE:LINE or FILE:LINE:N with numbers above 0. */
static void add_break(struct break_options *b, const char *v)
{
	char *end;
	int ok = 0;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (*v >= '0' && *v <= '9' && *end == 0)
		ok = n > 0 && errno == 0;
	else {
		const char *c = strrchr(v, ':');
		long last = c ? strtol(c + 1, &end, 10) : 0;
		ok = c && c > v && c[1] && *end == 0 && last > 0;
		if (ok && c > v) { /* FILE:LINE:N: the part before must be FILE:LINE, LINE > 0 */
			const char *c2 = c - 1;
			while (c2 > v && *c2 != ':')
				c2--;
			if (*c2 == ':' && c2 + 1 < c) {
				long line = strtol(c2 + 1, &end, 10);
				if (end == c && line <= 0)
					ok = 0;
			}
		}
		ok = ok && !strchr(v, '\n');
	}
	if (!ok)
		tool_usage_error("--break takes an event number (retrace-dump's #N) or FILE:LINE[:N]");
	if (b->nbreaks >= 16)
		tool_usage_error("--break may be given at most 16 times");
	size_t k = strlen(b->breaks);
	if (snprintf(b->breaks + k, sizeof b->breaks - k, "%s%s", k ? "\n" : "", v) >=
	    (int)(sizeof b->breaks - k))
		tool_usage_error("--break: the breakpoints are too long");
	b->nbreaks++;
}

/* pdb needs the terminal: without one, say so now rather than stop at a prompt nobody sees. */
static void check_terminal(const struct break_options *b)
{
	if (b->dap || (!b->nbreaks && !b->exceptions && !b->divergence))
		return;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		tool_msg("--break and --break-* open pdb on the terminal, and there is none "
			 "(/dev/tty: %s)", strerror(errno));
		exit(RETRACE_EXIT_USAGE);
	}
	close(fd);
}

/* Called again for each run a restart asks for: the entries after the recorded ones are
 * rebuilt (the previous run's are freed). */
static void build_environment(struct replay_plan *p, const char *trace_abs, const char *report,
			      int keep_going, const char *stall, const char *fork_target,
			      const struct break_options *b)
{
	static int loader_done;
	if (!loader_done) {
		char ours[PATH_MAX];
		if (tool_find_libretrace(ours, sizeof ours) != 0)
			exit(RETRACE_EXIT_ERROR);
		loader_environment(p, ours);
		loader_done = 1;
	}
	size_t n = p->nenv;
	for (size_t i = n; p->env[i]; i++) {
		free(p->env[i]);
		p->env[i] = NULL;
	}

	char fd[16];
	snprintf(fd, sizeof fd, "%d", p->status_fd);
	p->env[n++] = env_entry("RETRACE_MODE", "replay");
	p->env[n++] = env_entry("RETRACE_TRACE", trace_abs);
	p->env[n++] = env_entry("RETRACE_STATUS_FD", fd);
	if (report)
		p->env[n++] = env_entry("RETRACE_REPORT_JSON", report);
	if (keep_going)
		p->env[n++] = env_entry("RETRACE_KEEP_GOING", "1");
	if (stall)
		p->env[n++] = env_entry("RETRACE_STALL_TIMEOUT", stall);
	if (fork_target)
		p->env[n++] = env_entry("RETRACE_FORK_TARGET", fork_target);
	if (b->nbreaks)
		p->env[n++] = env_entry("RETRACE_BREAK", b->breaks);
	if (b->exceptions)
		p->env[n++] = env_entry("RETRACE_BREAK_ON_EXCEPTION", b->exceptions);
	if (b->divergence)
		p->env[n++] = env_entry("RETRACE_BREAK_AT_DIVERGENCE", "1");
	if (b->scout[0])
		p->env[n++] = env_entry("RETRACE_BACK_SCOUT", b->scout);
	if (b->note[0])
		p->env[n++] = env_entry("RETRACE_BACK_NOTE", b->note);
	if (b->quiet[0])
		p->env[n++] = env_entry("RETRACE_BACK_QUIET", b->quiet);
	if (b->dap_fd >= 0) {
		snprintf(fd, sizeof fd, "%d", p->status_fd - DAP_FD_BELOW);
		p->env[n++] = env_entry("RETRACE_DAP_FD", fd);
		/* a restart's run: the editor is attached already, its breakpoints come along */
		p->env[n++] = env_entry("RETRACE_DAP_RESUMED", b->runs ? "1" : "0");
		if (b->dap_lines[0])
			p->env[n++] = env_entry("RETRACE_DAP_LINES", b->dap_lines);
	}
	p->env[n] = NULL;
}

/* A restart's settings (lines NAME=VALUE; a newline inside a value came as 0x1f) become the
 * next run's: its breaks replace the command line's (--break-on-exception and
 * --break-at-divergence stay). */
static void take_restart(struct break_options *b, char *settings)
{
	static const struct {
		const char *name;
		size_t off, size;
	} fields[] = {
		{ "RETRACE_BREAK=", offsetof(struct break_options, breaks), sizeof b->breaks },
		{ "RETRACE_BACK_SCOUT=", offsetof(struct break_options, scout), sizeof b->scout },
		{ "RETRACE_BACK_NOTE=", offsetof(struct break_options, note), sizeof b->note },
		{ "RETRACE_BACK_QUIET=", offsetof(struct break_options, quiet), sizeof b->quiet },
		{ "RETRACE_DAP_LINES=", offsetof(struct break_options, dap_lines), sizeof b->dap_lines },
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		((char *)b + fields[i].off)[0] = 0;
	for (char *line = settings, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
			size_t k = strlen(fields[i].name);
			if (strncmp(line, fields[i].name, k) != 0)
				continue;
			char *to = (char *)b + fields[i].off;
			snprintf(to, fields[i].size, "%s", line + k);
			for (char *c = to; *c; c++)
				if (*c == '\x1f')
					*c = '\n';
		}
	}
	b->nbreaks = b->breaks[0] != 0;
	b->runs++;
}

/* ---------------------------------------------------------------------------------------------
 * --dap: the editor's connection.
 *
 * Taken here, before the first run, and given to every run (a restart is a new process, the
 * editor stays attached): the replayed process serves the protocol on it itself, in its stop
 * sessions (pyhooks/debug.c), with interception suspended, so nothing of it is recorded or
 * replayed.  A TCP port listens in the network namespace retrace-replay was started in (the
 * editor's), not the replay's own.
 */
static int dap_accept(const char *where)
{
	const char *colon = strrchr(where, ':');
	int fd;
	if (strncmp(where, "127.0.0.1:", 10) == 0 && colon == where + 9) {
		long port = strtol(colon + 1, NULL, 10); /* checked with the options */
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		int one = 1;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1) != 0) {
			tool_msg("--dap %s: %s", where, strerror(errno));
			exit(RETRACE_EXIT_ERROR);
		}
	} else {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		if (strlen(where) >= sizeof a.sun_path)
			tool_usage_error("--dap: the socket path is too long");
		memcpy(a.sun_path, where, strlen(where));
		struct stat st;
		if (lstat(where, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(where); /* a socket left by an earlier replay */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1) != 0) {
			tool_msg("--dap %s: %s", where, strerror(errno));
			exit(RETRACE_EXIT_ERROR);
		}
	}
	tool_msg("waiting for a debugger (DAP) to attach on %s", where);
	int c;
	do
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	while (c < 0 && errno == EINTR);
	if (c < 0) {
		tool_msg("--dap %s: accept: %s", where, strerror(errno));
		exit(RETRACE_EXIT_ERROR);
	}
	close(fd);
	if (where[0] == '/')
		unlink(where); /* one editor: the next finds nothing to attach to, not a dead socket */
	return c;
}

/* ---------------------------------------------------------------------------------------------
 * Running the program.
 */
static volatile pid_t child_pid;

/* SIGINT/SIGQUIT/SIGHUP/SIGTERM for us are meant for the program.  One that came from the
 * terminal (si_code SI_KERNEL) went to the whole foreground process group, the program
 * included, so forwarding it would deliver it twice. */
static void forward_signal(int sig, siginfo_t *si, void *context)
{
	int saved = errno;

	if (si->si_code != SI_KERNEL && child_pid > 0)
		kill(child_pid, sig);
	errno = saved;
}

static const int forwarded_signals[] = { SIGINT, SIGQUIT, SIGHUP, SIGTERM };

/* What the child tells the parent through a close-on-exec pipe when it cannot exec. */
struct child_failure {
	int step; /* 0: setting up the status fd, 1: execve */
	int err;
};

static _Noreturn void run_child(const struct replay_plan *p, int status_w, int report_w,
				int dap_fd, const sigset_t *mask)
{
	struct child_failure f = { 0, 0 };

	/* What the program inherited when recorded, not what we did: a replay run from a background
	 * job (SIGINT ignored) of a program recorded at a terminal must still get its KeyboardInterrupt
	 * (CPython installs its handler only where SIGINT is not ignored).  An exec keeps SIG_IGN and
	 * resets handlers, so setting each to SIG_IGN or SIG_DFL here is what the program sees. */
	if (p->has_signals) {
		sigset_t recorded;
		sigemptyset(&recorded);
		for (int sig = 1; sig <= 64; sig++) {
			if (sig == SIGKILL || sig == SIGSTOP || (sig > 31 && sig < SIGRTMIN))
				continue; /* glibc's own (32, 33): not the program's */
			signal(sig, (p->ignored_signals >> (sig - 1)) & 1 ? SIG_IGN : SIG_DFL);
			if ((p->blocked_signals >> (sig - 1)) & 1)
				sigaddset(&recorded, sig);
		}
		sigprocmask(SIG_SETMASK, &recorded, NULL);
	} else {
		sigprocmask(SIG_SETMASK, mask, NULL);
	}
	/* The program gets no fd of ours but the status channel (and the DAP socket): what it
	 * inherited when recorded it finds again from the trace (placeholders, interpose/fdtable.c),
	 * and a stray fd of the replayer's, at a number the recording gave a file, would make the
	 * replay diverge.  The dup2s below give their targets without O_CLOEXEC. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
		for (int fd = 3; fd < 4096; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* The report pipe must survive the dup2 below; F_DUPFD_CLOEXEC picks a free fd. */
	if (report_w == p->status_fd)
		report_w = fcntl(report_w, F_DUPFD_CLOEXEC, 0);
	if (status_w == p->status_fd) {
		if (fcntl(status_w, F_SETFD, 0) != 0)
			goto fail;
	} else {
		/* dup2 leaves the new fd without O_CLOEXEC: the library needs it after exec */
		if (dup2(status_w, p->status_fd) < 0)
			goto fail;
		close(status_w);
	}
	if (dap_fd >= 0 && (dap_fd == p->status_fd - DAP_FD_BELOW ? fcntl(dap_fd, F_SETFD, 0)
				: dup2(dap_fd, p->status_fd - DAP_FD_BELOW)) < 0)
		goto fail;
	f.step = 1;
	execve(p->exe, p->argv, p->env);
fail:
	f.err = errno;
	if (write(report_w, &f, sizeof f) < 0) {
		/* nothing left to tell it with; the exit status still says something went wrong */
	}
	_exit(RETRACE_EXIT_ERROR);
}

/* The child's report, if it failed before running the program: then its exit status is ours,
 * not the program's, and the message comes from here. */
static void check_child_started(const struct replay_plan *p, int report_r, pid_t pid)
{
	struct child_failure f;
	ssize_t n;

	do
		n = read(report_r, &f, sizeof f);
	while (n < 0 && errno == EINTR);
	close(report_r);
	if (n != (ssize_t)sizeof f)
		return; /* closed by a successful exec */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (f.step == 0) {
		tool_msg("cannot give the replayed program its status channel on fd %d: %s%s",
			 p->status_fd, strerror(f.err),
			 f.err == EBADF ? " (the open-file limit, ulimit -n, is below it; raise it to "
					  "what the recording had)" : "");
		exit(RETRACE_EXIT_ERROR);
	}
	fprintf(stderr, "%s: cannot run the recorded program ", tool_name);
	tool_print_escaped(stderr, (const uint8_t *)p->exe, strlen(p->exe));
	fprintf(stderr, ": %s%s\n", strerror(f.err),
		f.err == ENOENT ? " (replay needs the same executable at the same path as the "
				  "recording)" : "");
	exit(f.err == ENOENT || f.err == ENOTDIR ? RETRACE_EXIT_NOTFOUND : RETRACE_EXIT_NOEXEC);
}

/* The status channel: libretrace's messages as text, when the program has moved its own stderr
 * away (they are printed here, on ours), and its verdict as a NUL and one byte (msg.c). */
struct channel {
	int fd;
	int after_nul; /* the next byte is the verdict */
	char verdict;
	/* RETRACE_STATUS_RESTART's settings, which follow it up to a NUL */
	char restart[12288];
	size_t nrestart;
	int in_restart;
};

static void channel_take(struct channel *c)
{
	char buf[4096];
	ssize_t n;
	while ((n = read(c->fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n;) {
			if (c->after_nul) {
				c->verdict = buf[i++];
				c->after_nul = 0;
				c->in_restart = c->verdict == RETRACE_STATUS_RESTART;
				continue;
			}
			if (c->in_restart) {
				if (buf[i] == 0)
					c->in_restart = 0;
				else if (c->nrestart + 1 < sizeof c->restart)
					c->restart[c->nrestart++] = buf[i];
				i++;
				continue;
			}
			char *nul = memchr(buf + i, '\0', (size_t)(n - i));
			size_t k = nul ? (size_t)(nul - (buf + i)) : (size_t)(n - i);
			fwrite(buf + i, 1, k, stderr);
			i += (ssize_t)k;
			if (nul) {
				c->after_nul = 1;
				i++;
			}
		}
		fflush(stderr);
	}
}

/* Waits for the replayed program, printing what comes through the channel meanwhile (so a long
 * report never fills the pipe).  Returns the verdict, 0 for none. */
static char wait_replayed(pid_t pid, int status_r, int *wstatus, struct channel *cp)
{
	struct channel *c = cp;
	*c = (struct channel){ .fd = status_r };
	fcntl(status_r, F_SETFL, O_NONBLOCK);
	/* the program's end wakes the poll through its pidfd; without one (a kernel before 5.3),
	 * a bounded wait */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int channel_open = 1;
	for (;;) {
		pid_t w = waitpid(pid, wstatus, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			tool_msg("cannot wait for the replayed program: %s", strerror(errno));
			exit(RETRACE_EXIT_ERROR);
		}
		struct pollfd pfd[2] = { { .fd = channel_open ? status_r : -1, .events = POLLIN },
					 { .fd = pidfd, .events = POLLIN } };
		int r = poll(pfd, 2, pidfd >= 0 ? -1 : 50);
		if (r > 0 && (pfd[0].revents & (POLLIN | POLLHUP))) {
			channel_take(c);
			/* every writer gone (the program exited): only the pidfd is left to wait on */
			if ((pfd[0].revents & POLLHUP) && !(pfd[0].revents & POLLIN))
				channel_open = 0;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	/* Non-blocking: a child of the program may still hold the pipe's write end open. */
	channel_take(c);
	return c->verdict;
}

static _Noreturn void die_by_signal(int sig)
{
	struct rlimit core;

	tool_remove_unsealed(); /* no atexit on this way out */
	/* the program already dumped its core if it was going to; do not add ours */
	if (getrlimit(RLIMIT_CORE, &core) == 0) {
		core.rlim_cur = 0;
		setrlimit(RLIMIT_CORE, &core);
	}
	if (sig != SIGKILL && sig != SIGSTOP) {
		sigset_t set;

		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	}
	kill(getpid(), sig);
	/* Still here: the signal's default action is to ignore it or to stop, and we were
	 * continued.  The shell convention is the closest we can come. */
	exit(128 + sig);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void isolate_network(void)
{
	if (unshare(CLONE_NEWNET) == 0)
		return;
	if (errno == EPERM || errno == EINVAL || errno == ENOSPC) {
		tool_msg("warning: cannot give the replay its own network namespace (%s); it runs "
			 "with this host's network (run as root to isolate it, or pass --no-netns)",
			 strerror(errno));
		return;
	}
	tool_msg("cannot create a network namespace for the replay: %s; pass --no-netns to "
		 "replay without one", strerror(errno));
	exit(RETRACE_EXIT_ERROR);
}

int main(int argc, char **argv)
{
	enum { OPT_NO_NETNS = 256, OPT_HELP, OPT_VERSION, OPT_REPORT_JSON, OPT_KEEP_GOING,
	       OPT_STALL_TIMEOUT, OPT_ALLOW_PROGRAM, OPT_KEY, OPT_BREAK, OPT_BREAK_EXC,
	       OPT_BREAK_DIV, OPT_DAP };
	static const struct option options[] = {
		{ "no-netns", no_argument, NULL, OPT_NO_NETNS },
		{ "report-json", required_argument, NULL, OPT_REPORT_JSON },
		{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
		{ "allow-program", no_argument, NULL, OPT_ALLOW_PROGRAM },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "stall-timeout", required_argument, NULL, OPT_STALL_TIMEOUT },
		{ "break", required_argument, NULL, OPT_BREAK },
		{ "break-on-exception", optional_argument, NULL, OPT_BREAK_EXC },
		{ "break-at-divergence", no_argument, NULL, OPT_BREAK_DIV },
		{ "dap", required_argument, NULL, OPT_DAP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int netns = 1, verbose = 0, keep_going = 0, allow_program = 0, opt;
	static char *report; /* absolute: the replay runs in the recorded cwd; kept until exit */
	const char *stall = NULL, *key = NULL;
	static struct break_options breaks = { .dap_fd = -1 };

	opterr = 0;
	/* Permuting (no '+'): options may follow TRACE; "--" ends them before CMD. */
	while ((opt = getopt_long(argc, argv, ":v", options, NULL)) != -1) {
		switch (opt) {
		case OPT_NO_NETNS:
			netns = 0;
			break;
		case 'v':
			verbose = 1;
			break;
		case OPT_KEEP_GOING:
			keep_going = 1;
			break;
		case OPT_ALLOW_PROGRAM:
			allow_program = 1;
			break;
		case OPT_KEY:
			key = optarg;
			break;
		case OPT_BREAK:
			add_break(&breaks, optarg);
			break;
		case OPT_BREAK_EXC:
			if (optarg && strcmp(optarg, "uncaught") != 0 && strcmp(optarg, "raised") != 0)
				tool_usage_error("--break-on-exception takes nothing, =raised or =uncaught");
			breaks.exceptions = optarg ? optarg : "raised";
			break;
		case OPT_BREAK_DIV:
			breaks.divergence = 1;
			break;
		case OPT_DAP: {
			/* a relative socket path is the caller's: the replay runs in the recorded cwd */
			static char dap[PATH_MAX];
			char here[PATH_MAX];
			if (strncmp(optarg, "127.0.0.1:", 10) == 0) {
				char *end;
				long port = strtol(optarg + 10, &end, 10);
				if (*end || end == optarg + 10 || port < 1 || port > 65535)
					tool_usage_error("--dap takes a socket path or 127.0.0.1:PORT");
				snprintf(dap, sizeof dap, "%s", optarg);
			} else if (optarg[0] == '/')
				snprintf(dap, sizeof dap, "%s", optarg);
			else if (!getcwd(here, sizeof here) ||
				 snprintf(dap, sizeof dap, "%s/%s", here, optarg) >= (int)sizeof dap)
				tool_usage_error("--dap: cannot resolve %s", optarg);
			breaks.dap = dap;
			break;
		}
		case OPT_STALL_TIMEOUT: {
			char *end;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || !(v > 0 && v <= 3600))
				tool_usage_error("--stall-timeout takes seconds, more than 0 and at most 3600");
			stall = optarg;
			break;
		}
		case OPT_REPORT_JSON: {
			char here[PATH_MAX];
			free(report);
			if (optarg[0] == '/')
				report = strdup(optarg);
			else if (!getcwd(here, sizeof here) || asprintf(&report, "%s/%s", here, optarg) < 0)
				report = NULL;
			if (!report) {
				tool_msg("cannot resolve --report-json %s: %s", optarg, strerror(errno));
				return RETRACE_EXIT_ERROR;
			}
			break;
		}
		case OPT_HELP:
			usage();
			return 0;
		case OPT_VERSION:
			tool_print_version();
			return 0;
		default:
			tool_bad_option(opt, argv[optind - 1]);
		}
	}
	if (optind >= argc)
		tool_usage_error("no trace given");
	const char *trace = argv[optind];
	char **given = argv + optind + 1;
	size_t ngiven = (size_t)(argc - optind - 1);

	char trace_abs[PATH_MAX], target_abs[PATH_MAX];
	if (realpath(trace, trace_abs) == NULL) {
		tool_msg("%s: %s", trace, strerror(errno));
		return RETRACE_EXIT_BAD_TRACE;
	}
	/* A sealed trace replays from an unsealed copy, its children's traces beside it, under the
	 * same names (libretrace finds a child's trace by its name). */
	const char *plain = tool_plain_trace(trace_abs, key);
	if (plain != trace_abs) {
		snprintf(trace_abs, sizeof trace_abs, "%s", plain);
		trace = plain;
	}
	static char *root; /* kept until exit, like plan */
	root = fork_root(trace_abs);
	const char *fork_target = NULL;
	if (root != NULL) {
		snprintf(target_abs, sizeof target_abs, "%s", trace_abs);
		snprintf(trace_abs, sizeof trace_abs, "%s", root);
		fork_target = target_abs;
		trace = root;
	}

	/* static: kept until exit, as LeakSanitizer then sees (make check-asan) */
	static struct replay_plan plan;
	load_plan(trace, verbose, &plan);
	check_program(&plan, trace, ngiven > 0, allow_program);
	if (ngiven > 0)
		check_command(&plan, given, ngiven);
	/* what runs, for a user at a terminal (a script comparing outputs gets only the program's) */
	if (verbose || isatty(STDERR_FILENO)) {
		fprintf(stderr, "%s: replaying ", tool_name);
		print_command(stderr, plan.argv, plan.argc);
	}
	if (plan.cwd[0] == '\0') {
		/* the recorded process could not tell (its directory had been removed) */
		tool_msg("warning: %s does not record a working directory; replaying in this one",
			 trace);
	} else if (chdir(plan.cwd) != 0 && errno != ENOENT) {
		/* (a directory that is gone, the recording replayed elsewhere, is no obstacle: the
		 * program's paths resolve against the recorded cwd, whose files are in the trace) */
		int err = errno;
		fprintf(stderr, "%s: cannot enter the recorded working directory ", tool_name);
		tool_print_escaped(stderr, (const uint8_t *)plan.cwd, strlen(plan.cwd));
		fprintf(stderr, ": %s; replay runs where the recording ran\n", strerror(err));
		return RETRACE_EXIT_ERROR;
	}
	check_terminal(&breaks);
	if (breaks.dap)
		breaks.dap_fd = dap_accept(breaks.dap);
	build_environment(&plan, trace_abs, report, keep_going, stall, fork_target, &breaks);

	int persona = personality(0xffffffff);
	if (persona == -1 || personality((unsigned long)persona | ADDR_NO_RANDOMIZE) == -1)
		tool_msg("warning: cannot turn off address randomization (personality: %s); "
			 "libretrace will try again", strerror(errno));
	if (netns)
		isolate_network();

	/* One run, or more when pdb's back restarts the replay (the same plan, other stops). */
	int wstatus;
	char verdict;
	double replay_s;
	static struct channel channel; /* static: 12 KiB */
	for (;;) {
		int status_pipe[2], report_pipe[2];
		if (pipe2(status_pipe, O_CLOEXEC) != 0 || pipe2(report_pipe, O_CLOEXEC) != 0) {
			tool_msg("cannot create a pipe: %s", strerror(errno));
			return RETRACE_EXIT_ERROR;
		}

		/* Blocked across the fork: a signal before the handlers are in place must not kill us and
		 * orphan the program.  The child restores the caller's mask before exec. */
		sigset_t forwarded, caller_mask;
		sigemptyset(&forwarded);
		for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++)
			sigaddset(&forwarded, forwarded_signals[i]);
		sigprocmask(SIG_BLOCK, &forwarded, &caller_mask);

		struct timespec started;
		clock_gettime(CLOCK_MONOTONIC, &started);
		pid_t pid = fork();
		if (pid < 0) {
			tool_msg("cannot fork: %s", strerror(errno));
			return RETRACE_EXIT_ERROR;
		}
		if (pid == 0) {
			close(status_pipe[0]);
			close(report_pipe[0]);
			run_child(&plan, status_pipe[1], report_pipe[1], breaks.dap_fd, &caller_mask);
		}
		close(status_pipe[1]);
		close(report_pipe[1]);

		child_pid = pid;
		struct sigaction sa = { .sa_sigaction = forward_signal, .sa_flags = SA_SIGINFO | SA_RESTART };
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++) {
			struct sigaction old;

			/* ignored when we started (a background job's SIGINT): the program inherited that
			 * too, so leave it ignored rather than start passing it on */
			if (sigaction(forwarded_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
				continue;
			sigaction(forwarded_signals[i], &sa, NULL);
		}
		sigprocmask(SIG_SETMASK, &caller_mask, NULL);

		check_child_started(&plan, report_pipe[0], pid);

		verdict = wait_replayed(pid, status_pipe[0], &wstatus, &channel);
		replay_s = seconds_since(&started);
		close(status_pipe[0]);
		if (verdict != RETRACE_STATUS_RESTART)
			break;
		/* pdb's back or lastchange: the same replay again, to stop earlier (interpose/debug.c) */
		take_restart(&breaks, channel.restart);
		build_environment(&plan, trace_abs, report, keep_going, stall, fork_target, &breaks);
}
	if (verdict == RETRACE_STATUS_DIVERGED)
		return RETRACE_EXIT_DIVERGED;
	if (verdict == RETRACE_STATUS_TRACE_END)
		return RETRACE_EXIT_TRACE_END;

	if (verbose) {
		fprintf(stderr, "%s: replayed %llu events of %s (recorded wall time ", tool_name,
			(unsigned long long)plan.nevents, trace);
		if (plan.recorded_ns >= 0)
			fprintf(stderr, "%.3f s", (double)plan.recorded_ns / 1e9);
		else
			fputs("unknown", stderr);
		fprintf(stderr, ", replay %.3f s)\n", replay_s);
	}
	if (WIFSIGNALED(wstatus))
		die_by_signal(WTERMSIG(wstatus));
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : RETRACE_EXIT_ERROR;
}
