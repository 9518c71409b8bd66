/* trace.h — the public API of the trace format library (libretrace-format.a).
 *
 * The writer appends to a trace through a shared file mapping so that whatever a process logged
 * survives its SIGKILL or SIGSEGV; the reader trusts nothing in the file.  retrace.proto is the
 * description of every field; this header is the byte layout around it and the C interface.
 *
 * File layout (all integers little-endian):
 *   0   prefix  "RETRACE\n" | u32 format_version | u32 0                     (16 bytes)
 *   16  frames  head {u32 TRACE_FRAME_MAGIC, u32 kind, u32 reserved, u32 0, u64 commit}
 *               followed by `reserved` payload bytes; heads are 8-aligned.
 *   The first frame is the HEADER.  CHUNK frames follow, and a TRAILER ends a trace whose process
 *   exited.  An all-zero head ends the frames (space the writer preallocated but never used).
 *   commit = (u64)crc << 32 | used, where crc = CRC32C over the head's first 8 bytes (magic and
 *   kind) then payload[0..used).  `reserved` is left out so that the writer can give back the
 *   unused end of the last chunk when a trace is finished, with one 4-byte store.  The writer stores commit last, in one aligned 8-byte store, after the
 *   payload bytes it covers: a frame is valid up to the last complete event or not at all.
 *
 * Torn tail: a frame whose commit does not check out, or which runs past the end of the file,
 * is ignored when nothing valid follows it (the process or machine died while writing); with
 * anything valid after it the file is corrupt.  A zero commit word means "reserved, nothing
 * committed yet" only while the payload is still zeros (but for a chunk's leading tid and
 * first_seq, written just before the first commit); over real data it is damage.
 *
 * Sequence numbers: record numbers every event from one global counter starting at 1
 * (interpose/core.c), so each thread's events rise strictly, and together the threads hold
 * every number once.  The only numbers missing from an intact trace are those a thread took
 * and died (or the recording stopped) before writing: at most one per thread, above its last
 * event.  Cursors check this; anything else is TRACE_E_CORRUPT.  Without a trailer (the
 * process was killed, or the file cut short) only rising numbers are checked across threads:
 * a killed process may leave a number to every thread that was about to write its first
 * event, which the trace cannot count, or a whole tail lost with the file's end.
 */
#ifndef RETRACE_FORMAT_TRACE_H
#define RETRACE_FORMAT_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "retrace.pb-c.h"

#define TRACE_FILE_MAGIC "RETRACE\n"
#define TRACE_FORMAT_VERSION 1u
#define TRACE_PREFIX_SIZE 16u
#define TRACE_FRAME_MAGIC 0x52465452u /* "RTFR" */
#define TRACE_FRAME_HEAD_SIZE 24u
#define TRACE_HASH_SIZE 16u /* BLAKE2b-128 */
#define TRACE_FRAME_CRC_HEAD 8u /* head bytes the commit CRC covers: magic and kind */

enum trace_frame_kind {
	TRACE_FRAME_HEADER = 1,
	TRACE_FRAME_CHUNK = 2,
	TRACE_FRAME_TRAILER = 3,
};

/* Why a trace could not be read.  The tools map these to exit statuses (see man/retrace.5). */
enum trace_status {
	TRACE_OK = 0,
	TRACE_E_IO,        /* the file could not be opened or read */
	TRACE_E_FOREIGN,   /* not a retrace trace at all */
	TRACE_E_VERSION,   /* written by a newer retrace (format version too high) */
	TRACE_E_TRUNCATED, /* ends before its header is complete */
	TRACE_E_CORRUPT,   /* damaged: bad checksum, bad length, undecodable field */
	TRACE_E_NOMEM,     /* the reader's allocator ran out */
	TRACE_E_FULL,      /* the writer could not grow the file (disk full, quota, size limit) */
};

struct trace_error {
	enum trace_status code;
	uint64_t offset; /* file offset the problem was found at, when it has one */
	char msg[256];   /* one line, no trailing newline, never prefixed */
};

const char *trace_status_name(enum trace_status code);

/* ---------------------------------------------------------------------------------------------
 * Decoded events.  Pointers point into the reader's mapping and live as long as the reader.
 */
struct trace_event {
	uint32_t call; /* Retrace__Call */
	uint32_t tid;
	uint64_t seq;
	int64_t arg0, arg1, arg2;
	int64_t result;
	int32_t err;
	int64_t value; /* absolute: the delta coding is undone */
	const uint8_t *data;
	uint32_t data_len;
	const uint8_t *hash;
	uint32_t hash_len;
	const uint8_t *aux;
	uint32_t aux_len;
	const uint8_t *control;
	uint32_t control_len;
	uint32_t location; /* Python location id, 0 = none; absolute: the delta coding is undone */
	uint64_t offset;   /* of the event in the file, for messages */
};

