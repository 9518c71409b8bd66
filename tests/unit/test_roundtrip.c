/* test_roundtrip.c — what the writer records, the reader gives back, field for field.
 *
 * Covers the header, events of every kind (delta-coded clocks at the int64 edges, payloads far
 * larger than a chunk), several threads' chunks interleaved, the merged global order, the trailer,
 * and that protobuf-c itself decodes every byte the hand encoder wrote the same way we do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

static void open_copy(struct trace_reader *r, const struct fixture *f, uint8_t **bytes)
{
	struct trace_error err;
	size_t size;

	*bytes = fixture_bytes(f, &size);
	quiet_assert_msg(trace_reader_open_mem(r, *bytes, size, NULL, &err) == 0, "open: %s", err.msg);
}

START_TEST(header_fields_survive_the_round_trip)
{
	struct fixture f;
	struct trace_reader r;
	struct trace_cursor c;
	struct trace_event ev;
	struct trace_error err;
	uint8_t *bytes;

	fixture_open(&f, 4096);
	open_copy(&r, &f, &bytes);
	fixture_check_header(r.header);
	quiet_assert_ptr_null(r.trailer);
	quiet_assert_uint_eq(r.nchunks, 0);
	quiet_assert_uint_eq(r.ntids, 0);
	quiet_assert_uint_eq(r.torn_offset, 0);
	quiet_assert_int_eq(trace_cursor_init(&c, &r, 0, &err), 0);
	quiet_assert_int_eq(trace_cursor_next(&c, &ev, &err), 0);
	trace_cursor_free(&c);
	trace_reader_close(&r);
	free(bytes);
	fixture_close(&f);
}
END_TEST

/* Loop over chunk sizes: tiny (a chunk per event or two), medium, and one chunk per thread. */
static const uint32_t chunk_sizes[] = { 64, 512, 4096, 1u << 20 };

START_TEST(events_of_every_kind_come_back_in_global_seq_order)
{
	struct fixture f;
	struct trace_reader r;
	uint8_t *bytes;
	const uint64_t n = 6000;

	fixture_open(&f, chunk_sizes[_i]);
	fixture_record(&f, 1, n, 4);
	open_copy(&r, &f, &bytes);
	fixture_check_header(r.header);
	quiet_assert_uint_eq(r.torn_offset, 0);
	fixture_read_all(&r, 4, 1, n, f.buf);
	trace_reader_close(&r);
	free(bytes);
	fixture_close(&f);
}
END_TEST

START_TEST(thread_cursor_yields_only_that_threads_events_in_order)
{
	struct fixture f;
	struct trace_reader r;
	struct trace_error err;
	uint8_t *bytes;
	const uint64_t n = 3000;
	uint64_t total = 0;

	fixture_open(&f, 256);
	fixture_record(&f, 1, n, 5);
	open_copy(&r, &f, &bytes);
	quiet_assert_uint_eq(r.ntids, 5);
	for (size_t t = 0; t < r.ntids; t++) {
		struct trace_cursor c;
		struct trace_event ev;
		uint64_t next = 1;
		int rc;

		quiet_assert_uint_eq(r.tids[t], t + 1);
		quiet_assert_int_eq(trace_cursor_init(&c, &r, r.tids[t], &err), 0);
		while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
			while (fixture_tid_of(next, 5) != r.tids[t])
				next++; /* the seqs other threads took */
			quiet_assert_uint_eq(ev.seq, next);
			quiet_assert_uint_eq(ev.tid, r.tids[t]);
			fixture_check_event(&ev, ev.seq, f.buf);
			next++;
			total++;
		}
		quiet_assert_int_eq(rc, 0);
		trace_cursor_free(&c);
	}
	quiet_assert_uint_eq(total, n);

	/* A thread that logged nothing has an empty cursor. */
	struct trace_cursor c;
	struct trace_event ev;
	quiet_assert_int_eq(trace_cursor_init(&c, &r, 99, &err), 0);
	quiet_assert_int_eq(trace_cursor_next(&c, &ev, &err), 0);
	trace_cursor_free(&c);
	trace_reader_close(&r);
	free(bytes);
	fixture_close(&f);
}
END_TEST

