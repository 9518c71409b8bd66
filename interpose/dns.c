/* dns.c — name resolution: getaddrinfo, getnameinfo, gethostbyname, gethostbyname_r,
 * gethostbyname2, gethostbyname2_r, gethostbyaddr, gethostbyaddr_r.
 *
 * glibc's resolver opens its sockets and reads /etc/hosts with internal calls that no wrapper
 * sees, so a lookup can only be recorded here, at the API.  Replay never resolves: it checks
 * that the program asks for the recorded lookup and hands back the recorded answer.
 *
 * Record resolves in a short-lived child process, not in the program.  The resolver mallocs and
 * frees as it goes, keeps caches, and may dlopen NSS modules or map nscd's database; replay does
 * none of that, so a lookup made in the program itself would leave its heap and address space
 * different from replay's, and every later malloc'd id() with them.  The child sends back the
 * encoded answer, and in both modes the program's copy is then built from those bytes by the
 * same code (the *_answer functions), so record and replay touch the program's heap alike.
 * The price: a fork per lookup while recording (about 0.5 ms for a small Python process), one
 * SIGCHLD the program may see, and the program's pthread_atfork handlers run.  When no child
 * can be made, the lookup runs in the program, with a warning.
 * freeaddrinfo is not wrapped: lists are built the way glibc builds its own, so glibc frees them.
 *
 * Event fields (retrace.proto has the per-call summary):
 *   hash    BLAKE2b-128 of the lookup's key, encoded canonically (below): replay checks that the
 *           program asks for the same lookup;
 *   aux     the lookup as text, for retrace-dump and divergence messages: up to two strings, each
 *           ended by a NUL and cut at DNS_TEXT_MAX bytes — getaddrinfo: node, service (a NULL
 *           argument is stored as ""); getnameinfo: numeric address, port; gethostbyname*: name;
 *           gethostbyaddr*: numeric address;
 *   result  getaddrinfo/getnameinfo: the return code (0 or EAI_*); the _r variants: their return
 *           value (0, ERANGE, ...); gethostbyname/gethostbyname2/gethostbyaddr: 0 when a hostent
 *           came back, -1 for NULL;
 *   err     the _r variants: *h_errnop; getaddrinfo/getnameinfo: errno when they return
 *           EAI_SYSTEM (its reason, for readers; the answer takes errno from value);
 *   value   errno and h_errno after the call, whatever the outcome, as (u32)h_errno << 32 |
 *           (u32)errno; the answer sets both.  glibc sets them where programs look: every call
 *           here may set h_errno, even getaddrinfo and a successful gethostbyname; the _r
 *           variants set h_errno as well as *h_errnop when a name is not found (Python reads
 *           h_errno then); getnameinfo may set errno to 0.
 *
 * Key encoding for the hash (integers little-endian; str = u8 0 for NULL, or u8 1, u32 length,
 * the bytes):
 *   getaddrinfo      str node, str service, u8 0 (no hints) or u8 1 and i32 ai_flags, ai_family,
 *                    ai_socktype, ai_protocol
 *   getnameinfo      u32 salen, i32 family; AF_INET: port and address bytes; AF_INET6: port,
 *                    flowinfo, address, scope id bytes; others: the salen raw bytes; then u8 host
 *                    wanted, u8 service wanted (flags and buffer sizes are the event's arguments)
 *   gethostbyname*   str name
 *   gethostbyaddr*   u32 length, the address bytes
 *
 * Data encoding (integers little-endian; u32 unless said):
 *   addrinfo list    count; per entry, in list order: i32 ai_flags, i32 ai_family,
 *                    i32 ai_socktype, i32 ai_protocol, ai_addrlen, that many bytes of ai_addr,
 *                    canon (0: ai_canonname is NULL; n > 0: the name's n-1 bytes follow, no NUL)
 *   hostent          name length, name bytes (no NUL; a NULL h_name is stored as ""); alias
 *                    count, per alias its length and bytes; i32 h_addrtype, i32 h_length;
 *                    address count, then count * h_length address bytes
 *   names            host length, host bytes, service length, service bytes (no NULs; empty when
 *                    not asked for) — getnameinfo's answer
 * Only successful calls store data.  Everything decoded is bounds-checked: the trace is untrusted,
 * and a record that does not parse ends replay with a damaged-trace message, never a crash.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "exitcodes.h"
#include "rt.h"

#define DNS_TEXT_MAX 255
#define DNS_ANSWER_MAX (64u << 20) /* no real answer comes near; bounds what a child may send */

static int (*real_getaddrinfo)(const char *, const char *, const struct addrinfo *,
			       struct addrinfo **);
static int (*real_getnameinfo)(const struct sockaddr *, socklen_t, char *, socklen_t, char *,
			       socklen_t, int);
static struct hostent *(*real_gethostbyname)(const char *);
static struct hostent *(*real_gethostbyname2)(const char *, int);
static struct hostent *(*real_gethostbyaddr)(const void *, socklen_t, int);
static int (*real_gethostbyname_r)(const char *, struct hostent *, char *, size_t,
				   struct hostent **, int *);
static int (*real_gethostbyname2_r)(const char *, int, struct hostent *, char *, size_t,
				    struct hostent **, int *);
