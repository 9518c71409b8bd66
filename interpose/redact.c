/* redact.c — record: secrets of the environment kept out of the trace.
 *
 * The variables RETRACE_REDACT's patterns name (format/redact.c; on by default) are secrets:
 * the header keeps each as NAME= and a placeholder of the value's length, so the replayed
 * process has the same memory layout, and lists them (Header.redacted, names and lengths).  The
 * value must not reach the trace by another road either (sent in an Authorization header,
 * written to a file, read back from /proc/self/environ, echoed by a server): every byte field an
 * event stores (data, aux, control, core.c) and every hash of bytes the program gave (rt_hash)
 * is taken over a copy with each occurrence replaced by the placeholder.  The program's own
 * buffers are never changed.  Replay needs nothing of this: the program, given the placeholder,
 * sends exactly the bytes the trace holds, and their hash matches.
 *
 * Cost: nothing but one load and branch when no secret is searched for (the common case: the
 * clock and HTTP benchmarks); otherwise a memmem per secret per field, and a copy only where a
 * secret is found.  Not covered: an occurrence split across two calls (a send of its first half,
 * then one of the rest) is not found, each call's bytes being stored as the call is recorded;
 * nor a value computed from a secret (its base64, an HMAC, TLS records carrying it), which
 * therefore differs on replay, where the report names the redacted variables (report.c).
 */
#include <string.h>

#include "rt.h"

#define RT_SECRETS_MAX 256

struct rt_secret {
	ProtobufCBinaryData name;
	size_t len;
};

unsigned rt_redacting;                             /* secrets searched for in bytes */
static struct trace_secret rt_searched[RT_SECRETS_MAX];
static struct rt_secret rt_secrets[RT_SECRETS_MAX]; /* every redacted variable, for the header */
static size_t rt_nsecrets;
static const char *rt_patterns;                    /* RETRACE_REDACT's value; NULL: unset */
static int rt_redact_on;

void rt_redact_init(const char *patterns)
{
	rt_patterns = patterns;
	rt_redact_on = 1;
}

/* The value becomes one to look for in bytes (once, however many variables hold it). */
static void rt_redact_search(const uint8_t *value, size_t len)
{
	if (len < TRACE_REDACT_MIN)
		return;
	for (unsigned i = 0; i < rt_redacting; i++)
		if (rt_searched[i].len == len && memcmp(rt_searched[i].value, value, len) == 0)
			return;
	uint8_t *copy = rt_redacting < RT_SECRETS_MAX ? rt_alloc(len) : NULL;
	if (!copy) {
		rt_msg("warning: too many redacted values; the trace may hold some");
		return;
	}
	memcpy(copy, value, len);
	rt_searched[rt_redacting].value = copy;
	rt_searched[rt_redacting].len = len;
	__atomic_store_n(&rt_redacting, rt_redacting + 1, __ATOMIC_RELEASE);
}

ProtobufCBinaryData rt_redact_env_entry(const char *entry)
{
	size_t len = strlen(entry);
	ProtobufCBinaryData b = { len, (uint8_t *)entry };
	if (!rt_redact_on || !trace_redact_matches(rt_patterns, (const uint8_t *)entry, len))
		return b;
	const char *eq = strchr(entry, '=');
	size_t nlen = (size_t)(eq - entry), vlen = len - nlen - 1;
	uint8_t *copy = rt_alloc(len);
	if (!copy) {
		b.len = 0; /* out of memory: leave the entry out rather than keep the secret */
		return b;
	}
	memcpy(copy, entry, nlen + 1);
	memset(copy + nlen + 1, TRACE_REDACT_FILL, vlen);
	b.data = copy;
	rt_redact_search((const uint8_t *)eq + 1, vlen);
	size_t i = 0;
	while (i < rt_nsecrets && !(rt_secrets[i].name.len == nlen &&
				   memcmp(rt_secrets[i].name.data, entry, nlen) == 0))
		i++;
	if (i == rt_nsecrets && i < RT_SECRETS_MAX) {
		rt_secrets[i].name.data = copy; /* the name is the copy's first nlen bytes */
		rt_secrets[i].name.len = nlen;
		rt_nsecrets++;
	}
	if (i < RT_SECRETS_MAX)
		rt_secrets[i].len = vlen;
	return b;
}

