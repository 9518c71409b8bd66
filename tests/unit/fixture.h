/* fixture.h — recording test traces with the real writer, and checking events read back.
 *
 * Events are generated from their sequence number alone (fixture_event), so any reader output
 * can be checked against what must have been written, even after the writer was killed.
 */
#ifndef RETRACE_TESTS_FIXTURE_H
#define RETRACE_TESTS_FIXTURE_H

#include "unit.h"

#define FIXTURE_THREADS_MAX 8
#define FIXTURE_DATA_MAX 300000u
#define FIXTURE_BUF_SIZE (FIXTURE_DATA_MAX + 512) /* data, then hash at +0, aux at +64, control at +128 */
#define FIXTURE_RESERVE ((size_t)1 << 32) /* address space only: PROT_NONE, MAP_NORESERVE */

struct fixture {
	int fd;
	uint32_t chunk_size;
	struct trace_writer w;
	struct trace_chunk chunks[FIXTURE_THREADS_MAX + 1]; /* indexed by tid */
	uint8_t *buf;
};

uint64_t fixture_mix(uint64_t x);
void fixture_fill(uint8_t *p, size_t n, uint64_t seed);

/* Data payloads longer than this are cut (to len % (limit + 1)): small traces for the tests
 * that try every byte.  Part of what defines an event, so set it before recording. */
extern uint32_t fixture_data_limit;

/* The event with sequence number seq; data and hash point into buf (FIXTURE_BUF_SIZE bytes). */
void fixture_event(uint64_t seq, struct trace_event *ev, uint8_t *buf);
/* Asserts that got is the event fixture_event makes for seq (every field but tid). */
void fixture_check_event(const struct trace_event *got, uint64_t seq, uint8_t *buf);
/* Which of nthreads threads (tids 1..nthreads) logs seq in fixture_record. */
uint32_t fixture_tid_of(uint64_t seq, uint32_t nthreads);

void fixture_header(Retrace__Header *h, Retrace__Capture *cap, ProtobufCBinaryData argv[2],
		    ProtobufCBinaryData env[2]);
void fixture_check_header(const Retrace__Header *h);

/* A writer on a fresh memfd (or fd) with the fixture header written. */
void fixture_open(struct fixture *f, uint32_t chunk_size);
void fixture_open_fd(struct fixture *f, int fd, uint32_t chunk_size);
void fixture_append(struct fixture *f, uint64_t seq, uint32_t tid);
/* Events first_seq .. first_seq+n-1 spread over nthreads threads by fixture_tid_of. */
void fixture_record(struct fixture *f, uint64_t first_seq, uint64_t n, uint32_t nthreads);
void fixture_trailer(struct fixture *f, uint64_t events, int32_t status);
/* A malloc'd copy of the trace's used bytes, exactly *size long (so ASan sees overreads). */
uint8_t *fixture_bytes(const struct fixture *f, size_t *size);
void fixture_close(struct fixture *f);

/* Reads all events through the merged cursor and asserts they are exactly the n events
 * fixture_record wrote; returns n. */
uint64_t fixture_read_all(const struct trace_reader *r, uint32_t nthreads, uint64_t first_seq,
			  uint64_t n, uint8_t *buf);

/* One frame of a trace, as the layout in trace.h defines it, for tests that damage frames on
 * purpose. */
struct fixture_frame {
	uint64_t off, end;       /* head offset; offset of the next head */
	uint32_t kind, reserved, used;
	uint32_t tid;            /* CHUNK: its thread */
	uint64_t nevents;        /* CHUNK: events in it (per protobuf-c) */
};
#define FIXTURE_FRAMES_MAX 4096
/* Walks the frames of d (asserting each head's magic) into fr; returns how many. */
size_t fixture_frames(const uint8_t *d, size_t size, struct fixture_frame *fr);

#endif
