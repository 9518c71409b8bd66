/* test_sequence.c — damage that keeps every checksum valid: chunks dropped, repeated, moved.
 *
 * Whole frames moved around pass every CRC, so only the sequence numbers can tell (trace.h):
 * each thread's rise, and together the threads hold every number once, but for the few a
 * dying thread took and never wrote.  These tests prove the reader refuses the first kind and
 * accepts the second, through the merged cursor (retrace-dump) and a thread's cursor (replay).
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

/* 3 threads, small chunks; with a trailer (_i even) or as a killed process leaves it: no
 * trailer, and the zeros the writer keeps after its last frame. */
static uint8_t *three_threads(struct fixture *f, size_t *size, uint64_t nevents, int trailer)
{
	fixture_data_limit = 40;
	fixture_open(f, 512);
	fixture_record(f, 1, nevents, 3);
	if (trailer)
		fixture_trailer(f, nevents, 0);
	uint8_t *p = fixture_bytes(f, size);
	if (!trailer) {
		p = realloc(p, *size + 1024);
		memset(p + *size, 0, 1024);
		*size += 1024;
	}
	return p;
}

/* The bytes of p with [from, to) taken out, or a copy of [from, to) put in at `at`. */
static uint8_t *without(const uint8_t *p, size_t size, size_t from, size_t to, size_t *out)
{
	uint8_t *q = malloc(size);
	memcpy(q, p, from);
	memcpy(q + from, p + to, size - to);
	*out = size - (to - from);
	return q;
}

static uint8_t *with_copy(const uint8_t *p, size_t size, size_t from, size_t to, size_t at, size_t *out)
{
	uint8_t *q = malloc(size + (to - from));
	memcpy(q, p, at);
	memcpy(q + at, p + from, to - from);
	memcpy(q + at + (to - from), p + at, size - at);
	*out = size + (to - from);
	return q;
}

/* Opens and reads p through the merged cursor, then every thread's cursor: TRACE_OK, or the
 * first error's code (msg, when given, gets its message). */
static enum trace_status read_all(const uint8_t *p, size_t size, uint64_t *events, char *msg)
{
	struct trace_reader r;
	struct trace_error err;
	struct trace_cursor c;
	struct trace_event ev;
	enum trace_status st = TRACE_OK;
	int rc = 0;

	if (events)
		*events = 0;
	if (trace_reader_open_mem(&r, p, size, NULL, &err) < 0) {
		if (msg)
			strcpy(msg, err.msg);
		return err.code;
	}
	for (size_t t = 0; t <= r.ntids && rc >= 0; t++) {
		quiet_assert_int_eq(trace_cursor_init(&c, &r, t ? r.tids[t - 1] : 0, &err), 0);
		while ((rc = trace_cursor_next(&c, &ev, &err)) == 1)
			if (events && t == 0)
				(*events)++;
		trace_cursor_free(&c);
	}
	if (rc < 0) {
		st = err.code;
		if (msg)
			strcpy(msg, err.msg);
	}
	trace_reader_close(&r);
	return st;
}

START_TEST(dropped_chunk_is_corruption)
{
	struct fixture f;
	struct fixture_frame fr[FIXTURE_FRAMES_MAX];
	size_t size;
	uint8_t *p = three_threads(&f, &size, 300, 1);
	size_t nf = fixture_frames(p, size, fr), tried = 0;
	char msg[256];

	/* A thread's death can explain one missing number per thread: drop more than that.
	 * With a trailer only: a killed process may leave numbers to threads that never wrote. */
	for (size_t k = 1; k < nf; k++) {
		if (fr[k].kind != TRACE_FRAME_CHUNK || fr[k].nevents <= 3)
			continue;
		size_t n;
		uint8_t *q = without(p, size, fr[k].off, fr[k].end, &n);
		enum trace_status st = read_all(q, n, NULL, msg);
		quiet_assert_msg(st == TRACE_E_CORRUPT, "chunk %zu of %zu dropped: %s", k, nf,
			      trace_status_name(st));
		quiet_assert_msg(strstr(msg, "missing") != NULL, "chunk %zu: %s", k, msg);
		tried++;
		free(q);
	}
	quiet_assert_uint_gt(tried, 10);
	free(p);
	fixture_close(&f);
}
END_TEST

