/* fixture.c — records test traces through the real writer and checks what the reader gives back.
 *
 * Every event is a pure function of its sequence number, so a test can record millions of them,
 * or lose the recording process to SIGKILL, and still say exactly what each event read back must
 * hold, without keeping a copy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixture.h"

uint64_t fixture_mix(uint64_t x)
{
	/* splitmix64 finaliser: neighbouring seqs get unrelated event kinds */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void fixture_fill(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t s = fixture_mix(seed);

	for (size_t i = 0; i < n; i++) {
		if ((i & 7) == 0)
			s = fixture_mix(s + i);
		p[i] = (uint8_t)(s >> (8 * (i & 7)));
	}
}

/* Sizes chosen around the encoder's edges: one-byte and two-byte length varints, the chunk size,
 * and payloads far bigger than a chunk. */
static uint32_t fixture_data_len(uint64_t h)
{
	switch ((h >> 12) % 16) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 127;
	case 3: return 128;
	case 4: return 16383;
	case 5: return 16384;
	case 6: return (uint32_t)(h >> 40) % 300000; /* bigger than any chunk_size we use */
	default: return (uint32_t)(h >> 40) % 200;
	}
}

/* A clock reading for seq on clock slot s: mostly forward in small steps, sometimes backwards
 * (CLOCK_REALTIME can be set), sometimes at the ends of int64 so deltas wrap. */
static int64_t fixture_clock(uint64_t seq, uint64_t h, int s)
{
	switch ((h >> 20) % 32) {
	case 0: return INT64_MAX;
	case 1: return INT64_MIN;
	case 2: return -(int64_t)(seq * 7919);
	case 3: return 0;
	default: return 1700000000000000000LL + (int64_t)(seq * 1000) + s * 1000000007LL +
			(int64_t)((h >> 32) % 1000);
	}
}

uint32_t fixture_data_limit = FIXTURE_DATA_MAX;

void fixture_event(uint64_t seq, struct trace_event *ev, uint8_t *buf)
{
	uint64_t h = fixture_mix(seq);

	memset(ev, 0, sizeof *ev);
	ev->seq = seq;
	switch (h % 15) {
	case 0:
	case 1:
	case 2:
		/* ids 0..15 are delta-coded, -2 (a thread CPU clock) and 16 stored plain */
		ev->call = RETRACE__CALL__CALL_CLOCK_GETTIME;
		ev->arg0 = (int64_t)((h >> 8) % 19) - 2;
		ev->value = fixture_clock(seq, h, (int)ev->arg0);
		break;
	case 3:
		ev->call = RETRACE__CALL__CALL_GETTIMEOFDAY;
		ev->value = fixture_clock(seq, h, 16) / 1000 * 1000;
		break;
	case 4:
		ev->call = RETRACE__CALL__CALL_TIME;
		ev->value = fixture_clock(seq, h, 17) / 1000000000 * 1000000000;
		break;
	case 5:
		ev->call = RETRACE__CALL__CALL_GETRANDOM;
		ev->data_len = (uint32_t)(h >> 40) % 257;
		ev->arg0 = ev->data_len;
		ev->arg1 = (int64_t)((h >> 8) & 3);
		ev->result = ev->data_len;
		break;
	case 6:
		ev->call = RETRACE__CALL__CALL_READ;
		ev->arg0 = (int64_t)((h >> 8) % 1100);
		ev->data_len = fixture_data_len(h);
		ev->arg1 = (int64_t)ev->data_len + 10;
		ev->result = ev->data_len;
		break;
	case 7:
		ev->call = RETRACE__CALL__CALL_READ;
		ev->arg0 = 3;
		ev->arg1 = 4096;
		ev->result = -1;
		ev->err = EAGAIN;
		break;
	case 8:
		ev->call = RETRACE__CALL__CALL_WRITE;
		ev->arg0 = 1;
		ev->arg1 = (int64_t)(h >> 40) % 5000;
		ev->result = ev->arg1;
		ev->hash_len = TRACE_HASH_SIZE;
		break;
	case 9:
		ev->call = RETRACE__CALL__CALL_GETPID;
		ev->result = (int64_t)((h >> 8) % 4194304) + 1;
		break;
	case 10:
		ev->call = RETRACE__CALL__CALL_CLOCK_NANOSLEEP; /* value stored plain */
		ev->arg0 = 1;
		ev->arg1 = 1;
		ev->value = (int64_t)(h >> 1) * ((h & 1) ? -1 : 1);
		ev->result = EINTR;
		ev->data_len = 16;
		break;
	case 11:
		/* every integer field at its extremes; err negative (sign-extended to 10 bytes) */
		ev->call = RETRACE__CALL__CALL_LSEEK;
		ev->arg0 = INT64_MIN;
		ev->arg1 = INT64_MAX;
		ev->arg2 = -1;
		ev->result = INT64_MIN;
		ev->err = INT32_MIN;
		ev->value = INT64_MAX;
		break;
	case 12:
		ev->call = RETRACE__CALL__CALL_NONE; /* an event with no field at all: 0-byte body */
		break;
	case 13:
		ev->call = 0x7fffffffu; /* a call number this retrace does not know */
		ev->err = -1;
		ev->arg2 = 1;
		ev->data_len = 3;
		break;
	case 14:
		/* every byte field at once: a recvmsg with payload, address and ancillary data */
		ev->call = RETRACE__CALL__CALL_RECVMSG;
		ev->arg0 = 5;
		ev->arg1 = 65536;
		ev->data_len = fixture_data_len(h);
		ev->result = ev->data_len;
		ev->value = 0x40;
		ev->hash_len = TRACE_HASH_SIZE;
		ev->aux_len = 16;
		ev->control_len = 24 + (uint32_t)(h >> 50) % 200;
		break;
	}
	/* Python locations: runs of the same id (stored once), changes, none, and the largest */
	switch ((h >> 56) % 8) {
	case 0: ev->location = 0; break;
	case 1: ev->location = UINT32_MAX - 1; break;
	case 2: ev->location = (uint32_t)(h >> 24) % 100000 + 1; break;
	default: ev->location = (uint32_t)(seq / 16) % 5 + 1; break;
	}
	if (ev->data_len > fixture_data_limit)
		ev->data_len %= fixture_data_limit + 1;
	if (ev->data_len) {
		fixture_fill(buf, ev->data_len, seq);
		ev->data = buf;
	}
	if (ev->hash_len) {
		trace_hash(&seq, sizeof seq, buf + FIXTURE_DATA_MAX);
		ev->hash = buf + FIXTURE_DATA_MAX;
	}
	if (ev->aux_len) {
		/* aux and control are slices of the data pattern, shifted, so each is distinct */
		fixture_fill(buf + FIXTURE_DATA_MAX + 64, ev->aux_len, seq + 1);
		ev->aux = buf + FIXTURE_DATA_MAX + 64;
	}
	if (ev->control_len) {
		fixture_fill(buf + FIXTURE_DATA_MAX + 128, ev->control_len, seq + 2);
		ev->control = buf + FIXTURE_DATA_MAX + 128;
	}
}

