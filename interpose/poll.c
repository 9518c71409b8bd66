/* poll.c — readiness: poll, ppoll, select, pselect, epoll_create, epoll_create1, epoll_ctl,
 * epoll_wait, epoll_pwait.
 *
 * A wait that involves any recorded fd is recorded whole (which fds were ready, how many); on
 * replay the answer comes from the trace at once, so timeouts never wait.  A wait on no fds at
 * all is a sleep and is skipped the same way.  Only waits on fds retrace does not record (an
 * eventfd, a timerfd) still happen for real.  An epoll instance is recorded like a socket: on
 * replay it is a placeholder, and epoll_ctl on it is checked, not performed.
 */
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <poll.h>

#include "rt.h"

static int (*real_poll)(struct pollfd *, nfds_t, int);
static int (*real_ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
static int (*real_select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
static int (*real_pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
			   const sigset_t *);
static int (*real_epoll_create)(int);
static int (*real_epoll_create1)(int);
static int (*real_epoll_ctl)(int, int, int, struct epoll_event *);
static int (*real_epoll_wait)(int, struct epoll_event *, int, int);
static int (*real_epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);

static int fail(const struct trace_event *ev)
{
	errno = ev->err;
	return -1;
}

/* ---- poll ------------------------------------------------------------------------------------ */

static int poll_is_recorded(const struct pollfd *fds, nfds_t n)
{
	if (n == 0)
		return 1; /* a sleep */
	for (nfds_t i = 0; i < n; i++)
		if (rt_fd_get(fds[i].fd) & RT_FD_RECORDED)
			return 1;
	return 0;
}

/* What the program asked, so replay can tell it is the same: for the usual single fd, the fd
 * and events packed into one key argument; for more, the (fd, events) pairs hashed. */
static int64_t poll_single(const struct pollfd *fds, nfds_t n)
{
	return n == 1 ? (int64_t)fds[0].fd << 16 | (uint16_t)fds[0].events : 0;
}

static void poll_asked(const struct pollfd *fds, nfds_t n, uint8_t h[TRACE_HASH_SIZE])
{
	struct trace_hash_state s;
	trace_hash_init(&s);
	for (nfds_t i = 0; i < n; i++) {
		int32_t pair[2] = { fds[i].fd, fds[i].events };
		trace_hash_update(&s, pair, sizeof pair);
	}
	trace_hash_final(&s, h);
}

static int poll_replay(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	const struct trace_event *ev =
		rt_replay_next(RETRACE__CALL__CALL_POLL, (int64_t)n, timeout_ms, poll_single(fds, n));
	if (n > 1) {
		uint8_t h[TRACE_HASH_SIZE];
		poll_asked(fds, n, h);
		if (ev->hash_len != TRACE_HASH_SIZE || memcmp(ev->hash, h, TRACE_HASH_SIZE) != 0)
			rt_diverge(ev, "the program waited on other fds or events than when recorded");
	}
	if (ev->result < 0)
		return fail(ev);
	if (ev->data_len != n * sizeof(short))
		rt_diverge(ev, "the recorded poll result is damaged");
	for (nfds_t i = 0; i < n; i++)
		memcpy(&fds[i].revents, ev->data + i * sizeof(short), sizeof(short));
	return (int)ev->result;
}

static void poll_record(const struct pollfd *fds, nfds_t n, int timeout_ms, int r, int e)
{
	uint8_t h[TRACE_HASH_SIZE];
	if (n > 1)
		poll_asked(fds, n, h);
	short *rev = n ? (short *)rt_scratch(n * sizeof(short)) : NULL;
	for (nfds_t i = 0; rev && i < n; i++)
		rev[i] = r > 0 ? fds[i].revents : 0;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_POLL, .arg0 = (int64_t)n, .arg1 = timeout_ms,
		.arg2 = poll_single(fds, n), .result = r, .err = r < 0 ? e : 0,
		.hash = n > 1 ? h : NULL, .hash_len = n > 1 ? TRACE_HASH_SIZE : 0,
		.data = (const uint8_t *)rev, .data_len = rev ? (uint32_t)(n * sizeof(short)) : 0,
	};
	rt_record(&ev);
}

RT_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	if (!rt_active(RT_NET) || !poll_is_recorded(fds, n))
		return REAL_SYM(real_poll, "poll")(fds, n, timeout_ms);
	if (rt_replaying())
		return poll_replay(fds, n, timeout_ms);
	int r = REAL_SYM(real_poll, "poll")(fds, n, timeout_ms);
	int e = errno;
	poll_record(fds, n, timeout_ms, r, e);
	errno = e;
	return r;
}

static int timespec_ms(const struct timespec *ts)
{
	if (!ts)
		return -1;
	int64_t ms = (int64_t)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

RT_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
		    const sigset_t *mask)
{
	if (!rt_active(RT_NET) || !poll_is_recorded(fds, n))
		return REAL_SYM(real_ppoll, "ppoll")(fds, n, tmo, mask);
	if (rt_replaying())
		return poll_replay(fds, n, timespec_ms(tmo));
	int r = REAL_SYM(real_ppoll, "ppoll")(fds, n, tmo, mask);
	int e = errno;
	poll_record(fds, n, timespec_ms(tmo), r, e);
	errno = e;
	return r;
}