START_TEST(repeated_chunk_is_corruption)
{
	struct fixture f;
	struct fixture_frame fr[FIXTURE_FRAMES_MAX];
	size_t size;
	uint8_t *p = three_threads(&f, &size, 300, _i == 0);
	size_t nf = fixture_frames(p, size, fr), last = nf - 1;
	char msg[256];

	while (fr[last].kind != TRACE_FRAME_CHUNK)
		last--;
	for (size_t k = 1; k < nf; k++) {
		if (fr[k].kind != TRACE_FRAME_CHUNK)
			continue;
		/* right after itself, and at the end of the chunks (as a copy of a later one) */
		size_t places[2] = { fr[k].end, fr[last].end };
		for (int j = 0; j < 2; j++) {
			size_t n;
			uint8_t *q = with_copy(p, size, fr[k].off, fr[k].end, places[j], &n);
			enum trace_status st = read_all(q, n, NULL, msg);
			quiet_assert_msg(st == TRACE_E_CORRUPT, "chunk %zu copied to %zu: %s", k,
				      places[j], trace_status_name(st));
			free(q);
		}
	}
	free(p);
	fixture_close(&f);
}
END_TEST

/* Two chunks of one thread swapped is corruption; of two threads, an order that reservation
 * races make every day, and nothing changes. */
START_TEST(swapped_chunks_are_corruption_only_within_a_thread)
{
	struct fixture f;
	struct fixture_frame fr[FIXTURE_FRAMES_MAX];
	size_t size;
	uint8_t *p = three_threads(&f, &size, 300, _i == 0);
	size_t nf = fixture_frames(p, size, fr);
	int same = 0, other = 0;

	for (size_t k = 1; k + 1 < nf; k++) {
		if (fr[k].kind != TRACE_FRAME_CHUNK || fr[k + 1].kind != TRACE_FRAME_CHUNK)
			continue;
		uint8_t *q = malloc(size);
		size_t a = fr[k].off, b = fr[k + 1].off, e = fr[k + 1].end;
		memcpy(q, p, a);
		memcpy(q + a, p + b, e - b);
		memcpy(q + a + (e - b), p + a, b - a);
		memcpy(q + e, p + e, size - e);
		uint64_t events;
		char msg[256];
		enum trace_status st = read_all(q, size, &events, msg);
		if (fr[k].tid == fr[k + 1].tid) {
			quiet_assert_msg(st == TRACE_E_CORRUPT, "chunks %zu, %zu of thread %u swapped: %s",
				      k, k + 1, fr[k].tid, trace_status_name(st));
			quiet_assert_msg(strstr(msg, "out of order") != NULL, "%s", msg);
			same++;
		} else {
			quiet_assert_msg(st == TRACE_OK, "chunks %zu, %zu of threads %u, %u swapped: %s",
				      k, k + 1, fr[k].tid, fr[k + 1].tid, msg);
			quiet_assert_uint_eq(events, 300);
			other++;
		}
		free(q);
	}
	quiet_assert_int_gt(same, 0);
	quiet_assert_int_gt(other, 0);
	free(p);
	fixture_close(&f);
}
END_TEST

/* A chunk whose commit word was zeroed looks like one reserved and never written; but the
 * writer commits before it writes an event, so over data it is damage. */
START_TEST(zeroed_commit_word_over_data_is_corruption_unless_last)
{
	struct fixture f;
	struct fixture_frame fr[FIXTURE_FRAMES_MAX];
	size_t size;
	uint8_t *p = three_threads(&f, &size, 300, 0);
	size_t nf = fixture_frames(p, size, fr);

	for (size_t k = 1; k < nf; k++) {
		uint8_t *q = malloc(size);
		struct trace_reader r;
		struct trace_error err;

		memcpy(q, p, size);
		memset(q + fr[k].off + 16, 0, 8);
		int rc = trace_reader_open_mem(&r, q, size, NULL, &err);
		if (k == nf - 1) {
			/* a torn tail: what a crash between the writes leaves */
			quiet_assert_msg(rc == 0, "last frame: %s", err.msg);
			quiet_assert_uint_eq(r.torn_offset, fr[k].off);
			trace_reader_close(&r);
		} else {
			quiet_assert_msg(rc == -1, "frame %zu of %zu accepted", k, nf);
			quiet_assert_int_eq(err.code, TRACE_E_CORRUPT);
			quiet_assert_uint_eq(err.offset, fr[k].off);
			quiet_assert_msg(strstr(err.msg, "commit word") != NULL, "%s", err.msg);
		}
		free(q);
	}
	free(p);
	fixture_close(&f);
}
END_TEST

/* Thread 3 dies between reserving a chunk for event #61 and committing it (a SIGKILL there):
 * its frame is all zeros, the others go on.  #61 is missing, and that is no corruption. */
