/* checksum.c — CRC32C for frame commits and BLAKE2b-128 (RFC 7693) for hashes of written bytes.
 *
 * Both run inside the recorded process (libretrace), on the path of every logged event, so they
 * allocate nothing, call no stdio and keep no global state.
 */
#include <nmmintrin.h>
#include <stdint.h>
#include <string.h>

#include "trace.h"

/* The loads below rely on the host being little-endian: CRC32C's 8-byte step and BLAKE2b's
 * message words are both defined over little-endian words.  (SSE4.2 means x86 anyway.) */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian host required");

static inline uint64_t trace_load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v); /* unaligned and strict-aliasing safe; one mov on x86 */
	return v;
}

static inline uint32_t trace_load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

static inline uint16_t trace_load16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

/* ---------------------------------------------------------------------------------------------
 * CRC32C.  The crc32 instruction computes the reflected Castagnoli CRC without the customary
 * inversion at both ends; doing the inversion here, on entry and exit, is what makes the function
 * extendable: trace_crc32c(trace_crc32c(0, a, n), b, m) == trace_crc32c(0, a‖b, n + m).
 * Typical inputs are a 16-byte frame head and 5–20-byte events, so there is no alignment
 * prologue (unaligned loads cost nothing on current x86) and the tail takes at most three steps.
 */
uint32_t trace_crc32c(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;
	uint64_t c = (uint32_t)~crc;

	/* Four independent loads per iteration; the crc32 chain itself stays serial. */
	while (n >= 32) {
		c = _mm_crc32_u64(c, trace_load64(p));
		c = _mm_crc32_u64(c, trace_load64(p + 8));
		c = _mm_crc32_u64(c, trace_load64(p + 16));
		c = _mm_crc32_u64(c, trace_load64(p + 24));
		p += 32;
		n -= 32;
	}
	while (n >= 8) {
		c = _mm_crc32_u64(c, trace_load64(p));
		p += 8;
		n -= 8;
	}
	uint32_t c32 = (uint32_t)c;
	if (n & 4) {
		c32 = _mm_crc32_u32(c32, trace_load32(p));
		p += 4;
	}
	if (n & 2) {
		c32 = _mm_crc32_u16(c32, trace_load16(p));
		p += 2;
	}
	if (n & 1)
		c32 = _mm_crc32_u8(c32, *p);
	return ~c32;
}

/* ---------------------------------------------------------------------------------------------
 * BLAKE2b, unkeyed, 16-byte digest, written from RFC 7693.  The last block must be compressed
 * with the final flag, so update always keeps the most recent (possibly full) block buffered
 * until it knows more input follows.
 */
#define TRACE_BLAKE2B_BLOCK 128u