/* Delta-coding state for Event.value and Event.location; one per chunk, reset when a chunk
 * begins. */
#define TRACE_VALUE_SLOTS 18
struct trace_value_state {
	int64_t last[TRACE_VALUE_SLOTS];
	uint32_t location; /* the previous event's location id */
};

/* Event.location's stored value for "changed to no location" (retrace.proto). */
#define TRACE_LOCATION_NONE 0xffffffffu

/* The slot an event's value is delta-coded in, or -1 when it is stored plain (retrace.proto,
 * Event.value).  Inline: the writer and the reader ask for every event. */
static inline int trace_value_slot(uint32_t call, int64_t arg0)
{
	switch (call) {
	case RETRACE__CALL__CALL_CLOCK_GETTIME:
		return arg0 >= 0 && arg0 < 16 ? (int)arg0 : -1;
	case RETRACE__CALL__CALL_GETTIMEOFDAY:
		return 16;
	case RETRACE__CALL__CALL_TIME:
		return 17;
	default:
		return -1;
	}
}

/* ---------------------------------------------------------------------------------------------
 * Writer.  Used by libretrace inside the recorded process, so it never calls malloc or stdio;
 * all its memory is the caller's struct and the file mapping.  Thread-safe: chunk reservation
 * and file growth take the writer's lock, appending to an own chunk takes nothing.  Only the
 * chunks being written stay mapped in: a finished chunk's pages are unmapped and written out
 * (writer.c, writer_release), so the process's memory does not grow with its trace.
 */
struct trace_writer {
	int fd;
	uint8_t *map;        /* the file is mapped at map[0..mapped) */
	size_t map_reserve;  /* address space reserved at map (PROT_NONE beyond mapped) */
	size_t mapped;       /* bytes of the file allocated on disk and mapped */
	size_t grow_step;    /* the file grows by at least this much at a time */
	size_t end;          /* next free offset (protected by lock) */
	size_t swept;        /* the file before this was last given back whole (protected by lock) */
	int lock;            /* futex word */
	int failed;          /* set once growing failed: nothing more is written */
	struct trace_error error;
};

/* A thread's open chunk.  Owned by one thread; nobody else touches it. */
struct trace_chunk {
	uint8_t *head;   /* frame head in the mapping, NULL when no chunk is open */
	uint8_t *payload;
	uint32_t used;   /* payload bytes committed */
	uint32_t cap;    /* payload bytes reserved */
	uint32_t crc;    /* running CRC32C over head[0..8) and payload[0..used) */
	uint32_t tid;
	uint64_t first_seq;
	uint64_t last_seq;
	uint32_t next_size; /* payload of the next chunk: 4 KiB first, doubling to chunk_size, so a
			       short program's trace is not mostly reserved space */
	struct trace_value_state values;
};

/* Open a new trace on an empty, writable fd.  map_at: where to map the file (MAP_FIXED inside a
 * PROT_NONE reservation of map_reserve bytes the writer makes there), or NULL for anywhere.
 * Writes the prefix.  Returns 0, or -1 with w->error set. */
int trace_writer_open(struct trace_writer *w, int fd, void *map_at, size_t map_reserve,
		      size_t grow_step);

/* Write the HEADER frame; call once, right after open. */
int trace_writer_put_header(struct trace_writer *w, const Retrace__Header *h);

/* Append one event to the thread's chunk c, opening a new chunk (of at least chunk_size payload
 * bytes, more when the event needs it) when c has none or no room.  The event is durable when this
 * returns 0.  -1: the writer failed (w->error says why); the event is not in the trace. */
int trace_writer_append(struct trace_writer *w, struct trace_chunk *c, uint32_t chunk_size,
			const struct trace_event *ev);

/* The same for an event with no byte fields and only call, arg0, result, value and location set
 * (a clock, an id): the hot path of record, without building a struct trace_event. */
int trace_writer_append_value(struct trace_writer *w, struct trace_chunk *c, uint32_t chunk_size,
			      uint64_t seq, uint32_t call, int64_t arg0, int64_t result, int64_t value,
			      uint32_t location);

/* The thread is done with c (it exits): its pages are given back to the system, as each chunk's
 * are when its thread moves on to the next.  Only a hint: if the thread appends again, the
 * pages come back (from the page cache, where everything committed stays). */
void trace_writer_release_chunk(struct trace_writer *w, struct trace_chunk *c);

/* Give back the unused end of c's chunk when it is the last frame of the file (the thread
 * finishing a trace), so the file ends where its data does.  Crash-safe: a single store shrinks
 * the frame, and the bytes it gives back are zeros, which end the frames. */
void trace_writer_trim_chunk(struct trace_writer *w, struct trace_chunk *c);

