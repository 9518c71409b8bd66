/* common.h — helpers shared by the retrace command-line tools.
 *
 * Every tool links tools/common.c: finding libretrace.so next to the installed binaries, the
 * mapping from reader errors to exit statuses, and printing bytes from a trace safely.
 */
#ifndef RETRACE_TOOLS_COMMON_H
#define RETRACE_TOOLS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "exitcodes.h"
#include "trace.h"

/* Each tool defines its own name ("retrace-replay"); every message starts with it. */
extern const char tool_name[];

/* "NAME: " + printf-style message + newline, on stderr. */
void tool_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A usage error: the message, a pointer to --help, then exit RETRACE_EXIT_USAGE. */
_Noreturn void tool_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For getopt_long's ':' (missing argument) and '?' (unknown option, or an argument given to one
 * that takes none), with opterr = 0 and a ':' optstring prefix: names the option and exits as a
 * usage error.  arg is argv[optind - 1]. */
_Noreturn void tool_bad_option(int what, const char *arg);

/* "NAME 0.1.0" on stdout, for --version. */
void tool_print_version(void);

/* The absolute path of libretrace.so for this installation: <dir of our binary>/../lib/ (the
 * build tree) or ../lib/retrace/ (PREFIX/bin, make install).  Returns 0, or -1 with a message
 * printed. */
int tool_find_libretrace(char *out, size_t size);

/* The exit status for a trace the reader refused. */
int tool_exit_for_trace_status(enum trace_status code);

/* One argument, quoted so a POSIX shell (or bash, for $'..' with control bytes) reads it back
 * as the same bytes. */
void tool_print_shell_word(FILE *f, const uint8_t *s, size_t len);

/* Bytes from a trace for a terminal: valid UTF-8 printed as is, control characters, invalid
 * bytes and backslashes as \xNN / \\, so a hostile trace cannot send terminal escapes. */
void tool_print_escaped(FILE *f, const uint8_t *s, size_t len);

/* Lowercase hex. */
void tool_print_hex(FILE *f, const uint8_t *s, size_t len);

/* Length of the valid UTF-8 sequence starting at s[0] (1..4), or 0 when it is not one (overlong
 * forms, surrogates and code points past U+10FFFF are not valid). */
size_t tool_utf8_sequence_len(const uint8_t *s, size_t avail);

/* The trace at path as a plain file to read: path itself (the same pointer), or, when it is sealed (tools/seal.h),
 * a copy unsealed with it and its children into a private temporary directory, removed at exit
 * (or by tool_remove_unsealed, before a tool dies of a signal).  secret_key: --key's file, or NULL
 * for $RETRACE_SECRET_KEY.  On failure prints why and exits with the status seal_open_plain
 * gives (91 for a trace that cannot be unsealed, encrypted ones without their key included). */
const char *tool_plain_trace(const char *path, const char *secret_key);
void tool_remove_unsealed(void);

/* write(2) until all n bytes are out (EINTR retried): 0, or -1 with errno (0 for a write of
 * nothing, which cannot happen on files). */
int tool_write_all(int fd, const void *buf, size_t n);

/* read(2) until n bytes or the end of the file: the count, or -1 with errno. */
ssize_t tool_read_full(int fd, void *buf, size_t n);

#endif
