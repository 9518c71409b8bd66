/* reader.c — the strict trace reader: trusts no byte of the file.
 *
 * Opening checks the prefix, every frame head, every commit CRC and the header; chunk events
 * are decoded as a cursor reaches them, with every length and varint bounds-checked, so a
 * corrupt, truncated or hostile file gives an error with an offset, never a crash.  Also used
 * inside the replayed process, so memory comes only from the allocator the caller passes.
 *
 * Reading a file mapping, it gives back the pages it has read (reader_release): the open's pass
 * over the whole file every RELEASE_STEP bytes, a cursor the chunks it has left.  So a process
 * replaying a trace keeps mapped only the chunks its threads are in, not the trace.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace.h"
#include "wire.h"

static int reader_error(struct trace_error *err, enum trace_status code, uint64_t offset,
			const char *fmt, ...)
{
	if (err) {
		err->code = code;
		err->offset = offset;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* NULL means malloc, as it does for protobuf-c's unpack functions. */
static void *reader_alloc(ProtobufCAllocator *a, size_t n)
{
	return a ? a->alloc(a->allocator_data, n) : malloc(n);
}

static void reader_free(ProtobufCAllocator *a, void *p)
{
	if (!p)
		return;
	if (a)
		a->free(a->allocator_data, p);
	else
		free(p);
}

/* The open's pass gives back what it has read every this many bytes. */
#define RELEASE_STEP (1u << 20)

/* Give back the pages of r's data[lo, hi), rounded out to whole pages, when r reads a read-only
 * private file mapping (trace_reader_open_mapped): MADV_DONTNEED unmaps them, and as nothing
 * ever wrote to them, a later touch maps the file's bytes again from the page cache (or the
 * disk) — the same bytes, so an event's pointers into data stay good, and releasing is always
 * safe, at worst a minor fault to undo.  Not for other memory, which it would zero.  A truncated
 * file faults (SIGBUS) past its new end whether or not its pages were released, as mapped pages
 * of a truncated file are unmapped by the kernel too. */
static void reader_release(const struct trace_reader *r, uint64_t lo, uint64_t hi)
{
	if (!r->release)
		return;
	uint64_t page = (uint64_t)getpagesize();
	lo &= ~(page - 1);
	hi = (hi + page - 1) & ~(page - 1);
	uint64_t top = ((uint64_t)r->size + page - 1) & ~(page - 1);
	if (hi > top)
		hi = top;
	if (lo < hi)
		madvise((void *)(r->data + lo), (size_t)(hi - lo), MADV_DONTNEED);
}

/* A read fault maps not only its page but more of the page cache around it: the aligned window
 * of the kernel's fault_around_bytes (64 KiB unless tuned, aligned in addresses), or a large
 * folio whole, up to a PMD (2 MiB, aligned in the file), on a file system that makes them.  So
 * entering a chunk maps the frames around it again, which their readers may have released. */
#define FAULT_AROUND (64u << 10)
#define MAP_PIECE (2u << 20)

/* A cursor is done with a chunk and the events it gave out from it: give back its pages and the
 * windows around them its faults may have mapped, the neighbouring frames' pages included; a
 * cursor still in one of those takes a minor fault to map its page again. */
static void reader_release_chunk(const struct trace_reader *r, const struct trace_frame_ref *ref)
{
	if (!r->release)
		return;
	uint64_t lo = ref->offset - TRACE_FRAME_HEAD_SIZE, hi = ref->offset + ref->used;
	uintptr_t base = (uintptr_t)r->data;
	uintptr_t va_lo = (base + lo) & ~(uintptr_t)(FAULT_AROUND - 1);
	uintptr_t va_hi = (base + hi + FAULT_AROUND - 1) & ~(uintptr_t)(FAULT_AROUND - 1);
	uint64_t file_lo = lo & ~(uint64_t)(MAP_PIECE - 1);
	uint64_t file_hi = (hi + MAP_PIECE - 1) & ~(uint64_t)(MAP_PIECE - 1);
	uint64_t from = va_lo < base ? 0 : va_lo - base, to = va_hi - base;
	reader_release(r, from < file_lo ? from : file_lo, to > file_hi ? to : file_hi);
}

/* The open's pass is at offset off: give back what it read since *from, once that is a step. */
static void reader_pass(const struct trace_reader *r, uint64_t *from, uint64_t off)
{
	if (r->release && off - *from >= RELEASE_STEP) {
		uint64_t upto = off & ~((uint64_t)getpagesize() - 1); /* keep the page it is in */
		reader_release(r, *from, upto);
		*from = upto;
	}
}

