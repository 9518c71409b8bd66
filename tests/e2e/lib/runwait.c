/* runwait.c — run one command for tests/e2e/run and write down exactly how it ended.
 *
 *   runwait STATUSFILE TIMEOUT_SECONDS CMD [ARG...]
 *
 * STATUSFILE gets "exit N", "signal N" or "timeout", then "ms N" (wall time), then "maxrss_kb N"
 * (the peak resident memory of CMD and of the descendants it waited for, from wait4).  Bash's $?
 * cannot tell a death by SIGKILL from exit(137), and the tests must.  The peak is measured here,
 * not by a Python parent: exec keeps the old image's peak, so a child a big process forks starts
 * with the parent's, where this small one's hides nothing.  CMD inherits stdin, stdout, stderr,
 * the environment and signal dispositions untouched; it runs in its own process group so that a
 * timeout can kill it with everything it started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: runwait STATUSFILE TIMEOUT_SECONDS CMD [ARG...]\n");
		return 2;
	}
	const char *status_path = argv[1];
	unsigned timeout_s = (unsigned)strtoul(argv[2], NULL, 10);

	long long start = now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		perror("runwait: fork");
		return 2;
	}
	if (pid == 0) {
		setpgid(0, 0);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "runwait: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid); /* also here, so a kill cannot race the child's own setpgid */

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm; /* no SA_RESTART: waitpid must return EINTR */
	sigaction(SIGALRM, &sa, NULL);
	alarm(timeout_s);

	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	for (;;) {
		if (wait4(pid, &status, 0, &ru) == pid)
			break;
		if (errno != EINTR) {
			perror("runwait: wait4");
			return 2;
		}
		if (timed_out) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
	}
	alarm(0);
	long long elapsed = now_ms() - start;

	FILE *f = fopen(status_path, "w");
	if (!f) {
		perror(status_path);
		return 2;
	}
	if (timed_out)
		fprintf(f, "timeout\n");
	else if (WIFSIGNALED(status))
		fprintf(f, "signal %d\n", WTERMSIG(status));
	else
		fprintf(f, "exit %d\n", WEXITSTATUS(status));
	fprintf(f, "ms %lld\n", elapsed);
	fprintf(f, "maxrss_kb %ld\n", ru.ru_maxrss);
	if (fclose(f) != 0) {
		perror(status_path);
		return 2;
	}
	return 0;
}