START_TEST(thread_that_died_opening_a_chunk_leaves_a_number_missing)
{
	struct fixture f;
	size_t size;
	uint64_t events;
	char msg[256];

	fixture_data_limit = 40;
	fixture_open(&f, 128);
	for (uint64_t seq = 1; seq <= 60; seq++)
		fixture_append(&f, seq, (uint32_t)(seq % 3) + 1);
	uint8_t *head = f.w.map + f.w.end;
	uint32_t h[4] = { TRACE_FRAME_MAGIC, TRACE_FRAME_CHUNK, 128, 0 };
	memcpy(head, h, sizeof h);
	f.w.end += TRACE_FRAME_HEAD_SIZE + 128;
	/* the others' next events open chunks after it */
	f.chunks[1].head = f.chunks[2].head = NULL;
	for (uint64_t seq = 62; seq <= 120; seq++)
		fixture_append(&f, seq, (uint32_t)(seq % 2) + 1);
	uint8_t *p = fixture_bytes(&f, &size);
	quiet_assert_msg(read_all(p, size, &events, msg) == TRACE_OK, "%s", msg);
	quiet_assert_uint_eq(events, 119);
	free(p);

	/* two numbers missing there are one more than thread 3 can explain (with a trailer: the
	 * process exited, so no thread that never wrote can have taken one) */
	fixture_append(&f, 122, 1);
	fixture_append(&f, 123, 2);
	fixture_trailer(&f, 123, 0);
	p = fixture_bytes(&f, &size);
	quiet_assert_int_eq(read_all(p, size, &events, msg), TRACE_E_CORRUPT);
	quiet_assert_msg(strstr(msg, "#121..#121") != NULL, "%s", msg);
	free(p);
	fixture_close(&f);
}
END_TEST

static void append_call(struct fixture *f, uint64_t seq, uint32_t call, int64_t arg0)
{
	struct trace_event ev = { .call = call, .seq = seq, .arg0 = arg0 };
	quiet_assert_int_eq(trace_writer_append(&f->w, &f->chunks[1], f->chunk_size, &ev), 0);
}

/* Replay reads each thread with its own cursor: in a trace with one thread (and a trailer),
 * that cursor alone sees a number skipped, and only a thread created without a chunk of its
 * own explains one. */
START_TEST(only_threads_cursor_sees_a_number_skipped)
{
	static const struct {
		const char *name;
		uint64_t skip_from, skip_to; /* numbers left out, [from, to) */
		int create_at;               /* a THREAD_CREATE there, 0 none */
		enum trace_status want;
	} cases[] = {
		{ "nothing skipped", 0, 0, 0, TRACE_OK },
		{ "#50 skipped", 50, 51, 0, TRACE_E_CORRUPT },
		{ "#50..#59 skipped", 50, 60, 0, TRACE_E_CORRUPT },
		{ "#50 taken by a thread that died at once", 50, 51, 49, TRACE_OK },
		{ "#50, #51 and one created thread", 50, 52, 49, TRACE_E_CORRUPT },
		{ "#1 skipped", 1, 2, 0, TRACE_E_CORRUPT },
	};
	struct fixture f;
	size_t size;

	fixture_open(&f, 96);
	for (uint64_t seq = 1; seq <= 100; seq++) {
		if (seq >= cases[_i].skip_from && seq < cases[_i].skip_to)
			continue;
		if ((int)seq == cases[_i].create_at)
			append_call(&f, seq, RETRACE__CALL__CALL_THREAD_CREATE, 2);
		else
			append_call(&f, seq, RETRACE__CALL__CALL_GETPID, 0);
	}
	fixture_trailer(&f, 100, 0);
	uint8_t *p = fixture_bytes(&f, &size);
	struct trace_reader r;
	struct trace_error err;
	struct trace_cursor c;
	struct trace_event ev;
	int rc;

	if (trace_reader_open_mem(&r, p, size, NULL, &err) < 0) {
		/* #1 missing is seen by chunk heads alone, at open */
		quiet_assert_msg(cases[_i].skip_from == 1 && err.code == cases[_i].want, "%s: %s",
			      cases[_i].name, err.msg);
		free(p);
		fixture_close(&f);
		return;
	}
	quiet_assert_uint_eq(r.ntids, 1);
	quiet_assert_int_eq(trace_cursor_init(&c, &r, 1, &err), 0);
	while ((rc = trace_cursor_next(&c, &ev, &err)) == 1)
		;
	trace_cursor_free(&c);
	quiet_assert_msg((rc < 0 ? err.code : TRACE_OK) == cases[_i].want, "%s: %s", cases[_i].name,
		      rc < 0 ? err.msg : "accepted");
	quiet_assert_int_eq(read_all(p, size, NULL, NULL), cases[_i].want);
	trace_reader_close(&r);
	free(p);
	fixture_close(&f);
}
END_TEST