struct frame_view {
	uint32_t kind, reserved, used, crc;
	uint64_t payload; /* offset */
	uint64_t next;    /* offset of the following head */
	int zeroed;       /* not valid because its commit word is zero over data */
};


static int is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* is_zero over data[off, end), giving back each step once checked: the space a killed recording
 * preallocated and never used, at the end of its file, can be 64 MiB. */
static int span_is_zero(const struct trace_reader *r, uint64_t off, uint64_t end)
{
	while (off < end) {
		uint64_t n = end - off < RELEASE_STEP ? end - off : RELEASE_STEP;
		if (!is_zero(r->data + off, (size_t)n))
			return 0;
		reader_release(r, off, off + n);
		off += n;
	}
	return 1;
}

/* 1: a well-formed committed frame at off; 0: not one. */
static int frame_check(const uint8_t *data, size_t size, uint64_t off, struct frame_view *f)
{
	if (off + TRACE_FRAME_HEAD_SIZE > size)
		return 0;
	const uint8_t *h = data + off;
	uint32_t w[4];
	uint64_t commit;
	memcpy(w, h, sizeof w);
	memcpy(&commit, h + 16, sizeof commit);
	if (w[0] != TRACE_FRAME_MAGIC || w[1] < TRACE_FRAME_HEADER || w[1] > TRACE_FRAME_TRAILER ||
	    w[3] != 0 || (w[2] & 7u))
		return 0;
	f->zeroed = 0;
	f->kind = w[1];
	f->reserved = w[2];
	f->used = (uint32_t)commit;
	f->crc = (uint32_t)(commit >> 32);
	f->payload = off + TRACE_FRAME_HEAD_SIZE;
	f->next = f->payload + f->reserved;
	if (f->used > f->reserved || f->next > size)
		return 0; /* trace.h: a frame that runs past the end of the file is torn */
	if (commit == 0) {
		/* Reserved, nothing committed yet: the writer reserves zeros (fresh file space) and
		 * commits before it writes any event.  A zero commit word over data is no frame the
		 * writer left, but damage (a zeroed word, a chunk copied over another). */
		const uint8_t *p = data + f->payload, *end = p + f->reserved;
		if (f->kind == TRACE_FRAME_CHUNK) {
			/* the chunk's tid and first_seq, stored just before its first commit */
			const uint8_t *q = p;
			uint64_t tag, v;
			for (uint32_t field = CHUNK_TID; field <= CHUNK_FIRST_SEQ; field++)
				if (wire_get_varint(&q, end, &tag) == 0 &&
				    tag == WIRE_TAG(field, WIRE_VARINT) && wire_get_varint(&q, end, &v) == 0)
					p = q;
				else
					break;
		}
		if (!is_zero(p, (size_t)(end - p))) {
			f->zeroed = 1;
			return 0;
		}
		return 1;
	}
	uint32_t crc = trace_crc32c(trace_crc32c(0, h, TRACE_FRAME_CRC_HEAD), data + f->payload,
				    f->used);
	return crc == f->crc;
}

/* After a bad frame at off: is there any valid frame further on?  Looked for at every 8-aligned
 * offset, because a damaged head's length cannot be trusted. */
static int valid_frame_after(const struct trace_reader *r, uint64_t off)
{
	const uint8_t *data = r->data;
	size_t size = r->size;
	struct frame_view f;
	uint64_t from = off;
	for (uint64_t o = off + 8; o + TRACE_FRAME_HEAD_SIZE <= size; o += 8) {
		uint32_t magic;
		memcpy(&magic, data + o, 4);
		if (magic == TRACE_FRAME_MAGIC && frame_check(data, size, o, &f) && f.used)
			return 1;
		reader_pass(r, &from, o);
	}
	return 0;
}

/* Parse a chunk's leading tid and first_seq; the rest must be events. */
static int chunk_prefix(const uint8_t *p, const uint8_t *end, struct trace_frame_ref *ref)
{
	int seen_tid = 0;
	while (p < end) {
		uint64_t tag, v;
		const uint8_t *field = p;
		if (wire_get_varint(&p, end, &tag) < 0)
			return -1;
		if (tag == WIRE_TAG(CHUNK_EVENTS, WIRE_LEN)) {
			p = field;
			break;
		}
		if (wire_get_varint(&p, end, &v) < 0)
			return -1;
		if (tag == WIRE_TAG(CHUNK_TID, WIRE_VARINT) && v <= UINT32_MAX) {
			ref->tid = (uint32_t)v;
			seen_tid = 1;
		} else if (tag == WIRE_TAG(CHUNK_FIRST_SEQ, WIRE_VARINT)) {
			ref->first_seq = v;
		} else {
			return -1;
		}
	}
	if (!seen_tid || ref->tid == 0)
		return -1;
	ref->events = p;
	ref->events_len = (uint32_t)(end - p);
	return 0;
}

