/* seal-split.c — event records sorted by call before compression, and put back (seal-split.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bytes.h"
#include "common.h"
#include "seal-split.h"
#include "trace.h"

#define SPLIT_RAW 0
#define SPLIT_SPLIT 1
#define MAX_BUCKETS 256 /* calls beyond these share the last stream */
#define EVENTS_TAG 0x1a /* Chunk.events: field 3, length-delimited */
#define CALL_TAG 0x08   /* Event.call: field 1, varint */

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static int buf_add(struct buf *b, const uint8_t *p, size_t n)
{
	if (n == 0)
		return 0;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + n)
			cap *= 2;
		uint8_t *q = realloc(b->p, cap);
		if (!q)
			return -1;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return 0;
}

static int buf_varint(struct buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	do {
		tmp[n++] = (uint8_t)(v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v);
	return buf_add(b, tmp, n);
}

/* A varint at p[*i..end): 0 with *v, or -1 when it is not a whole one. */
static int get_varint(const uint8_t *p, size_t end, size_t *i, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned shift = 0; shift < 64 && *i < end; shift += 7) {
		uint8_t c = p[(*i)++];
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* ---- encoding ----------------------------------------------------------------------------- */

struct segment {
	const uint8_t *plain;
	size_t rest_from; /* plain offset where the pending run of rest bytes begins */
	struct buf rest, order, bucket[MAX_BUCKETS];
	uint64_t call_of[MAX_BUCKETS];
	unsigned nbuckets;
};

static int seg_event(struct segment *s, size_t start, size_t end, uint64_t call)
{
	unsigned k;
	for (k = 0; k < s->nbuckets && s->call_of[k] != call; k++)
		;
	if (k == s->nbuckets) {
		if (s->nbuckets < MAX_BUCKETS)
			s->call_of[s->nbuckets++] = call;
		else
			k = MAX_BUCKETS - 1;
	}
	if (buf_add(&s->rest, s->plain + s->rest_from, start - s->rest_from) < 0 ||
	    buf_varint(&s->order, start - s->rest_from) < 0 || buf_varint(&s->order, k + 1) < 0 ||
	    buf_add(&s->bucket[k], s->plain + start, end - start) < 0)
		return -1;
	s->rest_from = end;
	return 0;
}

/* The event records of one chunk payload p[0..used), at plain offset base. */
static int seg_chunk(struct segment *s, size_t base, size_t used)
{
	const uint8_t *p = s->plain + base;
	size_t i = 0;
	while (i < used) {
		size_t start = i;
		uint64_t tag, v;
		if (get_varint(p, used, &i, &tag) < 0)
			return 0;
		if ((tag & 7) == 0) {
			if (get_varint(p, used, &i, &v) < 0)
				return 0;
			continue;
		}
		if (tag != EVENTS_TAG || get_varint(p, used, &i, &v) < 0 || v > used - i)
			return 0; /* not what the writer writes: the rest stays as it is */
		size_t body = i, end = i + (size_t)v;
		uint64_t call = 0;
		if (body < end && p[body] == CALL_TAG) {
			size_t j = body + 1;
			if (get_varint(p, end, &j, &call) < 0)
				call = 0;
		}
		/* only a record whose first byte is the events tag can be put back by the decoder */
		if (p[start] == EVENTS_TAG && seg_event(s, base + start, base + end, call) < 0)
			return -1;
		i = end;
	}
	return 0;
}

static void seg_free(struct segment *s)
{
	free(s->rest.p);
	free(s->order.p);
	for (unsigned k = 0; k < MAX_BUCKETS; k++)
		free(s->bucket[k].p);
}

/* Segment plain[from..to) out through put. */
static int seg_emit(struct segment *s, size_t from, size_t to, split_put_fn put, void *arg)
{
	if (buf_add(&s->rest, s->plain + s->rest_from, to - s->rest_from) < 0 ||
	    buf_varint(&s->order, to - s->rest_from) < 0 || buf_varint(&s->order, 0) < 0)
		return -1;
	unsigned n = 2 + s->nbuckets;
	uint8_t head[1 + 8 + 4];
	head[0] = SPLIT_SPLIT;
	put_le64(head + 1, to - from);
	put_le32(head + 9, n);
	if (put(arg, head, sizeof head) < 0)
		return -1;
	for (unsigned k = 0; k < n; k++) {
		uint8_t len[4];
		const struct buf *b = k == 0 ? &s->rest : k == 1 ? &s->order : &s->bucket[k - 2];
		put_le32(len, (uint32_t)b->n);
		if (put(arg, len, 4) < 0)
			return -1;
	}
	for (unsigned k = 0; k < n; k++) {
		const struct buf *b = k == 0 ? &s->rest : k == 1 ? &s->order : &s->bucket[k - 2];
		/* (NULL, 0): a stream ends here; the compressor ends its block, so that each stream
		 * gets entropy tables of its own */
		if (b->n && (put(arg, b->p, b->n) < 0 || put(arg, NULL, 0) < 0))
			return -1;
	}
	return 0;
}

/* The pages of plain[from..to) the encoder is done with go back (a file mapping: they are the
 * page cache's, read again if needed), so the sealer's memory stays flat however big the trace. */
static void release(const uint8_t *plain, size_t from, size_t to)
{
	uintptr_t a = ((uintptr_t)(plain + from) + 4095) & ~(uintptr_t)4095;
	uintptr_t b = (uintptr_t)(plain + to) & ~(uintptr_t)4095;
	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

static int emit_raw(const uint8_t *p, size_t n, split_put_fn put, void *arg)
{
	while (n > 0) {
		size_t k = n < SPLIT_SEGMENT ? n : SPLIT_SEGMENT;
		uint8_t head[9];
		head[0] = SPLIT_RAW;
		put_le64(head + 1, k);
		if (put(arg, head, sizeof head) < 0 || put(arg, p, k) < 0)
			return -1;
		release(p, 0, k);
		p += k;
		n -= k;
	}
	return 0;
}

int split_encode(const uint8_t *plain, size_t len, split_put_fn put, void *arg)
{
	if (len < TRACE_PREFIX_SIZE || memcmp(plain, TRACE_FILE_MAGIC, 8) != 0)
		return emit_raw(plain, len, put, arg);
	size_t pos = TRACE_PREFIX_SIZE;
	size_t seg_start = 0;
	while (seg_start < len) {
		struct segment s = { .plain = plain, .rest_from = seg_start };
		int rc = 0;
		/* whole frames, until the segment is big enough; a frame that does not check out ends
		 * the parsing: the rest of the file goes in as rest bytes */
		while (pos < len && pos - seg_start < SPLIT_SEGMENT) {
			if (len - pos < TRACE_FRAME_HEAD_SIZE || le32(plain + pos) != TRACE_FRAME_MAGIC) {
				pos = len;
				break;
			}
			uint32_t kind = le32(plain + pos + 4), reserved = le32(plain + pos + 8);
			uint32_t used = (uint32_t)le64(plain + pos + 16);
			size_t size = ((size_t)TRACE_FRAME_HEAD_SIZE + reserved + 7) & ~(size_t)7;
			if (size > len - pos) {
				pos = len;
				break;
			}
			if (kind == TRACE_FRAME_CHUNK && used <= reserved &&
			    seg_chunk(&s, pos + TRACE_FRAME_HEAD_SIZE, used) < 0)
				rc = -1;
			pos += size;
			if (rc)
				break;
		}
		if (rc == 0)
			rc = seg_emit(&s, seg_start, pos, put, arg);
		seg_free(&s);
		if (rc < 0)
			return -1;
		release(plain, seg_start, pos);
		seg_start = pos;
	}
	return 0;
}

/* ---- decoding ----------------------------------------------------------------------------- */

void unsplit_init(struct unsplit *u, int fd, uint64_t limit)
{
	memset(u, 0, sizeof *u);
	u->fd = fd;
	u->limit = limit;
}

void unsplit_free(struct unsplit *u)
{
	free(u->buf);
	u->buf = NULL;
}

static int write_out(struct unsplit *u, const uint8_t *p, size_t n, char *why, size_t wn)
{
	if (tool_write_all(u->fd, p, n) < 0) {
		snprintf(why, wn, "cannot write the unsealed copy: %s", strerror(errno));
		return -2;
	}
	return 0;
}

#define DAMAGED(what) (snprintf(why, wn, "it is damaged (%s)", what), -1)

/* One split segment whose every byte is in s[0..size): its plain bytes out.  plain_len was
 * checked against the limit. */
static int put_back(struct unsplit *u, const uint8_t *s, size_t size, uint64_t plain_len,
		    uint32_t n, char *why, size_t wn)
{
	const uint8_t *lens = s + 13, *data = lens + 4 * (size_t)n;
	const uint8_t *start[MAX_BUCKETS + 2];
	size_t len[MAX_BUCKETS + 2], at[MAX_BUCKETS + 2];
	uint64_t sum = 0;
	for (uint32_t k = 0; k < n; k++) {
		len[k] = le32(lens + 4 * k);
		start[k] = data;
		at[k] = 0;
		data += len[k];
		if (k != 1)
			sum += len[k];
	}
	if (sum != plain_len)
		return DAMAGED("a segment's streams do not add up");
	uint8_t *out = malloc(plain_len ? (size_t)plain_len : 1);
	if (!out) {
		snprintf(why, wn, "out of memory");
		return -2;
	}
	size_t o = 0;
	int rc = -1;
	for (;;) {
		uint64_t r, b;
		if (get_varint(start[1], len[1], &at[1], &r) < 0 ||
		    get_varint(start[1], len[1], &at[1], &b) < 0) {
			rc = DAMAGED("a segment's order stream is cut");
			goto out;
		}
		if (r > len[0] - at[0]) {
			rc = DAMAGED("a segment's order runs past its bytes");
			goto out;
		}
		memcpy(out + o, start[0] + at[0], (size_t)r);
		o += (size_t)r;
		at[0] += (size_t)r;
		if (b == 0)
			break;
		if (b + 1 >= n) {
			rc = DAMAGED("a segment names a stream it does not have");
			goto out;
		}
		size_t k = (size_t)b + 1, i = at[k] + 1;
		uint64_t body;
		if (at[k] >= len[k] || start[k][at[k]] != EVENTS_TAG ||
		    get_varint(start[k], len[k], &i, &body) < 0 || body > len[k] - i) {
			rc = DAMAGED("an event record in a segment is cut");
			goto out;
		}
		size_t rec = i + (size_t)body - at[k];
		memcpy(out + o, start[k] + at[k], rec);
		o += rec;
		at[k] += rec;
	}
	for (uint32_t k = 0; k < n; k++)
		if (at[k] != len[k]) {
			rc = DAMAGED("a segment has bytes left over");
			goto out;
		}
	rc = write_out(u, out, o, why, wn);
	u->written += o;
out:
	free(out);
	(void)size;
	return rc;
}

/* Use whole segments at the start of u->buf; keep what is left for more bytes to come. */
static int drain(struct unsplit *u, char *why, size_t wn)
{
	size_t pos = 0;
	int rc = 0;
	while (rc == 0 && u->have - pos >= 9) {
		const uint8_t *s = u->buf + pos;
		uint64_t n64 = le64(s + 1);
		if (n64 > u->limit - u->written) {
			rc = DAMAGED("longer than its head says");
			break;
		}
		if (s[0] == SPLIT_RAW) {
			if (u->have - pos - 9 < n64)
				break;
			rc = write_out(u, s + 9, (size_t)n64, why, wn);
			u->written += n64;
			pos += 9 + (size_t)n64;
			continue;
		}
		if (s[0] != SPLIT_SPLIT) {
			rc = DAMAGED("an unknown segment");
			break;
		}
		if (u->have - pos < 13)
			break;
		uint32_t n = le32(s + 9);
		if (n < 2 || n > MAX_BUCKETS + 2) {
			rc = DAMAGED("a segment with a bad number of streams");
			break;
		}
		if (u->have - pos < 13 + 4 * (size_t)n)
			break;
		uint64_t size = 13 + 4 * (uint64_t)n;
		for (uint32_t k = 0; k < n; k++)
			size += le32(s + 13 + 4 * k);
		if (size - 13 - 4 * (uint64_t)n > 2 * n64 + 64 + 20 * n64 / 8) {
			rc = DAMAGED("a segment's streams are too long");
			break;
		}
		if (u->have - pos < size)
			break;
		rc = put_back(u, s, (size_t)size, n64, n, why, wn);
		pos += (size_t)size;
	}
	if (pos) {
		memmove(u->buf, u->buf + pos, u->have - pos);
		u->have -= pos;
	}
	return rc;
}

int unsplit_feed(struct unsplit *u, const uint8_t *p, size_t n, char *why, size_t wn)
{
	if (n == 0)
		return 0;
	if (u->have + n > u->cap) {
		size_t cap = u->cap ? u->cap : 1u << 16;
		while (cap < u->have + n)
			cap *= 2;
		uint8_t *q = realloc(u->buf, cap);
		if (!q) {
			snprintf(why, wn, "out of memory");
			return -2;
		}
		u->buf = q;
		u->cap = cap;
	}
	memcpy(u->buf + u->have, p, n);
	u->have += n;
	/* a segment is used once it is all here: most feeds only add to it */
	return drain(u, why, wn);
}

int unsplit_end(struct unsplit *u, char *why, size_t wn)
{
	if (u->have != 0)
		return DAMAGED("it ends inside a segment");
	return 0;
}
