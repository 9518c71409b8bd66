/* test_checksum.c — CRC32C and BLAKE2b-128 against published vectors and independent references.
 *
 * The CRC guards every committed frame and the hash identifies written bytes across record and
 * replay, so both must match the standard algorithms bit for bit, at any length and alignment.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* Bit-at-a-time CRC32C straight from the definition: slow, but shares nothing with the code
 * under test. */
static uint32_t crc32c_reference(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

START_TEST(crc32c_matches_check_value_of_123456789)
{
	ck_assert_uint_eq(trace_crc32c(0, "123456789", 9), 0xE3069283u);
}
END_TEST

/* RFC 3720 (iSCSI), appendix B.4. */
START_TEST(crc32c_matches_iscsi_vectors)
{
	uint8_t buf[32];

	memset(buf, 0, sizeof buf);
	ck_assert_uint_eq(trace_crc32c(0, buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, sizeof buf);
	ck_assert_uint_eq(trace_crc32c(0, buf, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	ck_assert_uint_eq(trace_crc32c(0, buf, 32), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	ck_assert_uint_eq(trace_crc32c(0, buf, 32), 0x113FDB5Cu);
}
END_TEST

START_TEST(crc32c_equals_reference_at_every_length_and_alignment)
{
	enum { MAX = 300 };
	uint8_t src[MAX + 8];

	fill_pattern(src, sizeof src, 7);
	for (size_t off = 0; off < 8; off++) {
		for (size_t n = 0; n <= MAX; n++) {
			/* An exact-size heap copy, so ASan catches any read past the end. */
			uint8_t *p = malloc(n ? n : 1);
			memcpy(p, src + off, n);
			ck_assert_uint_eq(trace_crc32c(0, p, n), crc32c_reference(0, p, n));
			ck_assert_uint_eq(trace_crc32c(0x12345678u, p, n),
					  crc32c_reference(0x12345678u, p, n));
			free(p);
		}
	}
}
END_TEST

START_TEST(crc32c_extends_across_any_split)
{
	uint8_t buf[200];

	fill_pattern(buf, sizeof buf, 99);
	uint32_t whole = trace_crc32c(0, buf, sizeof buf);
	for (size_t cut = 0; cut <= sizeof buf; cut++) {
		uint32_t c = trace_crc32c(0, buf, cut);
		ck_assert_uint_eq(trace_crc32c(c, buf + cut, sizeof buf - cut), whole);
	}
}
END_TEST

START_TEST(crc32c_of_nothing_leaves_crc_unchanged)
{
	ck_assert_uint_eq(trace_crc32c(0, NULL, 0), 0);
	ck_assert_uint_eq(trace_crc32c(0xdeadbeefu, "", 0), 0xdeadbeefu);
}
END_TEST

START_TEST(crc32c_large_buffer_equals_reference)
{
	size_t n = 1u << 20;
	uint8_t *p = malloc(n);

	fill_pattern(p, n, 3);
	ck_assert_uint_eq(trace_crc32c(0, p, n), crc32c_reference(0, p, n));
	free(p);
}
END_TEST

/* Expected digests computed independently with Python:
 * hashlib.blake2b(m, digest_size=16).hexdigest() */
static const struct {
	size_t len;
	int kind; /* 0: 'a' * len, 1: bytes(range(256)) * (len / 256), 2: "abc" */
	const char *hex;
} blake2b_vectors[] = {
	{ 0, 0, "cae66941d9efbd404e4d88758ea67670" },
	{ 3, 2, "cf4ab791c62b8d2b2109c90275287816" },
	{ 127, 0, "2228006d5107a5239e500da574466288" },
	{ 128, 0, "1271d28e731afb57bdfba6bdaf3501be" },
	{ 129, 0, "68b7bafbad5055c4ebe6eb170a0f8524" },
	{ 256, 0, "2dbe331c95d600bb74dcd669f0618bd7" },
	{ 1280, 1, "825c7cfa8fc12c18f57b6046a548db9f" },
};

static uint8_t *blake2b_vector_input(size_t i)
{
	size_t n = blake2b_vectors[i].len;
	uint8_t *p = malloc(n ? n : 1);

	for (size_t k = 0; k < n; k++)
		p[k] = blake2b_vectors[i].kind == 0 ? 'a'
		       : blake2b_vectors[i].kind == 1 ? (uint8_t)k
						      : (uint8_t)"abc"[k];
	return p;
}

START_TEST(blake2b_128_matches_python_hashlib)
{
	uint8_t *in = blake2b_vector_input((size_t)_i);
	uint8_t out[TRACE_HASH_SIZE];
	char got[2 * TRACE_HASH_SIZE + 1];

	trace_hash(in, blake2b_vectors[_i].len, out);
	hex(out, sizeof out, got);
	ck_assert_str_eq(got, blake2b_vectors[_i].hex);
	free(in);
}
END_TEST

START_TEST(blake2b_streamed_in_pieces_equals_one_shot)
{
	uint8_t buf[700], whole[TRACE_HASH_SIZE], part[TRACE_HASH_SIZE];

	fill_pattern(buf, sizeof buf, 5);
	trace_hash(buf, sizeof buf, whole);
	/* every split point, including the block boundaries 128, 256, ... */
	for (size_t cut = 0; cut <= sizeof buf; cut++) {
		struct trace_hash_state s;

		trace_hash_init(&s);
		trace_hash_update(&s, buf, cut);
		trace_hash_update(&s, buf + cut, sizeof buf - cut);
		trace_hash_final(&s, part);
		ck_assert_mem_eq(part, whole, TRACE_HASH_SIZE);
	}
	/* many small, uneven pieces */
	for (size_t step = 1; step < 140; step += 7) {
		struct trace_hash_state s;

		trace_hash_init(&s);
		for (size_t at = 0; at < sizeof buf; at += step)
			trace_hash_update(&s, buf + at, at + step > sizeof buf ? sizeof buf - at : step);
		trace_hash_final(&s, part);
		ck_assert_mem_eq(part, whole, TRACE_HASH_SIZE);
	}
}
END_TEST

START_TEST(blake2b_differs_when_one_bit_differs)
{
	uint8_t buf[64], a[TRACE_HASH_SIZE], b[TRACE_HASH_SIZE];

	fill_pattern(buf, sizeof buf, 11);
	trace_hash(buf, sizeof buf, a);
	buf[40] ^= 0x10;
	trace_hash(buf, sizeof buf, b);
	ck_assert(memcmp(a, b, sizeof a) != 0);
}
END_TEST

Suite *suite_checksum(void)
{
	Suite *s = suite_create("checksum");
	TCase *tc = tcase_create("crc32c");

	tcase_add_test(tc, crc32c_matches_check_value_of_123456789);
	tcase_add_test(tc, crc32c_matches_iscsi_vectors);
	tcase_add_test(tc, crc32c_equals_reference_at_every_length_and_alignment);
	tcase_add_test(tc, crc32c_extends_across_any_split);
	tcase_add_test(tc, crc32c_of_nothing_leaves_crc_unchanged);
	tcase_add_test(tc, crc32c_large_buffer_equals_reference);
	suite_add_tcase(s, tc);

	tc = tcase_create("blake2b");
	tcase_add_loop_test(tc, blake2b_128_matches_python_hashlib, 0,
			    (int)(sizeof blake2b_vectors / sizeof blake2b_vectors[0]));
	tcase_add_test(tc, blake2b_streamed_in_pieces_equals_one_shot);
	tcase_add_test(tc, blake2b_differs_when_one_bit_differs);
	suite_add_tcase(s, tc);
	return s;
}
