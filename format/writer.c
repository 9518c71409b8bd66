/* writer.c — appends a trace through a shared file mapping, crash-consistently.
 *
 * Events go straight into a MAP_SHARED mapping of the trace file, so they are in the page cache
 * the moment they are written: a SIGKILL or a segfault loses nothing that was committed.  Each
 * thread appends to its own chunk without locking; a chunk's commit word (length and CRC of all
 * it holds) is stored last, in one aligned 8-byte store, after every event.  Runs inside the
 * recorded process: no malloc, no stdio, and errno is left as it was found.
 *
 * Memory stays flat however long the recording runs: a chunk its thread is done with is let go
 * of (writer_release), so the process keeps mapped only the chunks being written.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <nmmintrin.h>

#include "trace.h"
#include "wire.h"

#define RT_WRITER_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)
#define TRAILER_ROOM 1024u
/* Every SWEEP_STEP bytes of trace, the writer gives back everything but the last SWEEP_KEEP
 * (writer_reserve). */
#define SWEEP_STEP (4u << 20)
#define SWEEP_KEEP (1u << 20)

static void writer_lock(struct trace_writer *w)
{
	/* Contended only when two threads open a chunk at once: a spin with yields is enough. */
	while (__atomic_exchange_n(&w->lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void writer_unlock(struct trace_writer *w)
{
	__atomic_store_n(&w->lock, 0, __ATOMIC_RELEASE);
}

/* Give back the pages of file bytes [lo, hi), which the writer will not touch again: they are
 * unmapped from the process (MADV_DONTNEED).  Called per finished chunk, never per event.
 *
 * Nothing committed is lost by it: on a MAP_SHARED file mapping MADV_DONTNEED only drops the
 * page table entries; the kernel carries a dirty entry's state over to the page, which stays in
 * the page cache and reaches the file as any written page does (a SIGKILL right after loses
 * nothing), and a later touch of the same bytes maps the same page again.  So the range is
 * rounded out to whole pages although the first and last may hold bytes of neighbouring frames
 * (the header, another thread's open chunk, this thread's next one): their writer's next store
 * there takes one minor fault and lands in the same page (the kernel flushes the TLB before it
 * forgets a dirty shared page's mapping, Linux 6.1's "delay page_remove_rmap()", so no store
 * through a stale entry escapes the dirty bit).  Without the rounding those shared pages, one a
 * chunk, would stay mapped.  A write fault maps its own page only, or, for a large folio of 2 MiB
 * (ext4 makes them), the whole folio by one PMD, which releasing any page of it unmaps: so unlike
 * the reader's (reader.c, reader_release_chunk) the range needs no window around it.  (Windows of
 * 2 MiB cost the clock loop 3% in re-faults, and missed the pages that come back far behind the
 * chunks being written, which the sweep in writer_reserve catches.)
 *
 * The page cache is left to the kernel.  The released pages are dirty page cache until its
 * writeback (after 30 s, or sooner past its dirty thresholds, on cgroup v2 a share of the
 * cgroup's memory): a container's limit counts them, but the kernel writes them out and drops
 * them as its reclaim needs, and throttles a process that dirties pages faster than that.
 * Writing them out here (sync_file_range) would make them clean sooner, but does the file
 * system's writeback work in the recording thread: +9% on the 5-million-event clock loop.
 * Evicting them (POSIX_FADV_DONTNEED) would also write them out first, and the replay that often
 * follows a recording reads them back.  Best effort: an error changes nothing in the trace. */
static void writer_release(const struct trace_writer *w, size_t lo, size_t hi)
{
	size_t page = (size_t)getpagesize();
	size_t out_lo = lo & ~(page - 1), out_hi = (hi + page - 1) & ~(page - 1);
	if (out_hi > w->mapped)
		out_hi = w->mapped;
	if (out_lo < out_hi)
		madvise(w->map + out_lo, out_hi - out_lo, MADV_DONTNEED);
}

/* The bytes of c's frame, head included, in the file. */
static void chunk_release(const struct trace_writer *w, const struct trace_chunk *c)
{
	size_t at = (size_t)(c->head - w->map);
	writer_release(w, at, at + TRACE_FRAME_HEAD_SIZE + c->cap);
}

static int writer_fail(struct trace_writer *w, enum trace_status code, int err, const char *what)
{
	w->failed = 1;
	w->error.code = code;
	w->error.offset = w->end;
	/* snprintf does not allocate for these formats; strerror_r would, so use the name table */
	snprintf(w->error.msg, sizeof w->error.msg, "%s: %s", what, strerrordesc_np(err));
	return -1;
}

/* Make the file at least `need` bytes long, allocated on disk and mapped.  Blocks are allocated
 * now (posix_fallocate) rather than on first touch: a full disk must be an error here, not a
 * SIGBUS in the middle of the program. */
static int writer_grow(struct trace_writer *w, size_t need)
{
	size_t step = w->mapped < w->grow_step ? w->grow_step : w->mapped;
	if (step > 64u << 20)
		step = 64u << 20;
	size_t target = w->mapped + step;
	while (target < need)
		target += step;
	if (target > w->map_reserve)
		return writer_fail(w, TRACE_E_FULL, EFBIG, "trace larger than the space reserved for it");
	int err = posix_fallocate(w->fd, (off_t)w->mapped, (off_t)(target - w->mapped));
	if (err)
		return writer_fail(w, TRACE_E_FULL, err, "cannot grow the trace file");
	void *p = mmap(w->map + w->mapped, target - w->mapped, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED, w->fd, (off_t)w->mapped);
	if (p == MAP_FAILED)
		return writer_fail(w, TRACE_E_IO, errno, "cannot map the trace file");
	w->mapped = target;
	return 0;
}

/* Reserve a frame with `payload` bytes and write its head (commit 0: nothing in it yet).  Under
 * the lock, so frames appear in the file in reservation order with no gap: if the process dies
 * here, only the very last frame can be incomplete. */
static uint8_t *writer_reserve(struct trace_writer *w, uint32_t kind, size_t payload)
{
	size_t size = ALIGN8(TRACE_FRAME_HEAD_SIZE + payload);
	uint8_t *head = NULL;
	writer_lock(w);
	/* Every frame but the trailer leaves room for one: when the disk fills up, the trailer can
	 * still say so, and replay can tell "recording stopped" from "process killed".  Under the
	 * lock: another thread's frame may have moved the end since this one asked. */
	size_t need = w->end + size + (kind == TRACE_FRAME_TRAILER ? 0 : TRAILER_ROOM);
	size_t sweep_lo = 0, sweep_hi = 0;
	if ((!w->failed || kind == TRACE_FRAME_TRAILER) &&
	    (need <= w->mapped || (!w->failed && writer_grow(w, need) == 0))) {
		head = w->map + w->end;
		uint32_t h[4] = { TRACE_FRAME_MAGIC, kind, (uint32_t)(size - TRACE_FRAME_HEAD_SIZE), 0 };
		memcpy(head, h, sizeof h);
		w->end += size;
		if (w->end - w->swept >= SWEEP_STEP) {
			sweep_lo = w->swept;
			sweep_hi = w->swept = w->end - SWEEP_KEEP;
		}
	}
	writer_unlock(w);
	/* Each thread gives back its own chunks (chunk_open), but on ext4, which keeps a file's
	 * page cache in large folios, the kernel maps pages behind them again now and then (a few
	 * pages in every 64 KiB, far behind the chunks being written; not on tmpfs).  So the whole
	 * file behind the last MiB is given back too, every few MiB: what a thread still writes
	 * there (a chunk it opened long ago) comes back at its next store, a minor fault. */
	if (sweep_hi)
		writer_release(w, sweep_lo, sweep_hi & ~(size_t)(getpagesize() - 1));
	return head;
}

/* trace_crc32c for the few bytes of one small event, inlined into the hot path.  The tail is
 * taken 4, 2 and 1 bytes at a time (the instruction reads its operand's bytes in memory order,
 * so this is the byte-wise CRC): a clock event is 7 bytes, and each crc32 waits for the one
 * before it. */
static inline uint32_t crc32c_small(uint32_t crc, const uint8_t *p, size_t n)
{
	uint64_t c = (uint32_t)~crc;
	for (; n >= 8; n -= 8, p += 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
	}
	uint32_t c32 = (uint32_t)c;
	if (n & 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		c32 = _mm_crc32_u32(c32, v);
		p += 4;
	}
	if (n & 2) {
		uint16_t v;
		memcpy(&v, p, 2);
		c32 = _mm_crc32_u16(c32, v);
		p += 2;
	}
	if (n & 1)
		c32 = _mm_crc32_u8(c32, *p);
	return ~c32;
}

static inline void frame_commit(uint8_t *head, uint32_t used, uint32_t crc)
{
	/* Payload stores must not move after this: on x86 stores are not reordered with each
	 * other, so a compiler barrier (the release) is all it takes. */
	__atomic_store_n((uint64_t *)(head + 16), (uint64_t)crc << 32 | used, __ATOMIC_RELEASE);
}

int trace_writer_open(struct trace_writer *w, int fd, void *map_at, size_t map_reserve,
		      size_t grow_step)
{
	int saved = errno;
	memset(w, 0, sizeof *w);
	w->fd = fd;
	w->map_reserve = map_reserve;
	w->grow_step = grow_step < 65536 ? 65536 : grow_step;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	if (map_at)
		flags |= MAP_FIXED_NOREPLACE;
	void *p = mmap(map_at, map_reserve, PROT_NONE, flags, -1, 0);
	if (p == MAP_FAILED || (map_at && p != map_at)) {
		writer_fail(w, TRACE_E_IO, p == MAP_FAILED ? errno : EEXIST,
			    "cannot reserve address space for the trace");
		errno = saved;
		return -1;
	}
	w->map = p;
	if (writer_grow(w, TRACE_PREFIX_SIZE) < 0) {
		errno = saved;
		return -1;
	}
	memcpy(w->map, TRACE_FILE_MAGIC, 8);
	uint32_t v[2] = { TRACE_FORMAT_VERSION, 0 };
	memcpy(w->map + 8, v, sizeof v);
	w->end = TRACE_PREFIX_SIZE;
	errno = saved;
	return 0;
}

static int writer_put_message(struct trace_writer *w, uint32_t kind, const ProtobufCMessage *m)
{
	int saved = errno;
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *head = writer_reserve(w, kind, n);
	if (!head) {
		errno = saved;
		return -1;
	}
	protobuf_c_message_pack(m, head + TRACE_FRAME_HEAD_SIZE);
	uint32_t crc = trace_crc32c(trace_crc32c(0, head, TRACE_FRAME_CRC_HEAD), head + TRACE_FRAME_HEAD_SIZE, n);
	frame_commit(head, (uint32_t)n, crc);
	/* written once: a header of a large environment is several pages */
	size_t at = (size_t)(head - w->map);
	writer_release(w, at, at + TRACE_FRAME_HEAD_SIZE + *(uint32_t *)(head + 8));
	errno = saved;
	return 0;
}

int trace_writer_put_header(struct trace_writer *w, const Retrace__Header *h)
{
	return writer_put_message(w, TRACE_FRAME_HEADER, &h->base);
}

void trace_writer_trim_chunk(struct trace_writer *w, struct trace_chunk *c)
{
	writer_lock(w);
	if (c->head && c->head + TRACE_FRAME_HEAD_SIZE + c->cap == w->map + w->end) {
		uint32_t keep = (uint32_t)ALIGN8(c->used);
		__atomic_store_n((uint32_t *)(c->head + 8), keep, __ATOMIC_RELEASE);
		c->cap = keep;
		w->end = (size_t)(c->head - w->map) + TRACE_FRAME_HEAD_SIZE + keep;
	}
	writer_unlock(w);
}

void trace_writer_release_chunk(struct trace_writer *w, struct trace_chunk *c)
{
	int saved = errno;
	if (c->head)
		chunk_release(w, c);
	errno = saved;
}

int trace_writer_put_trailer(struct trace_writer *w, const Retrace__Trailer *t)
{
	int saved = errno;
	int r = writer_put_message(w, TRACE_FRAME_TRAILER, &t->base);
	writer_lock(w);
	if (r == 0) {
		/* Nothing may follow a trailer: later chunk reservations fail quietly. */
		w->failed = 1;
		w->error.code = TRACE_OK;
		/* Give back the preallocated tail; nothing maps into it again. */
		if (ftruncate(w->fd, (off_t)w->end) < 0) {
			/* harmless: the reader stops at the first all-zero head */
		}
	}
	writer_unlock(w);
	errno = saved;
	return r;
}

size_t trace_writer_size(const struct trace_writer *w)
{
	return w->end;
}

/* Event.location as stored after an event at `prev` (retrace.proto): 0 = unchanged. */
static inline uint32_t stored_location(uint32_t location, uint32_t prev)
{
	return location == prev ? 0 : location ? location : TRACE_LOCATION_NONE;
}

/* The fields of one event, except the byte fields, into buf.  Returns the length. */
static inline size_t encode_event_fields(uint8_t *buf, const struct trace_event *ev, uint64_t seq_gap,
					 int64_t stored_value)
{
	size_t n = 0;
	if (ev->call) {
		buf[n++] = WIRE_TAG(EVENT_CALL, WIRE_VARINT);
		n += wire_put_varint(buf + n, ev->call);
	}
	if (seq_gap) {
		buf[n++] = WIRE_TAG(EVENT_SEQ_GAP, WIRE_VARINT);
		n += wire_put_varint(buf + n, seq_gap);
	}
	const int64_t sints[4] = { ev->arg0, ev->arg1, ev->arg2, ev->result };
	for (int i = 0; i < 4; i++) {
		if (sints[i]) {
			buf[n++] = WIRE_TAG(EVENT_ARG0 + i, WIRE_VARINT);
			n += wire_put_varint(buf + n, wire_zigzag(sints[i]));
		}
	}
	if (ev->err) {
		/* int32: protobuf sign-extends negative values to 64 bits */
		buf[n++] = WIRE_TAG(EVENT_ERR, WIRE_VARINT);
		n += wire_put_varint(buf + n, (uint64_t)(int64_t)ev->err);
	}
	if (stored_value) {
		buf[n++] = WIRE_TAG(EVENT_VALUE, WIRE_VARINT);
		n += wire_put_varint(buf + n, wire_zigzag(stored_value));
	}
	return n;
}

/* Event.location, the last field: protobuf's canonical order is by field number, after the
 * byte fields. */
static inline uint8_t *put_location(uint8_t *p, uint32_t stored_loc)
{
	if (stored_loc) {
		*p++ = WIRE_TAG(EVENT_LOCATION, WIRE_VARINT);
		p += wire_put_varint(p, stored_loc);
	}
	return p;
}

static inline uint32_t chunk_next_size(struct trace_chunk *c, uint32_t chunk_size)
{
	uint32_t size = c->next_size ? c->next_size : 4096;
	if (size > chunk_size)
		size = chunk_size;
	c->next_size = size < chunk_size / 2 ? size * 2 : chunk_size;
	return size;
}

/* A bytes field: tag, varint length, the bytes; nothing when empty (proto3). */
static inline size_t blob_size(uint32_t len)
{
	return len ? 1 + wire_varint_size(len) + len : 0;
}

static uint8_t *put_blob(uint8_t *p, uint32_t field, const uint8_t *bytes, uint32_t len)
{
	if (!len)
		return p;
	*p++ = (uint8_t)WIRE_TAG(field, WIRE_LEN);
	p += wire_put_varint(p, len);
	memcpy(p, bytes, len);
	return p + len;
}

/* Open a new chunk for c's thread starting at sequence number seq. */
static int chunk_open(struct trace_writer *w, struct trace_chunk *c, uint32_t payload, uint64_t seq)
{
	/* The thread is done with its previous chunk.  Released before the new one is faulted in,
	 * which may share its last page. */
	if (c->head)
		chunk_release(w, c);
	uint8_t *head = writer_reserve(w, TRACE_FRAME_CHUNK, payload);
	if (!head)
		return -1;
	/* One call to fault the chunk's pages in, instead of a page fault every 4 KiB on the hot
	 * path.  Best effort: kernels before 5.14 do not know it, and that is fine. */
	uintptr_t lo = (uintptr_t)head & ~(uintptr_t)4095;
	uintptr_t hi = ((uintptr_t)head + TRACE_FRAME_HEAD_SIZE + payload + 4095) & ~(uintptr_t)4095;
	madvise((void *)lo, hi - lo, 23 /* MADV_POPULATE_WRITE */);
	c->head = head;
	c->payload = head + TRACE_FRAME_HEAD_SIZE;
	c->cap = *(uint32_t *)(head + 8);
	c->first_seq = seq;
	c->last_seq = seq - 1;
	memset(&c->values, 0, sizeof c->values);
	size_t n = 0;
	c->payload[n++] = WIRE_TAG(CHUNK_TID, WIRE_VARINT);
	n += wire_put_varint(c->payload + n, c->tid);
	c->payload[n++] = WIRE_TAG(CHUNK_FIRST_SEQ, WIRE_VARINT);
	n += wire_put_varint(c->payload + n, seq);
	c->used = (uint32_t)n;
	c->crc = trace_crc32c(trace_crc32c(0, head, TRACE_FRAME_CRC_HEAD), c->payload, n);
	frame_commit(head, c->used, c->crc);
	return 0;
}

int trace_writer_append(struct trace_writer *w, struct trace_chunk *c, uint32_t chunk_size,
			const struct trace_event *ev)
{
	/* Fields other than the byte fields take at most 1 + 10 bytes each, 10 of them. */
	enum { FIELDS_MAX = 10 * (1 + WIRE_VARINT_MAX), CHUNK_PREFIX_MAX = 2 * (1 + WIRE_VARINT_MAX) };
	size_t blobs = blob_size(ev->data_len) + blob_size(ev->hash_len) + blob_size(ev->aux_len) +
		       blob_size(ev->control_len);
	size_t worst = 1 + WIRE_VARINT_MAX + FIELDS_MAX + blobs;

	if (!c->head || c->used + worst > c->cap || ev->seq <= c->last_seq) {
		if (w->failed)
			return -1;
		size_t payload = worst + CHUNK_PREFIX_MAX;
		size_t want = chunk_next_size(c, chunk_size);
		if (payload < want)
			payload = want;
		if (payload > UINT32_MAX - 64) {
			int saved = errno;
			writer_fail(w, TRACE_E_FULL, EFBIG, "event too large for a trace chunk");
			errno = saved;
			return -1;
		}
		int saved = errno;
		int r = chunk_open(w, c, (uint32_t)payload, ev->seq);
		errno = saved;
		if (r < 0)
			return -1;
	}

	int64_t stored = ev->value;
	int slot = trace_value_slot(ev->call, ev->arg0);
	if (slot >= 0) {
		stored = (int64_t)((uint64_t)ev->value - (uint64_t)c->values.last[slot]);
		c->values.last[slot] = ev->value;
	}
	uint32_t loc = stored_location(ev->location, c->values.location);
	c->values.location = ev->location;
	uint64_t gap = ev->seq - c->last_seq - 1;
	uint8_t *start = c->payload + c->used, *p;
	if (!blobs) {
		/* The common case, a clock or an id: the fields are under 128 bytes, so the length
		 * is one byte and everything is written in place. */
		size_t nf = encode_event_fields(start + 2, ev, gap, stored);
		p = put_location(start + 2 + nf, loc);
		start[0] = WIRE_TAG(CHUNK_EVENTS, WIRE_LEN);
		start[1] = (uint8_t)(p - start - 2);
	} else {
		uint8_t fields[FIELDS_MAX];
		size_t nf = encode_event_fields(fields, ev, gap, stored);
		p = start;
		size_t nloc = loc ? 1 + wire_varint_size(loc) : 0;
		*p++ = WIRE_TAG(CHUNK_EVENTS, WIRE_LEN);
		p += wire_put_varint(p, nf + blobs + nloc);
		memcpy(p, fields, nf);
		p += nf;
		p = put_blob(p, EVENT_DATA, ev->data, ev->data_len);
		p = put_blob(p, EVENT_HASH, ev->hash, ev->hash_len);
		p = put_blob(p, EVENT_AUX, ev->aux, ev->aux_len);
		p = put_blob(p, EVENT_CONTROL, ev->control, ev->control_len);
		p = put_location(p, loc);
	}
	size_t n = (size_t)(p - start);
	c->crc = blobs ? trace_crc32c(c->crc, start, n) : crc32c_small(c->crc, start, n);
	c->used += (uint32_t)n;
	c->last_seq = ev->seq;
	frame_commit(c->head, c->used, c->crc);
	return 0;
}

int trace_writer_append_value(struct trace_writer *w, struct trace_chunk *c, uint32_t chunk_size,
			      uint64_t seq, uint32_t call, int64_t arg0, int64_t result, int64_t value,
			      uint32_t location)
{
	/* tag+len, then call, gap, arg0, result, value, location at 1 + 10 bytes each at most */
	enum { WORST = 2 + 6 * (1 + WIRE_VARINT_MAX) };
	if (RT_WRITER_UNLIKELY(!c->head || c->used + WORST > c->cap || seq <= c->last_seq)) {
		struct trace_event ev = { .call = call, .seq = seq, .arg0 = arg0, .result = result,
					  .value = value, .location = location };
		return trace_writer_append(w, c, chunk_size, &ev);
	}
	int64_t stored = value;
	int slot = trace_value_slot(call, arg0);
	if (slot >= 0) {
		stored = (int64_t)((uint64_t)value - (uint64_t)c->values.last[slot]);
		c->values.last[slot] = value;
	}
	uint8_t *start = c->payload + c->used, *p = start + 2;
	*p++ = WIRE_TAG(EVENT_CALL, WIRE_VARINT);
	p += wire_put_varint(p, call);
	if (seq != c->last_seq + 1) {
		*p++ = WIRE_TAG(EVENT_SEQ_GAP, WIRE_VARINT);
		p += wire_put_varint(p, seq - c->last_seq - 1);
	}
	if (arg0) {
		*p++ = WIRE_TAG(EVENT_ARG0, WIRE_VARINT);
		p += wire_put_varint(p, wire_zigzag(arg0));
	}
	if (result) {
		*p++ = WIRE_TAG(EVENT_RESULT, WIRE_VARINT);
		p += wire_put_varint(p, wire_zigzag(result));
	}
	if (stored) {
		*p++ = WIRE_TAG(EVENT_VALUE, WIRE_VARINT);
		p += wire_put_varint(p, wire_zigzag(stored));
	}
	if (RT_WRITER_UNLIKELY(location != c->values.location)) {
		p = put_location(p, stored_location(location, c->values.location));
		c->values.location = location;
	}
	start[0] = WIRE_TAG(CHUNK_EVENTS, WIRE_LEN);
	start[1] = (uint8_t)(p - start - 2);
	size_t n = (size_t)(p - start);
	c->crc = crc32c_small(c->crc, start, n);
	c->used += (uint32_t)n;
	c->last_seq = seq;
	frame_commit(c->head, c->used, c->crc);
	return 0;
}
