/* retrace-dump — print what a trace holds: its header, every event in global order, its trailer;
 * or, with --stats, a summary of it.
 *
 * Text for people (one line per event, in the spirit of strace: paths, lookups and addresses
 * decoded from the events' bytes) or JSON for scripts.  A trace is untrusted input: every byte
 * string is escaped before it reaches a terminal, and a corrupt trace prints what decoded before
 * the damage, then the error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>

#include "common.h"

const char tool_name[] = "retrace-dump";

static void usage(void)
{
	printf("Usage: %s [--json] [--header | --stats] TRACE\n"
	       "Print the header, the events and the trailer of a retrace trace.\n"
	       "\n"
	       "      --json     one JSON object per line instead of text\n"
	       "      --header   print only the header\n"
	       "      --stats    print a summary: events and bytes per call family and per call,\n"
	       "                 duration, threads, how the recording ended\n"
	       "      --help     show this help and exit\n"
	       "      --version  show the version and exit\n"
	       "\n"
	       "Exit status: 0; 91 if TRACE is unreadable or corrupt (after printing what\n"
	       "decoded before the damage), 94 for a usage error, 95 if retrace failed.\n"
	       "See retrace-dump(1) and retrace(5).\n",
	       tool_name);
}

/* ---------------------------------------------------------------------------------------------
 * What each call's fields hold (retrace.proto lists them per call) and the family --stats counts
 * it in.  Calls missing here, such as those of a newer retrace, print every argument up to the
 * last nonzero one and their aux in hex, and count as "other".
 */
enum call_family {
	FAMILY_TIME,
	FAMILY_RANDOM,
	FAMILY_IDENTITY,
	FAMILY_SLEEP,
	FAMILY_FD_IO,
	FAMILY_NET,
	FAMILY_POLL,
	FAMILY_DNS,
	FAMILY_FILES,
	FAMILY_PROCESS,
	FAMILY_PYTHON,
	FAMILY_OTHER,
	FAMILY_COUNT
};

static const char *const family_names[FAMILY_COUNT] = {
	"time", "random", "identity", "sleep", "fd/io", "net", "poll", "dns", "files", "process",
	"python", "other",
};

enum {
	ARG0_CLOCK = 1 << 0,    /* arg0 is a clock id */
	ARG0_HEX = 1 << 1,      /* arg0 is a set of flags */
	ARG0_FAMILY = 1 << 2,   /* arg0 is an address family */
	ARG1_HEX = 1 << 3,      /* arg1 is a set of flags or an ioctl request */
	ARG1_SIGNAL = 1 << 4,   /* arg1 is a signal number */
	ARG1_SOCKTYPE = 1 << 5, /* arg1 is a socket type with SOCK_* flags */
	ARG2_HEX = 1 << 6,      /* arg2 is a set of flags */
	ARG2_POLLFD = 1 << 7,   /* arg2 is fd << 16 | events when arg0 (nfds) is 1 */
	VALUE_NS = 1 << 8,      /* value is a time in ns: printed as seconds.nanoseconds */
	RESULT_ERRNO = 1 << 9,  /* result is an error number (the pthread convention) */
};

/* What the byte field aux holds. */
enum aux_kind {
	AUX_BYTES,    /* nothing this version knows how to read: printed in hex */
	AUX_TEXT,     /* NUL-separated strings: the lookup (dns), the path(s) (files), or a Python
		       * location's file and function */
	AUX_ADDR_IN,  /* a sockaddr the program handed over (connect, bind, sendto) */
	AUX_ADDR_OUT, /* a sockaddr the call handed back (accept, getsockname, recvfrom) */
	AUX_TIMEVAL,  /* the struct timeval select left */
	AUX_OFFSETS,  /* int64 in, int64 out: the offsets sendfile/copy_file_range left */
};

struct call_info {
	uint32_t call;
	enum call_family family;
	enum aux_kind aux;
	unsigned nargs;
	unsigned flags;
};

#define CALL(name) RETRACE__CALL__CALL_##name

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
	{ CALL(SEM_TIMEDWAIT), FAMILY_SLEEP, AUX_BYTES, 0, 0 },
	{ CALL(SEM_CLOCKWAIT), FAMILY_SLEEP, AUX_BYTES, 1, ARG0_CLOCK },
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
	{ CALL(PY_LOCATION), FAMILY_PYTHON, AUX_TEXT, 2, 0 },
};

static const struct call_info *call_info_of(uint32_t call)
{
	for (size_t i = 0; i < sizeof call_infos / sizeof call_infos[0]; i++)
		if (call_infos[i].call == call)
			return &call_infos[i];
	return NULL;
}

static enum call_family call_family_of(uint32_t call)
{
	const struct call_info *info = call_info_of(call);

	return info != NULL ? info->family : FAMILY_OTHER;
}

/* The function a call number stands for when its `which` argument picks one of several
 * (retrace.proto lists them); NULL when the number names it already. */
static const char *call_function_name(const struct trace_event *ev)
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
	default: return NULL;
	}
#undef PICK
}

/* gethostbyname_r and the like: their err is *h_errnop, not errno (retrace.proto). */
static int err_is_h_errno(const struct trace_event *ev)
{
	return (ev->call == CALL(GETHOSTBYNAME) || ev->call == CALL(GETHOSTBYADDR)) &&
	       (ev->arg2 & 1);
}

static const char *address_family_name(int64_t af)
{
	switch (af) {
	case AF_UNSPEC: return "AF_UNSPEC";
	case AF_UNIX: return "AF_UNIX";
	case AF_INET: return "AF_INET";
	case AF_INET6: return "AF_INET6";
	case AF_NETLINK: return "AF_NETLINK";
	case AF_PACKET: return "AF_PACKET";
	default: return NULL;
	}
}

static const char *h_errno_name(int64_t h)
{
	switch (h) {
	case NETDB_INTERNAL: return "NETDB_INTERNAL";
	case NETDB_SUCCESS: return "NETDB_SUCCESS";
	case HOST_NOT_FOUND: return "HOST_NOT_FOUND";
	case TRY_AGAIN: return "TRY_AGAIN";
	case NO_RECOVERY: return "NO_RECOVERY";
	case NO_DATA: return "NO_DATA";
	default: return NULL;
	}
}

static const char *eai_name(int64_t code)
{
	switch (code) {
	case EAI_BADFLAGS: return "EAI_BADFLAGS";
	case EAI_NONAME: return "EAI_NONAME";
	case EAI_AGAIN: return "EAI_AGAIN";
	case EAI_FAIL: return "EAI_FAIL";
	case EAI_NODATA: return "EAI_NODATA";
	case EAI_FAMILY: return "EAI_FAMILY";
	case EAI_SOCKTYPE: return "EAI_SOCKTYPE";
	case EAI_SERVICE: return "EAI_SERVICE";
	case EAI_ADDRFAMILY: return "EAI_ADDRFAMILY";
	case EAI_MEMORY: return "EAI_MEMORY";
	case EAI_SYSTEM: return "EAI_SYSTEM";
	case EAI_OVERFLOW: return "EAI_OVERFLOW";
	default: return NULL;
	}
}

