/* test_crash.c — a recording process killed with SIGKILL loses nothing it was told was written.
 *
 * A child records through the real writer from several threads into a real file and reports,
 * through a pipe, how many appends have returned; the parent kills it mid-stream and reads the
 * file: every acknowledged event must be there, and nothing that was not really written.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

#define CRASH_CHUNK_SIZE 200 /* small: many chunk reservations race with appends */
#define CRASH_SEQ_CAP 50000000ull

static struct trace_writer crash_writer;
static uint64_t crash_next_seq = 1;
static uint64_t crash_acked;

struct crash_thread {
	pthread_t th;
	uint32_t tid;
};

static void *crash_worker(void *arg)
{
	struct crash_thread *t = arg;
	struct trace_chunk chunk;
	struct trace_event ev;
	uint8_t *buf = malloc(FIXTURE_BUF_SIZE);

	memset(&chunk, 0, sizeof chunk);
	chunk.tid = t->tid;
	for (;;) {
		uint64_t seq = __atomic_fetch_add(&crash_next_seq, 1, __ATOMIC_RELAXED);

		if (seq > CRASH_SEQ_CAP)
			_exit(2); /* the parent should have killed us long ago */
		fixture_event(seq, &ev, buf);
		ev.tid = t->tid;
		if (trace_writer_append(&crash_writer, &chunk, CRASH_CHUNK_SIZE, &ev) < 0)
			_exit(3);
		__atomic_fetch_add(&crash_acked, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void crash_child(const char *path, int ackfd, uint32_t nthreads)
{
	struct crash_thread th[FIXTURE_THREADS_MAX];
	Retrace__Header h;
	Retrace__Capture cap;
	ProtobufCBinaryData argv[2], env[2];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || trace_writer_open(&crash_writer, fd, NULL, (size_t)1 << 34, 0) < 0)
		_exit(4);
	fixture_header(&h, &cap, argv, env);
	if (trace_writer_put_header(&crash_writer, &h) < 0)
		_exit(5);
	/* As libretrace does: the creating thread logs each THREAD_CREATE before the new thread
	 * runs, so a reader can tell a thread that took a number and was killed before writing
	 * anything (its number missing, no chunk of its own) from a dropped chunk. */
	static struct trace_chunk creator;
	creator.tid = nthreads + 1;
	for (uint32_t i = 0; i < nthreads; i++) {
		struct trace_event ev = {
			.call = RETRACE__CALL__CALL_THREAD_CREATE, .tid = nthreads + 1,
			.seq = __atomic_fetch_add(&crash_next_seq, 1, __ATOMIC_RELAXED),
			.arg0 = i + 1,
		};
		if (trace_writer_append(&crash_writer, &creator, CRASH_CHUNK_SIZE, &ev) < 0)
			_exit(6);
		th[i].tid = i + 1;
		if (pthread_create(&th[i].th, NULL, crash_worker, &th[i]) != 0)
			_exit(6);
	}
	for (;;) {
		uint64_t acked = __atomic_load_n(&crash_acked, __ATOMIC_ACQUIRE);
		struct timespec ts = { 0, 100000 };

		if (write(ackfd, &acked, sizeof acked) != sizeof acked)
			_exit(7);
		nanosleep(&ts, NULL);
	}
}

static const struct {
	uint32_t threads;
	uint64_t acked; /* kill once at least this many appends returned */
} crash_cases[] = {
	{ 1, 1 }, { 1, 20000 }, { 3, 1 }, { 3, 5000 }, { 4, 40000 }, { 8, 20000 },
};

START_TEST(sigkill_mid_recording_keeps_every_acknowledged_event)
{
	char path[] = "/tmp/retrace-crash-XXXXXX";
	int pfd[2], status;
	uint64_t acked = 0;
	const uint32_t nthreads = crash_cases[_i].threads;

	fixture_data_limit = 3000;
	quiet_assert_int_ge(mkstemp(path), 0);
	quiet_assert_int_eq(pipe(pfd), 0);
	pid_t pid = fork();
	quiet_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(pfd[0]);
		crash_child(path, pfd[1], nthreads);
	}
	close(pfd[1]);
	while (acked < crash_cases[_i].acked)
		quiet_assert_int_eq(read(pfd[0], &acked, sizeof acked), sizeof acked);
	quiet_assert_int_eq(kill(pid, SIGKILL), 0);
	quiet_assert_int_eq(waitpid(pid, &status, 0), pid);
	quiet_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "child ended otherwise: status %#x", status);
	close(pfd[0]);

	struct trace_reader r;
	struct trace_error err;
	struct trace_cursor c;
	struct trace_event ev;
	uint8_t *buf = malloc(FIXTURE_BUF_SIZE);
	uint64_t count = 0, last = 0;
	int rc;

	quiet_assert_msg(trace_reader_open_file(&r, path, NULL, &err) == 0, "open: %s", err.msg);
	fixture_check_header(r.header);
	quiet_assert_ptr_null(r.trailer);
	quiet_assert_int_eq(trace_cursor_init(&c, &r, 0, &err), 0);
	while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
		quiet_assert_uint_gt(ev.seq, last);
		quiet_assert_uint_ge(ev.tid, 1);
		quiet_assert_uint_le(ev.tid, nthreads + 1);
		if (ev.tid <= nthreads)
			fixture_check_event(&ev, ev.seq, buf);
		else
			quiet_assert_uint_eq(ev.call, RETRACE__CALL__CALL_THREAD_CREATE);
		last = ev.seq;
		count++;
	}
	quiet_assert_msg(rc == 0, "cursor: %s", err.msg);
	quiet_assert_msg(count >= acked, "%llu events read, %llu acknowledged (torn at %llu)",
		      (unsigned long long)count, (unsigned long long)acked,
		      (unsigned long long)r.torn_offset);
	trace_cursor_free(&c);
	trace_reader_close(&r);
	free(buf);
	unlink(path);
}
END_TEST

Suite *suite_crash(void)
{
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("crash");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, sigkill_mid_recording_keeps_every_acknowledged_event, 0,
			    (int)(sizeof crash_cases / sizeof crash_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
