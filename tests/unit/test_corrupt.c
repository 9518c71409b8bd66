/* test_corrupt.c — the reader against damaged, truncated, newer, foreign and hostile files.
 *
 * The rule (trace.h): a damaged frame is a torn tail, and silently ignored, only when nothing
 * valid follows it; anywhere else it is TRACE_E_CORRUPT.  Whatever the input, the reader returns
 * an error or events that were really written — it never crashes (run these under ASan too).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fixture.h"

static uint8_t *copy_of(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	memcpy(q, p, n);
	return q;
}

/* Reads every event through the merged cursor and every thread's cursor, checking each against
 * what fixture_record wrote and that each thread's events are a prefix of what it logged.
 * Returns the number of events, or -1 when a cursor reported corruption. */
static int64_t read_checked(const struct trace_reader *r, uint32_t nthreads, uint8_t *buf)
{
	struct trace_cursor c;
	struct trace_event ev;
	struct trace_error err;
	uint64_t next[FIXTURE_THREADS_MAX + 1];
	int64_t count = 0;
	int rc;

	for (uint32_t t = 0; t <= nthreads; t++)
		next[t] = 1;
	quiet_assert_int_eq(trace_cursor_init(&c, r, 0, &err), 0);
	while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
		quiet_assert_uint_ge(ev.tid, 1);
		quiet_assert_uint_le(ev.tid, nthreads);
		while (fixture_tid_of(next[ev.tid], nthreads) != ev.tid)
			next[ev.tid]++;
		quiet_assert_uint_eq(ev.seq, next[ev.tid]);
		next[ev.tid]++;
		fixture_check_event(&ev, ev.seq, buf);
		count++;
	}
	trace_cursor_free(&c);
	if (rc < 0) {
		quiet_assert_int_eq(err.code, TRACE_E_CORRUPT);
		return -1;
	}
	return count;
}

/* A small trace with many frames: 3 threads, tiny chunks. */
static uint8_t *small_trace(struct fixture *f, size_t *size, uint64_t nevents, int trailer)
{
	fixture_data_limit = 40; /* a few KB in all: every length and byte gets tried */
	fixture_open(f, 96);
	fixture_record(f, 1, nevents, 3);
	if (trailer)
		fixture_trailer(f, nevents, 0);
	return fixture_bytes(f, size);
}

START_TEST(truncated_at_every_length_gives_an_error_or_a_valid_prefix)
{
	struct fixture f;
	struct fixture_frame fi[FIXTURE_FRAMES_MAX];
	size_t size;
	uint8_t *full = small_trace(&f, &size, 150, _i);
	size_t nf = fixture_frames(full, size, fi);

	quiet_assert_uint_gt(nf, 10);
	quiet_assert_uint_eq(fi[nf - 1].end, size);
	for (size_t len = 0; len <= size; len++) {
		uint8_t *p = copy_of(full, len);
		struct trace_reader r;
		struct trace_error err;
		size_t whole = 0; /* frames entirely inside len */
		uint64_t expect = 0;

		while (whole < nf && fi[whole].end <= len)
			expect += fi[whole++].nevents;
		int rc = trace_reader_open_mem(&r, p, len, NULL, &err);
		if (whole == 0) {
			quiet_assert_msg(rc == -1, "len %zu: opened without a header", len);
			quiet_assert_msg(err.code == TRACE_E_TRUNCATED, "len %zu: %s (%s)", len,
				      trace_status_name(err.code), err.msg);
		} else {
			quiet_assert_msg(rc == 0, "len %zu: %s", len, err.msg);
			fixture_check_header(r.header);
			quiet_assert_msg(r.torn_offset == (len == fi[whole - 1].end ? 0 : fi[whole - 1].end),
				      "len %zu: torn_offset %llu", len,
				      (unsigned long long)r.torn_offset);
			quiet_assert_int_eq(r.trailer != NULL, _i && whole == nf);
			quiet_assert_int_eq(read_checked(&r, 3, f.buf), (int64_t)expect);
			trace_reader_close(&r);
		}
		free(p);
	}
	free(full);
	fixture_close(&f);
}
END_TEST