static const char *errno_name(int64_t e)
{
	return e > 0 && e <= INT32_MAX ? strerrorname_np((int)e) : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Decoding aux.
 */

/* The next NUL-separated string of aux from *at on; 0 when there are no more.  A NUL ends a
 * string (lookups store one after each); the last may end with aux instead (paths do). */
static int aux_next_string(const uint8_t *aux, uint32_t len, uint32_t *at, const uint8_t **s,
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

/* A sockaddr as "127.0.0.1:8080", "[::1]:443", "[fe80::1%2]:80", "unix:/run/x.sock",
 * "unix:@abstract" or "unix:(unnamed)", into out; returns its length.  Unix paths are copied as
 * they are: the printers escape them. */
static size_t format_sockaddr(const uint8_t *a, uint32_t len, char *out, size_t room)
{
	sa_family_t family;
	char host[INET6_ADDRSTRLEN];
	int n;

	if (len < sizeof family) {
		n = snprintf(out, room, "(%" PRIu32 "-byte address)", len);
		return n > 0 && (size_t)n < room ? (size_t)n : 0;
	}
	memcpy(&family, a, sizeof family);
	if (family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;
		memcpy(&in, a, sizeof in);
		inet_ntop(AF_INET, &in.sin_addr, host, sizeof host);
		n = snprintf(out, room, "%s:%u", host, ntohs(in.sin_port));
	} else if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;
		memcpy(&in6, a, sizeof in6);
		inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof host);
		if (in6.sin6_scope_id != 0)
			n = snprintf(out, room, "[%s%%%" PRIu32 "]:%u", host, in6.sin6_scope_id,
				     ntohs(in6.sin6_port));
		else
			n = snprintf(out, room, "[%s]:%u", host, ntohs(in6.sin6_port));
	} else if (family == AF_UNIX) {
		const uint8_t *path = a + offsetof(struct sockaddr_un, sun_path);
		size_t plen = len - offsetof(struct sockaddr_un, sun_path);
		if (plen > sizeof ((struct sockaddr_un *)0)->sun_path)
			plen = sizeof ((struct sockaddr_un *)0)->sun_path;
		if (plen == 0)
			return (size_t)snprintf(out, room, "unix:(unnamed)");
		/* abstract names start with a NUL and may hold more; a path ends at its first */
		const char *prefix = path[0] == '\0' ? "unix:@" : "unix:";
		if (path[0] == '\0')
			path++, plen--;
		else if (memchr(path, 0, plen) != NULL)
			plen = (size_t)((const uint8_t *)memchr(path, 0, plen) - path);
		size_t k = strlen(prefix);
		if (k + plen >= room)
			plen = room - k - 1;
		memcpy(out, prefix, k);
		memcpy(out + k, path, plen);
		out[k + plen] = '\0';
		return k + plen;
	} else if (family == AF_UNSPEC) {
		n = snprintf(out, room, "AF_UNSPEC");
	} else {
		n = snprintf(out, room, "(family %u, %" PRIu32 " bytes)", family, len);
	}
	return n > 0 && (size_t)n < room ? (size_t)n : 0;
}

/* ---------------------------------------------------------------------------------------------
 * Python locations.  A PY_LOCATION event defines an id (file, function, line); every event
 * carries the id of the place the program was at, or 0.  Ids come from an untrusted trace, so
 * they are looked up in a hash table, never used as indexes.
 */
struct py_location {
	uint32_t id;                    /* 0: an empty slot */
	int64_t line;
	const uint8_t *file, *function; /* into the reader's mapping; file NULL: never defined */
	uint32_t file_len, function_len;
	uint64_t events;                /* --stats: events made there */
};

struct py_locations {
	struct py_location *slots;
	size_t cap; /* a power of two, or 0 */
	size_t used;
};

static size_t py_location_hash(uint32_t id, size_t cap)
{
	return (size_t)(id * 2654435761u) & (cap - 1);
}

static const struct py_location *py_location_find(const struct py_locations *t, uint32_t id)
{
	if (t->cap == 0 || id == 0)
		return NULL;
	for (size_t i = py_location_hash(id, t->cap);; i = (i + 1) & (t->cap - 1)) {
		if (t->slots[i].id == id)
			return &t->slots[i];
		if (t->slots[i].id == 0)
			return NULL;
	}
}

/* The entry for id, added when missing; NULL when out of memory. */
static struct py_location *py_location_get(struct py_locations *t, uint32_t id)
{
	struct py_location *found = (struct py_location *)py_location_find(t, id);

	if (found != NULL)
		return found;
	if (2 * (t->used + 1) > t->cap) {
		/* keep the table at most half full, so probe runs stay short */
		size_t cap = t->cap != 0 ? 2 * t->cap : 256;
		struct py_location *slots = calloc(cap, sizeof *slots);
		if (slots == NULL)
			return NULL;
		for (size_t i = 0; i < t->cap; i++) {
			if (t->slots[i].id == 0)
				continue;
			size_t j = py_location_hash(t->slots[i].id, cap);
			while (slots[j].id != 0)
				j = (j + 1) & (cap - 1);
			slots[j] = t->slots[i];
		}
		free(t->slots);
		t->slots = slots;
		t->cap = cap;
	}
	size_t i = py_location_hash(id, t->cap);
	while (t->slots[i].id != 0)
		i = (i + 1) & (t->cap - 1);
	memset(&t->slots[i], 0, sizeof t->slots[i]);
	t->slots[i].id = id;
	t->used++;
	return &t->slots[i];
}