static int (*real_gethostbyaddr_r)(const void *, socklen_t, int, struct hostent *, char *, size_t,
				   struct hostent **, int *);
static int (*real_pipe2)(int[2], int);

/* Which of the gethostbyname and gethostbyaddr calls it was: arg2 of their events. */
enum { DNS_REENTRANT = 1, DNS_NAME2 = 2 };

/* ---- the key of a lookup: what replay must be asked for again ----------------------------- */

struct dns_key {
	uint32_t call;
	int64_t arg0, arg1, arg2;
	struct trace_hash_state hs;
	uint8_t hash[TRACE_HASH_SIZE];
	uint8_t aux[2 * (DNS_TEXT_MAX + 1)];
	uint32_t aux_len;
};

static void key_u8(struct dns_key *k, uint8_t v)
{
	rt_hash_update(&k->hs, &v, 1);
}

static void key_u32(struct dns_key *k, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	rt_hash_update(&k->hs, b, 4);
}

static void key_str(struct dns_key *k, const char *s)
{
	key_u8(k, s != NULL);
	if (s) {
		size_t n = strlen(s);
		key_u32(k, (uint32_t)n);
		rt_hash_update(&k->hs, s, n);
	}
}

/* One string of aux, cut to DNS_TEXT_MAX bytes, NUL-ended. */
static void key_text_n(struct dns_key *k, const char *s, size_t n)
{
	if (n > DNS_TEXT_MAX)
		n = DNS_TEXT_MAX;
	if (n)
		memcpy(k->aux + k->aux_len, s, n);
	k->aux_len += (uint32_t)n;
	k->aux[k->aux_len++] = 0;
}

static void key_text(struct dns_key *k, const char *s)
{
	key_text_n(k, s, s ? strnlen(s, DNS_TEXT_MAX) : 0);
}

static void key_begin(struct dns_key *k, uint32_t call, int64_t a0, int64_t a1, int64_t a2)
{
	k->call = call;
	k->arg0 = a0;
	k->arg1 = a1;
	k->arg2 = a2;
	k->aux_len = 0;
	trace_hash_init(&k->hs);
}

/* A numeric address as text (inet_ntop formats; it never resolves anything). */
static void key_address_text(struct dns_key *k, int family, const void *addr, socklen_t len)
{
	char text[INET6_ADDRSTRLEN + 16];
	if (!((family == AF_INET && len >= 4) || (family == AF_INET6 && len >= 16)) ||
	    !inet_ntop(family, addr, text, sizeof text))
		snprintf(text, sizeof text, "family %d", family);
	key_text_n(k, text, strlen(text));
}

static void key_getaddrinfo(struct dns_key *k, const char *node, const char *service,
			    const struct addrinfo *hints)
{
	key_begin(k, RETRACE__CALL__CALL_GETADDRINFO, hints ? hints->ai_family : 0,
		  hints ? hints->ai_socktype : 0, hints ? hints->ai_flags : 0);
	key_str(k, node);
	key_str(k, service);
	key_u8(k, hints != NULL);
	if (hints) {
		key_u32(k, (uint32_t)hints->ai_flags);
		key_u32(k, (uint32_t)hints->ai_family);
		key_u32(k, (uint32_t)hints->ai_socktype);
		key_u32(k, (uint32_t)hints->ai_protocol);
	}
	trace_hash_final(&k->hs, k->hash);
	key_text(k, node);
	key_text(k, service);
}

static void key_getnameinfo(struct dns_key *k, const struct sockaddr *sa, socklen_t salen,
			    const char *host, socklen_t hostlen, const char *serv,
			    socklen_t servlen, int flags)
{
	key_begin(k, RETRACE__CALL__CALL_GETNAMEINFO, flags, hostlen, servlen);
	int family = salen >= sizeof sa->sa_family ? sa->sa_family : -1;
	const struct sockaddr_in *in4 = (const void *)sa;
	const struct sockaddr_in6 *in6 = (const void *)sa;
	key_u32(k, salen);
	key_u32(k, (uint32_t)family);
	char port[16] = "";
	/* only what names the address: sin_zero and other padding may hold anything */
	if (family == AF_INET && salen >= sizeof *in4) {
		rt_hash_update(&k->hs, &in4->sin_port, sizeof in4->sin_port);
		rt_hash_update(&k->hs, &in4->sin_addr, sizeof in4->sin_addr);
		key_address_text(k, AF_INET, &in4->sin_addr, sizeof in4->sin_addr);
		snprintf(port, sizeof port, "%u", ntohs(in4->sin_port));
	} else if (family == AF_INET6 && salen >= sizeof *in6) {
		rt_hash_update(&k->hs, &in6->sin6_port, sizeof in6->sin6_port);
		rt_hash_update(&k->hs, &in6->sin6_flowinfo, sizeof in6->sin6_flowinfo);
		rt_hash_update(&k->hs, &in6->sin6_addr, sizeof in6->sin6_addr);
		rt_hash_update(&k->hs, &in6->sin6_scope_id, sizeof in6->sin6_scope_id);
		key_address_text(k, AF_INET6, &in6->sin6_addr, sizeof in6->sin6_addr);
		snprintf(port, sizeof port, "%u", ntohs(in6->sin6_port));
	} else {
		rt_hash_update(&k->hs, sa, salen);
		key_address_text(k, family, NULL, 0);
	}
	key_u8(k, host != NULL);
	key_u8(k, serv != NULL);
	trace_hash_final(&k->hs, k->hash);
	key_text_n(k, port, strlen(port));
}