/* Write the TRAILER frame and trim the file to its used length.  The writer stays open. */
int trace_writer_put_trailer(struct trace_writer *w, const Retrace__Trailer *t);

/* Bytes of the file in use (prefix + frames), i.e. the size a trimmed trace has. */
size_t trace_writer_size(const struct trace_writer *w);

/* ---------------------------------------------------------------------------------------------
 * Reader.  Validates the prefix, every frame head and every commit checksum when it opens;
 * events are decoded (strictly) as a cursor reaches them.  Memory comes from the allocator
 * given (NULL: protobuf-c's default, i.e. malloc).  A reader of a file mapping gives back the
 * pages it has read, during the open's pass over the file and as each cursor leaves a chunk,
 * so its memory does not grow with the trace either (reader.c, reader_release).
 */
struct trace_frame_ref {
	uint64_t offset;       /* of the payload in the file */
	uint32_t kind;
	uint32_t used;         /* payload length */
	uint32_t tid;          /* CHUNK: its thread */
	uint64_t first_seq;    /* CHUNK: its first_seq */
	const uint8_t *events; /* CHUNK: the events field region, after tid/first_seq */
	uint32_t events_len;
};

struct trace_reader {
	const uint8_t *data;
	size_t size;
	int own_mapping;           /* opened by trace_reader_open_file: unmap on close */
	int release;               /* data is a read-only private file mapping: pages read are
				      given back (trace_reader_open_mapped) */
	ProtobufCAllocator *alloc;
	Retrace__Header *header;
	Retrace__Trailer *trailer; /* NULL: the process did not exit cleanly */
	struct trace_frame_ref *chunks; /* CHUNK frames in file order */
	size_t nchunks;
	uint32_t *tids;            /* distinct thread ids, ascending */
	size_t ntids;
	uint64_t torn_offset;      /* nonzero: a torn tail starting here was ignored */
	uint64_t events_upper;     /* sum of chunk payload sizes; for sizing, not a count */
};

int trace_reader_open_mem(struct trace_reader *r, const void *data, size_t size,
			  ProtobufCAllocator *alloc, struct trace_error *err);
/* The same for data mapped PROT_READ, MAP_PRIVATE from a file and never written: the reader
 * unmaps the pages it has read (MADV_DONTNEED), which come back from the file when touched
 * again, so pointers into data (events' byte fields) stay good.  Not for other memory, whose
 * contents MADV_DONTNEED would discard. */
int trace_reader_open_mapped(struct trace_reader *r, const void *data, size_t size,
			     ProtobufCAllocator *alloc, struct trace_error *err);
int trace_reader_open_file(struct trace_reader *r, const char *path, ProtobufCAllocator *alloc,
			   struct trace_error *err);
void trace_reader_close(struct trace_reader *r);

/* Iterates the events of one thread in order (tid != 0), or of all threads merged into global
 * sequence order (tid == 0).  Both check the sequence numbers (trace.h): a thread's cursor that
 * they rise from chunk to chunk, and, in a trace with one thread and a trailer, that none is
 * missing but for threads it created that left no chunk; the merged cursor that they rise
 * and, with a trailer, that every number is there. */
struct trace_cursor {
	const struct trace_reader *r;
	uint32_t tid;
	size_t chunk;     /* index into r->chunks of the current chunk; r->nchunks when done */
	const uint8_t *pos, *end;
	size_t left;      /* 1 + index of the chunk it left last, 0: none; its pages are given back
			     when it leaves the next one (reader.c, reader_release_chunk) */
	uint64_t next_seq;
	struct trace_value_state values;
	int gapless;        /* thread cursor of the only thread of a trace with a trailer: numbers
			       follow each other */
	int bad_start;      /* thread cursor: its first chunk's first_seq is 0 (reported by next) */
	uint64_t spare;     /* numbers that may be missing: gapless, THREAD_CREATE events seen;
			       merged, threads made that left no chunk */
	uint64_t missing;   /* numbers found missing so far, each taken by a spare one */
	uint64_t last_seq;  /* merged: the last event handed out */
	/* merged iteration (tid == 0): one sub-cursor per thread, the next event of each */
	struct trace_cursor *subs;
	struct trace_event *heads;
	int *has_head;
	size_t nsubs;
};

int trace_cursor_init(struct trace_cursor *c, const struct trace_reader *r, uint32_t tid,
		      struct trace_error *err);
/* 1: *ev holds the next event; 0: no more; -1: the trace is corrupt here (err says where). */
int trace_cursor_next(struct trace_cursor *c, struct trace_event *ev, struct trace_error *err);
void trace_cursor_free(struct trace_cursor *c);

/* The header's fd numbers (trace_fd, status_fd) are below this: libretrace's fd table's size. */
#define TRACE_FD_LIMIT 4096

/* NULL when every number in h that replay acts on is one a recording could have written (fds in
 * 3..TRACE_FD_LIMIT-1 and distinct, a pid > 0); else why not, in buf (one line). */
