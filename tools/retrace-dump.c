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

#include "dump.h"

const char tool_name[] = "retrace-dump";

static void usage(void)
{
	printf("Usage: %s [--json] [--header | --stats | --stacks | --tree] [--grep PATTERN]...\n"
	       "       [--key FILE] TRACE\n"
	       "Print the header, the events and the trailer of a retrace trace.\n"
	       "\n"
	       "      --json     one JSON object per line instead of text\n"
	       "      --header   print only the header\n"
	       "      --stats    print a summary: events and bytes per call family and per call,\n"
	       "                 duration, threads, GIL handoffs and forced switches, how the\n"
	       "                 recording ended\n"
	       "      --tree     print the process tree of the recording: TRACE and its\n"
	       "                 children's traces (TRACE.1, TRACE.1.1 ...), each with its pid,\n"
	       "                 command line and how it ended\n"
	       "      --stacks   with each event, the Python frames that called its own\n"
	       "                 (traces recorded with retrace-record --python-stacks)\n"
	       "      --grep=PATTERN\n"
	       "                 print only the events PATTERN matches (repeatable: any):\n"
	       "                 a call (recv, clock_gettime, lstat), a family as --stats\n"
	       "                 names them (net, time, files ...), or FILE[:LINE], the\n"
	       "                 Python location an event was made at (app.py:42,\n"
	       "                 lib/python3.11/socket.py; with --stacks, any of its frames).\n"
	       "                 Each event's #SEQ (\"seq\") is what retrace-replay --break takes\n"
	       "      --key=FILE the secret key (retrace-keygen) of an encrypted trace; also\n"
	       "                 RETRACE_SECRET_KEY\n"
	       "      --help     show this help and exit\n"
	       "      --version  show the version and exit\n"
	       "\n"
	       "TRACE may be sealed (compressed, encrypted): it is read from an unsealed copy.\n"
	       "Exit status: 0; 91 if TRACE is unreadable or corrupt (after printing what\n"
	       "decoded before the damage), 94 for a usage error, 95 if retrace failed.\n"
	       "See retrace-dump(1) and retrace(5).\n",
	       tool_name);
}

/* ---------------------------------------------------------------------------------------------
 * Names of what events hold.
 */

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
 * Text output.
 */
