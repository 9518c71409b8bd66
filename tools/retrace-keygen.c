/* retrace-keygen — make the key pair traces are encrypted to.
 *
 * NAME.pub goes to the hosts that record (retrace-record --public-key, RETRACE_PUBLIC_KEY); with
 * it alone they can seal a trace but not read it back.  NAME.key (0600) stays with whoever
 * replays (retrace-replay --key, retrace-dump --key, RETRACE_SECRET_KEY).  The keys are
 * libsodium's crypto_box (X25519) keys; tools/seal.c says how a trace is sealed to them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "seal.h"

const char tool_name[] = "retrace-keygen";

static void usage(void)
{
	printf("Usage: %s NAME\n"
	       "Write a new key pair for encrypted traces: NAME.pub, the public key the recording\n"
	       "hosts encrypt to, and NAME.key (mode 0600), the secret key that reads them.\n"
	       "Neither file may exist yet.\n"
	       "\n"
	       "      --help     show this help and exit\n"
	       "      --version  show the version and exit\n"
	       "\n"
	       "Exit status: 0 when both files are written; 94 for a usage error; 95 when they\n"
	       "cannot be written (nothing is left behind).  See retrace-keygen(1).\n",
	       tool_name);
}

int main(int argc, char **argv)
{
	enum { OPT_HELP = 256, OPT_VERSION };
	static const struct option options[] = {
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (opt) {
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
		tool_usage_error("no NAME given");
	if (argc - optind > 1)
		tool_usage_error("one NAME only");
	if (argv[optind][0] == '\0')
		tool_usage_error("NAME is empty");
	char why[600];
	if (seal_keygen(argv[optind], why, sizeof why) < 0) {
		tool_msg("%s", why);
		return RETRACE_EXIT_ERROR;
	}
	return 0;
}