START_TEST(flipped_byte_is_corruption_unless_in_the_last_frame)
{
	struct fixture f;
	struct fixture_frame fi[FIXTURE_FRAMES_MAX];
	size_t size;
	const int with_trailer = _i & 1;
	const uint8_t flip = (_i & 2) ? 0x01 : 0xa5;
	uint8_t *full = small_trace(&f, &size, 120, with_trailer);
	size_t nf = fixture_frames(full, size, fi);
	uint64_t all = 0;

	for (size_t i = 0; i < nf; i++)
		all += fi[i].nevents;
	for (size_t pos = 0; pos < size; pos++) {
		uint8_t *p = copy_of(full, size);
		struct trace_reader r;
		struct trace_error err;
		size_t k = 0;

		p[pos] ^= flip;
		while (k < nf && fi[k].end <= pos)
			k++;
		int rc = trace_reader_open_mem(&r, p, size, NULL, &err);
		if (pos < TRACE_PREFIX_SIZE) {
			quiet_assert_int_eq(rc, -1);
			if (pos < 8)
				quiet_assert_int_eq(err.code, TRACE_E_FOREIGN);
			else
				quiet_assert_msg(err.code == TRACE_E_VERSION || err.code == TRACE_E_CORRUPT,
					      "pos %zu: %s", pos, trace_status_name(err.code));
		} else if (pos >= fi[k].off + TRACE_FRAME_HEAD_SIZE + fi[k].used) {
			/* unused room at the end of a chunk: covered by no checksum, read by nobody */
			quiet_assert_msg(rc == 0, "pos %zu: %s", pos, err.msg);
			quiet_assert_uint_eq(r.torn_offset, 0);
			quiet_assert_int_eq(read_checked(&r, 3, f.buf), (int64_t)all);
			trace_reader_close(&r);
		} else if (k == nf - 1 && k > 0) {
			/* the last frame: exactly what a crash mid-write leaves, so a torn tail */
			uint64_t before = 0;

			for (size_t i = 0; i < k; i++)
				before += fi[i].nevents;
			quiet_assert_msg(rc == 0, "pos %zu: %s", pos, err.msg);
			quiet_assert_uint_eq(r.torn_offset, fi[k].off);
			quiet_assert_ptr_null(r.trailer);
			quiet_assert_int_eq(read_checked(&r, 3, f.buf), (int64_t)before);
			trace_reader_close(&r);
		} else {
			quiet_assert_msg(rc == -1, "pos %zu (frame %zu of %zu) accepted", pos, k, nf);
			quiet_assert_msg(err.code == TRACE_E_CORRUPT, "pos %zu: %s (%s)", pos,
				      trace_status_name(err.code), err.msg);
			quiet_assert_uint_gt(strlen(err.msg), 0);
		}
		free(p);
	}
	free(full);
	fixture_close(&f);
}
END_TEST

/* A frame reserved and never committed, with other chunks after it, is in test_sequence.c:
 * whether it is damage depends on the numbers the others hold. */

START_TEST(newer_format_version_in_the_prefix_is_refused)
{
	struct fixture f;
	struct trace_reader r;
	struct trace_error err;
	size_t size;
	uint8_t *p = small_trace(&f, &size, 10, 1);
	uint32_t v = TRACE_FORMAT_VERSION + 1;

	memcpy(p + 8, &v, 4);
	quiet_assert_int_eq(trace_reader_open_mem(&r, p, size, NULL, &err), -1);
	quiet_assert_int_eq(err.code, TRACE_E_VERSION);
	quiet_assert_ptr_nonnull(strstr(err.msg, "2"));
	free(p);
	fixture_close(&f);
}
END_TEST

START_TEST(newer_format_version_in_the_header_is_refused)
{
	struct fixture f;
	struct trace_reader r;
	struct trace_error err;
	Retrace__Header h;
	Retrace__Capture cap;
	ProtobufCBinaryData argv[2], env[2];
	size_t size;

	memset(&f, 0, sizeof f);
	f.fd = memfd_create("retrace-test", MFD_CLOEXEC);
	f.buf = NULL;
	quiet_assert_int_eq(trace_writer_open(&f.w, f.fd, NULL, 1u << 24, 0), 0);
	fixture_header(&h, &cap, argv, env);
	h.format_version = TRACE_FORMAT_VERSION + 1;
	quiet_assert_int_eq(trace_writer_put_header(&f.w, &h), 0);
	uint8_t *p = fixture_bytes(&f, &size);
	quiet_assert_int_eq(trace_reader_open_mem(&r, p, size, NULL, &err), -1);
	quiet_assert_int_eq(err.code, TRACE_E_VERSION);
	free(p);
	fixture_close(&f);
}
END_TEST