/* Index of tid in r->tids, or r->ntids when it has no chunk. */
static size_t tid_index(const struct trace_reader *r, uint32_t tid)
{
	size_t lo = 0, hi = r->ntids;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->tids[mid] < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->ntids && r->tids[lo] == tid ? lo : r->ntids;
}

/* A thread's chunks are reserved one after the other, each for an event above all before it,
 * so their first_seqs rise in file order; and in a process that exited, some chunk holds
 * event #1.  Checked at open, by chunk heads only, so a chunk repeated, moved or lost at the
 * start is refused before replay begins, with any number of threads; the cursors check each
 * event. */
static int check_chunk_order(struct trace_reader *r, struct trace_error *err)
{
	uint64_t *prev = reader_alloc(r->alloc, (r->ntids ? r->ntids : 1) * sizeof *prev);
	if (!prev) {
		trace_reader_close(r);
		return reader_error(err, TRACE_E_NOMEM, 0, "out of memory");
	}
	memset(prev, 0, (r->ntids ? r->ntids : 1) * sizeof *prev);
	for (size_t i = 0; i < r->nchunks; i++) {
		const struct trace_frame_ref *ref = &r->chunks[i];
		size_t t = tid_index(r, ref->tid);
		if (ref->first_seq <= prev[t]) {
			/* copied out: closing frees r->chunks */
			uint64_t at = ref->offset - TRACE_FRAME_HEAD_SIZE, before = prev[t];
			uint64_t first = ref->first_seq;
			uint32_t tid = ref->tid;
			reader_free(r->alloc, prev);
			trace_reader_close(r);
			if (first == 0)
				return reader_error(err, TRACE_E_CORRUPT, at,
						    "damaged chunk at offset %llu: thread %u's events "
						    "start at #0, and events are numbered from 1",
						    (unsigned long long)at, tid);
			return reader_error(err, TRACE_E_CORRUPT, at,
					    "chunk at offset %llu is out of order: thread %u's events "
					    "start at #%llu there, not after #%llu where its previous "
					    "chunk starts (a chunk repeated or moved)",
					    (unsigned long long)at, tid,
					    (unsigned long long)first, (unsigned long long)before);
		}
		prev[t] = ref->first_seq;
	}
	reader_free(r->alloc, prev);
	uint64_t lowest = UINT64_MAX;
	size_t first = 0;
	for (size_t i = 0; i < r->nchunks; i++)
		if (r->chunks[i].first_seq < lowest) {
			lowest = r->chunks[i].first_seq;
			first = i;
		}
	/* a killed process may leave #1 to a thread that never wrote (trace.h) */
	if (r->nchunks && lowest != 1 && r->trailer) {
		uint64_t at = r->chunks[first].offset - TRACE_FRAME_HEAD_SIZE;
		trace_reader_close(r);
		return reader_error(err, TRACE_E_CORRUPT, at,
				    "events #1..#%llu are missing: the lowest-numbered chunk, at offset "
				    "%llu, starts at #%llu (a chunk dropped or damaged)",
				    (unsigned long long)(lowest - 1), (unsigned long long)at,
				    (unsigned long long)lowest);
	}
	return 0;
}

