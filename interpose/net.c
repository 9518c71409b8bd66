/* net.c — sockets and pipes: socket, socketpair, pipe, connect, bind, listen, accept, shutdown,
 * get/setsockopt, getsockname/getpeername, and the send and recv families.
 *
 * Every socket and pipe the program creates is recorded.  On replay each gets a /dev/null
 * placeholder at the recorded fd number and nothing reaches the network: connects and sends are
 * checked against the recording (a connection to another address, or other bytes sent, is a
 * divergence, never a live connection) and everything received comes from the trace.  read and
 * write on these fds are io.c's, which treats every recorded fd alike.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "rt.h"

static int (*real_socket)(int, int, int);
static int (*real_socketpair)(int, int, int, int[2]);
static int (*real_pipe)(int[2]);
static int (*real_pipe2)(int[2], int);
static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static int (*real_bind)(int, const struct sockaddr *, socklen_t);
static int (*real_listen)(int, int);
static int (*real_accept)(int, struct sockaddr *, socklen_t *);
static int (*real_accept4)(int, struct sockaddr *, socklen_t *, int);
static int (*real_shutdown)(int, int);
static int (*real_getsockname)(int, struct sockaddr *, socklen_t *);
static int (*real_getpeername)(int, struct sockaddr *, socklen_t *);
static int (*real_getsockopt)(int, int, int, void *, socklen_t *);
static int (*real_setsockopt)(int, int, int, const void *, socklen_t);
static ssize_t (*real_send)(int, const void *, size_t, int);
static ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t (*real_recv)(int, void *, size_t, int);
static ssize_t (*real_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);

static int is_socket(int fd)
{
	return rt_fd_get(fd) & RT_FD_RECORDED;
}

static int fail(const struct trace_event *ev)
{
	errno = ev->err;
	return -1;
}

/* "127.0.0.1:8080", "[::1]:443", "unix:/run/x.sock" — for divergence messages. */
static void describe_addr(char *buf, size_t n, const void *sa, size_t len)
{
	const struct sockaddr *s = sa;
	char host[INET6_ADDRSTRLEN] = "?";
	if (!sa || len < sizeof s->sa_family) {
		snprintf(buf, n, "(no address)");
	} else if (s->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		snprintf(buf, n, "%s:%u", host, ntohs(in->sin_port));
	} else if (s->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		snprintf(buf, n, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else if (s->sa_family == AF_UNIX) {
		const struct sockaddr_un *un = sa;
		size_t k = len - offsetof(struct sockaddr_un, sun_path);
		snprintf(buf, n, "unix:%.*s", (int)(k < sizeof un->sun_path ? k : sizeof un->sun_path),
			 un->sun_path[0] ? un->sun_path : "@abstract");
	} else {
		snprintf(buf, n, "(address family %d)", s->sa_family);
	}
}

/* Replay: the address the program gives must be the recorded one. */
/* The same address to the kernel: byte for byte, except a unix socket's path, which counts up
 * to its NUL (libuuid, for one, passes the whole sockaddr_un with stack garbage after it). */
static int same_addr(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t off = offsetof(struct sockaddr_un, sun_path);
	const struct sockaddr_un *ua = a, *ub = b;
	if (alen > off && blen > off && ua->sun_family == AF_UNIX && ub->sun_family == AF_UNIX &&
	    ua->sun_path[0] && ub->sun_path[0]) {
		size_t na = strnlen(ua->sun_path, alen - off), nb = strnlen(ub->sun_path, blen - off);
		return na == nb && memcmp(ua->sun_path, ub->sun_path, na) == 0;
	}
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static void check_addr(const struct trace_event *ev, const char *verb, const void *addr,
		       socklen_t len)
{
	if (same_addr(ev->aux, ev->aux_len, addr, len))
		return;
	char now[160], then[160], what[400];
	describe_addr(now, sizeof now, addr, len);
	describe_addr(then, sizeof then, ev->aux, ev->aux_len);
	if (strcmp(now, then) == 0) { /* other bytes than the summary shows */
		size_t k = strlen(now);
		snprintf(now + k, sizeof now - k, " (%u bytes)", (unsigned)len);
		k = strlen(then);
		snprintf(then + k, sizeof then - k, " (%u bytes, other ones)", (unsigned)ev->aux_len);
	}
	snprintf(what, sizeof what, "the program %s %s; the recording %s %s", verb, now, verb, then);
	rt_diverge(ev, what);
}

/* Replay: hand back an address the call returned (accept, getsockname, recvfrom, …), the way
 * the kernel does: truncated to the room given, *len set to the full size. */
static void give_addr(const struct trace_event *ev, struct sockaddr *addr, socklen_t *len)
{
	if (!addr || !len)
		return;
	size_t room = *len;
	memcpy(addr, ev->aux, ev->aux_len < room ? ev->aux_len : room);
	*len = ev->aux_len;
}

/* ---- creating sockets and pipes ----------------------------------------------------------- */

static unsigned socket_flags(void)
{
	return RT_FD_RECORDED | RT_FD_SOCKET;
}

RT_EXPORT int socket(int domain, int type, int protocol)
{
	if (!rt_active(RT_NET))
		return REAL_SYM(real_socket, "socket")(domain, type, protocol);
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_SOCKET, domain, type, protocol);
		if (ev->result < 0)
			return fail(ev);
		return rt_fd_placeholder(ev, (int)ev->result, type & SOCK_CLOEXEC, socket_flags());
	}
	int r = REAL_SYM(real_socket, "socket")(domain, type, protocol);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_SOCKET, .arg0 = domain, .arg1 = type, .arg2 = protocol,
		.result = r, .err = r < 0 ? e : 0,
	};
	rt_record(&ev);
	if (r >= 0)
		rt_fd_set(r, socket_flags());
	errno = e;
	return r;
}