void fixture_check_event(const struct trace_event *got, uint64_t seq, uint8_t *buf)
{
	struct trace_event want;

	fixture_event(seq, &want, buf);
	quiet_assert_uint_eq(got->seq, seq);
	quiet_assert_uint_eq(got->call, want.call);
	quiet_assert_int_eq(got->arg0, want.arg0);
	quiet_assert_int_eq(got->arg1, want.arg1);
	quiet_assert_int_eq(got->arg2, want.arg2);
	quiet_assert_int_eq(got->result, want.result);
	quiet_assert_int_eq(got->err, want.err);
	quiet_assert_int_eq(got->value, want.value);
	quiet_assert_uint_eq(got->location, want.location);
	quiet_assert_uint_eq(got->data_len, want.data_len);
	if (want.data_len)
		quiet_assert_mem_eq(got->data, want.data, want.data_len);
	quiet_assert_uint_eq(got->hash_len, want.hash_len);
	if (want.hash_len)
		quiet_assert_mem_eq(got->hash, want.hash, want.hash_len);
	quiet_assert_uint_eq(got->aux_len, want.aux_len);
	if (want.aux_len)
		quiet_assert_mem_eq(got->aux, want.aux, want.aux_len);
	quiet_assert_uint_eq(got->control_len, want.control_len);
	if (want.control_len)
		quiet_assert_mem_eq(got->control, want.control, want.control_len);
}

uint32_t fixture_tid_of(uint64_t seq, uint32_t nthreads)
{
	/* runs of the same thread, like real programs, so chunks hold several events */
	return (uint32_t)(fixture_mix(seq / 3 + 77) % nthreads) + 1;
}

/* ---------------------------------------------------------------------------------------------
 * The header every fixture trace carries; binary bytes (NUL, 0xff) where the proto says bytes.
 */
#define FIXTURE_BYTES(s) ((ProtobufCBinaryData){ sizeof(s) - 1, (uint8_t *)(s) })