START_TEST(chunks_of_threads_interleave_in_reservation_order)
{
	struct fixture f;
	struct trace_reader r;
	uint8_t *bytes;
	size_t switches = 0;
	uint32_t chunks_of[4] = { 0 };

	fixture_open(&f, 128);
	fixture_record(&f, 1, 2000, 3);
	open_copy(&r, &f, &bytes);
	quiet_assert_uint_eq(r.ntids, 3);
	for (size_t i = 0; i < r.nchunks; i++) {
		quiet_assert_uint_ge(r.chunks[i].tid, 1);
		quiet_assert_uint_le(r.chunks[i].tid, 3);
		chunks_of[r.chunks[i].tid]++;
		if (i > 0) {
			switches += r.chunks[i].tid != r.chunks[i - 1].tid;
			quiet_assert_uint_gt(r.chunks[i].offset, r.chunks[i - 1].offset);
		}
	}
	for (int t = 1; t <= 3; t++)
		quiet_assert_uint_gt(chunks_of[t], 5);
	quiet_assert_uint_gt(switches, 10);
	/* each chunk's first_seq is its first event's seq: later chunks of a thread start later */
	for (size_t i = 0; i < r.nchunks; i++)
		for (size_t j = i + 1; j < r.nchunks; j++)
			if (r.chunks[j].tid == r.chunks[i].tid)
				quiet_assert_uint_gt(r.chunks[j].first_seq, r.chunks[i].first_seq);
	fixture_read_all(&r, 3, 1, 2000, f.buf);
	trace_reader_close(&r);
	free(bytes);
	fixture_close(&f);
}
END_TEST

/* Record numbers events from 1 (interpose/core.c); a chunk counting from 0 is damage. */
START_TEST(sequence_numbers_start_at_one)
{
	struct fixture f;
	struct trace_reader r;
	struct trace_error err;
	uint8_t *bytes;
	size_t size;

	fixture_open(&f, 300);
	fixture_record(&f, 1, 500, 2);
	open_copy(&r, &f, &bytes);
	fixture_read_all(&r, 2, 1, 500, f.buf);
	trace_reader_close(&r);
	free(bytes);
	fixture_close(&f);

	fixture_open(&f, 300);
	fixture_record(&f, 0, 500, 2);
	bytes = fixture_bytes(&f, &size);
	quiet_assert_int_eq(trace_reader_open_mem(&r, bytes, size, NULL, &err), -1);
	quiet_assert_int_eq(err.code, TRACE_E_CORRUPT);
	free(bytes);
	fixture_close(&f);
}
END_TEST

START_TEST(payload_of_megabytes_is_stored_whole)
{
	struct fixture f;
	struct trace_reader r;
	struct trace_cursor c;
	struct trace_event ev, got;
	struct trace_error err;
	uint8_t *bytes;
	const uint32_t big = 5u << 20; /* far past the writer's 64 KiB growth step and chunk size */
	uint8_t *data = malloc(big);

	fixture_fill(data, big, 12345);
	fixture_open(&f, 256);
	fixture_append(&f, 1, 1);
	memset(&ev, 0, sizeof ev);
	ev.call = RETRACE__CALL__CALL_READ;
	ev.seq = 2;
	ev.tid = 1;
	ev.arg0 = 7;
	ev.arg1 = big;
	ev.result = big;
	ev.data = data;
	ev.data_len = big;
	quiet_assert_int_eq(trace_writer_append(&f.w, &f.chunks[1], 256, &ev), 0);
	fixture_append(&f, 3, 1);
	open_copy(&r, &f, &bytes);
	quiet_assert_int_eq(trace_cursor_init(&c, &r, 1, &err), 0);
	quiet_assert_int_eq(trace_cursor_next(&c, &got, &err), 1);
	fixture_check_event(&got, 1, f.buf);
	quiet_assert_int_eq(trace_cursor_next(&c, &got, &err), 1);
	quiet_assert_uint_eq(got.seq, 2);
	quiet_assert_int_eq(got.result, big);
	quiet_assert_uint_eq(got.data_len, big);
	quiet_assert(memcmp(got.data, data, big) == 0);
	quiet_assert_int_eq(trace_cursor_next(&c, &got, &err), 1);
	fixture_check_event(&got, 3, f.buf);
	quiet_assert_int_eq(trace_cursor_next(&c, &got, &err), 0);
	trace_cursor_free(&c);
	trace_reader_close(&r);
	free(bytes);
	free(data);
	fixture_close(&f);
}
END_TEST