/* socketpair and pipe make two fds; both numbers are the event's data. */
static int pair_replay(uint32_t call, int a0, int a1, int a2, int sv[2], int cloexec,
		       unsigned flags)
{
	const struct trace_event *ev = rt_replay_next(call, a0, a1, a2);
	if (ev->result < 0)
		return fail(ev);
	int fds[2];
	if (ev->data_len != sizeof fds)
		rt_diverge(ev, "the recorded fd pair is damaged");
	memcpy(fds, ev->data, sizeof fds);
	sv[0] = rt_fd_placeholder(ev, fds[0], cloexec, flags);
	sv[1] = rt_fd_placeholder(ev, fds[1], cloexec, flags);
	rt_replay_done();
	return (int)ev->result;
}

static void pair_record(uint32_t call, int a0, int a1, int a2, int r, int e, const int sv[2],
			unsigned flags)
{
	struct trace_event ev = {
		.call = call, .arg0 = a0, .arg1 = a1, .arg2 = a2, .result = r, .err = r < 0 ? e : 0,
		.data = r == 0 ? (const uint8_t *)sv : NULL, .data_len = r == 0 ? 2 * sizeof(int) : 0,
	};
	rt_record(&ev);
	if (r == 0) {
		rt_fd_set(sv[0], flags);
		rt_fd_set(sv[1], flags);
	}
}

RT_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	if (!rt_active(RT_NET))
		return REAL_SYM(real_socketpair, "socketpair")(domain, type, protocol, sv);
	if (rt_replaying())
		return pair_replay(RETRACE__CALL__CALL_SOCKETPAIR, domain, type, protocol, sv,
				   type & SOCK_CLOEXEC, socket_flags());
	int r = REAL_SYM(real_socketpair, "socketpair")(domain, type, protocol, sv);
	int e = errno;
	pair_record(RETRACE__CALL__CALL_SOCKETPAIR, domain, type, protocol, r, e, sv, socket_flags());
	errno = e;
	return r;
}

/* Pipes are recorded like sockets: what comes through one may come from another process, and a
 * self-pipe's bytes replay from the trace as consistently as a socket's. */
RT_EXPORT int pipe2(int fds[2], int flags)
{
	if (!rt_active(RT_NET))
		return REAL_SYM(real_pipe2, "pipe2")(fds, flags);
	if (rt_replaying())
		return pair_replay(RETRACE__CALL__CALL_PIPE, flags, 0, 0, fds, flags & O_CLOEXEC,
				   RT_FD_RECORDED | RT_FD_PIPE);
	int r = REAL_SYM(real_pipe2, "pipe2")(fds, flags);
	int e = errno;
	pair_record(RETRACE__CALL__CALL_PIPE, flags, 0, 0, r, e, fds, RT_FD_RECORDED | RT_FD_PIPE);
	errno = e;
	return r;
}