/* ---- select ---------------------------------------------------------------------------------- */

static int select_is_recorded(int nfds, const fd_set *r, const fd_set *w, const fd_set *x)
{
	if (nfds <= 0)
		return 1; /* a sleep */
	for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
		if ((rt_fd_get(fd) & RT_FD_RECORDED) &&
		    ((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (x && FD_ISSET(fd, x))))
			return 1;
	return 0;
}

/* The sets as bytes: three bitmaps of nfds bits each (an absent set counts as empty). */
static size_t sets_bytes(int nfds)
{
	return nfds > 0 ? ((size_t)(nfds < FD_SETSIZE ? nfds : FD_SETSIZE) + 7) / 8 : 0;
}

static void sets_flatten(uint8_t *out, int nfds, fd_set *const sets[3])
{
	size_t k = sets_bytes(nfds);
	for (int i = 0; i < 3; i++) {
		if (sets[i])
			memcpy(out + i * k, sets[i], k);
		else
			memset(out + i * k, 0, k);
	}
}

static int select_replay(int nfds, fd_set *const sets[3], struct timeval *tv)
{
	const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_SELECT, nfds, 0, 0);
	size_t k = sets_bytes(nfds);
	uint8_t *asked = rt_scratch(3 * k + 1);
	sets_flatten(asked, nfds, sets);
	uint8_t h[TRACE_HASH_SIZE];
	trace_hash(asked, 3 * k, h);
	if (ev->hash_len != TRACE_HASH_SIZE || memcmp(ev->hash, h, TRACE_HASH_SIZE) != 0)
		rt_diverge(ev, "the program waited on other fds than when recorded");
	if (ev->result < 0)
		return fail(ev);
	if (ev->data_len != 3 * k)
		rt_diverge(ev, "the recorded select result is damaged");
	for (int i = 0; i < 3; i++)
		if (sets[i])
			memcpy(sets[i], ev->data + i * k, k);
	if (tv && ev->aux_len == sizeof *tv)
		memcpy(tv, ev->aux, sizeof *tv);
	return (int)ev->result;
}

static void select_record(int nfds, fd_set *const sets[3], const uint8_t h[TRACE_HASH_SIZE],
			  const struct timeval *tv, int r, int e)
{
	size_t k = sets_bytes(nfds);
	uint8_t *after = rt_scratch(3 * k + 1);
	sets_flatten(after, nfds, sets);
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_SELECT, .arg0 = nfds, .result = r, .err = r < 0 ? e : 0,
		.hash = h, .hash_len = TRACE_HASH_SIZE, .data = after, .data_len = (uint32_t)(3 * k),
		.aux = (const uint8_t *)tv, .aux_len = tv ? sizeof *tv : 0,
	};
	rt_record(&ev);
}

static void select_asked(int nfds, fd_set *const sets[3], uint8_t h[TRACE_HASH_SIZE])
{
	size_t k = sets_bytes(nfds);
	uint8_t *asked = rt_scratch(3 * k + 1);
	sets_flatten(asked, nfds, sets);
	trace_hash(asked, 3 * k, h);
}

RT_EXPORT int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	if (!rt_active(RT_NET) || !select_is_recorded(nfds, rd, wr, ex))
		return REAL_SYM(real_select, "select")(nfds, rd, wr, ex, tv);
	fd_set *const sets[3] = { rd, wr, ex };
	if (rt_replaying())
		return select_replay(nfds, sets, tv);
	uint8_t h[TRACE_HASH_SIZE];
	select_asked(nfds, sets, h);
	int r = REAL_SYM(real_select, "select")(nfds, rd, wr, ex, tv);
	int e = errno;
	select_record(nfds, sets, h, tv, r, e);
	errno = e;
	return r;
}

RT_EXPORT int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *ts,
		      const sigset_t *mask)
{
	if (!rt_active(RT_NET) || !select_is_recorded(nfds, rd, wr, ex))
		return REAL_SYM(real_pselect, "pselect")(nfds, rd, wr, ex, ts, mask);
	fd_set *const sets[3] = { rd, wr, ex };
	if (rt_replaying())
		return select_replay(nfds, sets, NULL);
	uint8_t h[TRACE_HASH_SIZE];
	select_asked(nfds, sets, h);
	int r = REAL_SYM(real_pselect, "pselect")(nfds, rd, wr, ex, ts, mask);
	int e = errno;
	select_record(nfds, sets, h, NULL, r, e);
	errno = e;
	return r;
}

/* ---- epoll ----------------------------------------------------------------------------------- */

static unsigned epoll_flags(void)
{
	return RT_FD_RECORDED | RT_FD_EPOLL;
}

