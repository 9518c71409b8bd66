/* launch.h — starting a command to record: the environment libretrace reads, address space
 * randomization off, and the exec with sh(1)'s statuses.
 *
 * Shared by retrace-record and retrace-entrypoint, so a program recorded by either starts the
 * same way (and its trace replays the same way).
 */
#ifndef RETRACE_TOOLS_LAUNCH_H
#define RETRACE_TOOLS_LAUNCH_H

#include <stddef.h>

/* setenv, with a message when it fails.  0 or -1. */
int launch_setenv(const char *name, const char *value);

/* For cmd[0..n): LD_PRELOAD with lib first (an existing value kept after it), RETRACE_MODE=record,
 * RETRACE_TRACE=trace when trace is not NULL, RETRACE_COMMAND (the command as typed).  0, or -1
 * with a message (nothing is left half set: LD_PRELOAD and RETRACE_MODE are put back). */
int launch_record_env(const char *lib, const char *trace, char *const *cmd, size_t n);

/* Turn ASLR off for us and what we execute, so libretrace need not re-execute the program to do
 * it; the caller's other persona bits are kept.  A warning when it cannot. */
void launch_aslr_off(void);

/* execvp(argv[0], argv).  Returns only when it failed, with the message printed and the status
 * to exit with: 127 when not found, 126 when it cannot be executed (as sh(1)). */
int launch_exec(char *const *argv);

#endif