RT_EXPORT int pipe(int fds[2])
{
	if (!rt_active(RT_NET))
		return REAL_SYM(real_pipe, "pipe")(fds);
	return pipe2(fds, 0);
}

/* ---- connecting ----------------------------------------------------------------------------- */

static int addr_call(uint32_t call, const char *verb, int fd, const struct sockaddr *addr,
		     socklen_t len, int (*real)(int, const struct sockaddr *, socklen_t))
{
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(call, fd, 0, 0);
		check_addr(ev, verb, addr, len);
		return ev->result < 0 ? fail(ev) : (int)ev->result;
	}
	int r = real(fd, addr, len);
	int e = errno;
	struct trace_event ev = {
		.call = call, .arg0 = fd, .result = r, .err = r < 0 ? e : 0,
		.aux = (const uint8_t *)addr, .aux_len = addr ? len : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

RT_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_connect, "connect")(fd, addr, len);
	return addr_call(RETRACE__CALL__CALL_CONNECT, "connected to", fd, addr, len,
			 REAL_SYM(real_connect, "connect"));
}

RT_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_bind, "bind")(fd, addr, len);
	return addr_call(RETRACE__CALL__CALL_BIND, "bound to", fd, addr, len,
			 REAL_SYM(real_bind, "bind"));
}

/* Calls whose outcome is only a result: listen, shutdown, setsockopt. */
static int result_replay(uint32_t call, int64_t a0, int64_t a1, int64_t a2)
{
	const struct trace_event *ev = rt_replay_next(call, a0, a1, a2);
	return ev->result < 0 ? fail(ev) : (int)ev->result;
}

static void result_record(uint32_t call, int64_t a0, int64_t a1, int64_t a2, int r, int e)
{
	struct trace_event ev = {
		.call = call, .arg0 = a0, .arg1 = a1, .arg2 = a2, .result = r, .err = r < 0 ? e : 0,
	};
	rt_record(&ev);
}

RT_EXPORT int listen(int fd, int backlog)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_listen, "listen")(fd, backlog);
	if (rt_replaying())
		return result_replay(RETRACE__CALL__CALL_LISTEN, fd, backlog, 0);
	int r = REAL_SYM(real_listen, "listen")(fd, backlog);
	int e = errno;
	result_record(RETRACE__CALL__CALL_LISTEN, fd, backlog, 0, r, e);
	errno = e;
	return r;
}

RT_EXPORT int shutdown(int fd, int how)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_shutdown, "shutdown")(fd, how);
	if (rt_replaying())
		return result_replay(RETRACE__CALL__CALL_SHUTDOWN, fd, how, 0);
	int r = REAL_SYM(real_shutdown, "shutdown")(fd, how);
	int e = errno;
	result_record(RETRACE__CALL__CALL_SHUTDOWN, fd, how, 0, r, e);
	errno = e;
	return r;
}

static int accept_common(int fd, struct sockaddr *addr, socklen_t *len, int flags, int four)
{
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_ACCEPT, fd, flags, 0);
		if (ev->result < 0)
			return fail(ev);
		give_addr(ev, addr, len);
		return rt_fd_placeholder(ev, (int)ev->result, flags & SOCK_CLOEXEC, socket_flags());
	}
	/* Always ask for the address, so the trace has it whatever the program passed. */
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	int r = four ? REAL_SYM(real_accept4, "accept4")(fd, (struct sockaddr *)&ss, &sslen, flags)
		     : REAL_SYM(real_accept, "accept")(fd, (struct sockaddr *)&ss, &sslen);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_ACCEPT, .arg0 = fd, .arg1 = flags, .result = r,
		.err = r < 0 ? e : 0, .aux = (const uint8_t *)&ss, .aux_len = r >= 0 ? sslen : 0,
	};
	rt_record(&ev);
	if (r >= 0) {
		rt_fd_set(r, socket_flags());
		give_addr(&ev, addr, len);
	}
	errno = e;
	return r;
}

