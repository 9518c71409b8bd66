/* retrace-entrypoint — a container's ENTRYPOINT: run the image's command as PID 1's child, and
 * record it into a shared trace directory when the environment asks for it.
 *
 * Configured by RETRACE_* variables only (an image is configured by its environment), and
 * forgiving about them: a bad value is a warning and an unrecorded run, never a service that
 * does not start.  Supervision (signals, zombies, the exit status) is supervise.h's, the
 * environment of a recording launch.h's (the same as retrace-record's), the directory, its
 * names, locks and retention tracedir.h's.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "launch.h"
#include "seal.h"
#include "supervise.h"
#include "tracedir.h"

const char tool_name[] = "retrace-entrypoint";

#define DEFAULT_DIR "/var/lib/retrace"
/* Below this much free space a recording would be cut off before it says anything useful. */
#define MIN_FREE_BYTES (1024 * 1024)

static void usage(void)
{
	printf("Usage: %s [--key FILE] [--] CMD [ARG...]\n"
	       "Run CMD as a container's main process: signals forwarded, zombies reaped, its\n"
	       "exit status passed on; and record it with libretrace when the environment says so.\n"
	       "\n"
	       "  RETRACE_CAPTURE=on|off|FRACTION  record every start, none, or that fraction (on)\n"
	       "  RETRACE_DIR=DIR          where traces go (" DEFAULT_DIR ")\n"
	       "  RETRACE_KEEP=all|failed  keep every trace, or only those of failed runs (all)\n"
	       "  RETRACE_RETAIN_COUNT=N   keep at most N traces in DIR, oldest deleted first\n"
	       "  RETRACE_RETAIN_BYTES=N   ... at most N bytes of them (suffixes K, M, G, T)\n"
	       "  RETRACE_RETAIN_DAYS=N    ... none older than N days\n"
	       "  RETRACE_COMPRESS=on|off  compress traces (on)\n"
	       "  RETRACE_PUBLIC_KEY=FILE  encrypt traces to FILE, a retrace-keygen NAME.pub\n"
	       "  RETRACE_REDACT=PATTERNS  environment variables whose values are not recorded\n"
	       "                           (read by libretrace; see libretrace(7))\n"
	       "  RETRACE_REPLAY=TRACE     replay TRACE with retrace-replay instead of running CMD\n"
	       "                           (--key FILE or RETRACE_SECRET_KEY: the secret key of\n"
	       "                           an encrypted one)\n"
	       "  --help, --version\n"
	       "\n"
	       "A bad value is a warning, and CMD runs unrecorded.\n"
	       "Exit status: that of CMD (128+N as PID 1 when it died of signal N, else the same\n"
	       "signal); 94 for a usage error, 95 if CMD cannot be started, 126 if it cannot be\n"
	       "executed, 127 if it is not found.  See retrace-entrypoint(1).\n",
	       tool_name);
}

struct config {
	int record;                    /* this start is recorded */
	const char *dir;
	int keep_failed_only;
	struct tracedir_limits limits;
	struct seal_opts seal;
};

/* A setting that cannot be used: say so, and record nothing (rather than something other than
 * what was asked: a plain trace when encryption was wanted, a directory without its limits). */
static void bad_setting(struct config *c, const char *name, const char *value, const char *want)
{
	tool_msg("%s=%s is not %s; the program runs unrecorded", name, value, want);
	c->record = 0;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* RETRACE_CAPTURE: whether this start is recorded. */
static void choose_capture(struct config *c)
{
	const char *v = env("RETRACE_CAPTURE");
	if (!v || strcmp(v, "on") == 0)
		return;
	if (strcmp(v, "off") == 0) {
		c->record = 0;
		return;
	}
	char *end;
	errno = 0;
	double f = strtod(v, &end);
	if (errno || end == v || *end || !(f >= 0 && f <= 1)) {
		bad_setting(c, "RETRACE_CAPTURE", v, "on, off or a fraction between 0 and 1");
		return;
	}
	uint64_t r;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint64_t)time(NULL) * 6364136223846793005ull ^ (uint64_t)getpid();
	/* r / 2^64 < f: 0 never, 1 always */
	if (!((double)r / 18446744073709551616.0 < f))
		c->record = 0;
}

/* A count or a size: decimal digits, for a size optionally K, M, G or T (powers of 1024). */
static long long parse_amount(const char *name, const char *v, int size, struct config *c)
{
	if (!v)
		return -1;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	int shift = 0;
	if (size && *end && !end[1]) {
		const char *units = "KMGT", *u = strchr(units, *end);
		if (u) {
			shift = 10 * (int)(u - units + 1);
			end++;
		}
	}
	if (errno || end == v || *end || v[0] == '-' || v[0] == '+' ||
	    n > (unsigned long long)LLONG_MAX >> shift) {
		bad_setting(c, name, v, size ? "a number of bytes (suffix K, M, G or T)"
					     : "a whole number");
		return -1;
	}
	return (long long)(n << shift);
}

