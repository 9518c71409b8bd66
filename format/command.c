/* command.c — the command the user typed, as RETRACE_COMMAND carries it through execs.
 *
 * retrace-record puts the command it was given in the environment; libretrace passes it on
 * through the execs of one chain (a pyenv shim runs env, then bash, then the interpreter) and
 * writes it to the header, where retrace-replay accepts it (Header.command).  An environment
 * value cannot hold every byte an argument can, so each argument is hex, and commas separate
 * them.  No allocation: libretrace encodes and decodes inside the program.
 */
#include <string.h>

#include "trace.h"

size_t trace_command_size(char *const *argv, size_t argc)
{
	size_t n = 1;
	for (size_t i = 0; i < argc; i++)
		n += 2 * strlen(argv[i]) + 1;
	return n;
}

void trace_command_encode(char *dst, char *const *argv, size_t argc)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < argc; i++) {
		if (i)
			*dst++ = ',';
		for (const unsigned char *c = (const unsigned char *)argv[i]; *c; c++) {
			*dst++ = hex[*c >> 4];
			*dst++ = hex[*c & 15];
		}
	}
	*dst = 0;
}

size_t trace_command_count(const char *v)
{
	size_t n = 1;
	for (; *v; v++)
		n += *v == ',';
	return n;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int trace_command_decode(const char *v, ProtobufCBinaryData *args, uint8_t *bytes)
{
	size_t k = 0, at = 0;
	args[0].data = bytes;
	args[0].len = 0;
	for (const char *c = v; *c; c++) {
		if (*c == ',') {
			k++;
			args[k].data = bytes + at;
			args[k].len = 0;
			continue;
		}
		int hi = hex_digit(c[0]), lo = hex_digit(c[1]);
		if (hi < 0 || lo < 0)
			return -1;
		bytes[at++] = (uint8_t)(hi << 4 | lo);
		args[k].len++;
		c++;
	}
	return 0;
}