START_TEST(hash_field_of_any_length_round_trips)
{
	struct fixture f;
	struct trace_reader r;
	struct trace_cursor c;
	struct trace_event ev, got;
	struct trace_error err;
	uint8_t *bytes, hash[300];
	const uint32_t lens[] = { 1, 16, 127, 128, 300 };

	fixture_fill(hash, sizeof hash, 3);
	fixture_open(&f, 64);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		memset(&ev, 0, sizeof ev);
		ev.call = RETRACE__CALL__CALL_OPEN;
		ev.seq = i + 1;
		ev.tid = 1;
		ev.hash = hash;
		ev.hash_len = lens[i];
		quiet_assert_int_eq(trace_writer_append(&f.w, &f.chunks[1], 64, &ev), 0);
	}
	open_copy(&r, &f, &bytes);
	quiet_assert_int_eq(trace_cursor_init(&c, &r, 0, &err), 0);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		quiet_assert_msg(trace_cursor_next(&c, &got, &err) == 1, "event %zu: %s", i, err.msg);
		quiet_assert_uint_eq(got.seq, i + 1);
		quiet_assert_uint_eq(got.hash_len, lens[i]);
		quiet_assert_mem_eq(got.hash, hash, lens[i]);
		quiet_assert_uint_eq(got.data_len, 0);
	}
	quiet_assert_int_eq(trace_cursor_next(&c, &got, &err), 0);
	trace_cursor_free(&c);
	trace_reader_close(&r);
	free(bytes);
	fixture_close(&f);
}
END_TEST

/* DESIGN §7: "a CLOCK_GETTIME of CLOCK_REALTIME is about 7 bytes" — only true if the delta
 * coding works, so measure it. */
START_TEST(clock_readings_are_delta_coded_small)
{
	struct fixture f;
	struct trace_reader r;
	struct trace_event ev;
	uint8_t *bytes;
	const int n = 1000;

	fixture_open(&f, 1u << 20);
	for (int i = 0; i < n; i++) {
		memset(&ev, 0, sizeof ev);
		ev.call = RETRACE__CALL__CALL_CLOCK_GETTIME;
		ev.arg0 = i & 1; /* REALTIME and MONOTONIC alternate: separate slots */
		ev.seq = (uint64_t)i + 1;
		ev.tid = 1;
		ev.value = (i & 1 ? 5000000000LL : 1700000000000000000LL) + i * 731LL;
		ev.location = (uint32_t)(i / 400) % 3; /* a Python location that changes now and then */
		/* every third event through the lean hot-path appender: it must write the same */
		if (i % 3 == 0)
			quiet_assert_int_eq(trace_writer_append_value(&f.w, &f.chunks[1], 1u << 20, ev.seq,
								      ev.call, ev.arg0, 0, ev.value,
								      ev.location), 0);
		else
			quiet_assert_int_eq(trace_writer_append(&f.w, &f.chunks[1], 1u << 20, &ev), 0);
	}
	open_copy(&r, &f, &bytes);
	/* chunks start at 4 KiB and double; each restarts the delta coding once */
	uint32_t total = 0;
	for (size_t k = 0; k < r.nchunks; k++)
		total += r.chunks[k].events_len;
	quiet_assert_uint_le(r.nchunks, 3);
	quiet_assert_uint_le(total, (uint32_t)n * 8 + 16 * (uint32_t)r.nchunks);

	struct trace_cursor c;
	struct trace_error err;
	quiet_assert_int_eq(trace_cursor_init(&c, &r, 1, &err), 0);
	for (int i = 0; i < n; i++) {
		quiet_assert_int_eq(trace_cursor_next(&c, &ev, &err), 1);
		quiet_assert_int_eq(ev.arg0, i & 1);
		quiet_assert_int_eq(ev.value, (i & 1 ? 5000000000LL : 1700000000000000000LL) + i * 731LL);
		quiet_assert_uint_eq(ev.location, (uint32_t)(i / 400) % 3);
	}
	trace_cursor_free(&c);
	trace_reader_close(&r);
	free(bytes);
	fixture_close(&f);
}
END_TEST