RT_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_accept, "accept")(fd, addr, len);
	return accept_common(fd, addr, len, 0, 0);
}

RT_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_accept4, "accept4")(fd, addr, len, flags);
	return accept_common(fd, addr, len, flags, 1);
}

/* ---- asking about a socket ------------------------------------------------------------------- */

static int name_call(uint32_t call, int fd, struct sockaddr *addr, socklen_t *len,
		     int (*real)(int, struct sockaddr *, socklen_t *))
{
	int64_t room = len ? (int64_t)*len : -1;
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(call, fd, room, 0);
		if (ev->result < 0)
			return fail(ev);
		give_addr(ev, addr, len);
		return (int)ev->result;
	}
	int r = real(fd, addr, len);
	int e = errno;
	size_t got = r == 0 && len ? (*len < (socklen_t)room ? *len : (size_t)room) : 0;
	struct trace_event ev = {
		.call = call, .arg0 = fd, .arg1 = room, .result = r, .err = r < 0 ? e : 0,
		.aux = (const uint8_t *)addr, .aux_len = (uint32_t)got,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

RT_EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_getsockname, "getsockname")(fd, addr, len);
	return name_call(RETRACE__CALL__CALL_GETSOCKNAME, fd, addr, len,
			 REAL_SYM(real_getsockname, "getsockname"));
}

RT_EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_getpeername, "getpeername")(fd, addr, len);
	return name_call(RETRACE__CALL__CALL_GETPEERNAME, fd, addr, len,
			 REAL_SYM(real_getpeername, "getpeername"));
}

RT_EXPORT int getsockopt(int fd, int level, int opt, void *val, socklen_t *len)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_getsockopt, "getsockopt")(fd, level, opt, val, len);
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_GETSOCKOPT, fd, level, opt);
		if (ev->result < 0)
			return fail(ev);
		if (val && len) {
			*len = (socklen_t)rt_copy_out(val, *len, ev);
		}
		return (int)ev->result;
	}
	int r = REAL_SYM(real_getsockopt, "getsockopt")(fd, level, opt, val, len);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_GETSOCKOPT, .arg0 = fd, .arg1 = level, .arg2 = opt,
		.result = r, .err = r < 0 ? e : 0,
		.data = val, .data_len = r == 0 && val && len ? *len : 0,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

RT_EXPORT int setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_setsockopt, "setsockopt")(fd, level, opt, val, len);
	if (rt_replaying())
		return result_replay(RETRACE__CALL__CALL_SETSOCKOPT, fd, level, opt);
	int r = REAL_SYM(real_setsockopt, "setsockopt")(fd, level, opt, val, len);
	int e = errno;
	result_record(RETRACE__CALL__CALL_SETSOCKOPT, fd, level, opt, r, e);
	errno = e;
	return r;
}

/* ---- sending ---------------------------------------------------------------------------------- */

/* Replay: the bytes must hash as recorded, the destination (sendto) must be the recorded one. */
static ssize_t send_replay(uint32_t call, int fd, const uint8_t *flat, size_t n, int flags,
			   const void *dest, socklen_t dlen)
{
	const struct trace_event *ev = rt_replay_next(call, fd, (int64_t)n, flags);
	uint8_t h[TRACE_HASH_SIZE];
	rt_hash(flat, n, h);
	if (ev->hash_len != TRACE_HASH_SIZE || memcmp(ev->hash, h, TRACE_HASH_SIZE) != 0)
		rt_diverge_bytes(ev, flat, n);
	rt_check_taken(ev, n);
	if (dest || ev->aux_len)
		check_addr(ev, "sent to", dest, dest ? dlen : 0);
	return ev->result < 0 ? fail(ev) : (ssize_t)ev->result;
}

static void send_record(uint32_t call, int fd, const uint8_t *flat, size_t n, int flags,
			const void *dest, socklen_t dlen, const void *control, size_t clen,
			ssize_t r, int e)
{
	uint8_t h[TRACE_HASH_SIZE];
	rt_hash(flat, n, h);
	int keep = rt_write_bytes_enabled();
	struct trace_event ev = {
		.call = call, .arg0 = fd, .arg1 = (int64_t)n, .arg2 = flags, .result = r,
		.err = r < 0 ? e : 0, .hash = h, .hash_len = TRACE_HASH_SIZE,
		.data = keep ? flat : NULL, .data_len = keep ? (uint32_t)n : 0,
		.aux = dest, .aux_len = dest ? dlen : 0,
		.control = control, .control_len = control ? (uint32_t)clen : 0,
	};
	rt_record(&ev);
}