/* Takes in what a PY_LOCATION event defines; other events are left alone.  -1: out of memory. */
static int py_location_define(struct py_locations *t, const struct trace_event *ev)
{
	const uint8_t *s;
	uint32_t at = 0, slen;

	if (ev->call != CALL(PY_LOCATION) || ev->arg0 <= 0 || ev->arg0 >= UINT32_MAX)
		return 0;
	struct py_location *loc = py_location_get(t, (uint32_t)ev->arg0);
	if (loc == NULL)
		return -1;
	loc->line = ev->arg1;
	loc->file = (const uint8_t *)"";
	loc->file_len = 0;
	loc->function = NULL;
	loc->function_len = 0;
	if (aux_next_string(ev->aux, ev->aux_len, &at, &s, &slen)) {
		loc->file = s;
		loc->file_len = slen;
	}
	if (aux_next_string(ev->aux, ev->aux_len, &at, &s, &slen)) {
		loc->function = s;
		loc->function_len = slen;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Text output.
 */
static void print_ns_as_seconds(int64_t ns)
{
	/* unsigned, so INT64_MIN has a magnitude too */
	uint64_t mag = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	printf("%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "", mag / 1000000000u,
	       mag % 1000000000u);
}

static void print_utc(int64_t ns)
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

static void print_errno_text(int err)
{
	const char *name = strerrorname_np(err);

	if (name != NULL)
		printf(" %s (%s)", name, strerrordesc_np(err));
	else
		printf(" errno %d", err);
}

/* A string from a trace in double quotes, escaped like every other byte string, and with its
 * own quotes escaped so where it ends is never in doubt. */
static void print_quoted(const uint8_t *s, size_t len)
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

static void print_socket_type(int64_t type)
{
	static const char *const base_names[] = { NULL, "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW",
						  "SOCK_RDM", "SOCK_SEQPACKET" };
	int64_t base = type & 0xf, rest = type & ~(int64_t)(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (base < 1 || base > 5 || rest != 0) {
		printf("%" PRId64, type);
		return;
	}
	fputs(base_names[base], stdout);
	if (type & SOCK_NONBLOCK)
		fputs("|SOCK_NONBLOCK", stdout);
	if (type & SOCK_CLOEXEC)
		fputs("|SOCK_CLOEXEC", stdout);
}

static void print_arg_text(int64_t v, unsigned index, unsigned flags, const struct trace_event *ev)
{
	if (index == 0 && (flags & ARG0_CLOCK) && trace_clock_name(v) != NULL) {
		fputs(trace_clock_name(v), stdout);
		return;
	}
	if (index == 0 && (flags & ARG0_FAMILY) && address_family_name(v) != NULL) {
		fputs(address_family_name(v), stdout);
		return;
	}
	if (index == 1 && (flags & ARG1_SIGNAL) && v > 0 && v < 65 &&
	    sigabbrev_np((int)v) != NULL) {
		printf("SIG%s", sigabbrev_np((int)v));
		return;
	}
	if (index == 1 && (flags & ARG1_SOCKTYPE)) {
		print_socket_type(v);
		return;
	}
	if (index == 2 && (flags & ARG2_POLLFD) && ev->arg0 == 1) {
		printf("{fd %" PRId64 ", events 0x%" PRIx64 "}", v >> 16, (uint64_t)v & 0xffff);
		return;
	}
	if ((index == 0 && (flags & ARG0_HEX)) || (index == 1 && (flags & ARG1_HEX)) ||
	    (index == 2 && (flags & ARG2_HEX))) {
		printf("0x%" PRIx64, (uint64_t)v);
		return;
	}
	printf("%" PRId64, v);
}

/* NAME(ARGS) for calls with plain numeric arguments. */
static void print_call_numeric(const struct trace_event *ev, const struct call_info *info)
{
	unsigned flags = info != NULL ? info->flags : 0;
	int64_t args[3] = { ev->arg0, ev->arg1, ev->arg2 };
	unsigned nargs = info != NULL ? info->nargs : 0;

	/* more arguments than the table expects are shown, not hidden */
	while (nargs < 3 && (args[2] != 0 || (nargs < 2 && args[1] != 0) ||
			     (nargs < 1 && args[0] != 0)))
		nargs++;

	const char *function = call_function_name(ev);
	printf("%s(", function != NULL ? function : trace_call_name(ev->call));
	for (unsigned i = 0; i < nargs; i++) {
		if (i > 0)
			fputs(", ", stdout);
		print_arg_text(args[i], i, flags, ev);
	}
	if (info != NULL && info->aux == AUX_ADDR_IN && ev->aux_len > 0) {
		char addr[160];
		size_t n = format_sockaddr(ev->aux, ev->aux_len, addr, sizeof addr);
		fputs(nargs > 0 ? ", " : "", stdout);
		tool_print_escaped(stdout, (const uint8_t *)addr, n);
	}
	putchar(')');
}

/* getaddrinfo("localhost", "80"), gethostbyname2_r("example.com", AF_INET6, buffer 1024), ...
 * The strings are aux (dns.c); a NULL node or service was stored as "". */
static void print_call_lookup(const struct trace_event *ev)
{
	const char *function = call_function_name(ev);
	const uint8_t *s;
	uint32_t at = 0, slen, nstrings = 0;

	printf("%s(", function != NULL ? function : trace_call_name(ev->call));
	while (nstrings < 2 && aux_next_string(ev->aux, ev->aux_len, &at, &s, &slen)) {
		fputs(nstrings++ > 0 ? ", " : "", stdout);
		if (slen == 0 && ev->call == CALL(GETADDRINFO))
			fputs("NULL", stdout);
		else
			print_quoted(s, slen);
	}
	const char *sep = nstrings > 0 ? ", " : "";
	switch (ev->call) {
	case CALL(GETADDRINFO):
		/* the hints, when the program gave any that are not zero */
		if (ev->arg0 != 0 || ev->arg1 != 0 || ev->arg2 != 0) {
			fputs(sep, stdout);
			if (address_family_name(ev->arg0) != NULL)
				fputs(address_family_name(ev->arg0), stdout);
			else
				printf("family %" PRId64, ev->arg0);
			fputs(", ", stdout);
			if (ev->arg1 != 0)
				print_socket_type(ev->arg1);
			else
				fputs("any type", stdout);
			printf(", flags 0x%" PRIx64, (uint64_t)ev->arg2);
		}
		break;
	case CALL(GETNAMEINFO):
		if (ev->arg0 != 0)
			printf("%sflags 0x%" PRIx64, sep, (uint64_t)ev->arg0), sep = ", ";
		printf("%shost room %" PRId64 ", service room %" PRId64, sep, ev->arg1, ev->arg2);
		break;
	default: /* gethostbyname*, gethostbyaddr* */
		if (ev->call == CALL(GETHOSTBYADDR) || (ev->arg2 & 2)) {
			fputs(sep, stdout);
			sep = ", ";
			if (address_family_name(ev->arg0) != NULL)
				fputs(address_family_name(ev->arg0), stdout);
			else
				printf("family %" PRId64, ev->arg0);
		}
		if (ev->arg2 & 1)
			printf("%sbuffer %" PRId64, sep, ev->arg1);
		break;
	}
	putchar(')');
}

/* open("/etc/hosts", flags 0x80000), stat("/tmp/x"), rename("/a", "/b"), ...: the path(s) from
 * aux (path.c), then the arguments that are not the path. */
static void print_call_path(const struct trace_event *ev, const struct call_info *info)
{
	const char *function = call_function_name(ev);
	const uint8_t *s;
	uint32_t at = 0, slen;

	printf("%s(", function != NULL ? function : trace_call_name(ev->call));
	for (int i = 0; aux_next_string(ev->aux, ev->aux_len, &at, &s, &slen); i++) {
		fputs(i > 0 ? ", " : "", stdout);
		print_quoted(s, slen);
	}
	switch (ev->call) {
	case CALL(OPEN):
		printf(", flags 0x%" PRIx64, (uint64_t)ev->arg0);
		break;
	case CALL(STAT):
		if (ev->arg0 == 5)
			printf(", fd %" PRId64, ev->arg1);
		else if (ev->arg1 != 0)
			printf(", flags 0x%" PRIx64, (uint64_t)ev->arg1);
		if (ev->arg0 == 3)
			printf(", mask 0x%" PRIx64, (uint64_t)ev->arg2);
		break;
	case CALL(OPENDIR):
		break;
	case CALL(FILE_OP):
		/* which (file.c): 3 mkdir, 6 chmod, 15 mknod take a mode; 5 truncate a length;
		 * 7 chown an owner */
		if (ev->arg0 == 3 || ev->arg0 == 6 || ev->arg0 == 15)
			printf(", mode 0%" PRIo64, (uint64_t)ev->arg1);
		else if (ev->arg1 != 0)
			printf(", flags 0x%" PRIx64, (uint64_t)ev->arg1);
		if (ev->arg0 == 5)
			printf(", length %" PRId64, ev->arg2);
		else if (ev->arg0 == 7)
			printf(", owner %" PRIu32 ":%" PRIu32, (uint32_t)((uint64_t)ev->arg2 >> 32),
			       (uint32_t)ev->arg2);
		else if (ev->arg2 != 0)
			printf(", %" PRId64, ev->arg2);
		break;
	case CALL(ACCESS):
		printf(", mode %" PRId64, ev->arg0);
		if (ev->arg1 != 0)
			printf(", flags 0x%" PRIx64, (uint64_t)ev->arg1);
		break;
	case CALL(READLINK):
		printf(", size %" PRId64, ev->arg0);
		break;
	case CALL(XATTR):
		printf(", size %" PRId64, ev->arg1);
		if (ev->arg0 >= 4)
			printf(", fd %" PRId64, ev->arg2);
		break;
	case CALL(PY_LOCATION): /* aux: file, function */
		printf(", line %" PRId64 ", id %" PRId64, ev->arg1, ev->arg0);
		break;
	default: {
		/* a path call this version has no layout for: its numbers as they are */
		int64_t args[3] = { ev->arg0, ev->arg1, ev->arg2 };
		unsigned nargs = info->nargs;
		while (nargs < 3 && args[nargs] != 0)
			nargs++;
		for (unsigned i = 0; i < nargs; i++)
			printf(", %" PRId64, args[i]);
		break;
	}
	}
	putchar(')');
}

static void print_result_text(const struct trace_event *ev, const struct call_info *info)
{
	unsigned flags = info != NULL ? info->flags : 0;
	const char *name = NULL;

	printf(" = %" PRId64, ev->result);
	if (ev->call == CALL(GETADDRINFO) || ev->call == CALL(GETNAMEINFO))
		name = ev->result != 0 ? eai_name(ev->result) : NULL;
	else if ((flags & RESULT_ERRNO) || err_is_h_errno(ev))
		name = errno_name(ev->result);
	if (name != NULL)
		printf(" (%s)", name);
	if (ev->err != 0 && err_is_h_errno(ev)) {
		if (h_errno_name(ev->err) != NULL)
			printf(" h_errno=%s", h_errno_name(ev->err));
		else
			printf(" h_errno=%" PRId32, ev->err);
	} else if (ev->err != 0) {
		print_errno_text(ev->err);
	}
}

/* Name resolution's value: errno and h_errno as the call left them, h_errno << 32 | errno.  An
 * h_errno the _r call's err showed already is not repeated. */
static void print_lookup_value_text(const struct trace_event *ev)
{
	int32_t e = (int32_t)(uint32_t)ev->value;
	int32_t h = (int32_t)(uint32_t)((uint64_t)ev->value >> 32);

	if (err_is_h_errno(ev) && h == ev->err)
		h = 0;
	if (e == 0 && h == 0)
		return;
	fputs(" after:", stdout);
	if (e != 0) {
		if (errno_name(e) != NULL)
			printf(" errno=%s", errno_name(e));
		else
			printf(" errno=%" PRId32, e);
	}
	if (h != 0) {
		if (h_errno_name(h) != NULL)
			printf(" h_errno=%s", h_errno_name(h));
		else
			printf(" h_errno=%" PRId32, h);
	}
}

/* aux that is an out-value, after the result. */
static void print_aux_after_text(const struct trace_event *ev, const struct call_info *info)
{
	enum aux_kind kind = info != NULL ? info->aux : AUX_BYTES;

	if (ev->aux_len == 0)
		return;
	if (kind == AUX_ADDR_OUT) {
		char addr[160];
		size_t n = format_sockaddr(ev->aux, ev->aux_len, addr, sizeof addr);
		fputs(" addr=", stdout);
		tool_print_escaped(stdout, (const uint8_t *)addr, n);
	} else if (kind == AUX_TIMEVAL && ev->aux_len == sizeof(struct timeval)) {
		struct timeval tv;
		memcpy(&tv, ev->aux, sizeof tv);
		/* printed as stored: a damaged trace's fields need not be in range */
		printf(" left=%" PRId64 ".%06" PRId64, (int64_t)tv.tv_sec, (int64_t)tv.tv_usec);
	} else if (kind == AUX_OFFSETS && ev->aux_len == 2 * sizeof(int64_t)) {
		int64_t offsets[2];
		memcpy(offsets, ev->aux, sizeof offsets);
		printf(" offsets=%" PRId64 ",%" PRId64, offsets[0], offsets[1]);
	} else if (kind != AUX_TEXT && kind != AUX_ADDR_IN) {
		fputs(" aux=", stdout);
		tool_print_hex(stdout, ev->aux, ev->aux_len);
	}
}

/* "/app/main.py:12 (main)" */
static void print_py_location_text(const struct py_location *loc)
{
	tool_print_escaped(stdout, loc->file, loc->file_len);
	printf(":%" PRId64, loc->line);
	if (loc->function != NULL) {
		fputs(" (", stdout);
		tool_print_escaped(stdout, loc->function, loc->function_len);
		putchar(')');
	}
}

static void print_event_text(const struct trace_event *ev, const struct py_locations *locs)
{
	const struct call_info *info = call_info_of(ev->call);
	unsigned flags = info != NULL ? info->flags : 0;

	printf("#%" PRIu64 " t%" PRIu32 " ", ev->seq, ev->tid);
	/* a lookup's or a path's hash is that of the text printed, so it is left out; file_op's and
	 * xattr's also cover what is not printed (times, attribute names and values) */
	int hash_shown = 1;
	if (info != NULL && info->family == FAMILY_DNS) {
		print_call_lookup(ev);
		hash_shown = ev->aux_len == 0;
	} else if (info != NULL && info->aux == AUX_TEXT && ev->aux_len > 0) {
		print_call_path(ev, info);
		hash_shown = ev->call == CALL(FILE_OP) || ev->call == CALL(XATTR);
	} else {
		print_call_numeric(ev, info);
	}
	print_result_text(ev, info);
	if (info != NULL && info->family == FAMILY_DNS) {
		print_lookup_value_text(ev);
	} else if (ev->value != 0) {
		fputs(" value=", stdout);
		if (flags & VALUE_NS)
			print_ns_as_seconds(ev->value);
		else
			printf("%" PRId64, ev->value);
	}
	print_aux_after_text(ev, info);
	if (ev->data_len > 0)
		printf(" data=%" PRIu32 " bytes", ev->data_len);
	if (ev->hash_len > 0 && hash_shown) {
		fputs(" hash=", stdout);
		tool_print_hex(stdout, ev->hash, ev->hash_len);
	}
	if (ev->control_len > 0)
		printf(" control=%" PRIu32 " bytes", ev->control_len);
	if (ev->location != 0 && ev->call != CALL(PY_LOCATION)) {
		const struct py_location *loc = py_location_find(locs, ev->location);
		fputs(" at ", stdout);
		if (loc != NULL && loc->file != NULL)
			print_py_location_text(loc);
		else
			printf("location %" PRIu32 " (never defined)", ev->location);
	}
	putchar('\n');
}

static void print_field_text(const char *label, const ProtobufCBinaryData *b)
{
	printf("%-13s", label);
	tool_print_escaped(stdout, b->data, b->len);
	putchar('\n');
}

static void print_command_text(const Retrace__Header *h)
{
	printf("%-13s", "command:");
	for (size_t i = 0; i < h->n_argv; i++) {
		if (i > 0)
			putchar(' ');
		tool_print_shell_word(stdout, h->argv[i].data, h->argv[i].len);
	}
	putchar('\n');
}

static void print_header_text(const Retrace__Header *h)
{
	print_command_text(h);
	print_field_text("cwd:", &h->cwd);
	print_field_text("executable:", &h->exe_path);
	printf("%-13s", "build id:");
	if (h->exe_build_id.len > 0)
		tool_print_hex(stdout, h->exe_build_id.data, h->exe_build_id.len);
	else
		fputs("(none)", stdout);
	putchar('\n');
	printf("%-13s", "python:");
	if (h->python_version != NULL && h->python_version[0] != '\0')
		tool_print_escaped(stdout, (const uint8_t *)h->python_version,
				   strlen(h->python_version));
	else
		fputs("(not a CPython program)", stdout);
	putchar('\n');
	printf("%-13sretrace ", "recorded by:");
	if (h->retrace_version != NULL)
		tool_print_escaped(stdout, (const uint8_t *)h->retrace_version,
				   strlen(h->retrace_version));
	printf(", trace format %" PRIu32 "\n", h->format_version);
	printf("%-13s", "started:");
	print_utc(h->start_time_ns);
	putchar('\n');
	printf("%-13s%" PRId32 "\n", "pid:", h->pid);
	printf("%-13s", "hostname:");
	if (h->hostname != NULL)
		tool_print_escaped(stdout, (const uint8_t *)h->hostname, strlen(h->hostname));
	putchar('\n');
	int write_bytes = h->capture != NULL && h->capture->write_bytes;
	uint32_t chunk_size = h->capture != NULL ? h->capture->chunk_size : 0;
	printf("%-13swritten bytes %s, chunks of %" PRIu32 " bytes\n", "capture:",
	       write_bytes ? "stored" : "hashed only", chunk_size);
	printf("%-13strace %" PRId32 ", status %" PRId32 "\n", "fds:", h->trace_fd, h->status_fd);
	print_field_text("LD_PRELOAD:", &h->ld_preload);
	printf("%-13s%zu entries\n", "environment:", h->n_env);
	for (size_t i = 0; i < h->n_env; i++) {
		fputs("    ", stdout);
		tool_print_escaped(stdout, h->env[i].data, h->env[i].len);
		putchar('\n');
	}
}

static void print_end_text(const struct trace_reader *r, uint64_t nevents)
{
	const Retrace__Trailer *t = r->trailer;

	if (t == NULL) {
		printf("no trailer: the recorded process was killed or crashed\n");
	} else {
		printf("trailer: %" PRIu64 " events, exit status %" PRId32 "\n", t->events,
		       t->exit_status);
		if (t->stopped != NULL && t->stopped[0] != '\0') {
			printf("recording stopped early at seq %" PRIu64 ": ", t->stopped_at_seq);
			tool_print_escaped(stdout, (const uint8_t *)t->stopped, strlen(t->stopped));
			putchar('\n');
		}
		if (t->events != nevents)
			printf("note: the trailer counts %" PRIu64 " events, the trace holds %" PRIu64
			       "\n", t->events, nevents);
	}
	if (r->torn_offset != 0)
		printf("torn tail: from byte %" PRIu64 " on, the recording was cut off mid-write; "
		       "that part is ignored\n", r->torn_offset);
}

/* ---------------------------------------------------------------------------------------------
 * JSON output: one object per line.  Byte strings are UTF-8 where they are valid UTF-8; any
 * other byte becomes \u00XX (so the mapping to text is lossy for those, but always valid JSON).
 */
static void json_string(const uint8_t *s, size_t len)
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

static void json_cstring(const char *s)
{
	json_string((const uint8_t *)(s != NULL ? s : ""), s != NULL ? strlen(s) : 0);
}

static void json_key(const char *key)
{
	printf(",\"%s\":", key);
}

static void json_bytes_array(const ProtobufCBinaryData *items, size_t n)
{
	putchar('[');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			putchar(',');
		json_string(items[i].data, items[i].len);
	}
	putchar(']');
}

static void print_header_json(const Retrace__Header *h)
{
	fputs("{\"type\":\"header\"", stdout);
	printf(",\"format_version\":%" PRIu32, h->format_version);
	json_key("argv");
	json_bytes_array(h->argv, h->n_argv);
	json_key("cwd");
	json_string(h->cwd.data, h->cwd.len);
	json_key("exe_path");
	json_string(h->exe_path.data, h->exe_path.len);
	json_key("exe_build_id");
	putchar('"');
	tool_print_hex(stdout, h->exe_build_id.data, h->exe_build_id.len);
	putchar('"');
	json_key("python_version");
	json_cstring(h->python_version);
	json_key("retrace_version");
	json_cstring(h->retrace_version);
	printf(",\"start_time_ns\":%" PRId64, h->start_time_ns);
	json_key("start_time");
	putchar('"');
	print_utc(h->start_time_ns);
	putchar('"');
	printf(",\"pid\":%" PRId32, h->pid);
	json_key("hostname");
	json_cstring(h->hostname);
	printf(",\"capture\":{\"write_bytes\":%s,\"chunk_size\":%" PRIu32 "}",
	       h->capture != NULL && h->capture->write_bytes ? "true" : "false",
	       h->capture != NULL ? h->capture->chunk_size : 0);
	printf(",\"trace_fd\":%" PRId32 ",\"status_fd\":%" PRId32, h->trace_fd, h->status_fd);
	json_key("ld_preload");
	json_string(h->ld_preload.data, h->ld_preload.len);
	json_key("env");
	json_bytes_array(h->env, h->n_env);
	fputs("}\n", stdout);
}

static void print_event_json(const struct trace_event *ev, const struct py_locations *locs)
{
	const struct call_info *info = call_info_of(ev->call);
	enum aux_kind kind = info != NULL ? info->aux : AUX_BYTES;
	int dns = info != NULL && info->family == FAMILY_DNS;

	printf("{\"type\":\"event\",\"seq\":%" PRIu64 ",\"tid\":%" PRIu32, ev->seq, ev->tid);
	json_key("call");
	json_cstring(trace_call_name(ev->call));
	printf(",\"call_id\":%" PRIu32 ",\"arg0\":%" PRId64 ",\"arg1\":%" PRId64
	       ",\"arg2\":%" PRId64 ",\"result\":%" PRId64 ",\"err\":%" PRId32,
	       ev->call, ev->arg0, ev->arg1, ev->arg2, ev->result, ev->err);
	if (call_function_name(ev) != NULL) {
		json_key("function");
		json_cstring(call_function_name(ev));
	}
	if (ev->err != 0 && err_is_h_errno(ev) && h_errno_name(ev->err) != NULL)
		printf(",\"h_errno\":\"%s\"", h_errno_name(ev->err));
	else if (ev->err != 0 && !err_is_h_errno(ev) && strerrorname_np(ev->err) != NULL)
		printf(",\"errno\":\"%s\"", strerrorname_np(ev->err));
	if ((ev->call == CALL(GETADDRINFO) || ev->call == CALL(GETNAMEINFO)) &&
	    eai_name(ev->result) != NULL)
		printf(",\"eai\":\"%s\"", eai_name(ev->result));
	printf(",\"value\":%" PRId64, ev->value);
	if (dns) {
		int32_t e = (int32_t)(uint32_t)ev->value;
		int32_t h = (int32_t)(uint32_t)((uint64_t)ev->value >> 32);
		if (e != 0 && errno_name(e) != NULL)
			printf(",\"errno_after\":\"%s\"", errno_name(e));
		if (h != 0 && h_errno_name(h) != NULL)
			printf(",\"h_errno_after\":\"%s\"", h_errno_name(h));
	}
	printf(",\"data_len\":%" PRIu32, ev->data_len);
	if (ev->data_len > 0 && ev->data_len <= 64) {
		json_key("data_hex");
		putchar('"');
		tool_print_hex(stdout, ev->data, ev->data_len);
		putchar('"');
	}
	if (ev->hash_len > 0) {
		json_key("hash");
		putchar('"');
		tool_print_hex(stdout, ev->hash, ev->hash_len);
		putchar('"');
	}
	if (ev->aux_len > 0) {
		json_key("aux_hex");
		putchar('"');
		tool_print_hex(stdout, ev->aux, ev->aux_len);
		putchar('"');
	}
	if (ev->aux_len > 0 && kind == AUX_TEXT) {
		const uint8_t *s;
		uint32_t at = 0, slen;
		json_key("aux_text");
		putchar('[');
		for (int i = 0; aux_next_string(ev->aux, ev->aux_len, &at, &s, &slen); i++) {
			if (i > 0)
				putchar(',');
			json_string(s, slen);
		}
		putchar(']');
	}
	if (ev->aux_len > 0 && (kind == AUX_ADDR_IN || kind == AUX_ADDR_OUT)) {
		char addr[160];
		size_t n = format_sockaddr(ev->aux, ev->aux_len, addr, sizeof addr);
		json_key("addr");
		json_string((const uint8_t *)addr, n);
	}
	if (ev->control_len > 0)
		printf(",\"control_len\":%" PRIu32, ev->control_len);
	if (ev->location != 0) {
		const struct py_location *loc = py_location_find(locs, ev->location);
		printf(",\"location\":%" PRIu32, ev->location);
		if (loc != NULL && loc->file != NULL) {
			json_key("py_file");
			json_string(loc->file, loc->file_len);
			printf(",\"py_line\":%" PRId64, loc->line);
			if (loc->function != NULL) {
				json_key("py_function");
				json_string(loc->function, loc->function_len);
			}
		}
	}
	fputs("}\n", stdout);
}

static void print_end_json(const struct trace_reader *r, uint64_t nevents)
{
	const Retrace__Trailer *t = r->trailer;

	printf("{\"type\":\"trailer\",\"present\":%s", t != NULL ? "true" : "false");
	if (t != NULL) {
		printf(",\"events\":%" PRIu64 ",\"exit_status\":%" PRId32, t->events,
		       t->exit_status);
		json_key("stopped");
		json_cstring(t->stopped);
		printf(",\"stopped_at_seq\":%" PRIu64, t->stopped_at_seq);
	}
	printf(",\"events_in_trace\":%" PRIu64 ",\"torn_offset\":%" PRIu64 "}\n", nevents,
	       r->torn_offset);
}

/* ---------------------------------------------------------------------------------------------
 */
static int finish_output(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the dump: %s\n", tool_name, strerror(errno));
		return RETRACE_EXIT_ERROR;
	}
	return status;
}

/* ---------------------------------------------------------------------------------------------
 * --stats: what a trace holds, counted.  Events are read thread by thread, since counting needs
 * no global order; that also gives each event's size in the file exactly: the bytes the cursor
 * stepped over to decode it.
 */
struct event_counts {
	uint64_t events;
	uint64_t data_bytes;  /* Event.data: what the calls brought in from outside */
	uint64_t trace_bytes; /* the events as stored in their chunks, tags and lengths included */
};

struct call_counts {
	uint32_t call;
	struct event_counts n;
};

struct trace_stats {
	struct event_counts total;
	struct event_counts families[FAMILY_COUNT];
	struct call_counts *calls; /* one per call number seen, in order of first sight */
	size_t ncalls, calls_cap;
	uint64_t *thread_events;   /* events of r->tids[i] */
	int64_t last_wall_ns;      /* the latest wall-clock reading in the trace; 0: none */
	int64_t mono_min_ns, mono_max_ns; /* the CLOCK_MONOTONIC readings' range; 0: none */
	struct py_locations locations;
	uint64_t located_events;   /* events made at a Python location (py_location's own aside) */
};

/* How long the recording lasted, as far as the trace can tell: from the header's start time to
 * the last wall-clock reading, or the span of the CLOCK_MONOTONIC readings when that is longer
 * (a program that reads only the monotonic clock, or sleeps after its last wall-clock reading).
 * Both miss what happened after the last reading; 0 when there is nothing to go by. */
struct duration {
	int64_t ns;
	const char *source; /* "wall_clock" or "monotonic" */
};

static struct duration trace_duration(const Retrace__Header *h, const struct trace_stats *st)
{
	struct duration d = { 0, NULL };
	/* unsigned, since a damaged header's start time can be anything */
	uint64_t wall = (uint64_t)st->last_wall_ns - (uint64_t)h->start_time_ns;

	if (st->last_wall_ns > h->start_time_ns && wall <= INT64_MAX)
		d = (struct duration){ (int64_t)wall, "wall_clock" };
	if (st->mono_max_ns - st->mono_min_ns > d.ns)
		d = (struct duration){ st->mono_max_ns - st->mono_min_ns, "monotonic" };
	return d;
}

/* The wall-clock time an event read, or 0 when it read none. */
static int64_t wall_clock_reading(const struct trace_event *ev)
{
	switch (ev->call) {
	case CALL(CLOCK_GETTIME):
		if (ev->result != 0)
			return 0;
		if (ev->arg0 == CLOCK_REALTIME || ev->arg0 == CLOCK_REALTIME_COARSE)
			return ev->value;
		return 0;
	case CALL(GETTIMEOFDAY):
	case CALL(TIME):
		return ev->value;
	default:
		return 0;
	}
}

static void counts_add(struct event_counts *c, const struct trace_event *ev, uint64_t bytes)
{
	c->events++;
	c->data_bytes += ev->data_len;
	c->trace_bytes += bytes;
}

static int stats_add(struct trace_stats *st, const struct trace_event *ev, uint64_t bytes)
{
	struct call_counts *cc = NULL;

	/* a linear search: a trace holds a few dozen distinct calls at most */
	for (size_t i = 0; i < st->ncalls && cc == NULL; i++)
		if (st->calls[i].call == ev->call)
			cc = &st->calls[i];
	if (cc == NULL) {
		if (st->ncalls == st->calls_cap) {
			size_t cap = st->calls_cap != 0 ? 2 * st->calls_cap : 64;
			struct call_counts *grown = realloc(st->calls, cap * sizeof *grown);
			if (grown == NULL)
				return -1;
			st->calls = grown;
			st->calls_cap = cap;
		}
		cc = &st->calls[st->ncalls++];
		memset(cc, 0, sizeof *cc);
		cc->call = ev->call;
	}
	counts_add(&cc->n, ev, bytes);
	counts_add(&st->families[call_family_of(ev->call)], ev, bytes);
	counts_add(&st->total, ev, bytes);
	int64_t wall = wall_clock_reading(ev);
	if (wall > st->last_wall_ns)
		st->last_wall_ns = wall;
	if (py_location_define(&st->locations, ev) != 0)
		return -1;
	if (ev->location != 0 && ev->call != CALL(PY_LOCATION)) {
		/* threads are read one after another, so an event may come before the definition of
		 * its location (made by another thread): the entry is filled in when that comes */
		struct py_location *loc = py_location_get(&st->locations, ev->location);
		if (loc == NULL)
			return -1;
		loc->events++;
		st->located_events++;
	}
	if (ev->call == CALL(CLOCK_GETTIME) && ev->arg0 == CLOCK_MONOTONIC && ev->result == 0 &&
	    ev->value > 0) {
		if (st->mono_min_ns == 0 || ev->value < st->mono_min_ns)
			st->mono_min_ns = ev->value;
		if (ev->value > st->mono_max_ns)
			st->mono_max_ns = ev->value;
	}
	return 0;
}

static int collect_stats(const struct trace_reader *r, struct trace_stats *st,
			 struct trace_error *err)
{
	memset(st, 0, sizeof *st);
	st->thread_events = calloc(r->ntids != 0 ? r->ntids : 1, sizeof *st->thread_events);
	if (st->thread_events == NULL)
		goto no_memory;
	for (size_t t = 0; t < r->ntids; t++) {
		struct trace_cursor c;
		struct trace_event ev;
		int rc;

		if (trace_cursor_init(&c, r, r->tids[t], err) != 0)
			return -1;
		for (;;) {
			size_t chunk = c.chunk;
			const uint8_t *before = c.pos;

			rc = trace_cursor_next(&c, &ev, err);
			if (rc <= 0)
				break;
			/* the event began where the cursor stood, or at the start of the chunk it
			 * moved on to */
			const uint8_t *start =
				c.chunk == chunk ? before : r->chunks[c.chunk].events;
			st->thread_events[t]++;
			if (stats_add(st, &ev, (uint64_t)(c.pos - start)) != 0) {
				trace_cursor_free(&c);
				goto no_memory;
			}
		}
		trace_cursor_free(&c);
		if (rc < 0)
			return -1;
	}
	return 0;
no_memory:
	err->code = TRACE_E_NOMEM;
	err->offset = 0;
	snprintf(err->msg, sizeof err->msg, "out of memory");
	return -1;
}

static void free_stats(struct trace_stats *st)
{
	free(st->locations.slots);
	free(st->calls);
	free(st->thread_events);
}

/* Most events first; equal counts in call number order, so the output is stable. */
static int compare_call_counts(const void *pa, const void *pb)
{
	const struct call_counts *a = pa, *b = pb;

	if (a->n.events != b->n.events)
		return a->n.events > b->n.events ? -1 : 1;
	return a->call < b->call ? -1 : a->call > b->call;
}

/* Python places, for the top list: the locations of one file, line and function together (a
 * location is an instruction, and one line has several). */
struct py_place {
	const struct py_location *loc; /* the first of them */
	uint64_t events;
};

static int compare_bytes(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c != 0 ? c : (alen > blen) - (alen < blen);
}

/* By file, line, function; a location never defined sorts first, by id. */
static int compare_py_locations(const void *pa, const void *pb)
{
	const struct py_location *a = *(const struct py_location *const *)pa;
	const struct py_location *b = *(const struct py_location *const *)pb;
	int c;

	if ((a->file == NULL) != (b->file == NULL))
		return a->file == NULL ? -1 : 1;
	if (a->file == NULL)
		return (a->id > b->id) - (a->id < b->id);
	if ((c = compare_bytes(a->file, a->file_len, b->file, b->file_len)) != 0)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if ((a->function == NULL) != (b->function == NULL))
		return a->function == NULL ? -1 : 1;
	return a->function == NULL ? 0 : compare_bytes(a->function, a->function_len, b->function,
						       b->function_len);
}

static int compare_py_places(const void *pa, const void *pb)
{
	const struct py_place *a = pa, *b = pb;

	if (a->events != b->events)
		return a->events > b->events ? -1 : 1;
	return compare_py_locations(&a->loc, &b->loc);
}

/* The places events were made at, most events first; *n set to their number.  NULL with *n 0:
 * none, or out of memory (then *oom is set). */
static struct py_place *py_places(const struct py_locations *t, size_t *n, int *oom)
{
	const struct py_location **locs = malloc((t->used != 0 ? t->used : 1) * sizeof *locs);
	struct py_place *places = malloc((t->used != 0 ? t->used : 1) * sizeof *places);
	size_t nlocs = 0, nplaces = 0;

	*n = 0;
	*oom = locs == NULL || places == NULL;
	if (*oom) {
		free(locs);
		free(places);
		return NULL;
	}
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].id != 0 && t->slots[i].events != 0)
			locs[nlocs++] = &t->slots[i];
	qsort(locs, nlocs, sizeof *locs, compare_py_locations);
	for (size_t i = 0; i < nlocs; i++) {
		if (nplaces > 0 && locs[i]->file != NULL &&
		    compare_py_locations(&places[nplaces - 1].loc, &locs[i]) == 0) {
			places[nplaces - 1].events += locs[i]->events;
			continue;
		}
		places[nplaces++] = (struct py_place){ locs[i], locs[i]->events };
	}
	free(locs);
	qsort(places, nplaces, sizeof *places, compare_py_places);
	*n = nplaces;
	return places;
}