static const uint64_t trace_blake2b_iv[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
	0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

/* Message word schedule; rounds 10 and 11 reuse rows 0 and 1. */
static const uint8_t trace_blake2b_sigma[12][16] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
	{ 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
	{ 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
	{ 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
	{ 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
	{ 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
	{ 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
	{ 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
	{ 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
};

static inline uint64_t trace_rotr64(uint64_t x, unsigned n)
{
	return (x >> n) | (x << (64 - n));
}

/* The mixing function G of RFC 7693 §3.1. */
#define TRACE_BLAKE2B_G(a, b, c, d, x, y)                                                          \
	do {                                                                                      \
		v[a] = v[a] + v[b] + (x);                                                         \
		v[d] = trace_rotr64(v[d] ^ v[a], 32);                                             \
		v[c] = v[c] + v[d];                                                               \
		v[b] = trace_rotr64(v[b] ^ v[c], 24);                                             \
		v[a] = v[a] + v[b] + (y);                                                         \
		v[d] = trace_rotr64(v[d] ^ v[a], 16);                                             \
		v[c] = v[c] + v[d];                                                               \
		v[b] = trace_rotr64(v[b] ^ v[c], 63);                                             \
	} while (0)

/* RFC 7693 §3.2; s->t must already count the bytes of this block. */
static void trace_hash_compress(struct trace_hash_state *s, const uint8_t *block, int last)
{
	uint64_t m[16], v[16];

	for (int i = 0; i < 16; i++)
		m[i] = trace_load64(block + 8 * i);
	for (int i = 0; i < 8; i++) {
		v[i] = s->h[i];
		v[i + 8] = trace_blake2b_iv[i];
	}
	v[12] ^= s->t[0];
	v[13] ^= s->t[1];
	if (last)
		v[14] = ~v[14];
	for (int r = 0; r < 12; r++) {
		const uint8_t *z = trace_blake2b_sigma[r];

		TRACE_BLAKE2B_G(0, 4, 8, 12, m[z[0]], m[z[1]]);
		TRACE_BLAKE2B_G(1, 5, 9, 13, m[z[2]], m[z[3]]);
		TRACE_BLAKE2B_G(2, 6, 10, 14, m[z[4]], m[z[5]]);
		TRACE_BLAKE2B_G(3, 7, 11, 15, m[z[6]], m[z[7]]);
		TRACE_BLAKE2B_G(0, 5, 10, 15, m[z[8]], m[z[9]]);
		TRACE_BLAKE2B_G(1, 6, 11, 12, m[z[10]], m[z[11]]);
		TRACE_BLAKE2B_G(2, 7, 8, 13, m[z[12]], m[z[13]]);
		TRACE_BLAKE2B_G(3, 4, 9, 14, m[z[14]], m[z[15]]);
	}
	for (int i = 0; i < 8; i++)
		s->h[i] ^= v[i] ^ v[i + 8];
}

static inline void trace_hash_count(struct trace_hash_state *s, uint64_t n)
{
	s->t[0] += n;
	if (s->t[0] < n)
		s->t[1]++;
}

void trace_hash_init(struct trace_hash_state *s)
{
	memset(s, 0, sizeof *s);
	memcpy(s->h, trace_blake2b_iv, sizeof s->h);
	/* Parameter block: digest length, no key, fanout 1, depth 1. */
	s->h[0] ^= 0x01010000u ^ TRACE_HASH_SIZE;
}

void trace_hash_update(struct trace_hash_state *s, const void *data, size_t n)
{
	const uint8_t *p = data;

	if (n == 0)
		return;
	/* Top up a partial block; compress the buffered one only once more input is known to follow. */
	if (s->buflen > 0) {
		size_t take = TRACE_BLAKE2B_BLOCK - s->buflen;

		if (take > n)
			take = n;
		memcpy(s->buf + s->buflen, p, take);
		s->buflen += take;
		p += take;
		n -= take;
		if (n == 0)
			return;
		trace_hash_count(s, TRACE_BLAKE2B_BLOCK);
		trace_hash_compress(s, s->buf, 0);
		s->buflen = 0;
	}
	/* Whole blocks straight from the input, keeping back the last one in case it is the final. */
	while (n > TRACE_BLAKE2B_BLOCK) {
		trace_hash_count(s, TRACE_BLAKE2B_BLOCK);
		trace_hash_compress(s, p, 0);
		p += TRACE_BLAKE2B_BLOCK;
		n -= TRACE_BLAKE2B_BLOCK;
	}
	memcpy(s->buf, p, n);
	s->buflen = n;
}

void trace_hash_final(struct trace_hash_state *s, uint8_t out[TRACE_HASH_SIZE])
{
	trace_hash_count(s, s->buflen);
	memset(s->buf + s->buflen, 0, TRACE_BLAKE2B_BLOCK - s->buflen);
	trace_hash_compress(s, s->buf, 1);
	memcpy(out, s->h, TRACE_HASH_SIZE); /* little-endian words, first 16 bytes */
}

void trace_hash(const void *data, size_t n, uint8_t out[TRACE_HASH_SIZE])
{
	struct trace_hash_state s;

	trace_hash_init(&s);
	trace_hash_update(&s, data, n);
	trace_hash_final(&s, out);
}
