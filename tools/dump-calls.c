/* dump-calls.c — what each call's fields hold, and the family --stats counts it in. */
#include <stddef.h>
#include <string.h>

#include "dump.h"

const char *const family_names[FAMILY_COUNT] = {
	"time", "random", "identity", "sleep", "fd/io", "net", "poll", "dns", "files", "process",
	"threads", "python", "other",
};

static const struct call_info call_infos[] = {
	{ CALL(CLOCK_GETTIME), FAMILY_TIME, AUX_BYTES, 1, ARG0_CLOCK | VALUE_NS },
	{ CALL(GETTIMEOFDAY), FAMILY_TIME, AUX_BYTES, 0, VALUE_NS },
	{ CALL(TIME), FAMILY_TIME, AUX_BYTES, 0, VALUE_NS },
	{ CALL(CLOCK), FAMILY_TIME, AUX_BYTES, 0, 0 },
	{ CALL(TIMES), FAMILY_TIME, AUX_BYTES, 0, 0 },
	{ CALL(GETRUSAGE), FAMILY_TIME, AUX_BYTES, 1, 0 },
	{ CALL(GETRANDOM), FAMILY_RANDOM, AUX_BYTES, 2, 0 },
	{ CALL(GETENTROPY), FAMILY_RANDOM, AUX_BYTES, 1, 0 },
	{ CALL(GETPID), FAMILY_IDENTITY, AUX_BYTES, 0, 0 },
	{ CALL(GETPPID), FAMILY_IDENTITY, AUX_BYTES, 0, 0 },
	{ CALL(GETTID), FAMILY_IDENTITY, AUX_BYTES, 0, 0 },
	{ CALL(UNAME), FAMILY_IDENTITY, AUX_BYTES, 0, 0 },
	{ CALL(GETHOSTNAME), FAMILY_IDENTITY, AUX_BYTES, 1, 0 },
	{ CALL(GETLOADAVG), FAMILY_IDENTITY, AUX_BYTES, 1, 0 },
	{ CALL(NANOSLEEP), FAMILY_SLEEP, AUX_BYTES, 0, VALUE_NS },
	{ CALL(CLOCK_NANOSLEEP), FAMILY_SLEEP, AUX_BYTES, 2, ARG0_CLOCK | VALUE_NS | RESULT_ERRNO },
	{ CALL(USLEEP), FAMILY_SLEEP, AUX_BYTES, 1, 0 },
	{ CALL(SLEEP), FAMILY_SLEEP, AUX_BYTES, 1, 0 },
	{ CALL(COND_TIMEDWAIT), FAMILY_SLEEP, AUX_BYTES, 0, RESULT_ERRNO },
	{ CALL(SEM_TIMEDWAIT), FAMILY_SLEEP, AUX_BYTES, 0, VALUE_SEM },
	{ CALL(SEM_CLOCKWAIT), FAMILY_SLEEP, AUX_BYTES, 1, ARG0_CLOCK | VALUE_SEM },
	{ CALL(FD_INVENTORY), FAMILY_FD_IO, AUX_BYTES, 1, 0 },
	/* open is logged only for recorded paths, so it is a file call rather than plain fd work */
	{ CALL(OPEN), FAMILY_FILES, AUX_TEXT, 1, ARG0_HEX },
	{ CALL(READ), FAMILY_FD_IO, AUX_BYTES, 2, 0 },
	{ CALL(READV), FAMILY_FD_IO, AUX_BYTES, 2, 0 },
	{ CALL(PREAD), FAMILY_FD_IO, AUX_BYTES, 3, 0 },
	{ CALL(WRITE), FAMILY_FD_IO, AUX_BYTES, 2, 0 },
	{ CALL(WRITEV), FAMILY_FD_IO, AUX_BYTES, 2, 0 },
	{ CALL(FSTAT), FAMILY_FD_IO, AUX_BYTES, 1, 0 },
	{ CALL(LSEEK), FAMILY_FD_IO, AUX_BYTES, 3, 0 },
	{ CALL(ISATTY), FAMILY_FD_IO, AUX_BYTES, 1, 0 },
	{ CALL(IOCTL), FAMILY_FD_IO, AUX_BYTES, 2, ARG1_HEX },
	{ CALL(FCNTL), FAMILY_FD_IO, AUX_BYTES, 3, 0 },
	{ CALL(CLOSE), FAMILY_FD_IO, AUX_BYTES, 1, 0 },
	{ CALL(KILL), FAMILY_PROCESS, AUX_BYTES, 2, ARG1_SIGNAL },
	{ CALL(FORK), FAMILY_PROCESS, AUX_TEXT, 2, 0 },
	{ CALL(WAIT), FAMILY_PROCESS, AUX_BYTES, 3, ARG2_HEX },
	{ CALL(PIDFD_OPEN), FAMILY_PROCESS, AUX_BYTES, 2, RESULT_ERRNO },
	{ CALL(SIGNAL), FAMILY_PROCESS, AUX_BYTES, 2, ARG0_SIGNAL | VALUE_FINGERPRINT },
	{ CALL(SIGNAL_SETUP), FAMILY_PROCESS, AUX_BYTES, 2, 0 },
	{ CALL(EXEC), FAMILY_PROCESS, AUX_BYTES, 1, 0 },
	{ CALL(SOCKET), FAMILY_NET, AUX_BYTES, 3, ARG0_FAMILY | ARG1_SOCKTYPE },
	{ CALL(SOCKETPAIR), FAMILY_NET, AUX_BYTES, 3, ARG0_FAMILY | ARG1_SOCKTYPE },
	{ CALL(CONNECT), FAMILY_NET, AUX_ADDR_IN, 1, 0 },
	{ CALL(BIND), FAMILY_NET, AUX_ADDR_IN, 1, 0 },
	{ CALL(LISTEN), FAMILY_NET, AUX_BYTES, 2, 0 },
	{ CALL(ACCEPT), FAMILY_NET, AUX_ADDR_OUT, 2, ARG1_HEX },
	{ CALL(SHUTDOWN), FAMILY_NET, AUX_BYTES, 2, 0 },
	{ CALL(GETSOCKNAME), FAMILY_NET, AUX_ADDR_OUT, 2, 0 },
	{ CALL(GETPEERNAME), FAMILY_NET, AUX_ADDR_OUT, 2, 0 },
	{ CALL(GETSOCKOPT), FAMILY_NET, AUX_BYTES, 3, 0 },
	{ CALL(SETSOCKOPT), FAMILY_NET, AUX_BYTES, 3, 0 },
	{ CALL(SEND), FAMILY_NET, AUX_ADDR_IN, 3, ARG2_HEX },
	{ CALL(RECV), FAMILY_NET, AUX_ADDR_OUT, 3, ARG2_HEX },
	{ CALL(SENDMSG), FAMILY_NET, AUX_ADDR_IN, 3, ARG2_HEX },
	{ CALL(RECVMSG), FAMILY_NET, AUX_ADDR_OUT, 3, ARG2_HEX },
	{ CALL(PIPE), FAMILY_NET, AUX_BYTES, 1, ARG0_HEX },
	{ CALL(POLL), FAMILY_POLL, AUX_BYTES, 3, ARG2_POLLFD },
	{ CALL(SELECT), FAMILY_POLL, AUX_TIMEVAL, 1, 0 },
	{ CALL(EPOLL_CREATE), FAMILY_POLL, AUX_BYTES, 1, ARG0_HEX },
	{ CALL(EPOLL_CTL), FAMILY_POLL, AUX_BYTES, 3, 0 },
	{ CALL(EPOLL_WAIT), FAMILY_POLL, AUX_BYTES, 3, 0 },
	{ CALL(FCNTL_LOCK), FAMILY_POLL, AUX_BYTES, 0, 0 },
	{ CALL(GETADDRINFO), FAMILY_DNS, AUX_TEXT, 3, 0 },
	{ CALL(GETNAMEINFO), FAMILY_DNS, AUX_TEXT, 3, 0 },
	{ CALL(GETHOSTBYNAME), FAMILY_DNS, AUX_TEXT, 3, 0 },
	{ CALL(GETHOSTBYADDR), FAMILY_DNS, AUX_TEXT, 3, 0 },
	{ CALL(STAT), FAMILY_FILES, AUX_TEXT, 3, 0 },
	{ CALL(OPENDIR), FAMILY_FILES, AUX_TEXT, 1, 0 },
	{ CALL(READDIR), FAMILY_FILES, AUX_TEXT, 1, 0 },
	{ CALL(FILE_OP), FAMILY_FILES, AUX_TEXT, 3, 0 },
	{ CALL(PWRITE), FAMILY_FILES, AUX_TEXT, 3, 0 },
	{ CALL(FSYNC), FAMILY_FILES, AUX_TEXT, 3, 0 },
	{ CALL(ACCESS), FAMILY_FILES, AUX_TEXT, 2, 0 },
	{ CALL(READLINK), FAMILY_FILES, AUX_TEXT, 1, 0 },
	{ CALL(GETCWD), FAMILY_FILES, AUX_TEXT, 1, 0 },
	{ CALL(SENDFILE), FAMILY_FILES, AUX_OFFSETS, 3, 0 },
	{ CALL(MMAP), FAMILY_FILES, AUX_TEXT, 3, 0 },
	{ CALL(XATTR), FAMILY_FILES, AUX_TEXT, 3, 0 },
	{ CALL(FOPEN), FAMILY_FILES, AUX_BYTES, 3, ARG2_HEX },
	/* threads and their schedule: thread_create, yield and fd_number have a layout of their own
	 * (dump-threads.c) */
	{ CALL(THREAD_CREATE), FAMILY_THREADS, AUX_TEXT, 2, RESULT_ERRNO },
	{ CALL(THREAD_EXIT), FAMILY_THREADS, AUX_BYTES, 0, 0 },
	{ CALL(GIL_TAKE), FAMILY_THREADS, AUX_BYTES, 0, VALUE_NS },
	{ CALL(YIELD), FAMILY_THREADS, AUX_BYTES, 2, VALUE_FINGERPRINT },
	{ CALL(SEM_TRYWAIT), FAMILY_THREADS, AUX_BYTES, 0, VALUE_SEM },
	{ CALL(SEM_WAIT), FAMILY_THREADS, AUX_BYTES, 0, VALUE_SEM },
	{ CALL(SEM_POST), FAMILY_THREADS, AUX_BYTES, 0, VALUE_SEM },
	{ CALL(SEM_GETVALUE), FAMILY_THREADS, AUX_BYTES, 0, VALUE_SEM },
	{ CALL(SEM_OPEN), FAMILY_THREADS, AUX_TEXT, 2, ARG0_HEX },
	{ CALL(SEM_UNLINK), FAMILY_THREADS, AUX_TEXT, 0, 0 },
	/* a real call that takes or gives back an fd number: fd work, whichever thread makes it */
	{ CALL(FD_NUMBER), FAMILY_FD_IO, AUX_BYTES, 3, 0 },
	{ CALL(PY_LOCATION), FAMILY_PYTHON, AUX_TEXT, 2, 0 },
	{ CALL(PY_FRAME), FAMILY_PYTHON, AUX_BYTES, 3, 0 },
	{ CALL(PY_STACK), FAMILY_PYTHON, AUX_BYTES, 1, 0 },
};

