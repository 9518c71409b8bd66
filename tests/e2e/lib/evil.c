/* evil.c — what a forged trace would like replay to load: a library whose constructor leaves a
 * mark (the file MARK, given when it is built), for the hostile-trace cases. */
#include <fcntl.h>
#include <unistd.h>

__attribute__((constructor)) static void mark(void)
{
	int fd = open(MARK, O_WRONLY | O_CREAT, 0600);
	if (fd >= 0)
		close(fd);
}