static int reader_open(struct trace_reader *r, const void *data, size_t size, int release,
		       ProtobufCAllocator *alloc, struct trace_error *err)
{
	memset(r, 0, sizeof *r);
	r->data = data;
	r->size = size;
	r->alloc = alloc;
	r->release = release && size > 0;
	const uint8_t *d = data;
	uint64_t from = 0; /* the pass gave back what lies before (reader_pass) */

	if (size == 0)
		return reader_error(err, TRACE_E_TRUNCATED, 0, "empty file (the recording never started)");
	if (memcmp(d, TRACE_FILE_MAGIC, size < 8 ? size : 8) != 0)
		return reader_error(err, TRACE_E_FOREIGN, 0, "not a retrace trace (no RETRACE signature)");
	if (size < TRACE_PREFIX_SIZE)
		return reader_error(err, TRACE_E_TRUNCATED, size, "truncated inside the file prefix");
	uint32_t version, zero;
	memcpy(&version, d + 8, 4);
	memcpy(&zero, d + 12, 4);
	if (version > TRACE_FORMAT_VERSION)
		return reader_error(err, TRACE_E_VERSION, 8,
				    "trace format version %u is newer than this retrace reads (%u); "
				    "replay it with a newer retrace", version, TRACE_FORMAT_VERSION);
	if (version == 0 || zero != 0)
		return reader_error(err, TRACE_E_CORRUPT, 8, "damaged file prefix");

	/* Count chunks first so one allocation holds them all. */
	size_t cap = 0;
	for (uint64_t off = TRACE_PREFIX_SIZE; off + TRACE_FRAME_HEAD_SIZE <= size;) {
		struct frame_view f;
		if (!frame_check(d, size, off, &f))
			break;
		cap += f.kind == TRACE_FRAME_CHUNK;
		if (f.next <= off)
			break;
		off = f.next;
		reader_pass(r, &from, off);
	}
	reader_release(r, from, size);
	from = 0;
	r->chunks = reader_alloc(alloc, (cap ? cap : 1) * sizeof *r->chunks);
	if (!r->chunks)
		return reader_error(err, TRACE_E_NOMEM, 0, "out of memory");

	uint64_t off = TRACE_PREFIX_SIZE;
	int nframes = 0;
	while (off + TRACE_FRAME_HEAD_SIZE <= size) {
		struct frame_view f;
		if (is_zero(d + off, TRACE_FRAME_HEAD_SIZE)) {
			/* Space the writer allocated and never used, or given back by a trimmed last
			 * chunk: zeros to the end.  A valid frame further on means a damaged length
			 * (a frame's `reserved` is outside the CRC) brought us here: corrupt. */
			if (!span_is_zero(r, off, size) && valid_frame_after(r, off)) {
				trace_reader_close(r);
				return reader_error(err, TRACE_E_CORRUPT, off,
						    "damaged frame length before offset %llu",
						    (unsigned long long)off);
			}
			break;
		}
		if (!frame_check(d, size, off, &f)) {
			if (r->trailer || valid_frame_after(r, off)) {
				trace_reader_close(r);
				if (f.zeroed)
					return reader_error(err, TRACE_E_CORRUPT, off,
							    "damaged frame at offset %llu: its commit word is "
							    "zero but it holds data, and committed frames "
							    "follow it", (unsigned long long)off);
				return reader_error(err, TRACE_E_CORRUPT, off,
						    "damaged frame at offset %llu",
						    (unsigned long long)off);
			}
			r->torn_offset = off;
			break;
		}
		if (r->trailer) {
			trace_reader_close(r);
			return reader_error(err, TRACE_E_CORRUPT, off, "data after the trailer at offset %llu",
					    (unsigned long long)off);
		}
		const uint8_t *payload = d + f.payload;
		if (nframes == 0) {
			if (f.kind != TRACE_FRAME_HEADER) {
				trace_reader_close(r);
				return reader_error(err, TRACE_E_CORRUPT, off, "the first frame is not a header");
			}
			if (f.used == 0) {
				trace_reader_close(r);
				return reader_error(err, TRACE_E_TRUNCATED, off,
						    "the header was never completed (the recording died at once)");
			}
			r->header = retrace__header__unpack(alloc, f.used, payload);
			if (!r->header) {
				trace_reader_close(r);
				return reader_error(err, TRACE_E_CORRUPT, f.payload, "undecodable header");
			}
			if (strcmp(r->header->magic, "retrace") != 0) {
				trace_reader_close(r);
				return reader_error(err, TRACE_E_FOREIGN, f.payload, "header is not a retrace header");
			}
			if (r->header->format_version > TRACE_FORMAT_VERSION) {
				uint32_t v = r->header->format_version;
				trace_reader_close(r);
				return reader_error(err, TRACE_E_VERSION, f.payload,
						    "trace format version %u is newer than this retrace reads (%u); "
						    "replay it with a newer retrace", v, TRACE_FORMAT_VERSION);
			}
		} else if (f.kind == TRACE_FRAME_HEADER) {
			trace_reader_close(r);
			return reader_error(err, TRACE_E_CORRUPT, off, "a second header at offset %llu",
					    (unsigned long long)off);
		} else if (f.kind == TRACE_FRAME_CHUNK) {
			if (f.used) {
				struct trace_frame_ref *ref = &r->chunks[r->nchunks];
				memset(ref, 0, sizeof *ref);
				ref->offset = f.payload;
				ref->kind = f.kind;
				ref->used = f.used;
				if (r->nchunks >= cap || chunk_prefix(payload, payload + f.used, ref) < 0) {
					trace_reader_close(r);
					return reader_error(err, TRACE_E_CORRUPT, f.payload,
							    "damaged chunk at offset %llu",
							    (unsigned long long)off);
				}
				r->nchunks++;
				r->events_upper += ref->events_len;
			}
		} else if (f.used) {
			r->trailer = retrace__trailer__unpack(alloc, f.used, payload);
			if (!r->trailer) {
				trace_reader_close(r);
				return reader_error(err, TRACE_E_CORRUPT, f.payload, "undecodable trailer");
			}
		}
		nframes++;
		off = f.next;
		reader_pass(r, &from, off);
	}
	/* A head cut short by the end of the file is a torn tail too (zeros are unused space). */
	if (!r->torn_offset && off < size && off + TRACE_FRAME_HEAD_SIZE > size &&
	    !is_zero(d + off, size - off))
		r->torn_offset = off;
	if (!r->header) {
		uint64_t at = r->torn_offset ? r->torn_offset : TRACE_PREFIX_SIZE;
		trace_reader_close(r);
		return reader_error(err, TRACE_E_TRUNCATED, at,
				    "the file ends before its header is complete");
	}

	/* Distinct thread ids, ascending (insertion sort: few threads). */
	r->tids = reader_alloc(alloc, (r->nchunks ? r->nchunks : 1) * sizeof *r->tids);
	if (!r->tids) {
		trace_reader_close(r);
		return reader_error(err, TRACE_E_NOMEM, 0, "out of memory");
	}
	for (size_t i = 0; i < r->nchunks; i++) {
		uint32_t t = r->chunks[i].tid;
		size_t j = 0;
		while (j < r->ntids && r->tids[j] < t)
			j++;
		if (j < r->ntids && r->tids[j] == t)
			continue;
		memmove(r->tids + j + 1, r->tids + j, (r->ntids - j) * sizeof *r->tids);
		r->tids[j] = t;
		r->ntids++;
	}
	/* The pass is over: nothing stays mapped in but what the cursors come to. */
	reader_release(r, 0, size);
	return check_chunk_order(r, err);
}

