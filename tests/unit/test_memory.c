/* test_memory.c — the writer and the reader keep mapped only what they work on.
 *
 * A trace of many megabytes is recorded by two threads' chunks into a real file, and the
 * process's resident pages of the writer's mapping are counted (from /proc/self/smaps) as it
 * goes; then the same for the reader's mapping after its open and while a cursor walks it.
 * Every event must still read back as written: pages given back lose nothing, and a pointer
 * into a released page reads the same bytes again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fixture.h"

#define MEMORY_TRACE_SIZE (24u << 20) /* what is recorded */
#define MEMORY_CHUNK_SIZE 65536u      /* libretrace's */
#define MEMORY_DATA_LIMIT 16384u      /* every event fits a chunk */
/* Resident pages allowed in a mapping: each thread's open chunk, and around it the page cache
 * a fault maps (64 KiB windows), with room to spare; the trace is 48 times that. */
#define MEMORY_RESIDENT_MAX (512u << 10)

/* Resident bytes of the mappings that overlap [p, p + len). */
static uint64_t resident(const void *p, size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	uint64_t total = 0, lo = 0, hi = 0, kb;
	uintptr_t a = (uintptr_t)p, b = a + len;

	quiet_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " ", &lo, &hi) == 2)
			continue;
		if (sscanf(line, "Rss: %" SCNu64 " kB", &kb) == 1 && lo < b && hi > a)
			total += kb << 10;
	}
	fclose(f);
	return total;
}

static void record_big_trace(char *path, uint64_t *nevents)
{
	struct fixture f;
	int fd = mkstemp(path);
	uint64_t seq = 1;

	quiet_assert_int_ge(fd, 0);
	fixture_data_limit = MEMORY_DATA_LIMIT;
	fixture_open_fd(&f, fd, MEMORY_CHUNK_SIZE);
	while (trace_writer_size(&f.w) < MEMORY_TRACE_SIZE) {
		fixture_append(&f, seq, fixture_tid_of(seq, 2));
		if (seq++ % 256 == 0)
			quiet_assert_uint_le(resident(f.w.map, f.w.mapped), MEMORY_RESIDENT_MAX);
	}
	*nevents = seq - 1;
	/* a thread that exits gives its chunk back too */
	trace_writer_release_chunk(&f.w, &f.chunks[1]);
	trace_writer_release_chunk(&f.w, &f.chunks[2]);
	quiet_assert_uint_le(resident(f.w.map, f.w.mapped), 2 * 4096);
	fixture_trailer(&f, *nevents, 0);
	fixture_close(&f);
}

START_TEST(writer_keeps_only_open_chunks_mapped_and_loses_nothing)
{
	char path[] = "/tmp/retrace-memory-XXXXXX";
	uint64_t n;
	struct trace_reader r;
	struct trace_error err;

	record_big_trace(path, &n);
	quiet_assert_uint_gt(n, 1000);
	quiet_assert_msg(trace_reader_open_file(&r, path, NULL, &err) == 0, "open: %s", err.msg);
	quiet_assert_uint_ge(r.size, MEMORY_TRACE_SIZE);
	uint8_t *buf = malloc(FIXTURE_BUF_SIZE);
	fixture_read_all(&r, 2, 1, n, buf);
	trace_reader_close(&r);
	free(buf);
	unlink(path);
}
END_TEST

START_TEST(reader_of_a_file_keeps_only_the_chunks_its_cursors_are_in_mapped)
{
	char path[] = "/tmp/retrace-memory-XXXXXX";
	uint64_t n, count = 0;
	struct trace_reader r;
	struct trace_error err;
	struct trace_cursor c;
	struct trace_event ev, first;
	uint8_t *buf = malloc(FIXTURE_BUF_SIZE);
	int rc;

	record_big_trace(path, &n);
	quiet_assert_msg(trace_reader_open_file(&r, path, NULL, &err) == 0, "open: %s", err.msg);
	/* the open read every byte (checksums) and gave them back */
	quiet_assert_uint_le(resident(r.data, r.size), MEMORY_RESIDENT_MAX);
	quiet_assert_int_eq(trace_cursor_init(&c, &r, 0, &err), 0);
	memset(&first, 0, sizeof first);
	while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
		fixture_check_event(&ev, ev.seq, buf);
		if (!first.data_len && ev.data_len > 4096)
			first = ev;
		if (++count % 64 == 0)
			quiet_assert_uint_le(resident(r.data, r.size), MEMORY_RESIDENT_MAX);
	}
	quiet_assert_int_eq(rc, 0);
	quiet_assert_uint_eq(count, n);
	trace_cursor_free(&c);
	/* first's bytes were given back long ago: they read the same from the file again */
	quiet_assert_uint_gt(first.data_len, 0);
	quiet_assert_uint_le(resident(r.data, r.size), MEMORY_RESIDENT_MAX);
	fixture_check_event(&first, first.seq, buf);
	trace_reader_close(&r);
	free(buf);
	unlink(path);
}
END_TEST

Suite *suite_memory(void)
{
	Suite *s = suite_create("memory");
	TCase *tc = tcase_create("memory");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, writer_keeps_only_open_chunks_mapped_and_loses_nothing);
	tcase_add_test(tc, reader_of_a_file_keeps_only_the_chunks_its_cursors_are_in_mapped);
	suite_add_tcase(s, tc);
	return s;
}