START_TEST(header_with_another_magic_is_foreign)
{
	struct fixture f;
	struct trace_reader r;
	struct trace_error err;
	Retrace__Header h;
	Retrace__Capture cap;
	ProtobufCBinaryData argv[2], env[2];
	size_t size;

	memset(&f, 0, sizeof f);
	f.fd = memfd_create("retrace-test", MFD_CLOEXEC);
	quiet_assert_int_eq(trace_writer_open(&f.w, f.fd, NULL, 1u << 24, 0), 0);
	fixture_header(&h, &cap, argv, env);
	h.magic = "rrtrace";
	quiet_assert_int_eq(trace_writer_put_header(&f.w, &h), 0);
	uint8_t *p = fixture_bytes(&f, &size);
	quiet_assert_int_eq(trace_reader_open_mem(&r, p, size, NULL, &err), -1);
	quiet_assert_int_eq(err.code, TRACE_E_FOREIGN);
	free(p);
	fixture_close(&f);
}
END_TEST

START_TEST(foreign_files_are_recognised_as_foreign)
{
	static const struct {
		const char *bytes;
		size_t len;
	} files[] = {
		{ "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0", 24 },
		{ "#!/bin/sh\necho hello\n", 21 },
		{ "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16 },
		{ "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 24 },
		{ "RETRACE\r\n\x01\0\0\0\0\0\0", 16 },
		{ "retrace\n\x01\0\0\0\0\0\0\0", 16 },
		{ "{\"traceEvents\": []}", 19 },
		{ "X", 1 },
	};

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		struct trace_reader r;
		struct trace_error err;
		uint8_t *p = copy_of((const uint8_t *)files[i].bytes, files[i].len);

		quiet_assert_int_eq(trace_reader_open_mem(&r, p, files[i].len, NULL, &err), -1);
		quiet_assert_msg(err.code == TRACE_E_FOREIGN, "file %zu: %s", i, trace_status_name(err.code));
		free(p);
	}
}
END_TEST

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state = fixture_mix(rng_state);
	return rng_state;
}

START_TEST(random_garbage_of_any_size_is_an_error)
{
	rng_state = 1;
	for (size_t len = 0; len <= 3000 + (1u << 20); len += len < 3000 ? 1 : (1u << 20)) {
		uint8_t *p = malloc(len ? len : 1);
		struct trace_reader r;
		struct trace_error err;

		for (size_t i = 0; i < len; i++)
			p[i] = (uint8_t)rng();
		quiet_assert_int_eq(trace_reader_open_mem(&r, p, len, NULL, &err), -1);
		quiet_assert_int_ne(err.code, TRACE_OK);
		/* the same garbage behind a valid prefix: still no header, so still an error */
		if (len >= TRACE_PREFIX_SIZE) {
			uint32_t v[2] = { TRACE_FORMAT_VERSION, 0 };

			memcpy(p, TRACE_FILE_MAGIC, 8);
			memcpy(p + 8, v, 8);
			quiet_assert_int_eq(trace_reader_open_mem(&r, p, len, NULL, &err), -1);
			quiet_assert_msg(err.code == TRACE_E_TRUNCATED || err.code == TRACE_E_CORRUPT,
				      "len %zu: %s", len, trace_status_name(err.code));
		}
		free(p);
	}
}
END_TEST

/* Garbage after a valid header is what a machine crash can leave: a torn tail, no events. */
START_TEST(garbage_after_the_header_is_a_torn_tail)
{
	struct fixture f;
	size_t hsize;

	fixture_open(&f, 256);
	uint8_t *hdr = fixture_bytes(&f, &hsize);
	rng_state = 2;
	for (size_t extra = 1; extra < 600; extra += 7) {
		uint8_t *p = malloc(hsize + extra);
		struct trace_reader r;
		struct trace_error err;

		memcpy(p, hdr, hsize);
		for (size_t i = 0; i < extra; i++)
			p[hsize + i] = (uint8_t)(rng() | 1); /* never an all-zero head */
		quiet_assert_msg(trace_reader_open_mem(&r, p, hsize + extra, NULL, &err) == 0, "%s",
			      err.msg);
		quiet_assert_uint_eq(r.torn_offset, hsize);
		quiet_assert_int_eq(read_checked(&r, 3, f.buf), 0);
		trace_reader_close(&r);
		free(p);
	}
	free(hdr);
	fixture_close(&f);
}
END_TEST

