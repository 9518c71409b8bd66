/* launch.c — starting a command to record (launch.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#include "common.h"
#include "launch.h"

int launch_setenv(const char *name, const char *value)
{
	if (setenv(name, value, 1) != 0) {
		tool_msg("cannot set %s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* LD_PRELOAD with ours first: an existing value (another preload the user wants) is kept after
 * it, because ld.so binds to the first definition and ours must win. */
static int set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *value;

	if (old == NULL || old[0] == '\0')
		value = strdup(lib);
	else if (asprintf(&value, "%s:%s", lib, old) < 0)
		value = NULL;
	if (value == NULL) {
		tool_msg("cannot set LD_PRELOAD: %s", strerror(ENOMEM));
		return -1;
	}
	int rc = launch_setenv("LD_PRELOAD", value);
	free(value);
	return rc;
}

/* The command as the user typed it, for the header: what runs last may be another program
 * reached through execs (a pyenv shim runs env, then bash, then the interpreter), and
 * retrace-replay accepts this command for it (format/command.c). */
static int set_command(char *const *cmd, size_t n)
{
	size_t size = trace_command_size(cmd, n);
	if (size > 65536)
		return 0; /* too long to be worth it: the header then has only argv */
	char *v = malloc(size);
	if (v == NULL)
		return 0;
	trace_command_encode(v, cmd, n);
	int rc = launch_setenv("RETRACE_COMMAND", v);
	free(v);
	return rc;
}

int launch_record_env(const char *lib, const char *trace, char *const *cmd, size_t n)
{
	char *old_preload = getenv("LD_PRELOAD") ? strdup(getenv("LD_PRELOAD")) : NULL;
	int rc = set_preload(lib);
	if (rc == 0)
		rc = launch_setenv("RETRACE_MODE", "record");
	if (rc == 0 && trace != NULL)
		rc = launch_setenv("RETRACE_TRACE", trace);
	if (rc == 0)
		rc = set_command(cmd, n);
	if (rc != 0) {
		/* without RETRACE_MODE the library stays out of the way (it scrubs RETRACE_*) */
		unsetenv("RETRACE_MODE");
		if (old_preload)
			setenv("LD_PRELOAD", old_preload, 1);
		else
			unsetenv("LD_PRELOAD");
	}
	free(old_preload);
	return rc;
}

void launch_aslr_off(void)
{
	int persona = personality(0xffffffff);
	if (persona == -1 || personality((unsigned long)persona | ADDR_NO_RANDOMIZE) == -1)
		tool_msg("warning: cannot turn off address randomization (personality: %s); "
			 "libretrace will try again", strerror(errno));
}

int launch_exec(char *const *argv)
{
	execvp(argv[0], argv);
	int err = errno;
	if (err == ENOENT && strchr(argv[0], '/') == NULL) {
		tool_msg("%s: command not found", argv[0]);
		return RETRACE_EXIT_NOTFOUND;
	}
	tool_msg("cannot execute %s: %s", argv[0], strerror(err));
	return err == ENOENT || err == ENOTDIR ? RETRACE_EXIT_NOTFOUND : RETRACE_EXIT_NOEXEC;
}