RT_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_send, "send")(fd, buf, n, flags);
	if (rt_replaying())
		return send_replay(RETRACE__CALL__CALL_SEND, fd, buf, n, flags, NULL, 0);
	ssize_t r = REAL_SYM(real_send, "send")(fd, buf, n, flags);
	int e = errno;
	send_record(RETRACE__CALL__CALL_SEND, fd, buf, n, flags, NULL, 0, NULL, 0, r, e);
	errno = e;
	return r;
}

RT_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
			 const struct sockaddr *dest, socklen_t dlen)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_sendto, "sendto")(fd, buf, n, flags, dest, dlen);
	if (rt_replaying())
		return send_replay(RETRACE__CALL__CALL_SEND, fd, buf, n, flags, dest, dlen);
	ssize_t r = REAL_SYM(real_sendto, "sendto")(fd, buf, n, flags, dest, dlen);
	int e = errno;
	send_record(RETRACE__CALL__CALL_SEND, fd, buf, n, flags, dest, dlen, NULL, 0, r, e);
	errno = e;
	return r;
}

RT_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_sendmsg, "sendmsg")(fd, msg, flags);
	size_t total = rt_iov_total(msg->msg_iov, (int)msg->msg_iovlen);
	uint8_t *flat = rt_scratch(total);
	if (!flat)
		return REAL_SYM(real_sendmsg, "sendmsg")(fd, msg, flags);
	rt_iov_gather(flat, msg->msg_iov, (int)msg->msg_iovlen);
	if (rt_replaying())
		return send_replay(RETRACE__CALL__CALL_SENDMSG, fd, flat, total, flags, msg->msg_name,
				   msg->msg_namelen);
	ssize_t r = REAL_SYM(real_sendmsg, "sendmsg")(fd, msg, flags);
	int e = errno;
	send_record(RETRACE__CALL__CALL_SENDMSG, fd, flat, total, flags, msg->msg_name,
		    msg->msg_namelen, msg->msg_control, msg->msg_controllen, r, e);
	errno = e;
	return r;
}

/* ---- receiving -------------------------------------------------------------------------------- */

/* A received count: as read's, except that with MSG_TRUNC a datagram's whole length comes back
 * with only what fitted recorded. */
static void recv_check(const struct trace_event *ev, size_t n, int flags)
{
	if (!(flags & MSG_TRUNC) || ev->result <= (int64_t)n) {
		rt_check_count(ev, n);
		return;
	}
	if (ev->data_len != n)
		rt_damaged(ev, "a truncated datagram whose recorded bytes do not fill the buffer");
}

static ssize_t recv_replay(int fd, void *buf, size_t n, int flags, struct sockaddr *src,
			   socklen_t *slen)
{
	const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_RECV, fd, (int64_t)n, flags);
	recv_check(ev, n, flags);
	if (ev->result < 0)
		return fail(ev);
	rt_copy_out(buf, n, ev);
	if (src && slen)
		give_addr(ev, src, slen);
	return (ssize_t)ev->result;
}

static void recv_record(int fd, const void *buf, size_t n, int flags, const void *src,
			socklen_t slen, ssize_t r, int e)
{
	/* MSG_TRUNC on a datagram socket returns the real length, more than it copied. */
	size_t got = r > 0 ? ((size_t)r < n ? (size_t)r : n) : 0;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_RECV, .arg0 = fd, .arg1 = (int64_t)n, .arg2 = flags,
		.result = r, .err = r < 0 ? e : 0, .data = buf, .data_len = (uint32_t)got,
		.aux = src, .aux_len = src && r >= 0 ? slen : 0,
	};
	rt_record(&ev);
}

RT_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_recv, "recv")(fd, buf, n, flags);
	if (rt_replaying())
		return recv_replay(fd, buf, n, flags, NULL, NULL);
	ssize_t r = REAL_SYM(real_recv, "recv")(fd, buf, n, flags);
	int e = errno;
	recv_record(fd, buf, n, flags, NULL, 0, r, e);
	errno = e;
	return r;
}