/* The header's argv and command with the secrets' values replaced (a program given its token as
 * an argument), each copied where one occurs; then the list of redacted variables. */
void rt_redact_header(Retrace__Header *h)
{
	ProtobufCBinaryData *lists[2] = { h->argv, h->command };
	size_t counts[2] = { h->n_argv, h->n_command };
	for (int l = 0; l < 2 && rt_redacting; l++)
		for (size_t i = 0; lists[l] && i < counts[l]; i++) {
			ProtobufCBinaryData *b = &lists[l][i];
			if (!trace_redact_occurs(rt_searched, rt_redacting, b->data, b->len))
				continue;
			uint8_t *copy = rt_alloc(b->len + 1);
			if (!copy) {
				b->len = 0;
				continue;
			}
			memcpy(copy, b->data, b->len);
			trace_redact_scrub(rt_searched, rt_redacting, copy, b->len);
			b->data = copy;
		}
	Retrace__Redacted *r = rt_alloc(sizeof *r * (rt_nsecrets + 1));
	h->redacted = rt_alloc(sizeof *h->redacted * (rt_nsecrets + 1));
	if (!r || !h->redacted)
		return;
	for (size_t i = 0; i < rt_nsecrets; i++) {
		retrace__redacted__init(&r[i]);
		r[i].name = rt_secrets[i].name;
		r[i].length = (uint32_t)rt_secrets[i].len;
		h->redacted[i] = &r[i];
	}
	h->n_redacted = rt_nsecrets;
}

/* One reusable copy per field of an event (data, aux, control), per thread: grown from the
 * arena as needed (an old one is not reused; rare, and bounded by the largest field). */
static __thread uint8_t *rt_copy[3];
static __thread size_t rt_copy_size[3];

static const uint8_t *rt_redact_copy(int slot, const uint8_t *p, size_t n)
{
	if (!p || !n || !trace_redact_occurs(rt_searched, rt_redacting, p, n))
		return p;
	if (n > rt_copy_size[slot]) {
		size_t want = n < 4096 ? 4096 : n;
		uint8_t *c = rt_alloc(want);
		if (!c)
			return NULL; /* no room for a clean copy: store nothing rather than the secret */
		rt_copy[slot] = c;
		rt_copy_size[slot] = want;
	}
	memcpy(rt_copy[slot], p, n);
	trace_redact_scrub(rt_searched, rt_redacting, rt_copy[slot], n);
	return rt_copy[slot];
}

void rt_redact_event(struct trace_event *ev)
{
	if ((ev->data = rt_redact_copy(0, ev->data, ev->data_len)) == NULL)
		ev->data_len = 0;
	if ((ev->aux = rt_redact_copy(1, ev->aux, ev->aux_len)) == NULL)
		ev->aux_len = 0;
	if ((ev->control = rt_redact_copy(2, ev->control, ev->control_len)) == NULL)
		ev->control_len = 0;
}

/* The hash is taken before the event is recorded, so it may use the data's copy. */
void rt_redact_hash(const void *p, size_t n, uint8_t h[TRACE_HASH_SIZE])
{
	const uint8_t *c = rt_redact_copy(0, p, n);
	trace_hash(c ? c : (const uint8_t *)"", c ? n : 0, h);
}

void rt_redact_hash_update(struct trace_hash_state *s, const void *p, size_t n)
{
	const uint8_t *c = rt_redact_copy(0, p, n);
	if (c)
		trace_hash_update(s, c, n);
}
