/* retrace-record — run a command with libretrace preloaded in record mode.
 *
 * The same as `LD_PRELOAD=/abs/libretrace.so RETRACE_MODE=record CMD`, with the library found
 * next to this binary and ASLR already off.  It execs the command in its own place (no fork), so
 * the command's exit status and signals reach the caller unchanged.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#include "common.h"

const char tool_name[] = "retrace-record";

static void usage(void)
{
	printf("Usage: %s [-o FILE] [--write-bytes] [--python-stacks] [--redact=PATTERNS | --no-redact]\n"
	       "       [--] CMD [ARG...]\n"
	       "Run CMD with libretrace preloaded and record what it learns from outside.\n"
	       "\n"
	       "  -o, --output=FILE  write the trace to FILE (default: ./trace.pb; an existing\n"
	       "                     trace is kept as FILE.old)\n"
	       "      --write-bytes  store the bytes the program writes, not only their hash\n"
	       "      --python-stacks  give every event its whole Python stack, not only the\n"
	       "                     innermost frame; replay then checks the callers too\n"
	       "      --redact=PATTERNS  environment variables whose names match these comma-\n"
	       "                     separated patterns are secrets: the trace holds placeholders\n"
	       "                     for their values (default: RETRACE_REDACT, else\n"
	       "                     " TRACE_REDACT_DEFAULTS "; `default` stands for those)\n"
	       "      --no-redact    keep every value (RETRACE_REDACT=none)\n"
	       "      --help         show this help and exit\n"
	       "      --version      show the version and exit\n"
	       "\n"
	       "Exit status: that of CMD; 94 for a usage error, 95 if retrace cannot start,\n"
	       "126 if CMD cannot be executed, 127 if it is not found.\n"
	       "Replay the trace with retrace-replay(1); see retrace-record(1).\n",
	       tool_name);
}

/* LD_PRELOAD with ours first: an existing value (another preload the user wants) is kept after
 * it, because ld.so binds to the first definition and ours must win. */
static void set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *value;

	if (old == NULL || old[0] == '\0')
		value = strdup(lib);
	else if (asprintf(&value, "%s:%s", lib, old) < 0)
		value = NULL;
	if (value == NULL || setenv("LD_PRELOAD", value, 1) != 0) {
		tool_msg("cannot set LD_PRELOAD: %s", strerror(errno));
		exit(RETRACE_EXIT_ERROR);
	}
	free(value);
}

static void set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1) != 0) {
		tool_msg("cannot set %s: %s", name, strerror(errno));
		exit(RETRACE_EXIT_ERROR);
	}
}

/* The command as the user typed it, for the header: what runs last may be another program
 * reached through execs (a pyenv shim runs env, then bash, then the interpreter), and
 * retrace-replay accepts this command for it (format/command.c). */
static void set_command(char *const *cmd, size_t n)
{
	size_t size = trace_command_size(cmd, n);
	if (size > 65536)
		return; /* too long to be worth it: the header then has only argv */
	char *v = malloc(size);
	if (v == NULL)
		return;
	trace_command_encode(v, cmd, n);
	set_env("RETRACE_COMMAND", v);
	free(v);
}

int main(int argc, char **argv)
{
	enum { OPT_WRITE_BYTES = 256, OPT_PYTHON_STACKS, OPT_REDACT, OPT_NO_REDACT, OPT_HELP,
	       OPT_VERSION };
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "write-bytes", no_argument, NULL, OPT_WRITE_BYTES },
		{ "python-stacks", no_argument, NULL, OPT_PYTHON_STACKS },
		{ "redact", required_argument, NULL, OPT_REDACT },
		{ "no-redact", no_argument, NULL, OPT_NO_REDACT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *redact = NULL;
	int write_bytes = 0, python_stacks = 0, opt;
	char lib[PATH_MAX];

	opterr = 0;
	/* '+': stop at the command, so its own options are not taken for ours */
	while ((opt = getopt_long(argc, argv, "+:o:", options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (optarg[0] == '\0')
				tool_usage_error("-o needs a file name");
			output = optarg;
			break;
		case OPT_WRITE_BYTES:
			write_bytes = 1;
			break;
		case OPT_PYTHON_STACKS:
			python_stacks = 1;
			break;
		case OPT_REDACT:
			if (optarg[0] == '\0')
				tool_usage_error("--redact needs patterns (--no-redact redacts nothing)");
			redact = optarg;
			break;
		case OPT_NO_REDACT:
			redact = "none";
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

	if (tool_find_libretrace(lib, sizeof lib) != 0)
		return RETRACE_EXIT_ERROR;
	set_preload(lib);
	set_env("RETRACE_MODE", "record");
	/* Refused here, before the program runs, rather than run unrecorded (libretrace checks the
	 * same for RETRACE_TRACE given directly). */
	char why[4400];
	if (trace_output_usable(output ? output : "trace.pb", why, sizeof why) != 0) {
		tool_msg("cannot record: %s", why);
		return RETRACE_EXIT_USAGE;
	}
	if (output != NULL)
		set_env("RETRACE_TRACE", output);
	set_command(argv + optind, (size_t)(argc - optind));
	if (write_bytes)
		set_env("RETRACE_WRITE_BYTES", "1");
	if (python_stacks)
		set_env("RETRACE_PYSTACKS", "1");
	/* libretrace reads the patterns itself (format/redact.c); without the option, a
	 * RETRACE_REDACT of the caller's applies, else the defaults */
	if (redact != NULL)
		set_env("RETRACE_REDACT", redact);

	/* With ASLR off now, the library need not re-exec the program to turn it off; the other
	 * persona bits the caller has are kept. */
	int persona = personality(0xffffffff);
	if (persona == -1 || personality((unsigned long)persona | ADDR_NO_RANDOMIZE) == -1)
		tool_msg("warning: cannot turn off address randomization (personality: %s); "
			 "libretrace will try again", strerror(errno));

	execvp(argv[optind], argv + optind);
	int err = errno;
	if (err == ENOENT && strchr(argv[optind], '/') == NULL) {
		tool_msg("%s: command not found", argv[optind]);
		return RETRACE_EXIT_NOTFOUND;
	}
	tool_msg("cannot execute %s: %s", argv[optind], strerror(err));
	return err == ENOENT || err == ENOTDIR ? RETRACE_EXIT_NOTFOUND : RETRACE_EXIT_NOEXEC;
}
