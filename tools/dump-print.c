/* dump-print.c — the text and JSON printing primitives retrace-dump's parts share. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dump.h"

void print_ns_as_seconds(int64_t ns)
{
	/* unsigned, so INT64_MIN has a magnitude too */
	uint64_t mag = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	printf("%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "", mag / 1000000000u,
	       mag % 1000000000u);
}

void print_utc(int64_t ns)
{
	/* floor division: a time before 1970 still gets a fraction in 0..999999999 */
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	char buf[64];
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		printf("(out of range: %" PRId64 " ns)", ns);
		return;
	}
	printf("%s.%09" PRId64 "Z", buf, frac);
}

static void print_words_line(const char *label, const ProtobufCBinaryData *words, size_t n)
{
	printf("%-13s", label);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			putchar(' ');
		tool_print_shell_word(stdout, words[i].data, words[i].len);
	}
	putchar('\n');
}

void print_command_text(const Retrace__Header *h)
{
	print_words_line("command:", h->argv, h->n_argv);
	/* the program that ran last was reached through execs (a pyenv shim, `env python3`) */
	if (h->n_command)
		print_words_line("typed:", h->command, h->n_command);
}

/* A string from a trace in double quotes, escaped like every other byte string, and with its
 * own quotes escaped so where it ends is never in doubt. */
void print_quoted(const uint8_t *s, size_t len)
{
	putchar('"');
	for (;;) {
		const uint8_t *quote = memchr(s, '"', len);
		size_t k = quote != NULL ? (size_t)(quote - s) : len;

		tool_print_escaped(stdout, s, k);
		if (quote == NULL)
			break;
		fputs("\\\"", stdout);
		s += k + 1;
		len -= k + 1;
	}
	putchar('"');
}

/* ---------------------------------------------------------------------------------------------
 * JSON output: one object per line.  Byte strings are UTF-8 where they are valid UTF-8; any
 * other byte becomes \u00XX (so the mapping to text is lossy for those, but always valid JSON).
 */
void json_string(const uint8_t *s, size_t len)
{
	putchar('"');
	for (size_t i = 0; i < len;) {
		size_t n = tool_utf8_sequence_len(s + i, len - i);
		uint8_t c = s[i];

		if (n == 0 || c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': fputs("\\n", stdout); break;
			case '\t': fputs("\\t", stdout); break;
			case '\r': fputs("\\r", stdout); break;
			default: printf("\\u%04x", c); break;
			}
			i++;
			continue;
		}
		if (c == '"' || c == '\\')
			putchar('\\');
		fwrite(s + i, 1, n, stdout);
		i += n;
	}
	putchar('"');
}

void json_cstring(const char *s)
{
	json_string((const uint8_t *)(s != NULL ? s : ""), s != NULL ? strlen(s) : 0);
}

void json_key(const char *key)
{
	printf(",\"%s\":", key);
}

void json_bytes_array(const ProtobufCBinaryData *items, size_t n)
{
	putchar('[');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			putchar(',');
		json_string(items[i].data, items[i].len);
	}
	putchar(']');
}

int finish_output(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the dump: %s\n", tool_name, strerror(errno));
		return RETRACE_EXIT_ERROR;
	}
	return status;
}

