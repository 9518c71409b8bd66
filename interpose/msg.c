/* msg.c — retrace's voice on stderr, and its own ways out.
 *
 * Messages are formatted on the stack and written with the real write(2), so they never go
 * through the program's stdio buffers or heap, and always start with "retrace: ".
 *
 * Where they go on replay: to fd 2 while it is what it was when the process started.  A
 * program may have moved its stderr away (pytest captures fd 2 into a file of its own, and
 * shows it only for a failed test — never for a process that exits 90), so once fd 2 is
 * something else, messages go to retrace-replay through the status channel, and it prints them
 * on its own stderr; in the raw form (no retrace-replay) to TRACE.report next to the trace, and
 * a line on the current fd 2 says so.  The status channel carries the messages as text (which
 * never holds a NUL: the text is escaped) and the verdict as a NUL and one byte.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "exitcodes.h"
#include "rt.h"

static struct {
	int known;       /* replay: fd 2 at start is known */
	dev_t dev;
	ino_t ino;
	int channel;     /* retrace-replay reads the status fd */
	int file;        /* raw form: TRACE.report, once opened; -1 before */
} rt_msg_to = { .file = -1 };

void rt_msg_replay_start(int channel)
{
	struct stat st;
	if (REAL(fstat)(2, &st) == 0) {
		rt_msg_to.known = 1;
		rt_msg_to.dev = st.st_dev;
		rt_msg_to.ino = st.st_ino;
	}
	rt_msg_to.channel = channel;
}