static void key_hostname(struct dns_key *k, int which, const char *name, int af, size_t buflen)
{
	key_begin(k, RETRACE__CALL__CALL_GETHOSTBYNAME, af, (int64_t)buflen, which);
	key_str(k, name);
	trace_hash_final(&k->hs, k->hash);
	key_text(k, name);
}

static void key_hostaddr(struct dns_key *k, int which, const void *addr, socklen_t len, int type,
			 size_t buflen)
{
	key_begin(k, RETRACE__CALL__CALL_GETHOSTBYADDR, type, (int64_t)buflen, which);
	key_u32(k, len);
	rt_hash_update(&k->hs, addr, len);
	trace_hash_final(&k->hs, k->hash);
	key_address_text(k, type, addr, len);
}

/* ---- record: the real lookup and its encoding --------------------------------------------- */

/* A lookup as the program asked for it: the arguments of whichever call it is. */
struct dns_call {
	uint32_t call;
	int which; /* DNS_REENTRANT, DNS_NAME2 (the hostent calls) */
	const char *node, *service;
	const struct addrinfo *hints;
	const struct sockaddr *sa;
	socklen_t salen, hostlen, servlen;
	char *host, *serv;
	int flags;
	const char *name;
	const void *addr;
	socklen_t len;
	int family;
	struct hostent *ret;
	char *buf;
	size_t buflen;
};

/* What a lookup came to, as the child sends it back; the answer's bytes follow. */
struct dns_outcome {
	int64_t result;
	int64_t value;
	int32_t err;
	uint32_t data_len;
};

/* Writes into a buffer; a first pass with none measures. */
struct dns_out {
	uint8_t *p;
	size_t len, cap;
};

static void out_bytes(struct dns_out *o, const void *b, size_t n)
{
	if (o->p && n && o->len <= o->cap && n <= o->cap - o->len)
		memcpy(o->p + o->len, b, n);
	o->len += n;
}

static void out_u32(struct dns_out *o, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	out_bytes(o, b, 4);
}

static void out_str(struct dns_out *o, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	out_u32(o, (uint32_t)n);
	out_bytes(o, s, n);
}

static void encode_addrinfo(struct dns_out *o, const void *arg)
{
	uint32_t count = 0;
	for (const struct addrinfo *ai = arg; ai; ai = ai->ai_next)
		count++;
	out_u32(o, count);
	for (const struct addrinfo *ai = arg; ai; ai = ai->ai_next) {
		out_u32(o, (uint32_t)ai->ai_flags);
		out_u32(o, (uint32_t)ai->ai_family);
		out_u32(o, (uint32_t)ai->ai_socktype);
		out_u32(o, (uint32_t)ai->ai_protocol);
		socklen_t alen = ai->ai_addr ? ai->ai_addrlen : 0;
		out_u32(o, alen);
		out_bytes(o, ai->ai_addr, alen);
		size_t cn = ai->ai_canonname ? strlen(ai->ai_canonname) : 0;
		out_u32(o, ai->ai_canonname ? (uint32_t)cn + 1 : 0);
		out_bytes(o, ai->ai_canonname, cn);
	}
}

static void encode_hostent(struct dns_out *o, const void *arg)
{
	const struct hostent *he = arg;
	out_str(o, he->h_name);
	uint32_t n = 0;
	while (he->h_aliases && he->h_aliases[n])
		n++;
	out_u32(o, n);
	for (uint32_t i = 0; i < n; i++)
		out_str(o, he->h_aliases[i]);
	out_u32(o, (uint32_t)he->h_addrtype);
	out_u32(o, (uint32_t)he->h_length);
	n = 0;
	while (he->h_addr_list && he->h_addr_list[n])
		n++;
	out_u32(o, n);
	for (uint32_t i = 0; i < n; i++)
		out_bytes(o, he->h_addr_list[i], (size_t)he->h_length);
}

static void encode_names(struct dns_out *o, const void *arg)
{
	const struct dns_call *c = arg;
	size_t hn = c->host && c->hostlen ? strnlen(c->host, c->hostlen - 1) : 0;
	size_t sn = c->serv && c->servlen ? strnlen(c->serv, c->servlen - 1) : 0;
	out_u32(o, (uint32_t)hn);
	out_bytes(o, c->host, hn);
	out_u32(o, (uint32_t)sn);
	out_bytes(o, c->serv, sn);
}

/* The answer's bytes in the thread's scratch (NULL, with a message, when there is no room). */
static const uint8_t *encode(void (*enc)(struct dns_out *, const void *), const void *arg,
			     uint32_t *len)
{
	struct dns_out o = { NULL, 0, 0 };
	enc(&o, arg);
	size_t need = o.len;
	o = (struct dns_out){ need <= DNS_ANSWER_MAX ? rt_scratch(need) : NULL, 0, need };
	if (!o.p) {
		rt_msg("cannot keep the answer of a name lookup (%zu bytes): out of memory", need);
		*len = 0;
		return NULL;
	}
	enc(&o, arg);
	*len = (uint32_t)need;
	return o.p;
}