static void read_config(struct config *c)
{
	c->record = 1;
	choose_capture(c);
	c->dir = env("RETRACE_DIR") ? env("RETRACE_DIR") : DEFAULT_DIR;

	const char *keep = env("RETRACE_KEEP");
	if (keep && strcmp(keep, "failed") == 0)
		c->keep_failed_only = 1;
	else if (keep && strcmp(keep, "all") != 0)
		bad_setting(c, "RETRACE_KEEP", keep, "all or failed");

	c->limits.count = parse_amount("RETRACE_RETAIN_COUNT", env("RETRACE_RETAIN_COUNT"), 0, c);
	c->limits.bytes = parse_amount("RETRACE_RETAIN_BYTES", env("RETRACE_RETAIN_BYTES"), 1, c);
	c->limits.days = -1;
	const char *days = env("RETRACE_RETAIN_DAYS");
	if (days) {
		char *end;
		errno = 0;
		double d = strtod(days, &end);
		if (errno || end == days || *end || !(d >= 0) || isinf(d))
			bad_setting(c, "RETRACE_RETAIN_DAYS", days, "a number of days");
		else
			c->limits.days = d;
	}

	const char *compress = env("RETRACE_COMPRESS");
	c->seal.compress = 1;
	if (compress && strcmp(compress, "off") == 0)
		c->seal.compress = 0;
	else if (compress && strcmp(compress, "on") != 0)
		bad_setting(c, "RETRACE_COMPRESS", compress, "on or off");
	c->seal.public_key = env("RETRACE_PUBLIC_KEY");
	char why[4400];
	if (c->record && c->seal.public_key &&
	    seal_check_public_key(c->seal.public_key, why, sizeof why) != 0) {
		tool_msg("RETRACE_PUBLIC_KEY=%s cannot be used: %s; the program runs unrecorded",
			 c->seal.public_key, why);
		c->record = 0;
	}
}

/* Whether traces can be written in dir; else why not. */
static int dir_usable(const char *dir, char *why, size_t n)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		snprintf(why, n, "RETRACE_DIR %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, n, "RETRACE_DIR %s is not a directory", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(why, n, "cannot write in RETRACE_DIR %s: %s", dir, strerror(errno));
		return -1;
	}
	struct statvfs vfs;
	if (statvfs(dir, &vfs) == 0 &&
	    (unsigned long long)vfs.f_bavail * vfs.f_frsize < MIN_FREE_BYTES) {
		snprintf(why, n, "RETRACE_DIR %s is full (%llu bytes free)", dir,
			 (unsigned long long)vfs.f_bavail * vfs.f_frsize);
		return -1;
	}
	return 0;
}

/* What the program's environment would hold had libretrace started and scrubbed it: the
 * program sees the same environment recorded or not. */
static void scrub_retrace_env(void)
{
	extern char **environ;
	char **src = environ, **dst = environ;
	if (!src)
		return;
	for (; *src; src++)
		if (strncmp(*src, "RETRACE_", 8) != 0)
			*dst++ = *src;
	*dst = NULL;
}

/* RETRACE_REPLAY: the same image replays a trace; retrace-replay lives beside us. */
static _Noreturn void replay(const char *trace, const char *key, char **cmd, int ncmd)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0) {
		tool_msg("cannot find our own binary (/proc/self/exe: %s)", strerror(errno));
		exit(RETRACE_EXIT_ERROR);
	}
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(path, sizeof path, "%s/retrace-replay", self);
	char **argv = calloc((size_t)ncmd + 6, sizeof *argv);
	if (!argv)
		exit(RETRACE_EXIT_ERROR);
	int k = 0;
	argv[k++] = path;
	if (key) { /* else retrace-replay takes RETRACE_SECRET_KEY from the environment */
		argv[k++] = "--key";
		argv[k++] = (char *)key;
	}
	argv[k++] = (char *)trace;
	argv[k++] = "--";
	memcpy(argv + k, cmd, (size_t)ncmd * sizeof *argv);
	int status = supervise_run(argv);
	supervise_exit(status < 0 ? RETRACE_EXIT_ERROR << 8 : status);
}

static int failed(int status)
{
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

int main(int argc, char **argv)
{
	enum { OPT_HELP = 256, OPT_VERSION, OPT_KEY };
	static const struct option options[] = {
		{ "key", required_argument, NULL, OPT_KEY },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	const char *key = NULL;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:", options, NULL)) != -1) {
		switch (opt) {
		case OPT_KEY:
			key = optarg;
			break;
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
		tool_usage_error("no command given");
	char **cmd = argv + optind;
	int ncmd = argc - optind;

	if (env("RETRACE_REPLAY"))
		replay(env("RETRACE_REPLAY"), key, cmd, ncmd);
	if (key)
		tool_usage_error("--key is the secret key of RETRACE_REPLAY's trace, and it is not set");

	struct config c;
	read_config(&c);
	struct tracedir_run run = { .lock_fd = -1 };
	char why[4400], lib[PATH_MAX];
	if (c.record && dir_usable(c.dir, why, sizeof why) != 0) {
		tool_msg("%s; the program runs unrecorded", why);
		c.record = 0;
	}
	if (c.record)
		tracedir_recover(c.dir, &c.seal);
	if (c.record && tracedir_begin(c.dir, cmd[0], &run, why, sizeof why) != 0) {
		tool_msg("%s; the program runs unrecorded", why);
		c.record = 0;
	}
	if (c.record && trace_output_usable(run.part, why, sizeof why) != 0) {
		tool_msg("cannot record to %s: %s; the program runs unrecorded", run.part, why);
		tracedir_finish(&run, 0, &c.seal);
		c.record = 0;
	}
	if (c.record && (tool_find_libretrace(lib, sizeof lib) != 0 ||
			 launch_record_env(lib, run.part, cmd, (size_t)ncmd) != 0)) {
		tool_msg("the program runs unrecorded");
		tracedir_finish(&run, 0, &c.seal);
		c.record = 0;
	}
	if (c.record)
		launch_aslr_off();
	else
		scrub_retrace_env();

	int status = supervise_run(cmd);
	if (c.record) {
		tracedir_finish(&run, status >= 0 && (!c.keep_failed_only || failed(status)), &c.seal);
		const char *slash = strrchr(run.final, '/');
		tracedir_prune(c.dir, &c.limits, slash + 1);
	}
	if (status < 0)
		return RETRACE_EXIT_ERROR;
	supervise_exit(status);
}