static const char python_locations_note[] =
	"none in this trace (recorded without pyhooks, or by a retrace that did not record them)";

/* One row of a table; family NULL: the family table, which has no such column. */
static void print_counts_row(const char *name, const char *family, const struct event_counts *c)
{
	printf("  %-16s", name);
	if (family != NULL)
		printf(" %-9s", family);
	printf(" %9" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n", c->events, c->data_bytes,
	       c->trace_bytes);
}

static void print_stats_text(const struct trace_reader *r, struct trace_stats *st)
{
	const Retrace__Header *h = r->header;
	const Retrace__Trailer *t = r->trailer;

	print_command_text(h);
	printf("%-13s", "started:");
	print_utc(h->start_time_ns);
	putchar('\n');
	struct duration d = trace_duration(h, st);
	printf("%-13s", "duration:");
	if (d.source == NULL) {
		fputs("unknown (no clock reading to go by)\n", stdout);
	} else {
		fputs("at least ", stdout);
		print_ns_as_seconds(d.ns);
		if (d.source[0] == 'w')
			fputs(" s (start of recording to the last wall-clock reading)\n", stdout);
		else
			fputs(" s (first to last CLOCK_MONOTONIC reading)\n", stdout);
	}
	printf("%-13s%zu", "threads:", r->ntids);
	if (r->ntids > 1) {
		for (size_t i = 0; i < r->ntids && i < 8; i++)
			printf("%st%" PRIu32 ": %" PRIu64 " events", i == 0 ? " (" : ", ",
			       r->tids[i], st->thread_events[i]);
		fputs(r->ntids > 8 ? ", ...)" : ")", stdout);
	}
	putchar('\n');
	printf("%-13s1\n", "processes:");
	printf("%-13s", "ended:");
	if (t == NULL)
		fputs("killed or crashed (no trailer)", stdout);
	else if (t->exit_status == -1)
		fputs("exited by returning from main (status not seen)", stdout);
	else
		printf("exited with status %" PRId32, t->exit_status);
	if (t != NULL && t->stopped != NULL && t->stopped[0] != '\0') {
		printf("; recording stopped early at seq %" PRIu64 ": ", t->stopped_at_seq);
		tool_print_escaped(stdout, (const uint8_t *)t->stopped, strlen(t->stopped));
	}
	if (r->torn_offset != 0)
		printf("; torn tail from byte %" PRIu64 " ignored", r->torn_offset);
	putchar('\n');
	printf("%-13s%" PRIu64, "events:", st->total.events);
	if (t != NULL && t->events != st->total.events)
		printf(" (the trailer counts %" PRIu64 ")", t->events);
	putchar('\n');
	printf("%-13s%zu bytes, %" PRIu64 " of them events (the rest: header, frame heads, unused "
	       "chunk space)\n", "trace size:", r->size, st->total.trace_bytes);

	printf("\n  %-16s %9s %12s %12s\n", "family", "events", "data bytes", "trace bytes");
	for (int f = 0; f < FAMILY_COUNT; f++)
		if (st->families[f].events != 0)
			print_counts_row(family_names[f], NULL, &st->families[f]);
	print_counts_row("total", NULL, &st->total);

	qsort(st->calls, st->ncalls, sizeof *st->calls, compare_call_counts);
	printf("\n  %-16s %-9s %9s %12s %12s\n", "call", "family", "events", "data bytes",
	       "trace bytes");
	for (size_t i = 0; i < st->ncalls; i++)
		print_counts_row(trace_call_name(st->calls[i].call),
				 family_names[call_family_of(st->calls[i].call)], &st->calls[i].n);
	size_t nplaces;
	int oom;
	struct py_place *places = py_places(&st->locations, &nplaces, &oom);
	if (nplaces == 0) {
		printf("\nPython locations: %s\n", oom ? "(out of memory)" : python_locations_note);
	} else {
		printf("\ntop Python locations by event count (%" PRIu64 " of %" PRIu64
		       " events were made in Python code):\n  %9s  %s\n", st->located_events,
		       st->total.events, "events", "file:line (function)");
		for (size_t i = 0; i < nplaces && i < 10; i++) {
			printf("  %9" PRIu64 "  ", places[i].events);
			if (places[i].loc->file != NULL)
				print_py_location_text(places[i].loc);
			else
				printf("location %" PRIu32 " (never defined)", places[i].loc->id);
			putchar('\n');
		}
	}
	free(places);
}