static uint8_t fixture_argv0[] = "/usr/bin/python3";
static uint8_t fixture_argv1[] = { 'a', 0, 0xff, 'b' };
static uint8_t fixture_env0[] = "PATH=/usr/bin:/bin";
static uint8_t fixture_env1[] = "SECRET=\x01\x02\x03";
static uint8_t fixture_build_id[] = { 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3 };

void fixture_header(Retrace__Header *h, Retrace__Capture *cap, ProtobufCBinaryData argv[2],
		    ProtobufCBinaryData env[2])
{
	retrace__header__init(h);
	retrace__capture__init(cap);
	argv[0] = (ProtobufCBinaryData){ sizeof fixture_argv0 - 1, fixture_argv0 };
	argv[1] = (ProtobufCBinaryData){ sizeof fixture_argv1, fixture_argv1 };
	env[0] = (ProtobufCBinaryData){ sizeof fixture_env0 - 1, fixture_env0 };
	env[1] = (ProtobufCBinaryData){ sizeof fixture_env1 - 1, fixture_env1 };
	h->magic = "retrace";
	h->format_version = TRACE_FORMAT_VERSION;
	h->n_argv = 2;
	h->argv = argv;
	h->n_env = 2;
	h->env = env;
	h->cwd = FIXTURE_BYTES("/home/app");
	h->exe_path = FIXTURE_BYTES("/usr/bin/python3.11");
	h->exe_build_id = (ProtobufCBinaryData){ sizeof fixture_build_id, fixture_build_id };
	h->python_version = "3.11.2 (main)";
	h->retrace_version = "0.1.0";
	h->start_time_ns = 1700000000123456789LL;
	cap->write_bytes = 1;
	cap->chunk_size = 4096;
	h->capture = cap;
	h->pid = 4242;
	h->trace_fd = 1000;
	h->status_fd = -1;
	h->hostname = "build-host";
	h->ld_preload = FIXTURE_BYTES("/usr/lib/libretrace.so");
}

void fixture_check_header(const Retrace__Header *h)
{
	quiet_assert_ptr_nonnull(h);
	quiet_assert_str_eq(h->magic, "retrace");
	quiet_assert_uint_eq(h->format_version, TRACE_FORMAT_VERSION);
	quiet_assert_uint_eq(h->n_argv, 2);
	quiet_assert_uint_eq(h->argv[0].len, sizeof fixture_argv0 - 1);
	quiet_assert_mem_eq(h->argv[0].data, fixture_argv0, sizeof fixture_argv0 - 1);
	quiet_assert_uint_eq(h->argv[1].len, sizeof fixture_argv1);
	quiet_assert_mem_eq(h->argv[1].data, fixture_argv1, sizeof fixture_argv1);
	quiet_assert_uint_eq(h->n_env, 2);
	quiet_assert_uint_eq(h->env[1].len, sizeof fixture_env1 - 1);
	quiet_assert_mem_eq(h->env[1].data, fixture_env1, sizeof fixture_env1 - 1);
	quiet_assert_uint_eq(h->cwd.len, 9);
	quiet_assert_mem_eq(h->cwd.data, "/home/app", 9);
	quiet_assert_uint_eq(h->exe_build_id.len, sizeof fixture_build_id);
	quiet_assert_mem_eq(h->exe_build_id.data, fixture_build_id, sizeof fixture_build_id);
	quiet_assert_str_eq(h->python_version, "3.11.2 (main)");
	quiet_assert_str_eq(h->retrace_version, "0.1.0");
	quiet_assert_int_eq(h->start_time_ns, 1700000000123456789LL);
	quiet_assert_ptr_nonnull(h->capture);
	quiet_assert(h->capture->write_bytes);
	quiet_assert_uint_eq(h->capture->chunk_size, 4096);
	quiet_assert_int_eq(h->pid, 4242);
	quiet_assert_int_eq(h->trace_fd, 1000);
	quiet_assert_int_eq(h->status_fd, -1);
	quiet_assert_str_eq(h->hostname, "build-host");
	quiet_assert_uint_eq(h->exe_path.len, strlen("/usr/bin/python3.11"));
	quiet_assert_mem_eq(h->exe_path.data, "/usr/bin/python3.11", h->exe_path.len);
	quiet_assert_uint_eq(h->ld_preload.len, strlen("/usr/lib/libretrace.so"));
	quiet_assert_mem_eq(h->ld_preload.data, "/usr/lib/libretrace.so", h->ld_preload.len);
}

/* ---------------------------------------------------------------------------------------------
 * Recording.
 */