int trace_reader_open_mem(struct trace_reader *r, const void *data, size_t size,
			  ProtobufCAllocator *alloc, struct trace_error *err)
{
	return reader_open(r, data, size, 0, alloc, err);
}

int trace_reader_open_mapped(struct trace_reader *r, const void *data, size_t size,
			     ProtobufCAllocator *alloc, struct trace_error *err)
{
	return reader_open(r, data, size, 1, alloc, err);
}

int trace_reader_open_file(struct trace_reader *r, const char *path, ProtobufCAllocator *alloc,
			   struct trace_error *err)
{
	memset(r, 0, sizeof *r);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return reader_error(err, TRACE_E_IO, 0, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = errno;
		close(fd);
		return reader_error(err, TRACE_E_IO, 0, "%s",
				    S_ISREG(st.st_mode) ? strerror(e) : "not a regular file");
	}
	const void *data = "";
	if (st.st_size > 0) {
		data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (data == MAP_FAILED) {
			int e = errno;
			close(fd);
			return reader_error(err, TRACE_E_IO, 0, "cannot map: %s", strerror(e));
		}
	}
	close(fd);
	if (trace_reader_open_mapped(r, data, (size_t)st.st_size, alloc, err) < 0) {
		if (st.st_size > 0)
			munmap((void *)data, (size_t)st.st_size);
		return -1;
	}
	r->own_mapping = st.st_size > 0;
	return 0;
}

void trace_reader_close(struct trace_reader *r)
{
	if (r->header)
		retrace__header__free_unpacked(r->header, r->alloc);
	if (r->trailer)
		retrace__trailer__free_unpacked(r->trailer, r->alloc);
	reader_free(r->alloc, r->chunks);
	reader_free(r->alloc, r->tids);
	if (r->own_mapping)
		munmap((void *)r->data, r->size);
	memset(r, 0, sizeof *r);
}

/* ---- cursors ------------------------------------------------------------------------------ */