/* Recompute a frame's commit word after editing its payload, so the damage gets past the CRC
 * and reaches the event decoder: the reader must still trust nothing. */
static void recommit(uint8_t *d, const struct fixture_frame *fi, uint32_t used)
{
	uint32_t crc = trace_crc32c(trace_crc32c(0, d + fi->off, TRACE_FRAME_CRC_HEAD), d + fi->off + TRACE_FRAME_HEAD_SIZE,
				    used);
	uint64_t commit = (uint64_t)crc << 32 | used;

	memcpy(d + fi->off + 16, &commit, 8);
}

START_TEST(hostile_chunk_bytes_with_valid_checksums_never_crash)
{
	struct fixture f;
	struct fixture_frame fi[FIXTURE_FRAMES_MAX];
	size_t size;
	uint8_t *full = small_trace(&f, &size, 200, 1);
	size_t nf = fixture_frames(full, size, fi);
	int corrupt = 0, accepted = 0;

	rng_state = 3;
	for (int iter = 0; iter < 20000; iter++) {
		uint8_t *p = copy_of(full, size);
		size_t k;
		struct trace_reader r;
		struct trace_error err;

		do
			k = 1 + rng() % (nf - 1);
		while (fi[k].used == 0);
		int nflips = 1 + (int)(rng() % 4);
		for (int j = 0; j < nflips; j++) {
			uint64_t x = rng();
			size_t at = fi[k].off + TRACE_FRAME_HEAD_SIZE + (x >> 8) % fi[k].used;

			p[at] = (x & 0x80) ? (uint8_t)(x >> 40) : (uint8_t)(p[at] ^ (1u << (x & 7)));
		}
		recommit(p, &fi[k], fi[k].used);
		if (trace_reader_open_mem(&r, p, size, NULL, &err) < 0) {
			quiet_assert_int_eq(err.code, TRACE_E_CORRUPT);
			corrupt++;
		} else {
			/* decode everything, merged and per thread; events may now be anything */
			struct trace_cursor c;
			struct trace_event ev;

			for (size_t t = 0; t <= r.ntids; t++) {
				quiet_assert_int_eq(trace_cursor_init(&c, &r, t ? r.tids[t - 1] : 0, &err), 0);
				int rc;
				size_t n = 0;
				while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
					if (ev.data_len)
						quiet_assert_uint_le((uint64_t)(ev.data - r.data) + ev.data_len, size);
					if (ev.hash_len)
						quiet_assert_uint_le((uint64_t)(ev.hash - r.data) + ev.hash_len, size);
					quiet_assert_uint_lt(n++, 100000);
				}
				if (rc < 0) {
					quiet_assert_int_eq(err.code, TRACE_E_CORRUPT);
					corrupt++;
				}
				trace_cursor_free(&c);
			}
			accepted++;
			trace_reader_close(&r);
		}
		free(p);
	}
	quiet_assert_int_gt(corrupt, 1000); /* the decoder does catch damage, not only the CRC */
	free(full);
	fixture_close(&f);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Hand-made frames for the cases random damage rarely hits.
 */
struct craft {
	uint8_t buf[8192];
	size_t len;
};

/* Recomputes the commit word of the frame whose head is at off, claiming `used` payload bytes,
 * so a doctored head gets past the CRC and only the reader's other checks can catch it. */
static void craft_recommit(struct craft *c, size_t off, uint32_t used)
{
	uint8_t *head = c->buf + off;
	uint32_t crc = trace_crc32c(trace_crc32c(0, head, TRACE_FRAME_CRC_HEAD), head + TRACE_FRAME_HEAD_SIZE, used);
	uint64_t commit = (uint64_t)crc << 32 | used;

	memcpy(head + 16, &commit, 8);
}

