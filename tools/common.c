/* common.c — helpers shared by the retrace command-line tools.
 *
 * Linked into every tool: the Makefile treats each .c file in tools/ that is not a command as
 * common code.  Nothing here runs inside the recorded program, so plain stdio and malloc are fine.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "seal.h"

void tool_msg(const char *fmt, ...)
{
	va_list ap;

	/* stdout may hold part of a dump: flush it so the message lands after what came before */
	fflush(stdout);
	/* Messages name trace strings (paths, argv, the environment): escaped as a whole, so no
	 * byte of a trace reaches the terminal raw (format/text.c). */
	char raw[4096], shown[4 * sizeof raw];
	va_start(ap, fmt);
	int n = vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	trace_text_escape(shown, sizeof shown, (const uint8_t *)raw,
			  (size_t)n < sizeof raw ? (size_t)n : sizeof raw - 1);
	fprintf(stderr, "%s: %s\n", tool_name, shown);
}

_Noreturn void tool_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", tool_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", tool_name);
	exit(RETRACE_EXIT_USAGE);
}

_Noreturn void tool_bad_option(int what, const char *arg)
{
	const char *problem = what == ':' ? "needs an argument" : "is not known";
	char name[] = { '-', (char)optopt, '\0' };

	/* getopt sets optopt to the letter of a short option; for a long one it is the option's
	 * value or 0, and argv[optind - 1] is the option as written. */
	if (optopt > 0 && optopt < 128 && arg != NULL && strncmp(arg, "--", 2) != 0)
		tool_usage_error("option '%s' %s", name, problem);
	if (what == '?' && arg != NULL && strchr(arg, '=') != NULL)
		problem = "takes no argument, or is not known";
	tool_usage_error("option '%s' %s", arg != NULL ? arg : "?", problem);
}

void tool_print_version(void)
{
	printf("%s %s\n", tool_name, RETRACE_VERSION);
}

int tool_find_libretrace(char *out, size_t size)
{
	char self[PATH_MAX], guess[PATH_MAX + 32], resolved[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n < 0) {
		tool_msg("cannot find our own binary (/proc/self/exe: %s); is /proc mounted?",
			 strerror(errno));
		return -1;
	}
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	/* build/bin/../lib/libretrace.so in the build tree; PREFIX/lib/retrace/libretrace.so when
	 * installed (a private directory: it is no library for the linker to find) */
	snprintf(guess, sizeof guess, "%s/../lib/libretrace.so", self);
	if (realpath(guess, resolved) == NULL) {
		snprintf(guess, sizeof guess, "%s/../lib/retrace/libretrace.so", self);
		if (realpath(guess, resolved) == NULL) {
			tool_msg("cannot find libretrace.so at %s/../lib/ or %s/../lib/retrace/: %s; run "
				 "make, or reinstall retrace", self, self, strerror(errno));
			return -1;
		}
	}
	if (strlen(resolved) >= size) {
		tool_msg("path of libretrace.so is too long: %s", resolved);
		return -1;
	}
	strcpy(out, resolved);
	return 0;
}

int tool_exit_for_trace_status(enum trace_status code)
{
	/* Running out of memory is our failure, not the trace's; every other refusal means the
	 * file cannot be used as a trace. */
	return code == TRACE_E_NOMEM ? RETRACE_EXIT_ERROR : RETRACE_EXIT_BAD_TRACE;
}

size_t tool_utf8_sequence_len(const uint8_t *s, size_t avail)
{
	return trace_utf8_len(s, avail);
}

#define sequence_is_unprintable trace_text_unprintable

static int shell_safe_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != 0 && strchr("@%+=:,./-_", c) != NULL);
}

/* Bytes as text: printable UTF-8 as is, with a backslash before each byte in `specials`;
 * control bytes and bytes that are not UTF-8 as \xNN. */
static void print_backslashed(FILE *f, const uint8_t *s, size_t len, const char *specials)
{
	for (size_t i = 0; i < len;) {
		size_t n = tool_utf8_sequence_len(s + i, len - i);

		if (sequence_is_unprintable(s + i, n)) {
			size_t k = n ? n : 1;
			for (size_t j = 0; j < k; j++)
				fprintf(f, "\\x%02x", s[i + j]);
			i += k;
			continue;
		}
		if (s[i] && strchr(specials, s[i]))
			fputc('\\', f);
		fwrite(s + i, 1, n, f);
		i += n;
	}
}

void tool_print_shell_word(FILE *f, const uint8_t *s, size_t len)
{
	int plain = len > 0, needs_ansi_c = 0;

	for (size_t i = 0; i < len;) {
		size_t n = tool_utf8_sequence_len(s + i, len - i);

		if (sequence_is_unprintable(s + i, n))
			needs_ansi_c = 1;
		if (n != 1 || !shell_safe_byte(s[i]))
			plain = 0;
		i += n ? n : 1;
	}
	if (plain) {
		fwrite(s, 1, len, f);
		return;
	}
	if (!needs_ansi_c) {
		fputc('\'', f);
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\'')
				fputs("'\\''", f);
			else
				fputc(s[i], f);
		}
		fputc('\'', f);
		return;
	}
	/* Control bytes or bytes that are not UTF-8: plain quotes would print them raw. */
	fputs("$'", f);
	print_backslashed(f, s, len, "'\\");
	fputc('\'', f);
}

void tool_print_escaped(FILE *f, const uint8_t *s, size_t len)
{
	print_backslashed(f, s, len, "\\");
}

void tool_print_hex(FILE *f, const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02x", s[i]);
}

/* The unsealed copy a tool reads (seal_open_plain), removed at exit. */
static char *unsealed_plain, *unsealed_dir;

void tool_remove_unsealed(void)
{
	seal_cleanup(unsealed_plain, unsealed_dir);
	unsealed_plain = unsealed_dir = NULL;
}

const char *tool_plain_trace(const char *path, const char *secret_key)
{
	char why[2 * PATH_MAX + 300];
	int rc = seal_open_plain(path, secret_key, &unsealed_plain, &unsealed_dir, why, sizeof why);
	if (rc != 0) {
		tool_msg("%s", why);
		exit(rc);
	}
	if (!unsealed_dir)
		return path;
	atexit(tool_remove_unsealed);
	return unsealed_plain;
}

int tool_write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t tool_read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}