static void print_errno_text(int err)
{
	const char *name = strerrorname_np(err);

	if (name != NULL)
		printf(" %s (%s)", name, strerrordesc_np(err));
	else
		printf(" errno %d", err);
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
	if (((index == 1 && (flags & ARG1_SIGNAL)) || (index == 0 && (flags & ARG0_SIGNAL))) &&
	    v > 0 && v < 65 &&
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

/* With --stacks: the frames that called the event's innermost one, one "from" line each. */
static void print_callers_text(const struct trace_event *ev, const struct py_names *py)
{
	const struct py_location *frames[256];
	size_t n = py_stack_frames(py, ev->tid, py_stack_now(py, ev->tid), frames, 256);
	for (size_t i = 1; i < n; i++) {
		fputs("    from ", stdout);
		print_py_location_text(frames[i]);
		putchar('\n');
	}
}

static void print_event_text(const struct trace_event *ev, const struct py_names *py,
			     const struct thread_schedule *threads, const struct gil_handoff *handoff,
			     int stacks)
{
	const struct call_info *info = call_info_of(ev->call);
	unsigned flags = info != NULL ? info->flags : 0;

	printf("#%" PRIu64 " t%" PRIu32, ev->seq, ev->tid);
	print_thread_name_text(threads, ev->tid);
	putchar(' ');
	/* a lookup's or a path's hash is that of the text printed, so it is left out; file_op's and
	 * xattr's also cover what is not printed (times, attribute names and values) */
	int hash_shown = 1;
	if (print_call_thread_text(ev)) {
		/* thread_create, yield, fd_number: their own layout */
	} else if (info != NULL && info->family == FAMILY_DNS) {
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
	} else if (flags & VALUE_SEM) {
		printf(" sem=0x%" PRIx64, (uint64_t)ev->value);
	} else if (ev->value != 0 && (flags & VALUE_FINGERPRINT)) {
		printf(" fingerprint=%016" PRIx64, (uint64_t)ev->value);
	} else if (ev->value != 0) {
		fputs(" value=", stdout);
		if (flags & VALUE_NS)
			print_ns_as_seconds(ev->value);
		else
			printf("%" PRId64, ev->value);
	}
	print_handoff_text(handoff);
	print_aux_after_text(ev, info);
	if (ev->data_len > 0)
		printf(" data=%" PRIu32 " bytes", ev->data_len);
	if (ev->hash_len > 0 && hash_shown) {
		fputs(" hash=", stdout);
		tool_print_hex(stdout, ev->hash, ev->hash_len);
	}
	if (ev->control_len > 0)
		printf(" control=%" PRIu32 " bytes", ev->control_len);
	if (ev->call == CALL(PY_FRAME)) {
		fputs(" frame=", stdout);
		print_py_location_text(py_location_find(&py->locations, ev->tid,
							(uint32_t)ev->arg2));
	}
	if (ev->location != 0 && !py_is_definition(ev->call)) {
		const struct py_location *loc = py_location_find(&py->locations, ev->tid, ev->location);
		fputs(" at ", stdout);
		if (loc != NULL && loc->file != NULL)
			print_py_location_text(loc);
		else
			printf("location %" PRIu32 " (never defined)", ev->location);
	}
	putchar('\n');
	if (stacks && !py_is_definition(ev->call))
		print_callers_text(ev, py);
}

static void print_field_text(const char *label, const ProtobufCBinaryData *b)
{
	printf("%-13s", label);
	tool_print_escaped(stdout, b->data, b->len);
	putchar('\n');
}

/* "ignored SIGINT, SIGQUIT" or "ignored none": a signal set of the header, bit N-1 for signal N */
static void print_signal_set(const char *what, uint64_t set)
{
	printf("%s ", what);
	if (!set) {
		fputs("none", stdout);
		return;
	}
	const char *sep = "";
	for (int sig = 1; sig <= 64; sig++) {
		if (!((set >> (sig - 1)) & 1))
			continue;
		const char *name = sigabbrev_np(sig);
		if (name)
			printf("%sSIG%s", sep, name);
		else
			printf("%s%d", sep, sig);
		sep = ", ";
	}
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
	if (h->parent.len) {
		printf("%-13s", "parent:");
		tool_print_escaped(stdout, h->parent.data, h->parent.len);
		printf(", event #%" PRIu64 ", child %" PRIu32 "%s\n", h->parent_event, h->child,
		       h->forked ? ", forked (its memory is the parent's there)" : "");
	}
	printf("%-13s", "hostname:");
	if (h->hostname != NULL)
		tool_print_escaped(stdout, (const uint8_t *)h->hostname, strlen(h->hostname));
	putchar('\n');
	int write_bytes = h->capture != NULL && h->capture->write_bytes;
	uint32_t chunk_size = h->capture != NULL ? h->capture->chunk_size : 0;
	printf("%-13swritten bytes %s, chunks of %" PRIu32 " bytes\n", "capture:",
	       write_bytes ? "stored" : "hashed only", chunk_size);
	const char *layout = h->capture != NULL ? h->capture->threads_layout : NULL;
	printf("%-13s", "threads:");
	if (layout != NULL && layout[0] != '\0') {
		fputs("scheduled by CPython's GIL, internals ", stdout);
		tool_print_escaped(stdout, (const uint8_t *)layout, strlen(layout));
		putchar('\n');
	} else {
		fputs("events ordered, no GIL schedule (not CPython 3.11, or Python locations off)\n",
		      stdout);
	}
	printf("%-13strace %" PRId32 ", status %" PRId32 "\n", "fds:", h->trace_fd, h->status_fd);
	print_field_text("LD_PRELOAD:", &h->ld_preload);
	printf("%-13s%zu entries\n", "environment:", h->n_env);
	for (size_t i = 0; i < h->n_env; i++) {
		fputs("    ", stdout);
		tool_print_escaped(stdout, h->env[i].data, h->env[i].len);
		putchar('\n');
	}
	/* names and lengths only: the trace never held the values (interpose/redact.c) */
	if (h->n_redacted) {
		printf("%-13s", "redacted:");
		for (size_t i = 0; i < h->n_redacted; i++) {
			fputs(i ? ", " : "", stdout);
			tool_print_escaped(stdout, h->redacted[i]->name.data, h->redacted[i]->name.len);
			printf(" (%" PRIu32 " bytes%s)", h->redacted[i]->length,
			       h->redacted[i]->length < TRACE_REDACT_MIN ? ", too short to look for in the data"
									: "");
		}
		putchar('\n');
	} else {
		printf("%-13snothing\n", "redacted:");
	}
	if (h->inherited) {
		printf("%-13s", "signals:");
		print_signal_set("ignored", h->inherited->ignored);
		fputs("; ", stdout);
		print_signal_set("blocked", h->inherited->blocked);
		fputs(" (as the program started)\n", stdout);
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

static void print_header_json(const Retrace__Header *h)
{
	fputs("{\"type\":\"header\"", stdout);
	printf(",\"format_version\":%" PRIu32, h->format_version);
	json_key("argv");
	json_bytes_array(h->argv, h->n_argv);
	if (h->n_command) {
		json_key("command");
		json_bytes_array(h->command, h->n_command);
	}
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
	printf(",\"capture\":{\"write_bytes\":%s,\"chunk_size\":%" PRIu32,
	       h->capture != NULL && h->capture->write_bytes ? "true" : "false",
	       h->capture != NULL ? h->capture->chunk_size : 0);
	json_key("threads_layout");
	json_cstring(h->capture != NULL && h->capture->threads_layout ? h->capture->threads_layout : "");
	putchar('}');
	printf(",\"trace_fd\":%" PRId32 ",\"status_fd\":%" PRId32, h->trace_fd, h->status_fd);
	json_key("ld_preload");
	json_string(h->ld_preload.data, h->ld_preload.len);
	json_key("env");
	json_bytes_array(h->env, h->n_env);
	json_key("redacted");
	putchar('[');
	for (size_t i = 0; i < h->n_redacted; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
		json_string(h->redacted[i]->name.data, h->redacted[i]->name.len);
		printf(",\"length\":%" PRIu32 "}", h->redacted[i]->length);
	}
	putchar(']');
	if (h->inherited)
		printf(",\"signals_ignored\":%" PRIu64 ",\"signals_blocked\":%" PRIu64,
		       h->inherited->ignored, h->inherited->blocked);
	fputs("}\n", stdout);
}

static void print_event_json(const struct trace_event *ev, const struct py_names *py,
			     const struct thread_schedule *threads, const struct gil_handoff *handoff,
			     int stacks)
{
	const struct call_info *info = call_info_of(ev->call);
	enum aux_kind kind = info != NULL ? info->aux : AUX_BYTES;
	int dns = info != NULL && info->family == FAMILY_DNS;

	printf("{\"type\":\"event\",\"seq\":%" PRIu64 ",\"tid\":%" PRIu32, ev->seq, ev->tid);
	print_thread_name_json(threads, ev->tid, "thread_name");
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
	print_thread_fields_json(ev, handoff);
	if (ev->location != 0) {
		const struct py_location *loc = py_location_find(&py->locations, ev->tid, ev->location);
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
	if (stacks && !py_is_definition(ev->call)) {
		const struct py_location *frames[256];
		size_t n = py_stack_frames(py, ev->tid, py_stack_now(py, ev->tid), frames, 256);
		fputs(",\"py_stack\":[", stdout);
		for (size_t i = n; i-- > 0;) {
			print_py_location_json(frames[i]);
			if (i > 0)
				putchar(',');
		}
		putchar(']');
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

int main(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_HEADER, OPT_STATS, OPT_STACKS, OPT_TREE, OPT_GREP, OPT_KEY,
	       OPT_HELP, OPT_VERSION };
	static const struct option options[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "header", no_argument, NULL, OPT_HEADER },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "stacks", no_argument, NULL, OPT_STACKS },
		{ "tree", no_argument, NULL, OPT_TREE },
		{ "grep", required_argument, NULL, OPT_GREP },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, header_only = 0, stats = 0, stacks = 0, tree = 0, opt;
	const char *key = NULL, *bad;
	struct grep grep = { 0 };

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
		case OPT_STACKS:
			stacks = 1;
			break;
		case OPT_TREE:
			tree = 1;
			break;
		case OPT_GREP:
			if ((bad = grep_add(&grep, optarg)) != NULL)
				tool_usage_error("--grep '%s': %s", optarg, bad);
			break;
		case OPT_KEY:
			key = optarg;
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
	if (stacks && (stats || header_only))
		tool_usage_error("--stacks goes with the events, not with --%s",
				 stats ? "stats" : "header");
	if (grep.n && (stats || header_only || tree))
		tool_usage_error("--grep chooses events, not with --%s",
				 stats ? "stats" : header_only ? "header" : "tree");
	const char *path = argv[optind];
	/* a sealed trace is read from an unsealed copy; messages still name the user's file */
	const char *plain = tool_plain_trace(path, key);
	if (tree) {
		if (json || stats || header_only || stacks)
			tool_usage_error("--tree goes with --key only");
		if (plain == path)
			return dump_tree(path, 0, "");
		/* the copy has the user's file name in another directory: show theirs */
		const char *slash = strrchr(path, '/');
		char *dir = strndup(path, slash ? (size_t)(slash + 1 - path) : 0);
		return dump_tree(plain, (size_t)(strrchr(plain, '/') + 1 - plain), dir ? dir : "");
	}

	struct trace_reader r;
	struct trace_error err;
	if (trace_reader_open_file(&r, plain, NULL, &err) != 0) {
		tool_msg("%s: %s", path, err.msg);
		grep_free(&grep);
		return tool_exit_for_trace_status(err.code);
	}
	if (r.header == NULL) {
		tool_msg("%s: the trace has no header", path);
		trace_reader_close(&r);
		grep_free(&grep);
		return RETRACE_EXIT_BAD_TRACE;
	}
	if (stats) {
		int status = dump_stats(&r, path, json);
		trace_reader_close(&r);
		grep_free(&grep);
		return status;
	}
	if (json)
		print_header_json(r.header);
	else
		print_header_text(r.header);
	if (header_only) {
		trace_reader_close(&r);
		grep_free(&grep);
		return finish_output(0);
	}

	struct trace_cursor c;
	struct trace_event ev;
	uint64_t nevents = 0, shown = 0;
	int rc;
	if (trace_cursor_init(&c, &r, 0, &err) != 0) {
		tool_msg("%s: %s", path, err.msg);
		trace_reader_close(&r);
		grep_free(&grep);
		return tool_exit_for_trace_status(err.code);
	}
	struct py_names py = { 0 };
	struct thread_schedule threads = { 0 };
	while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
		struct gil_handoff handoff;
		nevents++;
		/* a location or stack is defined before any event made there, a thread's name before
		 * its first event */
		if (py_names_take(&py, &ev) != 0 ||
		    thread_schedule_take(&threads, &ev, &handoff) != 0) {
			tool_msg("out of memory");
			trace_cursor_free(&c);
			trace_reader_close(&r);
			py_names_free(&py);
			thread_schedule_free(&threads);
			grep_free(&grep);
			finish_output(0);
			return RETRACE_EXIT_ERROR;
		}
		/* every event is taken in above, shown or not: what it defines serves later ones */
		if (grep.n && !grep_matches(&grep, &ev, &py, stacks))
			continue;
		shown++;
		if (json)
			print_event_json(&ev, &py, &threads, &handoff, stacks);
		else
			print_event_text(&ev, &py, &threads, &handoff, stacks);
	}
	trace_cursor_free(&c);
	py_names_free(&py);
	thread_schedule_free(&threads);
	if (rc < 0) {
		/* what decoded before the damage is printed; the damage is reported, not skipped */
		tool_msg("%s: %s", path, err.msg);
		trace_reader_close(&r);
		grep_free(&grep);
		finish_output(0);
		return tool_exit_for_trace_status(err.code);
	}
	if (json)
		print_end_json(&r, nevents);
	else
		print_end_text(&r, nevents);
	trace_reader_close(&r);
	/* said apart from the output, which stays a dump with no event in it */
	if (grep.n && shown == 0)
		tool_msg("%s: no event matches %s%s", path, grep.n > 1 ? "any of the --grep patterns"
			 : "--grep ", grep.n > 1 ? "" : grep.patterns[0].text);
	grep_free(&grep);
	return finish_output(0);
}