static void craft_frame(struct craft *c, uint32_t kind, const void *payload, uint32_t used,
			uint32_t reserved)
{
	uint32_t h[4] = { TRACE_FRAME_MAGIC, kind, reserved, 0 };
	uint8_t *head = c->buf + c->len;

	quiet_assert_uint_le(c->len + TRACE_FRAME_HEAD_SIZE + reserved, sizeof c->buf);
	memcpy(head, h, 16);
	memset(head + TRACE_FRAME_HEAD_SIZE, 0, reserved);
	memcpy(head + TRACE_FRAME_HEAD_SIZE, payload, used);
	uint32_t crc = trace_crc32c(trace_crc32c(0, head, TRACE_FRAME_CRC_HEAD), head + TRACE_FRAME_HEAD_SIZE, used);
	uint64_t commit = (uint64_t)crc << 32 | used;
	memcpy(head + 16, &commit, 8);
	c->len += TRACE_FRAME_HEAD_SIZE + reserved;
}

static void craft_start(struct craft *c)
{
	Retrace__Header h;
	Retrace__Capture cap;
	ProtobufCBinaryData argv[2], env[2];
	uint8_t packed[1024];
	uint32_t v[2] = { TRACE_FORMAT_VERSION, 0 };

	memset(c, 0, sizeof *c);
	memcpy(c->buf, TRACE_FILE_MAGIC, 8);
	memcpy(c->buf + 8, v, 8);
	c->len = TRACE_PREFIX_SIZE;
	fixture_header(&h, &cap, argv, env);
	size_t n = retrace__header__pack(&h, packed);
	craft_frame(c, TRACE_FRAME_HEADER, packed, (uint32_t)n, (uint32_t)((n + 7) & ~(size_t)7));
}

static void craft_chunk(struct craft *c, const char *payload, size_t used)
{
	craft_frame(c, TRACE_FRAME_CHUNK, payload, (uint32_t)used, (uint32_t)((used + 7) & ~(size_t)7));
}

/* Appends a copy of a header frame, as a writer that put its header twice would. */
static void craft_header_again(struct craft *c)
{
	struct craft h;

	craft_start(&h);
	quiet_assert_uint_le(c->len + h.len - TRACE_PREFIX_SIZE, sizeof c->buf);
	memcpy(c->buf + c->len, h.buf + TRACE_PREFIX_SIZE, h.len - TRACE_PREFIX_SIZE);
	c->len += h.len - TRACE_PREFIX_SIZE;
}

/* Opens c; returns the open status, or, when it opens, the first cursor failure (0 if none). */
static enum trace_status craft_read(const struct craft *c, uint64_t *events)
{
	uint8_t *p = copy_of(c->buf, c->len);
	struct trace_reader r;
	struct trace_error err;
	struct trace_cursor cur;
	struct trace_event ev;
	enum trace_status st = TRACE_OK;
	int rc;

	*events = 0;
	if (trace_reader_open_mem(&r, p, c->len, NULL, &err) < 0) {
		free(p);
		return err.code;
	}
	quiet_assert_int_eq(trace_cursor_init(&cur, &r, 0, &err), 0);
	while ((rc = trace_cursor_next(&cur, &ev, &err)) == 1)
		(*events)++;
	if (rc < 0)
		st = err.code;
	trace_cursor_free(&cur);
	trace_reader_close(&r);
	free(p);
	return st;
}

