/* seal-split.h — a reversible reordering of a plain trace that zstd compresses better.
 *
 * A chunk interleaves events of every kind (a clock reading, a GIL take, a recv with its data,
 * a Python location ...), and a general-purpose compressor does best on bytes alike.  Before
 * compression, the sealer moves each event record (Chunk.events, whole: tag, length, body,
 * byte for byte) into a stream of its own call, and keeps the order of calls and every other byte
 * (the prefix, frame heads, chunk fields, unused room) in two more streams; unsealing puts them
 * back.  Nothing is decoded or re-encoded, so any file, damaged ones included, comes back
 * exactly: what does not parse as expected is kept as it is.
 *
 * Content layout: segments, each of at most about SPLIT_SEGMENT plain bytes, so memory stays
 * bounded whatever the trace's size:
 *   u8 kind                   0: raw, 1: split
 *   raw:   u64 len, len bytes
 *   split: u64 plain_len, u32 nstreams (>= 2), u32 len[nstreams], the streams:
 *          [0] rest: the bytes that are no event record, in file order
 *          [1] order: varint pairs (rest bytes to copy, 1 + stream index of the next event
 *              record, or 0 for none: the segment's end)
 *          [2..] event records, each stream one call's
 */
#ifndef RETRACE_TOOLS_SEAL_SPLIT_H
#define RETRACE_TOOLS_SEAL_SPLIT_H

#include <stddef.h>
#include <stdint.h>

/* small enough that sealing and unsealing stay within a few MiB (a segment is held whole, and
 * unsealing holds its plain bytes too), big enough that a stream compresses as well as a
 * whole trace's would */
#define SPLIT_SEGMENT (2u << 20)

/* Where the split content goes; returns 0, or -1 to stop (its reason is the caller's).  (NULL, 0)
 * marks the end of a stream: a compressor may start afresh there. */
typedef int (*split_put_fn)(void *arg, const uint8_t *p, size_t n);

/* The whole plain trace plain[0..len) as split content, through put.  plain must be a read-only
 * file mapping: the pages it is done with are given back (MADV_DONTNEED) as it goes.  0, or -1
 * when put failed or memory ran out (errno ENOMEM). */
int split_encode(const uint8_t *plain, size_t len, split_put_fn put, void *arg);

/* Unsplitting, fed the content bit by bit as it is decompressed; the plain bytes go to fd. */
struct unsplit {
	int fd;
	uint64_t limit;   /* plain bytes the head announced: no segment may make more */
	uint64_t written; /* plain bytes written */
	uint8_t *buf;     /* content not yet used */
	size_t have, cap;
};

void unsplit_init(struct unsplit *u, int fd, uint64_t limit);
/* 0, -1 with why (damage), -2 with why (cannot write) */
int unsplit_feed(struct unsplit *u, const uint8_t *p, size_t n, char *why, size_t wn);
/* At the content's end: 0, or -1 with why when it stops inside a segment. */
int unsplit_end(struct unsplit *u, char *why, size_t wn);
void unsplit_free(struct unsplit *u);

#endif