/* Run the real lookup; its answer, encoded, in *data.  Runs in the child, or in the program
 * when no child can be made. */
static void dns_call_real(const struct dns_call *c, struct dns_outcome *out, const uint8_t **data)
{
	int r = 0, herr = 0;
	struct hostent *he = NULL, *result = NULL;
	struct addrinfo *list = NULL;
	*data = NULL;
	out->data_len = 0;
	switch (c->call) {
	case RETRACE__CALL__CALL_GETADDRINFO:
		r = REAL_SYM(real_getaddrinfo, "getaddrinfo")(c->node, c->service, c->hints, &list);
		break;
	case RETRACE__CALL__CALL_GETNAMEINFO:
		r = REAL_SYM(real_getnameinfo, "getnameinfo")(c->sa, c->salen, c->host, c->hostlen,
							      c->serv, c->servlen, c->flags);
		break;
	case RETRACE__CALL__CALL_GETHOSTBYNAME:
		if (c->which == 0)
			he = REAL_SYM(real_gethostbyname, "gethostbyname")(c->name);
		else if (c->which == DNS_NAME2)
			he = REAL_SYM(real_gethostbyname2, "gethostbyname2")(c->name, c->family);
		else if (c->which == DNS_REENTRANT)
			r = REAL_SYM(real_gethostbyname_r, "gethostbyname_r")(
				c->name, c->ret, c->buf, c->buflen, &result, &herr);
		else
			r = REAL_SYM(real_gethostbyname2_r, "gethostbyname2_r")(
				c->name, c->family, c->ret, c->buf, c->buflen, &result, &herr);
		break;
	case RETRACE__CALL__CALL_GETHOSTBYADDR:
		if (c->which == 0)
			he = REAL_SYM(real_gethostbyaddr, "gethostbyaddr")(c->addr, c->len, c->family);
		else
			r = REAL_SYM(real_gethostbyaddr_r, "gethostbyaddr_r")(
				c->addr, c->len, c->family, c->ret, c->buf, c->buflen, &result, &herr);
		break;
	}
	int e = errno;
	out->value = (int64_t)((uint64_t)(uint32_t)h_errno << 32 | (uint32_t)e);
	out->result = r;
	out->err = 0;
	switch (c->call) {
	case RETRACE__CALL__CALL_GETADDRINFO:
		out->err = r == EAI_SYSTEM ? e : 0;
		if (r == 0) {
			*data = encode(encode_addrinfo, list, &out->data_len);
			freeaddrinfo(list); /* the program gets the copy built from *data */
		}
		break;
	case RETRACE__CALL__CALL_GETNAMEINFO:
		out->err = r == EAI_SYSTEM ? e : 0;
		if (r == 0)
			*data = encode(encode_names, c, &out->data_len);
		break;
	default:
		if (c->which & DNS_REENTRANT) {
			out->err = herr;
			he = r == 0 ? result : NULL;
		} else {
			out->result = he ? 0 : -1;
		}
		if (he)
			*data = encode(encode_hostent, he, &out->data_len);
		break;
	}
	/* An answer there was no room to keep is a failure, told the same way in both modes. */
	int eai = c->call == RETRACE__CALL__CALL_GETADDRINFO || c->call == RETRACE__CALL__CALL_GETNAMEINFO;
	if (!*data && r == 0 && (eai || he)) {
		if (eai)
			out->result = EAI_MEMORY;
		else if (c->which & DNS_REENTRANT)
			out->result = ENOMEM, out->err = NETDB_INTERNAL;
		else
			out->result = -1;
		out->value = (int64_t)((uint64_t)(uint32_t)NETDB_INTERNAL << 32 | ENOMEM);
	}
}