/* A chunk starting inside the numbers its thread's previous chunk already used passes the
 * open-time check (first_seqs still rise); the thread's cursor catches it. */
START_TEST(chunk_overlapping_its_predecessor_is_corruption)
{
	struct fixture f;
	size_t size;
	char msg[256];

	fixture_open(&f, 4096);
	for (uint64_t seq = 1; seq <= 5; seq++)
		append_call(&f, seq, RETRACE__CALL__CALL_GETPID, 0);
	/* the writer opens a new chunk for a number below its last: from #3 */
	for (uint64_t seq = 3; seq <= 8; seq++)
		append_call(&f, seq, RETRACE__CALL__CALL_GETPID, 0);
	uint8_t *p = fixture_bytes(&f, &size);
	quiet_assert_int_eq(read_all(p, size, NULL, msg), TRACE_E_CORRUPT);
	quiet_assert_msg(strstr(msg, "out of order") != NULL, "%s", msg);
	free(p);
	fixture_close(&f);
}
END_TEST

/* The trailer counts the numbers handed out: more missing at the end than the threads can
 * have taken and not written is a chunk lost. */
START_TEST(trailer_counting_events_the_trace_lacks_is_corruption)
{
	static const struct { uint64_t counted; enum trace_status want; } cases[] = {
		{ 300, TRACE_OK }, { 303, TRACE_OK }, { 304, TRACE_E_CORRUPT }, { 400, TRACE_E_CORRUPT },
	};
	struct fixture f;
	size_t size;
	char msg[256] = "";

	fixture_data_limit = 40;
	fixture_open(&f, 128);
	fixture_record(&f, 1, 300, 3);
	fixture_trailer(&f, cases[_i].counted, 0);
	uint8_t *p = fixture_bytes(&f, &size);
	enum trace_status st = read_all(p, size, NULL, msg);
	quiet_assert_msg(st == cases[_i].want, "trailer counts %llu: %s (%s)",
		      (unsigned long long)cases[_i].counted, trace_status_name(st), msg);
	free(p);
	fixture_close(&f);
}
END_TEST

/* Replay's thread cursor, in a trace with one thread, checks the trailer's count at its end:
 * the lost last chunk of a program that exited is damage, not "the recording ends here". */
START_TEST(only_threads_cursor_sees_its_last_chunk_lost)
{
	static const struct { uint64_t counted; enum trace_status want; } cases[] = {
		{ 100, TRACE_OK }, { 101, TRACE_OK }, { 102, TRACE_E_CORRUPT }, { 180, TRACE_E_CORRUPT },
	};
	struct fixture f;
	size_t size;
	struct trace_reader r;
	struct trace_error err;
	struct trace_cursor c;
	struct trace_event ev;
	int rc;

	fixture_open(&f, 96);
	for (uint64_t seq = 1; seq <= 100; seq++)
		append_call(&f, seq, RETRACE__CALL__CALL_GETPID, 0);
	fixture_trailer(&f, cases[_i].counted, 0);
	uint8_t *p = fixture_bytes(&f, &size);
	quiet_assert_msg(trace_reader_open_mem(&r, p, size, NULL, &err) == 0, "%s", err.msg);
	quiet_assert_int_eq(trace_cursor_init(&c, &r, 1, &err), 0);
	while ((rc = trace_cursor_next(&c, &ev, &err)) == 1)
		;
	trace_cursor_free(&c);
	quiet_assert_msg((rc < 0 ? err.code : TRACE_OK) == cases[_i].want, "counted %llu: %s",
		      (unsigned long long)cases[_i].counted, rc < 0 ? err.msg : "accepted");
	trace_reader_close(&r);
	free(p);
	fixture_close(&f);
}
END_TEST

Suite *suite_sequence(void)
{
	Suite *s = suite_create("sequence");
	TCase *tc = tcase_create("sequence");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, dropped_chunk_is_corruption);
	tcase_add_loop_test(tc, repeated_chunk_is_corruption, 0, 2);
	tcase_add_loop_test(tc, swapped_chunks_are_corruption_only_within_a_thread, 0, 2);
	tcase_add_test(tc, zeroed_commit_word_over_data_is_corruption_unless_last);
	tcase_add_test(tc, thread_that_died_opening_a_chunk_leaves_a_number_missing);
	tcase_add_loop_test(tc, only_threads_cursor_sees_a_number_skipped, 0, 6);
	tcase_add_test(tc, chunk_overlapping_its_predecessor_is_corruption);
	tcase_add_loop_test(tc, trailer_counting_events_the_trace_lacks_is_corruption, 0, 4);
	tcase_add_loop_test(tc, only_threads_cursor_sees_its_last_chunk_lost, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}