/* In a trace with one thread, the numbers missing from its events before this one: only a
 * thread it created and that died before writing its first event can have taken them, one
 * each (trace.h).  Off the hot path: reached only when a number is skipped. */
static int cursor_missing(struct trace_cursor *c, uint64_t first, uint64_t n, uint64_t at,
			  struct trace_error *err)
{
	if (n <= c->spare - c->missing) {
		c->missing += n;
		return 0;
	}
	return reader_error(err, TRACE_E_CORRUPT, at,
			    "events #%llu..#%llu are missing before offset %llu, in a trace with one "
			    "thread (a chunk dropped or damaged)", (unsigned long long)first,
			    (unsigned long long)(first + n - 1), (unsigned long long)at);
}

/* Moves to the thread's next chunk from c->chunk on: 1, 0 when there is none, -1 when it
 * starts below the numbers already read (a repeated or moved chunk). */
static int cursor_enter_chunk(struct trace_cursor *c, struct trace_error *err)
{
	const struct trace_reader *r = c->r;
	while (c->chunk < r->nchunks && r->chunks[c->chunk].tid != c->tid)
		c->chunk++;
	if (c->chunk >= r->nchunks)
		return 0;
	const struct trace_frame_ref *ref = &r->chunks[c->chunk];
	uint64_t at = ref->offset - TRACE_FRAME_HEAD_SIZE;
	if (ref->first_seq < c->next_seq)
		return reader_error(err, TRACE_E_CORRUPT, at,
				    "chunk at offset %llu is out of order: thread %u's events start "
				    "at #%llu there, after it reached #%llu (a chunk repeated or moved)",
				    (unsigned long long)at, c->tid, (unsigned long long)ref->first_seq,
				    (unsigned long long)(c->next_seq - 1));
	if (c->gapless && ref->first_seq != c->next_seq &&
	    cursor_missing(c, c->next_seq, ref->first_seq - c->next_seq, at, err) < 0)
		return -1;
	c->pos = ref->events;
	c->end = ref->events + ref->events_len;
	c->next_seq = ref->first_seq;
	memset(&c->values, 0, sizeof c->values);
	return 1;
}

int trace_cursor_init(struct trace_cursor *c, const struct trace_reader *r, uint32_t tid,
		      struct trace_error *err)
{
	memset(c, 0, sizeof *c);
	c->r = r;
	c->tid = tid;
	if (tid != 0) {
		/* with a trailer: a killed process may leave numbers to threads that never
		 * wrote (trace.h) */
		c->gapless = r->ntids == 1 && r->tids[0] == tid && r->trailer;
		c->next_seq = 1; /* record numbers events from 1 */
		/* The first chunk's order was checked at open (check_chunk_order); a first_seq of
		 * 0 is left for trace_cursor_next to report, as init has no error to give. */
		int in = cursor_enter_chunk(c, NULL);
		if (in <= 0) {
			c->bad_start = in < 0;
			c->pos = c->end = NULL;
		}
		return 0;
	}
	c->nsubs = r->ntids;
	if (!c->nsubs)
		return 0;
	c->subs = reader_alloc(r->alloc, c->nsubs * sizeof *c->subs);
	c->heads = reader_alloc(r->alloc, c->nsubs * sizeof *c->heads);
	c->has_head = reader_alloc(r->alloc, c->nsubs * sizeof *c->has_head);
	if (!c->subs || !c->heads || !c->has_head) {
		trace_cursor_free(c);
		return reader_error(err, TRACE_E_NOMEM, 0, "out of memory");
	}
	for (size_t i = 0; i < c->nsubs; i++) {
		trace_cursor_init(&c->subs[i], r, r->tids[i], err);
		c->has_head[i] = -2; /* not fetched yet */
	}
	return 0;
}

void trace_cursor_free(struct trace_cursor *c)
{
	if (c->r) {
		reader_free(c->r->alloc, c->subs);
		reader_free(c->r->alloc, c->heads);
		reader_free(c->r->alloc, c->has_head);
	}
	c->subs = NULL;
	c->heads = NULL;
	c->has_head = NULL;
}