/* The lean appender of the hot path (trace_writer_append_value) must write, byte for byte and
 * CRC for CRC, what the general appender writes, for every size of every field. */
START_TEST(value_appender_writes_what_the_general_one_writes)
{
	struct fixture lean, general;
	uint64_t seq = 0, x = 12345;

	fixture_open(&lean, 1u << 20);
	fixture_open(&general, 1u << 20);
	/* one chunk for all: the two appenders reserve different worst cases, so their chunk
	 * boundaries (and the delta coding that restarts at each) may differ */
	lean.chunks[1].next_size = general.chunks[1].next_size = 1u << 20;
	for (int i = 0; i < 20000; i++) {
		x = fixture_mix(x + (uint64_t)i);
		struct trace_event ev;
		memset(&ev, 0, sizeof ev);
		int64_t magnitudes[] = { 0, 1, 127, 128, 1LL << 20, 1LL << 40, INT64_MAX, INT64_MIN };
		ev.call = (x & 3) == 0 ? 200 : (x & 1) ? RETRACE__CALL__CALL_CLOCK_GETTIME
						     : RETRACE__CALL__CALL_GETPID;
		ev.arg0 = (x >> 2) & 1 ? (int64_t)((x >> 3) & 15) : -(int64_t)((x >> 3) & 3);
		ev.result = (x >> 7) & 1 ? magnitudes[(x >> 8) & 7] : 0;
		uint64_t step = (x >> 14) & 0xfff; /* unsigned: INT64_MIN - step wraps, as meant */
		ev.value = (int64_t)((uint64_t)magnitudes[(x >> 11) & 7] + ((x >> 26) & 1 ? step : -step));
		ev.location = (x >> 27) & 1 ? (uint32_t)((x >> 28) & 3) : (x >> 30) & 1 ? 0 : 1u << 30;
		seq += 1 + ((x >> 31) & 1 ? (x >> 32) % 300 : 0);
		ev.seq = seq;
		ev.tid = 1;
		quiet_assert_int_eq(trace_writer_append_value(&lean.w, &lean.chunks[1], 1u << 20, ev.seq,
							      ev.call, ev.arg0, ev.result, ev.value,
							      ev.location), 0);
		quiet_assert_int_eq(trace_writer_append(&general.w, &general.chunks[1], 1u << 20, &ev), 0);
		quiet_assert_uint_eq(lean.chunks[1].used, general.chunks[1].used);
		quiet_assert_uint_eq(lean.chunks[1].crc, general.chunks[1].crc);
	}
	size_t nl, ng;
	uint8_t *bl = fixture_bytes(&lean, &nl), *bg = fixture_bytes(&general, &ng);
	quiet_assert_uint_eq(nl, ng);
	quiet_assert_mem_eq(bl, bg, nl);
	free(bl);
	free(bg);
	fixture_close(&lean);
	fixture_close(&general);
}
END_TEST