/* Chunk payloads: tid=1 (08 01), first_seq=1 (10 01), then events (1a len ...). */
static const struct {
	const char *name;
	const char *payload;
	size_t len;
	enum trace_status want;
	uint64_t events;
} crafted_chunks[] = {
	{ "well-formed, one clock event", "\x08\x01\x10\x01\x1a\x04\x08\x01\x40\x02", 10, TRACE_OK, 1 },
	{ "empty event body", "\x08\x01\x10\x01\x1a\x00", 6, TRACE_OK, 1 },
	{ "no events", "\x08\x01\x10\x01", 4, TRACE_OK, 0 },
	{ "no tid", "\x10\x05\x1a\x00", 4, TRACE_E_CORRUPT, 0 },
	{ "tid zero", "\x08\x00\x1a\x00", 4, TRACE_E_CORRUPT, 0 },
	{ "tid wider than 32 bits", "\x08\x80\x80\x80\x80\x10\x1a\x00", 8, TRACE_E_CORRUPT, 0 },
	{ "unknown chunk field", "\x08\x01\x20\x01", 4, TRACE_E_CORRUPT, 0 },
	{ "event longer than the chunk", "\x08\x01\x1a\x7f\x08\x01", 6, TRACE_E_CORRUPT, 0 },
	{ "event length varint runs off", "\x08\x01\x1a\xff\xff", 5, TRACE_E_CORRUPT, 0 },
	{ "data longer than its event", "\x08\x01\x1a\x03\x4a\x09\x00", 7, TRACE_E_CORRUPT, 0 },
	{ "hash longer than its event", "\x08\x01\x1a\x03\x52\x70\x00", 7, TRACE_E_CORRUPT, 0 },
	{ "eleven-byte varint", "\x08\x01\x1a\x0c\x18\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 16,
	  TRACE_E_CORRUPT, 0 },
	{ "unknown event field", "\x08\x01\x1a\x02\x78\x01", 6, TRACE_E_CORRUPT, 0 },
	{ "data with the wrong wire type", "\x08\x01\x1a\x02\x48\x01", 6, TRACE_E_CORRUPT, 0 },
	{ "call with the wrong wire type", "\x08\x01\x1a\x02\x0a\x00", 6, TRACE_E_CORRUPT, 0 },
	{ "seq_gap overflows 64 bits",
	  "\x08\x01\x10\x01\x1a\x00\x1a\x0b\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
	  19, TRACE_E_CORRUPT, 1 },
	{ "stray bytes after the last event", "\x08\x01\x10\x01\x1a\x00\x00", 7, TRACE_E_CORRUPT, 1 },
	{ "first event numbered 0", "\x08\x01\x10\x00\x1a\x00", 6, TRACE_E_CORRUPT, 0 },
	/* no trailer: a killed process may leave numbers to threads that never wrote (trace.h;
	 * test_sequence.c has these with a trailer) */
	{ "number skipped, no trailer", "\x08\x01\x10\x01\x1a\x00\x1a\x02\x10\x01", 10, TRACE_OK, 2 },
	{ "starts past #1, no trailer", "\x08\x01\x10\x02\x1a\x00", 6, TRACE_OK, 1 },
};

START_TEST(crafted_chunk_is_decoded_or_rejected_exactly)
{
	struct craft c;
	uint64_t events;

	craft_start(&c);
	craft_chunk(&c, crafted_chunks[_i].payload, crafted_chunks[_i].len);
	enum trace_status st = craft_read(&c, &events);
	quiet_assert_msg(st == crafted_chunks[_i].want, "%s: %s", crafted_chunks[_i].name,
		      trace_status_name(st));
	quiet_assert_msg(events == crafted_chunks[_i].events, "%s: %llu events", crafted_chunks[_i].name,
		      (unsigned long long)events);
}
END_TEST

START_TEST(frames_out_of_place_are_corruption)
{
	struct craft c;
	uint64_t events;
	/* tid 1, events from #1 (one, empty) */
	static const char chunk[] = "\x08\x01\x10\x01\x1a\x00";
	static const char trailer[] = "\x08\x01";

	/* a second header */
	craft_start(&c);
	craft_chunk(&c, chunk, 6);
	craft_header_again(&c);
	quiet_assert_int_eq(craft_read(&c, &events), TRACE_E_CORRUPT);

	/* a chunk after the trailer */
	craft_start(&c);
	craft_frame(&c, TRACE_FRAME_TRAILER, trailer, 2, 8);
	craft_chunk(&c, chunk, 6);
	quiet_assert_int_eq(craft_read(&c, &events), TRACE_E_CORRUPT);

	/* a chunk before the header */
	memset(&c, 0, sizeof c);
	memcpy(c.buf, TRACE_FILE_MAGIC, 8);
	c.buf[8] = TRACE_FORMAT_VERSION;
	c.len = TRACE_PREFIX_SIZE;
	craft_chunk(&c, chunk, 6);
	craft_header_again(&c);
	quiet_assert_int_eq(craft_read(&c, &events), TRACE_E_CORRUPT);

	/* an undecodable trailer */
	craft_start(&c);
	craft_frame(&c, TRACE_FRAME_TRAILER, "\xff\xff", 2, 8);
	quiet_assert_int_eq(craft_read(&c, &events), TRACE_E_CORRUPT);

	/* an undecodable header */
	memset(&c, 0, sizeof c);
	memcpy(c.buf, TRACE_FILE_MAGIC, 8);
	c.buf[8] = TRACE_FORMAT_VERSION;
	c.len = TRACE_PREFIX_SIZE;
	craft_frame(&c, TRACE_FRAME_HEADER, "\x0a\x7f", 2, 8);
	quiet_assert_int_eq(craft_read(&c, &events), TRACE_E_CORRUPT);
}
END_TEST