RT_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *src,
			   socklen_t *slen)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_recvfrom, "recvfrom")(fd, buf, n, flags, src, slen);
	if (rt_replaying())
		return recv_replay(fd, buf, n, flags, src, slen);
	socklen_t room = slen ? *slen : 0;
	ssize_t r = REAL_SYM(real_recvfrom, "recvfrom")(fd, buf, n, flags, src, slen);
	int e = errno;
	recv_record(fd, buf, n, flags, src && slen ? src : NULL,
		    src && slen ? (*slen < room ? *slen : room) : 0, r, e);
	errno = e;
	return r;
}

/* The fds an SCM_RIGHTS message gave the process (multiprocessing's forkserver hands a worker's
 * pipes over so): outside input like an inherited fd (fdtable.c), each an FD_INVENTORY event
 * after the RECVMSG; on replay, placeholders at the recorded numbers.  The control bytes are
 * the recorded ones on replay, so only what lies inside msg_controllen is read. */
static void fds_passed(struct msghdr *msg, int flags)
{
	if (!msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr))
		return;
	const uint8_t *end = (const uint8_t *)msg->msg_control + msg->msg_controllen;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_len < CMSG_LEN(0) || (const uint8_t *)c + c->cmsg_len > end)
			break;
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
			rt_fd_arrived(fd, (flags & MSG_CMSG_CLOEXEC) != 0);
		}
	}
}

RT_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	if (!rt_active(RT_NET) || !is_socket(fd))
		return REAL_SYM(real_recvmsg, "recvmsg")(fd, msg, flags);
	size_t total = rt_iov_total(msg->msg_iov, (int)msg->msg_iovlen);
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_RECVMSG, fd, (int64_t)total, flags);
		recv_check(ev, total, flags | (int)ev->value);
		if (ev->result < 0)
			return fail(ev);
		rt_iov_scatter(msg->msg_iov, (int)msg->msg_iovlen, ev->data,
			       ev->data_len < total ? ev->data_len : total);
		if (msg->msg_name) {
			size_t k = ev->aux_len < msg->msg_namelen ? ev->aux_len : msg->msg_namelen;
			memcpy(msg->msg_name, ev->aux, k);
			msg->msg_namelen = ev->aux_len;
		}
		size_t c = ev->control_len < msg->msg_controllen ? ev->control_len : msg->msg_controllen;
		if (msg->msg_control)
			memcpy(msg->msg_control, ev->control, c);
		msg->msg_controllen = c;
		msg->msg_flags = (int)ev->value;
		fds_passed(msg, flags);
		return (ssize_t)ev->result;
	}
	ssize_t r = REAL_SYM(real_recvmsg, "recvmsg")(fd, msg, flags);
	int e = errno;
	size_t got = r > 0 ? ((size_t)r < total ? (size_t)r : total) : 0;
	uint8_t *flat = got ? rt_scratch(got) : NULL;
	if (flat) {
		/* gather what was received, in order, from the iovecs it landed in */
		size_t off = 0;
		for (size_t i = 0; i < msg->msg_iovlen && off < got; i++) {
			size_t k = msg->msg_iov[i].iov_len < got - off ? msg->msg_iov[i].iov_len : got - off;
			memcpy(flat + off, msg->msg_iov[i].iov_base, k);
			off += k;
		}
	}
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_RECVMSG, .arg0 = fd, .arg1 = (int64_t)total, .arg2 = flags,
		.result = r, .err = r < 0 ? e : 0, .data = flat, .data_len = flat ? (uint32_t)got : 0,
		.aux = r >= 0 ? msg->msg_name : NULL,
		.aux_len = r >= 0 && msg->msg_name ? msg->msg_namelen : 0,
		.control = r >= 0 ? msg->msg_control : NULL,
		.control_len = r >= 0 && msg->msg_control ? (uint32_t)msg->msg_controllen : 0,
		.value = r >= 0 ? msg->msg_flags : 0,
	};
	rt_record(&ev);
	if (r >= 0)
		fds_passed(msg, flags);
	errno = e;
	return r;
}