static int write_all(int fd, const void *p, size_t n)
{
	for (size_t off = 0; off < n;) {
		ssize_t w = REAL(write)(fd, (const uint8_t *)p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 0;
		off += (size_t)w;
	}
	return 1;
}

static int read_all(int fd, void *p, size_t n)
{
	for (size_t off = 0; off < n;) {
		ssize_t r = REAL(read)(fd, (uint8_t *)p + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		off += (size_t)r;
	}
	return 1;
}

/* The real functions, looked up in the parent: the child would look them up for itself only. */
static void dns_real_resolve(void)
{
	(void)REAL_SYM(real_getaddrinfo, "getaddrinfo");
	(void)REAL_SYM(real_getnameinfo, "getnameinfo");
	(void)REAL_SYM(real_gethostbyname, "gethostbyname");
	(void)REAL_SYM(real_gethostbyname2, "gethostbyname2");
	(void)REAL_SYM(real_gethostbyaddr, "gethostbyaddr");
	(void)REAL_SYM(real_gethostbyname_r, "gethostbyname_r");
	(void)REAL_SYM(real_gethostbyname2_r, "gethostbyname2_r");
	(void)REAL_SYM(real_gethostbyaddr_r, "gethostbyaddr_r");
	(void)REAL_SYM(real_pipe2, "pipe2");
}

/* One lookup at a time goes through a child: the resolver's locks are then free when it forks. */
static pthread_mutex_t dns_child_lock = PTHREAD_MUTEX_INITIALIZER;

/* Run the lookup in a child process (see the top of the file); 0, or -1 when no child could be
 * made or it sent nothing back, and nothing was changed. */
static int dns_call_in_child(const struct dns_call *c, struct dns_outcome *out,
			     const uint8_t **data)
{
	int fds[2];
	if (REAL_SYM(real_pipe2, "pipe2")(fds, O_CLOEXEC) < 0)
		return -1;
	/* No handler of the program may run in the child, between fork and its end. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid_t pid = REAL(fork)();
	if (pid == 0) {
		/* The child shares the trace mapping with its parent: it must never write to it. */
		__atomic_store_n(&rt_on, 0, __ATOMIC_SEQ_CST);
		rt_mode = RT_MODE_OFF;
		REAL(close)(fds[0]);
		struct dns_outcome o;
		const uint8_t *d;
		dns_call_real(c, &o, &d);
		int ok = write_all(fds[1], &o, sizeof o) && write_all(fds[1], d, o.data_len);
		REAL(_exit)(ok ? 0 : 1);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	REAL(close)(fds[1]);
	if (pid < 0) {
		REAL(close)(fds[0]);
		return -1;
	}
	uint8_t *buf = NULL;
	int ok = read_all(fds[0], out, sizeof *out) && out->data_len <= DNS_ANSWER_MAX;
	if (ok && out->data_len) {
		buf = rt_scratch(out->data_len);
		ok = buf && read_all(fds[0], buf, out->data_len);
	}
	REAL(close)(fds[0]);
	int status;
	while (rt_real.syscall(SYS_wait4, pid, (long)&status, __WALL, 0, 0, 0) < 0 && errno == EINTR)
		;
	*data = buf;
	return ok ? 0 : -1;
}

/* Record: resolve c (in a child when possible) and log it as k; *ev is the event, which the
 * caller turns into the program's answer exactly as replay does. */
static const struct trace_event *dns_record(const struct dns_key *k, const struct dns_call *c,
					    struct trace_event *ev)
{
	static int warned;
	struct dns_outcome out;
	const uint8_t *data;
	int saved = errno;
	rt_self.inside++; /* whatever the resolver calls is its business, not the program's */
	dns_real_resolve();
	pthread_mutex_lock(&dns_child_lock);
	int r = dns_call_in_child(c, &out, &data);
	pthread_mutex_unlock(&dns_child_lock);
	if (r < 0) {
		if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
			rt_msg("warning: cannot resolve names in a child process (%s); resolving in the "
			       "program, so malloc'd addresses may differ on replay", strerrordesc_np(errno));
		errno = saved;
		dns_call_real(c, &out, &data);
	}
	rt_self.inside--;
	*ev = (struct trace_event){
		.call = k->call, .arg0 = k->arg0, .arg1 = k->arg1, .arg2 = k->arg2,
		.result = out.result, .err = out.err, .value = out.value,
		.data = data, .data_len = data ? out.data_len : 0,
		.hash = k->hash, .hash_len = TRACE_HASH_SIZE,
		.aux = k->aux, .aux_len = k->aux_len,
	};
	rt_record(ev);
	return ev;
}

/* ---- replay: checking the lookup ---------------------------------------------------------- */

/* The next event, which must be this lookup.  While it is fetched, the core describes the
 * program's side of a divergence from k (the trace only holds the hash of what was asked). */
static const struct trace_event *dns_replay_next(const struct dns_key *k)
{
	struct trace_event asked = {
		.call = k->call, .arg0 = k->arg0, .arg1 = k->arg1, .arg2 = k->arg2,
		.aux = k->aux, .aux_len = k->aux_len,
	};
	rt_self.asked = &asked;
	const struct trace_event *ev = rt_replay_next(k->call, k->arg0, k->arg1, k->arg2);
	if (ev->hash_len != TRACE_HASH_SIZE || memcmp(ev->hash, k->hash, TRACE_HASH_SIZE) != 0) {
		int same_text = ev->aux_len == k->aux_len && memcmp(ev->aux, k->aux, k->aux_len) == 0;
		rt_diverge(ev, same_text ? "the program asked for another lookup than when recorded "
					   "(other hints, address details or a longer name than shown)"
					 : "the program asked for another lookup than when recorded");
	}
	rt_self.asked = NULL;
	return ev;
}

/* ---- both modes: the program's answer, built from the event ------------------------------- */

/* errno and h_errno as the lookup left them (value, see the top of the file). */
static void dns_thread_state(const struct trace_event *ev)
{
	h_errno = (int)(uint32_t)((uint64_t)ev->value >> 32);
	errno = (int)(uint32_t)ev->value;
}

struct dns_in {
	const uint8_t *p, *end;
	int bad;
};

static const uint8_t *in_bytes(struct dns_in *in, size_t n)
{
	if (in->bad || n > (size_t)(in->end - in->p)) {
		in->bad = 1;
		return NULL;
	}
	const uint8_t *p = in->p;
	in->p += n;
	return p;
}

static uint32_t in_u32(struct dns_in *in)
{
	const uint8_t *b = in_bytes(in, 4);
	return b ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24
		 : 0;
}

static size_t in_left(const struct dns_in *in)
{
	return (size_t)(in->end - in->p);
}

/* The addrinfo list of ev, checked (build = 0) or built (build = 1) the way glibc builds its
 * own: each node one malloc block with its sockaddr right after the struct, ai_canonname a
 * malloc'd string of its own; glibc's freeaddrinfo frees exactly those.  Returns 0, or
 * EAI_MEMORY when malloc fails (nothing is left allocated then). */
static int addrinfo_decode(const struct trace_event *ev, int build, struct addrinfo **res)
{
	struct dns_in in = { ev->data, ev->data + ev->data_len, 0 };
	uint32_t count = in_u32(&in);
	if (!build && count > in_left(&in) / 24)
		rt_damaged(ev, "the answer claims more entries than it holds");
	struct addrinfo *head = NULL, **tail = &head;
	for (uint32_t i = 0; i < count; i++) {
		int32_t fields[4];
		for (int f = 0; f < 4; f++)
			fields[f] = (int32_t)in_u32(&in);
		uint32_t alen = in_u32(&in);
		if (!build && alen > sizeof(struct sockaddr_storage))
			rt_damaged(ev, "an address in the answer is longer than any socket address");
		const uint8_t *addr = in_bytes(&in, alen);
		uint32_t canon = in_u32(&in);
		const uint8_t *name = canon ? in_bytes(&in, canon - 1) : NULL;
		if (in.bad)
			rt_damaged(ev, "the answer ends in the middle of an entry");
		if (!build)
			continue;
		struct addrinfo *ai = malloc(sizeof *ai + alen);
		if (!ai) {
			freeaddrinfo(head);
			return EAI_MEMORY;
		}
		memset(ai, 0, sizeof *ai);
		ai->ai_flags = fields[0];
		ai->ai_family = fields[1];
		ai->ai_socktype = fields[2];
		ai->ai_protocol = fields[3];
		ai->ai_addrlen = alen;
		ai->ai_addr = alen ? (struct sockaddr *)(ai + 1) : NULL;
		memcpy(ai + 1, addr, alen);
		*tail = ai;
		tail = &ai->ai_next;
		if (canon) {
			ai->ai_canonname = malloc(canon);
			if (!ai->ai_canonname) {
				freeaddrinfo(head);
				return EAI_MEMORY;
			}
			memcpy(ai->ai_canonname, name, canon - 1);
			ai->ai_canonname[canon - 1] = 0;
		}
	}
	if (in.bad || in.p != in.end)
		rt_damaged(ev, "the answer has bytes left over after its last entry");
	if (build)
		*res = head;
	return 0;
}

static int addrinfo_answer(const struct trace_event *ev, struct addrinfo **res)
{
	if (ev->result == 0) {
		addrinfo_decode(ev, 0, res);
		int r = addrinfo_decode(ev, 1, res);
		if (r)
			return r;
	}
	dns_thread_state(ev);
	return (int)ev->result;
}

static int names_answer(const struct trace_event *ev, char *host, socklen_t hostlen, char *serv,
			socklen_t servlen)
{
	if (ev->result == 0) {
		struct dns_in in = { ev->data, ev->data + ev->data_len, 0 };
		uint32_t hn = in_u32(&in);
		const uint8_t *h = in_bytes(&in, hn);
		uint32_t sn = in_u32(&in);
		const uint8_t *s = in_bytes(&in, sn);
		if (in.bad || in.p != in.end || (hn && (!host || hn >= hostlen)) ||
		    (sn && (!serv || sn >= servlen)))
			rt_damaged(ev, "the names in the answer do not fit what was asked");
		if (host && hostlen) {
			memcpy(host, h, hn);
			host[hn] = 0;
		}
		if (serv && servlen) {
			memcpy(serv, s, sn);
			serv[sn] = 0;
		}
	}
	dns_thread_state(ev);
	return (int)ev->result;
}

/* A hostent of the trace, checked; pointers into the event. */
struct dns_hostent {
	const uint8_t *name;
	uint32_t name_len;
	struct dns_in aliases; /* naliases × (u32 length, bytes) */
	uint32_t naliases;
	int32_t addrtype, length;
	const uint8_t *addrs;
	uint32_t naddrs;
	size_t text; /* bytes of every string with its NUL */
};

static void hostent_decode(const struct trace_event *ev, struct dns_hostent *h)
{
	struct dns_in in = { ev->data, ev->data + ev->data_len, 0 };
	h->name_len = in_u32(&in);
	h->name = in_bytes(&in, h->name_len);
	h->naliases = in_u32(&in);
	h->aliases = in;
	if (!in.bad && h->naliases > in_left(&in) / 4)
		rt_damaged(ev, "the answer claims more aliases than it holds");
	h->text = (size_t)h->name_len + 1;
	for (uint32_t i = 0; i < h->naliases && !in.bad; i++) {
		uint32_t n = in_u32(&in);
		in_bytes(&in, n);
		h->text += (size_t)n + 1;
	}
	h->addrtype = (int32_t)in_u32(&in);
	h->length = (int32_t)in_u32(&in);
	h->naddrs = in_u32(&in);
	if (in.bad)
		rt_damaged(ev, "the answer ends before its addresses");
	if (h->length < 0 ||
	    (h->naddrs && (h->length == 0 || h->naddrs > in_left(&in) / (size_t)h->length)))
		rt_damaged(ev, "the answer's address count or length does not match its size");
	h->addrs = in_bytes(&in, (size_t)h->naddrs * (size_t)h->length);
	if (in.bad || in.p != in.end)
		rt_damaged(ev, "the answer has bytes left over after its addresses");
}

/* Bytes a hostent's arrays and strings take in a buffer starting at `at`: the pointer arrays
 * first (aligned), then the addresses, then the strings. */
static size_t hostent_size(const struct dns_hostent *h, const void *at)
{
	size_t pad = (size_t)(-(uintptr_t)at & (sizeof(char *) - 1));
	return pad + ((size_t)h->naliases + h->naddrs + 2) * sizeof(char *) +
	       (size_t)h->naddrs * (size_t)h->length + h->text;
}

static void hostent_fill(const struct dns_hostent *h, struct hostent *he, char *buf)
{
	char *p = buf + (-(uintptr_t)buf & (sizeof(char *) - 1));
	char **aliases = (char **)(void *)p;
	p += ((size_t)h->naliases + 1) * sizeof(char *);
	char **addrs = (char **)(void *)p;
	p += ((size_t)h->naddrs + 1) * sizeof(char *);
	for (uint32_t i = 0; i < h->naddrs; i++) {
		addrs[i] = p;
		memcpy(p, h->addrs + (size_t)i * (size_t)h->length, (size_t)h->length);
		p += h->length;
	}
	addrs[h->naddrs] = NULL;
	he->h_name = p;
	memcpy(p, h->name, h->name_len);
	p[h->name_len] = 0;
	p += h->name_len + 1;
	struct dns_in in = h->aliases;
	for (uint32_t i = 0; i < h->naliases; i++) {
		uint32_t n = in_u32(&in);
		aliases[i] = p;
		memcpy(p, in_bytes(&in, n), n);
		p[n] = 0;
		p += n + 1;
	}
	aliases[h->naliases] = NULL;
	he->h_aliases = aliases;
	he->h_addrtype = h->addrtype;
	he->h_length = h->length;
	he->h_addr_list = addrs;
}

/* What the non-reentrant calls return: static storage, one per function as in glibc, its
 * strings in arena memory (never the program's heap). */
struct dns_static_hostent {
	struct hostent he;
	char *buf;
	size_t cap;
};
static struct dns_static_hostent dns_byname, dns_byname2, dns_byaddr;

static struct hostent *hostent_answer_static(const struct trace_event *ev,
					     struct dns_static_hostent *s)
{
	struct hostent *r = NULL;
	if (ev->result == 0) {
		if (!ev->data_len)
			rt_damaged(ev, "a lookup that succeeded has no answer");
		struct dns_hostent h;
		hostent_decode(ev, &h);
		size_t need = hostent_size(&h, NULL);
		if (need > s->cap) {
			size_t cap = need < 4096 ? 4096 : need;
			char *buf = rt_alloc(cap);
			if (!buf) {
				rt_msg("cannot hand back the answer of %s: out of memory",
				       trace_call_name(ev->call));
				rt_exit_with(RETRACE_EXIT_ERROR, 0);
			}
			s->buf = buf;
			s->cap = cap;
		}
		hostent_fill(&h, &s->he, s->buf);
		r = &s->he;
	}
	dns_thread_state(ev);
	return r;
}

/* The _r variants fill the program's buffer.  When the answer does not fit there (our layout
 * is compact, but it is not glibc's), the call says ERANGE, as glibc would: the program retries
 * with a bigger buffer.  Record and replay decide this alike, from the same bytes. */
static int hostent_answer_r(const struct trace_event *ev, struct hostent *ret, char *buf,
			    size_t buflen, struct hostent **result, int *h_errnop)
{
	*result = NULL;
	int r = (int)ev->result, herr = ev->err;
	if (r == 0 && ev->data_len) {
		struct dns_hostent h;
		hostent_decode(ev, &h);
		if (hostent_size(&h, buf) <= buflen) {
			hostent_fill(&h, ret, buf);
			*result = ret;
		} else {
			r = ERANGE;
			herr = NETDB_INTERNAL;
		}
	}
	if (h_errnop)
		*h_errnop = herr;
	dns_thread_state(ev);
	if (r == ERANGE)
		errno = ERANGE;
	return r;
}

/* ---- getaddrinfo, getnameinfo ------------------------------------------------------------- */

RT_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			  struct addrinfo **res)
{
	if (!rt_active(RT_DNS))
		return REAL_SYM(real_getaddrinfo, "getaddrinfo")(node, service, hints, res);
	struct dns_key k;
	key_getaddrinfo(&k, node, service, hints);
	struct dns_call c = { .call = k.call, .node = node, .service = service, .hints = hints };
	struct trace_event rec;
	const struct trace_event *ev = rt_replaying() ? dns_replay_next(&k) : dns_record(&k, &c, &rec);
	return addrinfo_answer(ev, res);
}

RT_EXPORT int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
			  socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	if (!rt_active(RT_DNS) || !sa)
		return REAL_SYM(real_getnameinfo, "getnameinfo")(sa, salen, host, hostlen, serv,
								 servlen, flags);
	struct dns_key k;
	key_getnameinfo(&k, sa, salen, host, hostlen, serv, servlen, flags);
	struct dns_call c = {
		.call = k.call, .sa = sa, .salen = salen, .host = host, .hostlen = hostlen,
		.serv = serv, .servlen = servlen, .flags = flags,
	};
	struct trace_event rec;
	const struct trace_event *ev = rt_replaying() ? dns_replay_next(&k) : dns_record(&k, &c, &rec);
	return names_answer(ev, host, hostlen, serv, servlen);
}