static void print_counts_json(const struct event_counts *c)
{
	printf("\"events\":%" PRIu64 ",\"data_bytes\":%" PRIu64 ",\"trace_bytes\":%" PRIu64,
	       c->events, c->data_bytes, c->trace_bytes);
}

static void print_stats_json(const struct trace_reader *r, struct trace_stats *st)
{
	const Retrace__Header *h = r->header;
	const Retrace__Trailer *t = r->trailer;

	fputs("{\"type\":\"stats\"", stdout);
	json_key("argv");
	json_bytes_array(h->argv, h->n_argv);
	printf(",\"start_time_ns\":%" PRId64, h->start_time_ns);
	struct duration d = trace_duration(h, st);
	if (d.source != NULL)
		printf(",\"duration_ns\":%" PRId64 ",\"duration_source\":\"%s\"", d.ns, d.source);
	else
		fputs(",\"duration_ns\":null,\"duration_source\":null", stdout);
	printf(",\"threads\":%zu,\"thread_events\":{", r->ntids);
	for (size_t i = 0; i < r->ntids; i++)
		printf("%s\"%" PRIu32 "\":%" PRIu64, i > 0 ? "," : "", r->tids[i],
		       st->thread_events[i]);
	fputs("},\"processes\":1", stdout);
	if (t == NULL) {
		fputs(",\"end\":\"killed_or_crashed\"", stdout);
	} else {
		int stopped = t->stopped != NULL && t->stopped[0] != '\0';
		printf(",\"end\":\"%s\",\"exit_status\":%" PRId32, stopped ? "stopped" : "exited",
		       t->exit_status);
		if (stopped) {
			json_key("stopped");
			json_cstring(t->stopped);
			printf(",\"stopped_at_seq\":%" PRIu64, t->stopped_at_seq);
		}
		printf(",\"trailer_events\":%" PRIu64, t->events);
	}
	printf(",\"torn_offset\":%" PRIu64 ",\"file_bytes\":%zu,", r->torn_offset, r->size);
	print_counts_json(&st->total);
	fputs(",\"families\":{", stdout);
	for (int f = 0; f < FAMILY_COUNT; f++) {
		printf("%s\"%s\":{", f > 0 ? "," : "", family_names[f]);
		print_counts_json(&st->families[f]);
		putchar('}');
	}
	fputs("},\"calls\":[", stdout);
	qsort(st->calls, st->ncalls, sizeof *st->calls, compare_call_counts);
	for (size_t i = 0; i < st->ncalls; i++) {
		fputs(i > 0 ? ",{\"call\":" : "{\"call\":", stdout);
		json_cstring(trace_call_name(st->calls[i].call));
		printf(",\"call_id\":%" PRIu32 ",\"family\":\"%s\",", st->calls[i].call,
		       family_names[call_family_of(st->calls[i].call)]);
		print_counts_json(&st->calls[i].n);
		putchar('}');
	}
	putchar(']');

	size_t nplaces;
	int oom;
	struct py_place *places = py_places(&st->locations, &nplaces, &oom);
	printf(",\"located_events\":%" PRIu64, st->located_events);
	if (nplaces == 0) {
		fputs(",\"python_locations\":null", stdout);
		json_key("python_locations_note");
		json_cstring(oom ? "out of memory" : python_locations_note);
	} else {
		fputs(",\"python_locations\":[", stdout);
		for (size_t i = 0; i < nplaces && i < 20; i++) {
			const struct py_location *loc = places[i].loc;
			printf("%s{\"events\":%" PRIu64, i > 0 ? "," : "", places[i].events);
			if (loc->file != NULL) {
				json_key("file");
				json_string(loc->file, loc->file_len);
				printf(",\"line\":%" PRId64, loc->line);
				json_key("function");
				if (loc->function != NULL)
					json_string(loc->function, loc->function_len);
				else
					fputs("null", stdout);
			} else {
				printf(",\"location\":%" PRIu32, loc->id);
			}
			putchar('}');
		}
		putchar(']');
	}
	free(places);
	fputs("}\n", stdout);
}