void fixture_open_fd(struct fixture *f, int fd, uint32_t chunk_size)
{
	Retrace__Header h;
	Retrace__Capture cap;
	ProtobufCBinaryData argv[2], env[2];

	memset(f, 0, sizeof *f);
	f->fd = fd;
	quiet_assert_int_ge(f->fd, 0);
	f->chunk_size = chunk_size;
	f->buf = malloc(FIXTURE_BUF_SIZE);
	quiet_assert_ptr_nonnull(f->buf);
	for (uint32_t t = 0; t <= FIXTURE_THREADS_MAX; t++)
		f->chunks[t].tid = t;
	quiet_assert_int_eq(trace_writer_open(&f->w, f->fd, NULL, FIXTURE_RESERVE, 0), 0);
	fixture_header(&h, &cap, argv, env);
	quiet_assert_int_eq(trace_writer_put_header(&f->w, &h), 0);
}

void fixture_open(struct fixture *f, uint32_t chunk_size)
{
	fixture_open_fd(f, memfd_create("retrace-test", MFD_CLOEXEC), chunk_size);
}

void fixture_append(struct fixture *f, uint64_t seq, uint32_t tid)
{
	struct trace_event ev;

	quiet_assert_uint_le(tid, FIXTURE_THREADS_MAX);
	fixture_event(seq, &ev, f->buf);
	ev.tid = tid;
	quiet_assert_msg(trace_writer_append(&f->w, &f->chunks[tid], f->chunk_size, &ev) == 0,
		      "append seq %llu: %s", (unsigned long long)seq, f->w.error.msg);
}

void fixture_record(struct fixture *f, uint64_t first_seq, uint64_t n, uint32_t nthreads)
{
	for (uint64_t seq = first_seq; seq < first_seq + n; seq++)
		fixture_append(f, seq, fixture_tid_of(seq, nthreads));
}

void fixture_trailer(struct fixture *f, uint64_t events, int32_t status)
{
	Retrace__Trailer t;

	retrace__trailer__init(&t);
	t.events = events;
	t.exit_status = status;
	quiet_assert_int_eq(trace_writer_put_trailer(&f->w, &t), 0);
}

uint8_t *fixture_bytes(const struct fixture *f, size_t *size)
{
	*size = trace_writer_size(&f->w);
	uint8_t *p = malloc(*size ? *size : 1);
	quiet_assert_ptr_nonnull(p);
	memcpy(p, f->w.map, *size);
	return p;
}

void fixture_close(struct fixture *f)
{
	/* The writer has no close: it lives as long as the recorded process.  Undo it by hand. */
	munmap(f->w.map, f->w.map_reserve);
	close(f->fd);
	free(f->buf);
	f->buf = NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Reading back.
 */
uint64_t fixture_read_all(const struct trace_reader *r, uint32_t nthreads, uint64_t first_seq,
			  uint64_t n, uint8_t *buf)
{
	struct trace_cursor c;
	struct trace_event ev;
	struct trace_error err;
	uint64_t count = 0;
	int rc;

	quiet_assert_int_eq(trace_cursor_init(&c, r, 0, &err), 0);
	while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
		quiet_assert_uint_eq(ev.seq, first_seq + count);
		quiet_assert_uint_eq(ev.tid, fixture_tid_of(ev.seq, nthreads));
		fixture_check_event(&ev, ev.seq, buf);
		count++;
	}
	quiet_assert_msg(rc == 0, "cursor: %s", err.msg);
	quiet_assert_uint_eq(count, n);
	trace_cursor_free(&c);
	return count;
}

size_t fixture_frames(const uint8_t *d, size_t size, struct fixture_frame *fr)
{
	size_t n = 0;

	for (uint64_t off = TRACE_PREFIX_SIZE; off + TRACE_FRAME_HEAD_SIZE <= size; n++) {
		uint32_t w[4];
		uint64_t commit;

		memcpy(w, d + off, sizeof w);
		memcpy(&commit, d + off + 16, sizeof commit);
		if (w[0] == 0)
			break;
		quiet_assert_uint_eq(w[0], TRACE_FRAME_MAGIC);
		quiet_assert_uint_lt(n, FIXTURE_FRAMES_MAX);
		fr[n] = (struct fixture_frame){ .off = off, .kind = w[1], .reserved = w[2],
						.used = (uint32_t)commit,
						.end = off + TRACE_FRAME_HEAD_SIZE + w[2] };
		if (w[1] == TRACE_FRAME_CHUNK) {
			Retrace__Chunk *c = retrace__chunk__unpack(NULL, fr[n].used,
								  d + off + TRACE_FRAME_HEAD_SIZE);
			quiet_assert_ptr_nonnull(c);
			fr[n].tid = c->tid;
			fr[n].nevents = c->n_events;
			retrace__chunk__free_unpacked(c, NULL);
		}
		off = fr[n].end;
	}
	return n;
}