/* ---- gethostbyname*, gethostbyaddr* ------------------------------------------------------- */

RT_EXPORT struct hostent *gethostbyname(const char *name)
{
	if (!rt_active(RT_DNS) || !name)
		return REAL_SYM(real_gethostbyname, "gethostbyname")(name);
	struct dns_key k;
	key_hostname(&k, 0, name, AF_INET, 0);
	struct dns_call c = { .call = k.call, .name = name };
	struct trace_event rec;
	const struct trace_event *ev = rt_replaying() ? dns_replay_next(&k) : dns_record(&k, &c, &rec);
	return hostent_answer_static(ev, &dns_byname);
}

RT_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	if (!rt_active(RT_DNS) || !name)
		return REAL_SYM(real_gethostbyname2, "gethostbyname2")(name, af);
	struct dns_key k;
	key_hostname(&k, DNS_NAME2, name, af, 0);
	struct dns_call c = { .call = k.call, .which = DNS_NAME2, .name = name, .family = af };
	struct trace_event rec;
	const struct trace_event *ev = rt_replaying() ? dns_replay_next(&k) : dns_record(&k, &c, &rec);
	return hostent_answer_static(ev, &dns_byname2);
}

RT_EXPORT struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type)
{
	if (!rt_active(RT_DNS) || !addr)
		return REAL_SYM(real_gethostbyaddr, "gethostbyaddr")(addr, len, type);
	struct dns_key k;
	key_hostaddr(&k, 0, addr, len, type, 0);
	struct dns_call c = { .call = k.call, .addr = addr, .len = len, .family = type };
	struct trace_event rec;
	const struct trace_event *ev = rt_replaying() ? dns_replay_next(&k) : dns_record(&k, &c, &rec);
	return hostent_answer_static(ev, &dns_byaddr);
}