START_TEST(trailer_round_trips_and_trims_the_file)
{
	struct fixture f;
	struct trace_reader r;
	struct trace_error err;
	Retrace__Trailer t;
	struct stat st;
	char path[] = "/tmp/retrace-unit-XXXXXX";
	int fd = mkstemp(path);

	quiet_assert_int_ge(fd, 0);
	fixture_open_fd(&f, fd, 512);
	fixture_record(&f, 1, 700, 3);
	retrace__trailer__init(&t);
	t.events = 700;
	t.exit_status = 3;
	t.stopped = "disk full";
	t.stopped_at_seq = 701;
	quiet_assert_int_eq(trace_writer_put_trailer(&f.w, &t), 0);
	quiet_assert_int_eq(fstat(fd, &st), 0);
	quiet_assert_uint_eq((uint64_t)st.st_size, trace_writer_size(&f.w));

	quiet_assert_msg(trace_reader_open_file(&r, path, NULL, &err) == 0, "open: %s", err.msg);
	fixture_check_header(r.header);
	quiet_assert_ptr_nonnull(r.trailer);
	quiet_assert_uint_eq(r.trailer->events, 700);
	quiet_assert_int_eq(r.trailer->exit_status, 3);
	quiet_assert_str_eq(r.trailer->stopped, "disk full");
	quiet_assert_uint_eq(r.trailer->stopped_at_seq, 701);
	quiet_assert_uint_eq(r.torn_offset, 0);
	fixture_read_all(&r, 3, 1, 700, f.buf);
	trace_reader_close(&r);
	unlink(path);
	fixture_close(&f);
}
END_TEST

/* A process that never exits leaves the writer's preallocated, all-zero space in the file. */
START_TEST(untrimmed_file_of_a_running_process_reads_fine)
{
	struct fixture f;
	struct trace_reader r;
	struct trace_error err;
	struct stat st;
	char path[] = "/tmp/retrace-unit-XXXXXX";
	int fd = mkstemp(path);

	quiet_assert_int_ge(fd, 0);
	fixture_open_fd(&f, fd, 512);
	fixture_record(&f, 1, 300, 2);
	quiet_assert_int_eq(fstat(fd, &st), 0);
	quiet_assert_uint_gt((uint64_t)st.st_size, trace_writer_size(&f.w));
	quiet_assert_msg(trace_reader_open_file(&r, path, NULL, &err) == 0, "open: %s", err.msg);
	quiet_assert_ptr_null(r.trailer);
	quiet_assert_uint_eq(r.torn_offset, 0);
	fixture_read_all(&r, 2, 1, 300, f.buf);
	trace_reader_close(&r);
	unlink(path);
	fixture_close(&f);
}
END_TEST

START_TEST(reader_reports_unreadable_paths_as_io_errors)
{
	struct trace_reader r;
	struct trace_error err;
	char path[] = "/tmp/retrace-unit-XXXXXX";
	int fd = mkstemp(path);

	quiet_assert_int_eq(trace_reader_open_file(&r, "/nonexistent/trace.pb", NULL, &err), -1);
	quiet_assert_int_eq(err.code, TRACE_E_IO);
	quiet_assert_int_eq(trace_reader_open_file(&r, "/tmp", NULL, &err), -1);
	quiet_assert_int_eq(err.code, TRACE_E_IO);
	quiet_assert_int_ge(fd, 0);
	quiet_assert_int_eq(trace_reader_open_file(&r, path, NULL, &err), -1);
	quiet_assert_int_eq(err.code, TRACE_E_TRUNCATED);
	close(fd);
	unlink(path);
}
END_TEST

START_TEST(writer_leaves_errno_alone)
{
	struct fixture f;

	fixture_open(&f, 64);
	for (uint64_t seq = 1; seq < 200; seq++) {
		errno = 4321;
		fixture_append(&f, seq, 1 + (uint32_t)(seq % 2));
		quiet_assert_int_eq(errno, 4321);
	}
	fixture_close(&f);
}
END_TEST

/* The writer's reservation is its hard limit: hitting it is TRACE_E_FULL, and everything
 * acknowledged before stays readable. */