static int epoll_create_common(int arg, int one, int (*real)(int))
{
	if (rt_replaying()) {
		const struct trace_event *ev =
			rt_replay_next(RETRACE__CALL__CALL_EPOLL_CREATE, one ? arg : 0, 0, 0);
		if (ev->result < 0)
			return fail(ev);
		return rt_fd_placeholder(ev, (int)ev->result, one && (arg & EPOLL_CLOEXEC),
					 epoll_flags());
	}
	int r = real(arg);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_EPOLL_CREATE, .arg0 = one ? arg : 0, .result = r,
		.err = r < 0 ? e : 0,
	};
	rt_record(&ev);
	if (r >= 0)
		rt_fd_set(r, epoll_flags());
	errno = e;
	return r;
}

RT_EXPORT int epoll_create(int size)
{
	if (!rt_active(RT_NET))
		return REAL_SYM(real_epoll_create, "epoll_create")(size);
	return epoll_create_common(size, 0, REAL_SYM(real_epoll_create, "epoll_create"));
}

RT_EXPORT int epoll_create1(int flags)
{
	if (!rt_active(RT_NET))
		return REAL_SYM(real_epoll_create1, "epoll_create1")(flags);
	return epoll_create_common(flags, 1, REAL_SYM(real_epoll_create1, "epoll_create1"));
}

RT_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	if (!rt_active(RT_NET) || !(rt_fd_get(epfd) & RT_FD_EPOLL))
		return REAL_SYM(real_epoll_ctl, "epoll_ctl")(epfd, op, fd, event);
	/* Only the interest mask is checked: the data word is the program's cookie, and programs
	 * fill part of it (CPython sets data.fd and leaves the upper half as it was). */
	uint8_t h[TRACE_HASH_SIZE];
	uint32_t mask = event ? event->events : 0;
	trace_hash(&mask, sizeof mask, h);
	if (rt_replaying()) {
		const struct trace_event *ev = rt_replay_next(RETRACE__CALL__CALL_EPOLL_CTL, epfd, op, fd);
		if (ev->hash_len != TRACE_HASH_SIZE || memcmp(ev->hash, h, TRACE_HASH_SIZE) != 0)
			rt_diverge(ev, "the program registered other events than when recorded");
		return ev->result < 0 ? fail(ev) : (int)ev->result;
	}
	int r = REAL_SYM(real_epoll_ctl, "epoll_ctl")(epfd, op, fd, event);
	int e = errno;
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_EPOLL_CTL, .arg0 = epfd, .arg1 = op, .arg2 = fd, .result = r,
		.err = r < 0 ? e : 0, .hash = h, .hash_len = TRACE_HASH_SIZE,
	};
	rt_record(&ev);
	errno = e;
	return r;
}

static int epoll_wait_replay(int epfd, struct epoll_event *evs, int max, int timeout)
{
	const struct trace_event *ev =
		rt_replay_next(RETRACE__CALL__CALL_EPOLL_WAIT, epfd, max, timeout);
	if (ev->result < 0)
		return fail(ev);
	if (ev->result > max || ev->data_len != (uint64_t)ev->result * sizeof *evs)
		rt_diverge(ev, "the recorded epoll result is damaged");
	memcpy(evs, ev->data, ev->data_len);
	return (int)ev->result;
}

static void epoll_wait_record(int epfd, const struct epoll_event *evs, int max, int timeout,
			      int r, int e)
{
	struct trace_event ev = {
		.call = RETRACE__CALL__CALL_EPOLL_WAIT, .arg0 = epfd, .arg1 = max, .arg2 = timeout,
		.result = r, .err = r < 0 ? e : 0, .data = (const uint8_t *)evs,
		.data_len = r > 0 ? (uint32_t)((size_t)r * sizeof *evs) : 0,
	};
	rt_record(&ev);
}

RT_EXPORT int epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	if (!rt_active(RT_NET) || !(rt_fd_get(epfd) & RT_FD_EPOLL))
		return REAL_SYM(real_epoll_wait, "epoll_wait")(epfd, evs, max, timeout);
	if (rt_replaying())
		return epoll_wait_replay(epfd, evs, max, timeout);
	int r = REAL_SYM(real_epoll_wait, "epoll_wait")(epfd, evs, max, timeout);
	int e = errno;
	epoll_wait_record(epfd, evs, max, timeout, r, e);
	errno = e;
	return r;
}

RT_EXPORT int epoll_pwait(int epfd, struct epoll_event *evs, int max, int timeout,
			  const sigset_t *mask)
{
	if (!rt_active(RT_NET) || !(rt_fd_get(epfd) & RT_FD_EPOLL))
		return REAL_SYM(real_epoll_pwait, "epoll_pwait")(epfd, evs, max, timeout, mask);
	if (rt_replaying())
		return epoll_wait_replay(epfd, evs, max, timeout);
	int r = REAL_SYM(real_epoll_pwait, "epoll_pwait")(epfd, evs, max, timeout, mask);
	int e = errno;
	epoll_wait_record(epfd, evs, max, timeout, r, e);
	errno = e;
	return r;
}