RT_EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
			      struct hostent **result, int *h_errnop)
{
	if (!rt_active(RT_DNS) || !name || !ret || !result)
		return REAL_SYM(real_gethostbyname_r, "gethostbyname_r")(name, ret, buf, buflen,
									 result, h_errnop);
	struct dns_key k;
	key_hostname(&k, DNS_REENTRANT, name, AF_INET, buflen);
	struct dns_call c = {
		.call = k.call, .which = DNS_REENTRANT, .name = name, .ret = ret, .buf = buf,
		.buflen = buflen,
	};
	struct trace_event rec;
	const struct trace_event *ev = rt_replaying() ? dns_replay_next(&k) : dns_record(&k, &c, &rec);
	return hostent_answer_r(ev, ret, buf, buflen, result, h_errnop);
}

RT_EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
			       size_t buflen, struct hostent **result, int *h_errnop)
{
	if (!rt_active(RT_DNS) || !name || !ret || !result)
		return REAL_SYM(real_gethostbyname2_r, "gethostbyname2_r")(name, af, ret, buf,
									   buflen, result, h_errnop);
	struct dns_key k;
	key_hostname(&k, DNS_NAME2 | DNS_REENTRANT, name, af, buflen);
	struct dns_call c = {
		.call = k.call, .which = DNS_NAME2 | DNS_REENTRANT, .name = name, .family = af,
		.ret = ret, .buf = buf, .buflen = buflen,
	};
	struct trace_event rec;
	const struct trace_event *ev = rt_replaying() ? dns_replay_next(&k) : dns_record(&k, &c, &rec);
	return hostent_answer_r(ev, ret, buf, buflen, result, h_errnop);
}

RT_EXPORT int gethostbyaddr_r(const void *addr, socklen_t len, int type, struct hostent *ret,
			      char *buf, size_t buflen, struct hostent **result, int *h_errnop)
{
	if (!rt_active(RT_DNS) || !addr || !ret || !result)
		return REAL_SYM(real_gethostbyaddr_r, "gethostbyaddr_r")(addr, len, type, ret, buf,
									 buflen, result, h_errnop);
	struct dns_key k;
	key_hostaddr(&k, DNS_REENTRANT, addr, len, type, buflen);
	struct dns_call c = {
		.call = k.call, .which = DNS_REENTRANT, .addr = addr, .len = len, .family = type,
		.ret = ret, .buf = buf, .buflen = buflen,
	};
	struct trace_event rec;
	const struct trace_event *ev = rt_replaying() ? dns_replay_next(&k) : dns_record(&k, &c, &rec);
	return hostent_answer_r(ev, ret, buf, buflen, result, h_errnop);
}