static int dump_stats(const struct trace_reader *r, const char *path, int json)
{
	struct trace_stats st;
	struct trace_error err;

	if (collect_stats(r, &st, &err) != 0) {
		tool_msg("%s: %s", path, err.msg);
		free_stats(&st);
		return tool_exit_for_trace_status(err.code);
	}
	if (json)
		print_stats_json(r, &st);
	else
		print_stats_text(r, &st);
	free_stats(&st);
	return finish_output(0);
}

int main(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_HEADER, OPT_STATS, OPT_HELP, OPT_VERSION };
	static const struct option options[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "header", no_argument, NULL, OPT_HEADER },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, header_only = 0, stats = 0, opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (opt) {
		case OPT_JSON:
			json = 1;
			break;
		case OPT_HEADER:
			header_only = 1;
			break;
		case OPT_STATS:
			stats = 1;
			break;
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
		tool_usage_error("no trace given");
	if (argc - optind > 1)
		tool_usage_error("one trace at a time; '%s' is one too many", argv[optind + 1]);
	if (stats && header_only)
		tool_usage_error("--stats and --header do not go together");
	const char *path = argv[optind];

	struct trace_reader r;
	struct trace_error err;
	if (trace_reader_open_file(&r, path, NULL, &err) != 0) {
		tool_msg("%s: %s", path, err.msg);
		return tool_exit_for_trace_status(err.code);
	}
	if (r.header == NULL) {
		tool_msg("%s: the trace has no header", path);
		trace_reader_close(&r);
		return RETRACE_EXIT_BAD_TRACE;
	}
	if (stats) {
		int status = dump_stats(&r, path, json);
		trace_reader_close(&r);
		return status;
	}
	if (json)
		print_header_json(r.header);
	else
		print_header_text(r.header);
	if (header_only) {
		trace_reader_close(&r);
		return finish_output(0);
	}

	struct trace_cursor c;
	struct trace_event ev;
	uint64_t nevents = 0;
	int rc;
	if (trace_cursor_init(&c, &r, 0, &err) != 0) {
		tool_msg("%s: %s", path, err.msg);
		trace_reader_close(&r);
		return tool_exit_for_trace_status(err.code);
	}
	struct py_locations locs = { NULL, 0, 0 };
	while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
		nevents++;
		/* in global order a location is defined before any event made there */
		if (py_location_define(&locs, &ev) != 0) {
			tool_msg("out of memory");
			trace_cursor_free(&c);
			trace_reader_close(&r);
			free(locs.slots);
			finish_output(0);
			return RETRACE_EXIT_ERROR;
		}
		if (json)
			print_event_json(&ev, &locs);
		else
			print_event_text(&ev, &locs);
	}
	trace_cursor_free(&c);
	free(locs.slots);
	if (rc < 0) {
		/* what decoded before the damage is printed; the damage is reported, not skipped */
		tool_msg("%s: %s", path, err.msg);
		trace_reader_close(&r);
		finish_output(0);
		return tool_exit_for_trace_status(err.code);
	}
	if (json)
		print_end_json(&r, nevents);
	else
		print_end_text(&r, nevents);
	trace_reader_close(&r);
	return finish_output(0);
}