START_TEST(writer_out_of_space_fails_cleanly_and_keeps_what_it_acked)
{
	struct trace_writer w;
	struct trace_chunk ch[3];
	struct trace_reader r;
	struct trace_error err;
	struct trace_event ev;
	Retrace__Header h;
	Retrace__Capture cap;
	ProtobufCBinaryData argv[2], env[2];
	uint8_t *buf = malloc(FIXTURE_BUF_SIZE);
	int fd = memfd_create("retrace-full", MFD_CLOEXEC);
	uint64_t seq;

	memset(ch, 0, sizeof ch);
	ch[1].tid = 1;
	ch[2].tid = 2;
	quiet_assert_int_eq(trace_writer_open(&w, fd, NULL, 1u << 20, 65536), 0);
	fixture_header(&h, &cap, argv, env);
	quiet_assert_int_eq(trace_writer_put_header(&w, &h), 0);
	for (seq = 1;; seq++) {
		fixture_event(seq, &ev, buf);
		ev.tid = fixture_tid_of(seq, 2);
		if (trace_writer_append(&w, &ch[ev.tid], 512, &ev) < 0)
			break;
		quiet_assert_uint_lt(seq, 1000000);
	}
	quiet_assert_int_eq(w.error.code, TRACE_E_FULL);
	quiet_assert_uint_gt(strlen(w.error.msg), 0);
	quiet_assert_uint_le(trace_writer_size(&w), 1u << 20);

	quiet_assert_msg(trace_reader_open_mem(&r, w.map, trace_writer_size(&w), NULL, &err) == 0,
		      "open: %s", err.msg);
	struct trace_cursor c;
	uint64_t count = 0;
	int rc;
	quiet_assert_int_eq(trace_cursor_init(&c, &r, 0, &err), 0);
	while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
		quiet_assert_uint_eq(ev.seq, count + 1);
		fixture_check_event(&ev, ev.seq, buf);
		count++;
	}
	quiet_assert_int_eq(rc, 0);
	quiet_assert_uint_eq(count, seq - 1);
	trace_cursor_free(&c);
	trace_reader_close(&r);
	munmap(w.map, w.map_reserve);
	close(fd);
	free(buf);
}
END_TEST

/* DESIGN §7: protobuf-c must decode every byte the hand encoder writes.  Each CHUNK payload is
 * unpacked as a Retrace__Chunk and compared, event by event, with what our cursor decodes. */