const char *trace_header_limits(const Retrace__Header *h, char *buf, size_t n);

/* A recorded environment entry the loader (or iconv) would act on: replay never hands one to
 * them (retrace-replay renames it, keeping its length); trace_env_restorable: one whose
 * recorded bytes libretrace puts back once ld.so is done (all but GCONV_PATH, read later). */
int trace_env_is_loader(const uint8_t *entry, size_t len);
int trace_env_restorable(const uint8_t *entry, size_t len);

/* Redacted secrets (format/redact.c).  RETRACE_REDACT is a comma-separated list of fnmatch(3)
 * patterns on variable names, matched without regard to case; unset or empty: the defaults;
 * the word `default` in the list stands for them, `none` matches nothing.
 * trace_redact_matches: an environment entry (NAME=value) whose name matches (never RETRACE_*
 * nor a loader variable, trace_env_is_loader).  A secret's value is replaced by as many
 * TRACE_REDACT_FILL bytes: 'x' is printable, unreserved in a URL, a token character in an HTTP
 * header and in base64's alphabet, so the placeholder goes wherever the value went, and is
 * plainly a placeholder in a dump.  Values shorter than TRACE_REDACT_MIN bytes are replaced in
 * the header only: looked for in data, they would mostly find bytes that merely look like them.
 * trace_redact_occurs: one of the secrets is in buf; trace_redact_scrub: every occurrence of
 * each replaced, in place; how many. */
#define TRACE_REDACT_DEFAULTS "*TOKEN*,*SECRET*,*PASSWORD*,*_KEY"
#define TRACE_REDACT_FILL 'x'
#define TRACE_REDACT_MIN 8u
struct trace_secret {
	const uint8_t *value;
	size_t len;
};
int trace_redact_matches(const char *patterns, const uint8_t *entry, size_t len);
int trace_redact_occurs(const struct trace_secret *s, size_t n, const uint8_t *buf, size_t len);
size_t trace_redact_scrub(const struct trace_secret *s, size_t n, uint8_t *buf, size_t len);

/* RETRACE_COMMAND's value (format/command.c): the arguments in hex, comma-separated.
 * trace_command_size: the bytes encode writes, NUL included; trace_command_count: how many
 * arguments a value holds; trace_command_decode: them into args (room for count) pointing into
 * bytes (room for strlen(v) / 2), -1 when v is not such a value. */
size_t trace_command_size(char *const *argv, size_t argc);
void trace_command_encode(char *dst, char *const *argv, size_t argc);
size_t trace_command_count(const char *v);
int trace_command_decode(const char *v, ProtobufCBinaryData *args, uint8_t *bytes);

/* 0 when a trace may be written at path: nothing is there, or a regular file (kept as
 * path.old, which must be nothing or a regular file too), in a directory owned by the user or
 * root and not writable by everyone unless sticky; else -1 with why (one line). */
int trace_output_usable(const char *path, char *why, size_t n);

/* Text from a trace, safe to show (format/text.c).  trace_utf8_len: the length of the UTF-8
 * sequence at s (0: not UTF-8).  trace_text_unprintable: whether that sequence is one a terminal
 * may act on (not UTF-8, C0 controls, DEL, C1 controls).  trace_text_escape: s as text in dst
 * (NUL-terminated, at most room-1 bytes, cut at a whole sequence), unprintable bytes as \xNN;
 * returns its length. */
size_t trace_utf8_len(const uint8_t *s, size_t avail);
int trace_text_unprintable(const uint8_t *s, size_t n);
size_t trace_text_escape(char *dst, size_t room, const uint8_t *s, size_t len);

/* ---------------------------------------------------------------------------------------------
 * Names, for messages and retrace-dump: "clock_gettime", … ("call#N" for unknown numbers, into
 * a static buffer). */
const char *trace_call_name(uint32_t call);
/* "CLOCK_MONOTONIC", …, or NULL for a clock id without a name. */
const char *trace_clock_name(int64_t id);

/* CRC32C (Castagnoli), extendable: crc = trace_crc32c(crc, more, n), starting from 0. */
uint32_t trace_crc32c(uint32_t crc, const void *data, size_t n);

/* BLAKE2b with a 16-byte digest, for hashes of written bytes and paths. */
void trace_hash(const void *data, size_t n, uint8_t out[TRACE_HASH_SIZE]);
struct trace_hash_state {
	uint64_t h[8];
	uint64_t t[2];
	uint8_t buf[128];
	size_t buflen;
};
void trace_hash_init(struct trace_hash_state *s);
void trace_hash_update(struct trace_hash_state *s, const void *data, size_t n);
void trace_hash_final(struct trace_hash_state *s, uint8_t out[TRACE_HASH_SIZE]);

#endif
