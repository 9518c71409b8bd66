/* wire.h — protobuf wire-format primitives shared by the hand encoder and the strict decoder.
 *
 * Record writes events by hand because protobuf-c's generic packer costs more than the rest of a
 * clock wrapper together; these helpers are the only place that knows varint and tag layout.
 * Everything is static inline: it runs on the hot path of every logged call.
 */
#ifndef RETRACE_FORMAT_WIRE_H
#define RETRACE_FORMAT_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum wire_type { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

#define WIRE_TAG(field, type) ((uint32_t)(field) << 3 | (type))
#define WIRE_VARINT_MAX 10

/* Field numbers of retrace.proto that the hand-written code relies on. */
enum {
	EVENT_CALL = 1, EVENT_SEQ_GAP = 2, EVENT_ARG0 = 3, EVENT_ARG1 = 4, EVENT_ARG2 = 5,
	EVENT_RESULT = 6, EVENT_ERR = 7, EVENT_VALUE = 8, EVENT_DATA = 9, EVENT_HASH = 10,
	EVENT_AUX = 11, EVENT_CONTROL = 12, EVENT_LOCATION = 13,
	CHUNK_TID = 1, CHUNK_FIRST_SEQ = 2, CHUNK_EVENTS = 3,
};

static inline size_t wire_put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static inline size_t wire_varint_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static inline uint64_t wire_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t wire_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Decode a varint from [*p, end).  Returns 0 and advances *p, or -1 when it runs past end or
 * is longer than 10 bytes (both mean a corrupt file, never a valid encoding). */
static inline int wire_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	const uint8_t *q = *p;
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (q >= end)
			return -1;
		uint8_t b = *q++;
		if (shift == 63 && b > 1)
			return -1;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*p = q;
			*out = v;
			return 0;
		}
	}
	return -1;
}

#endif