START_TEST(frame_heads_that_cannot_be_right_are_never_trusted)
{
	struct craft c;
	uint64_t events;
	/* tid 1, events from #1 (one, empty), and a chunk after it from #2 */
	static const char chunk[] = "\x08\x01\x10\x01\x1a\x00";
	static const char chunk2[] = "\x08\x01\x10\x02\x1a\x00";
	static const char other_thread[] = "\x08\x02\x10\x01\x1a\x00"; /* tid 2, #1 */

	/* used beyond reserved (with a matching CRC), then a valid frame: corrupt */
	craft_start(&c);
	size_t at = c.len;
	craft_frame(&c, TRACE_FRAME_CHUNK, chunk, 6, 8);
	craft_chunk(&c, chunk2, 6);
	craft_recommit(&c, at, 16);
	quiet_assert_int_eq(craft_read(&c, &events), TRACE_E_CORRUPT);

	/* reserved not a multiple of 8 (the next head is still 8-aligned) */
	craft_start(&c);
	craft_frame(&c, TRACE_FRAME_CHUNK, chunk, 4, 4); /* tid and first_seq only */
	c.len += 4;
	craft_chunk(&c, other_thread, 6);
	quiet_assert_int_eq(craft_read(&c, &events), TRACE_E_CORRUPT);

	/* the last frame claims 4 GiB (with a matching CRC): it runs off the file, a torn tail */
	craft_start(&c);
	craft_chunk(&c, chunk, 6);
	at = c.len;
	craft_chunk(&c, chunk2, 6);
	{
		uint32_t huge = 0xfffffff8u;

		memcpy(c.buf + at + 8, &huge, 4);
		craft_recommit(&c, at, 4);
	}
	quiet_assert_int_eq(craft_read(&c, &events), TRACE_OK);
	quiet_assert_uint_eq(events, 1);

	/* unknown frame kind */
	craft_start(&c);
	craft_frame(&c, 7, chunk, 6, 8);
	craft_chunk(&c, chunk, 6);
	quiet_assert_int_eq(craft_read(&c, &events), TRACE_E_CORRUPT);
}
END_TEST

Suite *suite_corrupt(void)
{
	Suite *s = suite_create("corrupt");
	TCase *tc = tcase_create("corrupt");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, truncated_at_every_length_gives_an_error_or_a_valid_prefix, 0, 2);
	tcase_add_loop_test(tc, flipped_byte_is_corruption_unless_in_the_last_frame, 0, 4);
	tcase_add_test(tc, newer_format_version_in_the_prefix_is_refused);
	tcase_add_test(tc, newer_format_version_in_the_header_is_refused);
	tcase_add_test(tc, header_with_another_magic_is_foreign);
	tcase_add_test(tc, foreign_files_are_recognised_as_foreign);
	tcase_add_test(tc, random_garbage_of_any_size_is_an_error);
	tcase_add_test(tc, garbage_after_the_header_is_a_torn_tail);
	tcase_add_test(tc, hostile_chunk_bytes_with_valid_checksums_never_crash);
	tcase_add_loop_test(tc, crafted_chunk_is_decoded_or_rejected_exactly, 0,
			    (int)(sizeof crafted_chunks / sizeof crafted_chunks[0]));
	tcase_add_test(tc, frames_out_of_place_are_corruption);
	tcase_add_test(tc, frame_heads_that_cannot_be_right_are_never_trusted);
	suite_add_tcase(s, tc);
	return s;
}