static int decode_event(struct trace_cursor *c, struct trace_event *ev, struct trace_error *err)
{
	const struct trace_reader *r = c->r;
	const uint8_t *p = c->pos, *end = c->end;
	uint64_t at = (uint64_t)(p - r->data);
	uint64_t tag, len, v, gap = 0;
	int64_t stored = 0;
	uint32_t stored_loc = 0;

	if (wire_get_varint(&p, end, &tag) < 0 || tag != WIRE_TAG(CHUNK_EVENTS, WIRE_LEN) ||
	    wire_get_varint(&p, end, &len) < 0 || len > (uint64_t)(end - p))
		return reader_error(err, TRACE_E_CORRUPT, at, "damaged event at offset %llu",
				    (unsigned long long)at);
	const uint8_t *body_end = p + len;
	memset(ev, 0, sizeof *ev);
	while (p < body_end) {
		if (wire_get_varint(&p, body_end, &tag) < 0)
			goto bad;
		uint32_t field = (uint32_t)(tag >> 3), type = (uint32_t)(tag & 7);
		if (type == WIRE_VARINT) {
			if (wire_get_varint(&p, body_end, &v) < 0)
				goto bad;
			switch (field) {
			case EVENT_CALL:
				if (v > UINT32_MAX)
					goto bad;
				ev->call = (uint32_t)v;
				break;
			case EVENT_SEQ_GAP: gap = v; break;
			case EVENT_ARG0: ev->arg0 = wire_unzigzag(v); break;
			case EVENT_ARG1: ev->arg1 = wire_unzigzag(v); break;
			case EVENT_ARG2: ev->arg2 = wire_unzigzag(v); break;
			case EVENT_RESULT: ev->result = wire_unzigzag(v); break;
			case EVENT_ERR: ev->err = (int32_t)(int64_t)v; break;
			case EVENT_VALUE: stored = wire_unzigzag(v); break;
			case EVENT_LOCATION:
				if (v > UINT32_MAX)
					goto bad;
				stored_loc = (uint32_t)v;
				break;
			default: goto bad;
			}
		} else if (type == WIRE_LEN && field >= EVENT_DATA && field <= EVENT_CONTROL) {
			if (wire_get_varint(&p, body_end, &v) < 0 || v > (uint64_t)(body_end - p))
				goto bad;
			switch (field) {
			case EVENT_DATA: ev->data = p; ev->data_len = (uint32_t)v; break;
			case EVENT_HASH: ev->hash = p; ev->hash_len = (uint32_t)v; break;
			case EVENT_AUX: ev->aux = p; ev->aux_len = (uint32_t)v; break;
			default: ev->control = p; ev->control_len = (uint32_t)v; break;
			}
			p += v;
		} else {
			goto bad;
		}
	}
	if (gap > UINT64_MAX - c->next_seq)
		goto bad;
	/* The sequence check costs one test per event: gaps are rare where they are checked. */
	if (__builtin_expect(gap != 0, 0) && c->gapless &&
	    cursor_missing(c, c->next_seq, gap, at, err) < 0)
		return -1;
	/* a created thread may take a number and die before its first event (no branch) */
	c->spare += ev->call == RETRACE__CALL__CALL_THREAD_CREATE;
	ev->seq = c->next_seq + gap;
	ev->tid = c->tid;
	ev->offset = at;
	int slot = trace_value_slot(ev->call, ev->arg0);
	if (slot >= 0) {
		ev->value = (int64_t)((uint64_t)c->values.last[slot] + (uint64_t)stored);
		c->values.last[slot] = ev->value;
	} else {
		ev->value = stored;
	}
	if (stored_loc)
		c->values.location = stored_loc == TRACE_LOCATION_NONE ? 0 : stored_loc;
	ev->location = c->values.location;
	c->next_seq = ev->seq + 1;
	c->pos = body_end;
	return 1;
bad:
	return reader_error(err, TRACE_E_CORRUPT, at, "damaged event at offset %llu",
			    (unsigned long long)at);
}

/* The trailer counts the numbers record handed out; fewer written than that, beyond what a
 * dying thread can leave, is a lost chunk.  `have` is the last number the trace holds, `may`
 * how many may be missing. */
static int trailer_check(const struct trace_reader *r, uint64_t have, uint64_t may,
			 struct trace_error *err)
{
	const Retrace__Trailer *t = r->trailer;
	/* a recording that stopped early numbered events it did not write */
	if (!t || (t->stopped && *t->stopped) || t->events <= have || t->events - have <= may)
		return 0;
	return reader_error(err, TRACE_E_CORRUPT, r->size,
			    "the trailer counts %llu events, but the trace ends at event #%llu: "
			    "events #%llu..#%llu are missing (a chunk dropped or damaged)",
			    (unsigned long long)t->events, (unsigned long long)have,
			    (unsigned long long)(have + 1), (unsigned long long)t->events);
}