const struct call_info *call_info_of(uint32_t call)
{
	for (size_t i = 0; i < sizeof call_infos / sizeof call_infos[0]; i++)
		if (call_infos[i].call == call)
			return &call_infos[i];
	return NULL;
}

enum call_family call_family_of(uint32_t call)
{
	const struct call_info *info = call_info_of(call);

	return info != NULL ? info->family : FAMILY_OTHER;
}

/* The function a call number stands for when its `which` argument picks one of several
 * (retrace.proto lists them); NULL when the number names it already. */
const char *call_function_name(const struct trace_event *ev)
{
	static const char *const stat_names[] = { "stat", "lstat", "fstatat", "statx", "statvfs",
						  "fstatvfs" };
	static const char *const file_op_names[] = { NULL, "unlink", "rmdir", "mkdir", "rename",
		"truncate", "chmod", "chown", "utimens", "symlink", "link", "chdir", "fchdir",
		"setxattr", "removexattr", "mknod" };
	static const char *const fsync_names[] = { NULL, "fsync", "fdatasync", "ftruncate",
		"fchmod", "fchown", "futimens", "fsetxattr", "fremovexattr", "posix_fallocate",
		"flock" };
	static const char *const xattr_names[] = { "listxattr", "llistxattr", "getxattr",
						   "lgetxattr", "flistxattr", "fgetxattr" };
	static const char *const byname_names[] = { "gethostbyname", "gethostbyname_r",
						    "gethostbyname2", "gethostbyname2_r" };
	static const char *const fork_names[] = { NULL, "fork", "vfork", "posix_spawn",
						  "posix_spawnp" };
	static const char *const signal_setup_names[] = { NULL, "setitimer", "alarm", "getitimer",
							  "pause", "sigsuspend", "pidfd_send_signal" };
#define PICK(names, i) \
	((i) >= 0 && (i) < (int64_t)(sizeof names / sizeof names[0]) ? names[i] : NULL)
	switch (ev->call) {
	case CALL(STAT): return PICK(stat_names, ev->arg0);
	case CALL(FILE_OP): return PICK(file_op_names, ev->arg0);
	case CALL(FSYNC): return PICK(fsync_names, ev->arg1);
	case CALL(XATTR): return PICK(xattr_names, ev->arg0);
	case CALL(GETHOSTBYNAME): return PICK(byname_names, ev->arg2);
	case CALL(GETHOSTBYADDR): return ev->arg2 == 1 ? "gethostbyaddr_r" : NULL;
	case CALL(OPENDIR): return ev->arg0 >= 0 ? "fdopendir" : NULL;
	case CALL(FD_NUMBER): return fd_number_name(ev->arg0);
	case CALL(FORK): return PICK(fork_names, ev->arg0);
	case CALL(WAIT): return ev->arg0 == 2 ? "waitid" : "waitpid";
	case CALL(SIGNAL_SETUP): return PICK(signal_setup_names, ev->arg0);
	default: return NULL;
	}
#undef PICK
}

/* The next NUL-separated string of aux from *at on; 0 when there are no more.  A NUL ends a
 * string (lookups store one after each); the last may end with aux instead (paths do). */
int aux_next_string(const uint8_t *aux, uint32_t len, uint32_t *at, const uint8_t **s,
			   uint32_t *slen)
{
	if (*at >= len)
		return 0;
	const uint8_t *nul = memchr(aux + *at, 0, len - *at);
	*s = aux + *at;
	*slen = nul != NULL ? (uint32_t)(nul - *s) : len - *at;
	*at += *slen + 1;
	return 1;
}

