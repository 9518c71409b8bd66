/* retrace-record — run a command with libretrace preloaded in record mode.
 *
 * The same as `LD_PRELOAD=/abs/libretrace.so RETRACE_MODE=record CMD`, with the library found
 * next to this binary and ASLR already off.  The trace is sealed (compressed, and encrypted with
 * --public-key) once the command has ended, so the command runs as our child (supervise.h) and
 * we end as it did afterwards; with --no-compress and no key there is nothing to do afterwards,
 * and the command is executed in our place (no fork).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "launch.h"
#include "seal.h"
#include "supervise.h"

const char tool_name[] = "retrace-record";

static void usage(void)
{
	printf("Usage: %s [-o FILE] [--no-compress] [--public-key FILE] [--write-bytes]\n"
	       "       [--python-stacks] [--redact=PATTERNS | --no-redact] [--] CMD [ARG...]\n"
	       "Run CMD with libretrace preloaded and record what it learns from outside.\n"
	       "\n"
	       "  -o, --output=FILE  write the trace to FILE (default: ./trace.pb; an existing\n"
	       "                     trace is kept as FILE.old)\n"
	       "      --no-compress  leave the trace as recorded, not compressed (zstd)\n"
	       "      --public-key=FILE  encrypt the trace to FILE, a retrace-keygen NAME.pub\n"
	       "                     (default: $RETRACE_PUBLIC_KEY); only its secret key reads it\n"
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
	       "The trace is sealed (compressed, encrypted) when CMD has ended; every retrace\n"
	       "tool reads it as it is.\n"
	       "\n"
	       "Exit status: that of CMD (or its signal); 94 for a usage error or a bad public\n"
	       "key, 95 if retrace cannot start, 126 if CMD cannot be executed, 127 if it is\n"
	       "not found.\n"
	       "Replay the trace with retrace-replay(1); see retrace-record(1).\n",
	       tool_name);
}

static void set_env(const char *name, const char *value)
{
	if (launch_setenv(name, value) != 0)
		exit(RETRACE_EXIT_ERROR);
}

/* The trace file's identity before the program runs, so that only a trace this run wrote is
 * sealed: when the program never starts libretrace (it cannot be executed, or is not
 * dynamically linked), what is at the path is an older recording, sealed already or not ours to
 * change. */
struct file_id {
	int exists;
	dev_t dev;
	ino_t ino;
};

static struct file_id file_id_of(const char *path)
{
	struct stat st;
	struct file_id id = { 0, 0, 0 };
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		id = (struct file_id){ 1, st.st_dev, st.st_ino };
	return id;
}

/* Run the command as our child, seal what it recorded, then end as it did. */
static _Noreturn void record_and_seal(char *const *cmd, const char *trace, const struct seal_opts *seal)
{
	struct file_id before = file_id_of(trace);
	int status = supervise_run(cmd);
	if (status < 0)
		exit(RETRACE_EXIT_ERROR);
	struct file_id after = file_id_of(trace);
	if (after.exists && (!before.exists || before.dev != after.dev || before.ino != after.ino)) {
		char why[4400];
		if (seal_family(trace, trace, seal, why, sizeof why) != 0)
			tool_msg("warning: cannot seal the trace: %s; it stays as recorded, plain", why);
	}
	supervise_exit(status);
}

int main(int argc, char **argv)
{
	enum { OPT_WRITE_BYTES = 256, OPT_PYTHON_STACKS, OPT_NO_COMPRESS, OPT_PUBLIC_KEY, OPT_REDACT,
	       OPT_NO_REDACT, OPT_HELP, OPT_VERSION };
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "write-bytes", no_argument, NULL, OPT_WRITE_BYTES },
		{ "python-stacks", no_argument, NULL, OPT_PYTHON_STACKS },
		{ "no-compress", no_argument, NULL, OPT_NO_COMPRESS },
		{ "public-key", required_argument, NULL, OPT_PUBLIC_KEY },
		{ "redact", required_argument, NULL, OPT_REDACT },
		{ "no-redact", no_argument, NULL, OPT_NO_REDACT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *redact = NULL;
	int write_bytes = 0, python_stacks = 0, opt;
	char lib[PATH_MAX];
	struct seal_opts seal = { .compress = 1, .public_key = getenv("RETRACE_PUBLIC_KEY") };

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
		case OPT_NO_COMPRESS:
			seal.compress = 0;
			break;
		case OPT_PUBLIC_KEY:
			if (optarg[0] == '\0')
				tool_usage_error("--public-key needs a file name");
			seal.public_key = optarg;
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
	if (seal.public_key != NULL && seal.public_key[0] == '\0')
		seal.public_key = NULL; /* RETRACE_PUBLIC_KEY= set empty: no encryption */
	/* A bad key found now costs nothing; found after the run it would cost the recording. */
	if (seal.public_key != NULL) {
		char why[4400];
		if (seal_check_public_key(seal.public_key, why, sizeof why) != 0) {
			tool_msg("cannot encrypt to %s: %s", seal.public_key, why);
			return RETRACE_EXIT_USAGE;
		}
	}

	if (tool_find_libretrace(lib, sizeof lib) != 0)
		return RETRACE_EXIT_ERROR;
	/* Refused here, before the program runs, rather than run unrecorded (libretrace checks the
	 * same for RETRACE_TRACE given directly). */
	const char *trace = output ? output : "trace.pb";
	char why[4400];
	if (trace_output_usable(trace, why, sizeof why) != 0) {
		tool_msg("cannot record: %s", why);
		return RETRACE_EXIT_USAGE;
	}
	char *const *cmd = argv + optind;
	if (launch_record_env(lib, output, cmd, (size_t)(argc - optind)) != 0)
		return RETRACE_EXIT_ERROR;
	if (write_bytes)
		set_env("RETRACE_WRITE_BYTES", "1");
	if (python_stacks)
		set_env("RETRACE_PYSTACKS", "1");
	/* libretrace reads the patterns itself (format/redact.c); without the option, a
	 * RETRACE_REDACT of the caller's applies, else the defaults */
	if (redact != NULL)
		set_env("RETRACE_REDACT", redact);
	launch_aslr_off();

	if (seal_wanted(&seal))
		record_and_seal(cmd, trace, &seal);
	/* Nothing to do afterwards: the command takes our place, so its exit status and the
	 * signals sent to it are the caller's without a process between. */
	return launch_exec(cmd);
}