/* The end of a thread's events: in a trace with one thread, all the trailer counts but those
 * its created threads, or itself, took and never wrote. */
static int cursor_thread_end(struct trace_cursor *c, struct trace_error *err)
{
	c->pos = c->end = NULL;
	if (c->gapless && trailer_check(c->r, c->next_seq - 1, 1 + c->spare - c->missing, err) < 0)
		return -1;
	return 0;
}

static int cursor_next_thread(struct trace_cursor *c, struct trace_event *ev, struct trace_error *err)
{
	while (c->pos == c->end) {
		if (!c->pos) {
			if (c->bad_start) {
				c->chunk = 0; /* report it again, with its message this time */
				c->next_seq = 1;
				return cursor_enter_chunk(c, err) < 0 ? -1 : 0;
			}
			return 0;
		}
		/* Done with this chunk; give back the one before it.  One behind, because the
		 * caller may still use the last event it got, in this chunk, and touching it maps
		 * the pages around it again.  A thread keeps two chunks mapped, not the trace. */
		if (c->left)
			reader_release_chunk(c->r, &c->r->chunks[c->left - 1]);
		c->left = c->chunk + 1;
		c->chunk++;
		int in = cursor_enter_chunk(c, err);
		if (in <= 0)
			return in == 0 ? cursor_thread_end(c, err) : -1;
	}
	return decode_event(c, ev, err);
}

/* Merged: the numbers missing before ev, when the trace lacks them.  Each may belong to a
 * thread that took it and died before writing it, so a thread whose events have all been
 * read (ended) or a created thread that left no chunk (spare) covers one.  Checked only when
 * the process exited (trailer): a killed one may leave numbers to threads that never wrote,
 * and a file cut short whole tails (trace.h). */
static int merged_missing(struct trace_cursor *c, const struct trace_event *ev, uint64_t ended,
			  struct trace_error *err)
{
	uint64_t first = c->last_seq + 1, n = ev->seq - first;
	if (!c->r->trailer || n <= ended + c->spare - c->missing) {
		c->missing += n;
		return 0;
	}
	return reader_error(err, TRACE_E_CORRUPT, ev->offset,
			    "events #%llu..#%llu are missing before offset %llu (thread %u's event "
			    "#%llu): a chunk dropped or damaged", (unsigned long long)first,
			    (unsigned long long)(ev->seq - 1), (unsigned long long)ev->offset, ev->tid,
			    (unsigned long long)ev->seq);
}

/* Merged, at the end: every thread has ended, so each may have left one number unwritten. */
static int merged_end(struct trace_cursor *c, struct trace_error *err)
{
	return trailer_check(c->r, c->last_seq, c->nsubs + c->spare - c->missing, err);
}

int trace_cursor_next(struct trace_cursor *c, struct trace_event *ev, struct trace_error *err)
{
	if (c->tid != 0)
		return cursor_next_thread(c, ev, err);
	size_t best = SIZE_MAX;
	uint64_t ended = 0;
	for (size_t i = 0; i < c->nsubs; i++) {
		if (c->has_head[i] == -2) {
			c->has_head[i] = cursor_next_thread(&c->subs[i], &c->heads[i], err);
			if (c->has_head[i] < 0)
				return -1;
		}
		ended += c->has_head[i] == 0;
		if (c->has_head[i] == 1 && (best == SIZE_MAX || c->heads[i].seq < c->heads[best].seq))
			best = i;
	}
	if (best == SIZE_MAX)
		return merged_end(c, err);
	const struct trace_event *h = &c->heads[best];
	if (h->seq <= c->last_seq)
		return reader_error(err, TRACE_E_CORRUPT, h->offset,
				    "event #%llu of thread %u at offset %llu comes after event #%llu: "
				    "a number used twice, or events out of order",
				    (unsigned long long)h->seq, h->tid, (unsigned long long)h->offset,
				    (unsigned long long)c->last_seq);
	if (h->seq != c->last_seq + 1 && merged_missing(c, h, ended, err) < 0)
		return -1;
	if (h->call == RETRACE__CALL__CALL_THREAD_CREATE && h->result == 0 && h->arg0 > 0 &&
	    h->arg0 <= UINT32_MAX && tid_index(c->r, (uint32_t)h->arg0) == c->r->ntids)
		c->spare++;
	c->last_seq = h->seq;
	*ev = *h;
	c->has_head[best] = -2;
	return 1;
}