static void rt_write_all(int fd, const char *buf, size_t n)
{
	for (size_t off = 0; off < n;) {
		ssize_t w = REAL(write)(fd, buf + off, n - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

/* The fd a message goes to now (see the top of the file). */
static int rt_msg_fd(void)
{
	struct stat st;
	if (!rt_msg_to.known ||
	    (REAL(fstat)(2, &st) == 0 && st.st_dev == rt_msg_to.dev && st.st_ino == rt_msg_to.ino))
		return 2;
	if (rt_msg_to.channel && rt_status_fd >= 0)
		return rt_status_fd;
	if (rt_msg_to.file < 0) {
		char path[4200], note[4400];
		snprintf(path, sizeof path, "%s.report", rt_trace_path());
		/* a regular file only (non-blocking: a FIFO there must not hang the replay) */
		int fd = REAL(open)(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC |
					  O_NONBLOCK, 0600);
		if (fd >= 0 && (REAL(fstat)(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
			REAL(close)(fd);
			fd = -1;
		}
		if (fd < 0)
			return 2;
		rt_msg_to.file = fd;
		rt_fd_set(rt_msg_to.file, RT_FD_OURS);
		int k = snprintf(note, sizeof note, "retrace: the program has moved its stderr; retrace's "
				 "messages go to %s\n", path);
		rt_write_all(2, note, (size_t)k < sizeof note ? (size_t)k : sizeof note - 1);
	}
	return rt_msg_to.file;
}

/* A message names trace strings (paths, argv, Python names): the whole line is escaped, so no
 * byte of a trace reaches the terminal raw (format/text.c). */
void rt_msg(const char *fmt, ...)
{
	char raw[2048], buf[3072];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	if (k < 0)
		k = 0;
	size_t n = sizeof "retrace: " - 1;
	memcpy(buf, "retrace: ", n);
	n += trace_text_escape(buf + n, sizeof buf - n - 1, (const uint8_t *)raw,
			       (size_t)k < sizeof raw ? (size_t)k : sizeof raw - 1);
	buf[n++] = '\n';
	int saved = errno;
	rt_self.inside++;
	rt_write_all(rt_msg_fd(), buf, n);
	rt_self.inside--;
	errno = saved;
}

void rt_status_send(char verdict)
{
	const char v[2] = { 0, verdict };
	if (rt_status_fd >= 0)
		rt_write_all(rt_status_fd, v, 2);
}

/* What follows a verdict that carries more (RETRACE_STATUS_RESTART's settings, NUL-ended). */
void rt_status_write(const char *buf, size_t n)
{
	if (rt_status_fd >= 0)
		rt_write_all(rt_status_fd, buf, n);
}

void rt_msg_lines(const char *prefix, const char *text, size_t n)
{
	for (const char *line = text, *end = text + n; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t k = nl ? (size_t)(nl - line) : (size_t)(end - line);
		rt_msg("%s%.*s", prefix, (int)k, line);
		line += k + 1;
	}
}

void rt_exit_with(int status, char status_byte)
{
	if (status == RETRACE_EXIT_DIVERGED || status == RETRACE_EXIT_BAD_TRACE)
		rt_flush_program_output();
	rt_self.inside++;
	__atomic_store_n(&rt_on, 0, __ATOMIC_SEQ_CST);
	if (status_byte == RETRACE_STATUS_DIVERGED)
		rt_keep_going_stopped();
	if (status_byte)
		rt_status_send(status_byte);
	REAL(_exit)(status);
}

void rt_damaged(const struct trace_event *ev, const char *what)
{
	char desc[200];
	rt_describe_event(desc, sizeof desc, ev);
	rt_report_begin();
	rt_msg("the trace is damaged: event #%llu, %s: %s", (unsigned long long)ev->seq, desc, what);
	rt_exit_with(RETRACE_EXIT_BAD_TRACE, 0);
}

/* ---- name resolution: the lookup as text (aux, see dns.c) and its numbers ---------------- */

struct describe_out {
	char *buf;
	size_t n, len;
	int args; /* arguments written so far */
};

static void describe_put(struct describe_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void describe_put(struct describe_out *o, const char *fmt, ...)
{
	if (o->len >= o->n)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(o->buf + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->len += (size_t)k < o->n - o->len ? (size_t)k : o->n - o->len - 1;
}

static void describe_sep(struct describe_out *o)
{
	if (o->args++)
		describe_put(o, ", ");
}

/* One string of aux, quoted or bare, unprintable bytes escaped, at most 64 bytes shown. */
static void describe_text(struct describe_out *o, const uint8_t *s, size_t len, int quoted)
{
	describe_sep(o);
	if (quoted)
		describe_put(o, "\"");
	for (size_t i = 0; i < len && i < 64; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
			describe_put(o, "%c", s[i]);
		else
			describe_put(o, "\\x%02x", s[i]);
	}
	describe_put(o, "%s%s", len > 64 ? "..." : "", quoted ? "\"" : "");
}

static const char *family_name(int64_t af)
{
	switch (af) {
	case 0: return "AF_UNSPEC";
	case 1: return "AF_UNIX";
	case 2: return "AF_INET";
	case 10: return "AF_INET6";
	default: return NULL;
	}
}

static void describe_family(struct describe_out *o, int64_t af)
{
	describe_sep(o);
	if (family_name(af))
		describe_put(o, "%s", family_name(af));
	else
		describe_put(o, "family %lld", (long long)af);
}

/* aux holds up to two NUL-ended strings; s[i] is NULL where it has none (or is malformed). */
static void aux_strings(const uint8_t *aux, uint32_t len, const uint8_t *s[2], size_t l[2])
{
	s[0] = s[1] = NULL;
	l[0] = l[1] = 0;
	size_t at = 0;
	for (int i = 0; i < 2 && aux && at < len; i++) {
		const uint8_t *end = memchr(aux + at, 0, len - at);
		if (!end)
			return;
		s[i] = aux + at;
		l[i] = (size_t)(end - s[i]);
		at += l[i] + 1;
	}
}

static void describe_lookup(char *buf, size_t n, uint32_t call, int64_t a0, int64_t a1,
			    int64_t a2, const uint8_t *aux, uint32_t aux_len)
{
	static const char *const byname[] = { "gethostbyname", "gethostbyname_r", "gethostbyname2",
					      "gethostbyname2_r" };
	struct describe_out o = { buf, n, 0, 0 };
	const uint8_t *s[2];
	size_t l[2];
	aux_strings(aux, aux_len, s, l);
	buf[0] = 0;
	switch (call) {
	case RETRACE__CALL__CALL_GETADDRINFO:
		describe_put(&o, "getaddrinfo(");
		for (int i = 0; i < 2 && s[0]; i++) {
			if (l[i])
				describe_text(&o, s[i], l[i], 1);
			else
				describe_sep(&o), describe_put(&o, "NULL");
		}
		if (a0)
			describe_family(&o, a0);
		if (a1 >= 1 && a1 <= 3)
			describe_sep(&o), describe_put(&o, "%s", (const char *[]){ "", "SOCK_STREAM",
								       "SOCK_DGRAM", "SOCK_RAW" }[a1]);
		else if (a1)
			describe_sep(&o), describe_put(&o, "socktype %lld", (long long)a1);
		if (a2)
			describe_sep(&o), describe_put(&o, "flags 0x%llx", (unsigned long long)a2);
		break;
	case RETRACE__CALL__CALL_GETNAMEINFO:
		describe_put(&o, "getnameinfo(");
		if (s[0]) {
			describe_text(&o, s[0], l[0], 0);
			if (s[1] && l[1])
				describe_put(&o, " port %.*s", (int)(l[1] < 8 ? l[1] : 8), s[1]);
		}
		if (a0)
			describe_sep(&o), describe_put(&o, "flags 0x%llx", (unsigned long long)a0);
		describe_sep(&o);
		describe_put(&o, "room %lld+%lld", (long long)a1, (long long)a2);
		break;
	case RETRACE__CALL__CALL_GETHOSTBYNAME:
	case RETRACE__CALL__CALL_GETHOSTBYADDR:
		if (call == RETRACE__CALL__CALL_GETHOSTBYNAME)
			describe_put(&o, "%s(", a2 >= 0 && a2 < 4 ? byname[a2] : "gethostbyname");
		else
			describe_put(&o, "%s(", a2 == 1 ? "gethostbyaddr_r" : "gethostbyaddr");
		if (s[0])
			describe_text(&o, s[0], l[0], call == RETRACE__CALL__CALL_GETHOSTBYNAME);
		if (call == RETRACE__CALL__CALL_GETHOSTBYADDR || (a2 & 2))
			describe_family(&o, a0);
		if (a2 & 1)
			describe_sep(&o), describe_put(&o, "buffer %lld", (long long)a1);
		break;
	}
	describe_put(&o, ")");
}

void rt_describe_event(char *buf, size_t n, const struct trace_event *ev)
{
	switch (ev->call) {
	case RETRACE__CALL__CALL_GETADDRINFO:
	case RETRACE__CALL__CALL_GETNAMEINFO:
	case RETRACE__CALL__CALL_GETHOSTBYNAME:
	case RETRACE__CALL__CALL_GETHOSTBYADDR:
		describe_lookup(buf, n, ev->call, ev->arg0, ev->arg1, ev->arg2, ev->aux, ev->aux_len);
		return;
	default:
		if (rt_path_describe(buf, n, ev)) /* calls on a path: the path is in aux (path.c) */
			return;
		rt_describe(buf, n, ev->call, ev->arg0, ev->arg1, ev->arg2);
		return;
	}
}

void rt_describe(char *buf, size_t n, uint32_t call, int64_t a0, int64_t a1, int64_t a2)
{
	const char *name = trace_call_name(call);
	const char *clk;
	switch (call) {
	case RETRACE__CALL__CALL_GETADDRINFO:
	case RETRACE__CALL__CALL_GETNAMEINFO:
	case RETRACE__CALL__CALL_GETHOSTBYNAME:
	case RETRACE__CALL__CALL_GETHOSTBYADDR:
		describe_lookup(buf, n, call, a0, a1, a2, NULL, 0);
		return;
	case RETRACE__CALL__CALL_CLOCK_GETTIME:
	case RETRACE__CALL__CALL_SEM_CLOCKWAIT:
		clk = trace_clock_name(a0);
		if (clk)
			snprintf(buf, n, "%s(%s)", name, clk);
		else
			snprintf(buf, n, "%s(clock %lld)", name, (long long)a0);
		return;
	case RETRACE__CALL__CALL_CLOCK_NANOSLEEP:
		clk = trace_clock_name(a0);
		snprintf(buf, n, "%s(%s, flags %lld)", name, clk ? clk : "?", (long long)a1);
		return;
	case RETRACE__CALL__CALL_READ:
	case RETRACE__CALL__CALL_READV:
	case RETRACE__CALL__CALL_WRITE:
	case RETRACE__CALL__CALL_WRITEV:
		snprintf(buf, n, "%s(fd %lld, %lld bytes)", name, (long long)a0, (long long)a1);
		return;
	case RETRACE__CALL__CALL_PREAD:
		snprintf(buf, n, "%s(fd %lld, %lld bytes, offset %lld)", name, (long long)a0,
			 (long long)a1, (long long)a2);
		return;
	case RETRACE__CALL__CALL_GETRANDOM:
		snprintf(buf, n, "%s(%lld bytes, flags %lld)", name, (long long)a0, (long long)a1);
		return;
	case RETRACE__CALL__CALL_GETENTROPY:
		snprintf(buf, n, "%s(%lld bytes)", name, (long long)a0);
		return;
	case RETRACE__CALL__CALL_FSTAT:
	case RETRACE__CALL__CALL_ISATTY:
	case RETRACE__CALL__CALL_CLOSE:
	case RETRACE__CALL__CALL_FD_INVENTORY:
		snprintf(buf, n, "%s(fd %lld)", name, (long long)a0);
		return;
	case RETRACE__CALL__CALL_LSEEK:
		snprintf(buf, n, "%s(fd %lld, %lld, whence %lld)", name, (long long)a0, (long long)a1,
			 (long long)a2);
		return;
	case RETRACE__CALL__CALL_IOCTL:
		snprintf(buf, n, "%s(fd %lld, request 0x%llx)", name, (long long)a0,
			 (unsigned long long)a1);
		return;
	case RETRACE__CALL__CALL_OPEN:
		snprintf(buf, n, "%s(flags 0x%llx)", name, (unsigned long long)a0);
		return;
	case RETRACE__CALL__CALL_KILL:
		snprintf(buf, n, "%s(pid %lld, signal %lld)", name, (long long)a0, (long long)a1);
		return;
	case RETRACE__CALL__CALL_GETRUSAGE:
	case RETRACE__CALL__CALL_GETHOSTNAME:
	case RETRACE__CALL__CALL_GETLOADAVG:
	case RETRACE__CALL__CALL_USLEEP:
	case RETRACE__CALL__CALL_SLEEP:
		snprintf(buf, n, "%s(%lld)", name, (long long)a0);
		return;
	case RETRACE__CALL__CALL_SOCKET:
	case RETRACE__CALL__CALL_SOCKETPAIR:
		snprintf(buf, n, "%s(family %lld, type %lld, protocol %lld)", name, (long long)a0,
			 (long long)a1, (long long)a2);
		return;
	case RETRACE__CALL__CALL_PIPE:
	case RETRACE__CALL__CALL_EPOLL_CREATE:
		snprintf(buf, n, "%s(flags 0x%llx)", name, (unsigned long long)a0);
		return;
	case RETRACE__CALL__CALL_CONNECT:
	case RETRACE__CALL__CALL_BIND:
	case RETRACE__CALL__CALL_GETSOCKNAME:
	case RETRACE__CALL__CALL_GETPEERNAME:
		snprintf(buf, n, "%s(fd %lld)", name, (long long)a0);
		return;
	case RETRACE__CALL__CALL_LISTEN:
	case RETRACE__CALL__CALL_SHUTDOWN:
	case RETRACE__CALL__CALL_ACCEPT:
		snprintf(buf, n, "%s(fd %lld, %lld)", name, (long long)a0, (long long)a1);
		return;
	case RETRACE__CALL__CALL_GETSOCKOPT:
	case RETRACE__CALL__CALL_SETSOCKOPT:
		snprintf(buf, n, "%s(fd %lld, level %lld, option %lld)", name, (long long)a0,
			 (long long)a1, (long long)a2);
		return;
	case RETRACE__CALL__CALL_SEND:
	case RETRACE__CALL__CALL_RECV:
	case RETRACE__CALL__CALL_SENDMSG:
	case RETRACE__CALL__CALL_RECVMSG:
		snprintf(buf, n, "%s(fd %lld, %lld bytes, flags 0x%llx)", name, (long long)a0,
			 (long long)a1, (unsigned long long)a2);
		return;
	case RETRACE__CALL__CALL_POLL:
		if (a0 == 1)
			snprintf(buf, n, "%s(fd %lld, events 0x%llx, timeout %lld ms)", name,
				 (long long)(a2 >> 16), (unsigned long long)(a2 & 0xffff), (long long)a1);
		else
			snprintf(buf, n, "%s(%lld fds, timeout %lld ms)", name, (long long)a0,
				 (long long)a1);
		return;
	case RETRACE__CALL__CALL_SELECT:
		snprintf(buf, n, "%s(nfds %lld)", name, (long long)a0);
		return;
	case RETRACE__CALL__CALL_EPOLL_CTL:
		snprintf(buf, n, "%s(epfd %lld, op %lld, fd %lld)", name, (long long)a0, (long long)a1,
			 (long long)a2);
		return;
	case RETRACE__CALL__CALL_EPOLL_WAIT:
		snprintf(buf, n, "%s(epfd %lld, max %lld, timeout %lld ms)", name, (long long)a0,
			 (long long)a1, (long long)a2);
		return;
	case RETRACE__CALL__CALL_FCNTL:
		snprintf(buf, n, "%s(fd %lld, command %lld, %lld)", name, (long long)a0, (long long)a1,
			 (long long)a2);
		return;
	default:
		snprintf(buf, n, "%s()", name);
		return;
	}
}