START_TEST(protobuf_c_decodes_every_chunk_like_our_cursor)
{
	struct fixture f;
	struct trace_reader r;
	struct trace_error err;
	struct trace_cursor cur[FIXTURE_THREADS_MAX + 1];
	uint8_t *bytes;
	uint64_t total = 0;
	const uint32_t nthreads = 4;

	fixture_open(&f, chunk_sizes[_i]);
	fixture_record(&f, 1, 4000, nthreads);
	open_copy(&r, &f, &bytes);
	for (uint32_t t = 1; t <= nthreads; t++)
		quiet_assert_int_eq(trace_cursor_init(&cur[t], &r, t, &err), 0);

	for (size_t i = 0; i < r.nchunks; i++) {
		const struct trace_frame_ref *ref = &r.chunks[i];
		Retrace__Chunk *pc = retrace__chunk__unpack(NULL, ref->used, r.data + ref->offset);
		struct trace_value_state values;
		uint64_t next = pc ? pc->first_seq : 0;

		quiet_assert_msg(pc != NULL, "protobuf-c rejects chunk %zu", i);
		quiet_assert_uint_eq(pc->tid, ref->tid);
		quiet_assert_uint_eq(pc->first_seq, ref->first_seq);
		memset(&values, 0, sizeof values);
		for (size_t k = 0; k < pc->n_events; k++) {
			const Retrace__Event *pe = pc->events[k];
			struct trace_event ev;
			int64_t value = pe->value;
			int slot = trace_value_slot((uint32_t)pe->call, pe->arg0);

			if (slot >= 0) {
				value = (int64_t)((uint64_t)values.last[slot] + (uint64_t)pe->value);
				values.last[slot] = value;
			}
			quiet_assert_int_eq(trace_cursor_next(&cur[pc->tid], &ev, &err), 1);
			quiet_assert_uint_eq(ev.seq, next + pe->seq_gap);
			next = ev.seq + 1;
			quiet_assert_uint_eq(ev.tid, pc->tid);
			quiet_assert_uint_eq(ev.call, (uint32_t)pe->call);
			quiet_assert_int_eq(ev.arg0, pe->arg0);
			quiet_assert_int_eq(ev.arg1, pe->arg1);
			quiet_assert_int_eq(ev.arg2, pe->arg2);
			quiet_assert_int_eq(ev.result, pe->result);
			quiet_assert_int_eq(ev.err, pe->err);
			quiet_assert_int_eq(ev.value, value);
			quiet_assert_uint_eq(ev.data_len, pe->data.len);
			if (pe->data.len)
				quiet_assert_mem_eq(ev.data, pe->data.data, pe->data.len);
			quiet_assert_uint_eq(ev.hash_len, pe->hash.len);
			if (pe->hash.len)
				quiet_assert_mem_eq(ev.hash, pe->hash.data, pe->hash.len);
			quiet_assert_uint_eq(ev.aux_len, pe->aux.len);
			if (pe->aux.len)
				quiet_assert_mem_eq(ev.aux, pe->aux.data, pe->aux.len);
			quiet_assert_uint_eq(ev.control_len, pe->control.len);
			if (pe->control.len)
				quiet_assert_mem_eq(ev.control, pe->control.data, pe->control.len);
			/* and both are what was written */
			fixture_check_event(&ev, ev.seq, f.buf);
			total++;
		}
		/* protobuf-c's own encoding of the same message is byte-identical: the hand
		 * encoder writes canonical protobuf, not merely decodable protobuf */
		size_t packed = retrace__chunk__get_packed_size(pc);
		quiet_assert_uint_eq(packed, ref->used);
		uint8_t *again = malloc(packed);
		retrace__chunk__pack(pc, again);
		quiet_assert(memcmp(again, r.data + ref->offset, packed) == 0);
		free(again);
		retrace__chunk__free_unpacked(pc, NULL);
	}
	quiet_assert_uint_eq(total, 4000);
	for (uint32_t t = 1; t <= nthreads; t++) {
		struct trace_event ev;

		quiet_assert_int_eq(trace_cursor_next(&cur[t], &ev, &err), 0);
		trace_cursor_free(&cur[t]);
	}
	trace_reader_close(&r);
	free(bytes);
	fixture_close(&f);
}
END_TEST

Suite *suite_roundtrip(void)
{
	Suite *s = suite_create("roundtrip");
	TCase *tc = tcase_create("roundtrip");
	int nsizes = (int)(sizeof chunk_sizes / sizeof chunk_sizes[0]);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, header_fields_survive_the_round_trip);
	tcase_add_loop_test(tc, events_of_every_kind_come_back_in_global_seq_order, 0, nsizes);
	tcase_add_test(tc, thread_cursor_yields_only_that_threads_events_in_order);
	tcase_add_test(tc, chunks_of_threads_interleave_in_reservation_order);
	tcase_add_test(tc, sequence_numbers_start_at_one);
	tcase_add_test(tc, payload_of_megabytes_is_stored_whole);
	tcase_add_test(tc, hash_field_of_any_length_round_trips);
	tcase_add_test(tc, clock_readings_are_delta_coded_small);
	tcase_add_test(tc, value_appender_writes_what_the_general_one_writes);
	tcase_add_test(tc, trailer_round_trips_and_trims_the_file);
	tcase_add_test(tc, untrimmed_file_of_a_running_process_reads_fine);
	tcase_add_test(tc, reader_reports_unreadable_paths_as_io_errors);
	tcase_add_test(tc, writer_leaves_errno_alone);
	tcase_add_test(tc, writer_out_of_space_fails_cleanly_and_keeps_what_it_acked);
	tcase_add_loop_test(tc, protobuf_c_decodes_every_chunk_like_our_cursor, 0, nsizes);
	suite_add_tcase(s, tc);
	return s;
}
