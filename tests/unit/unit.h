/* unit.h — what the unit test files share: one Check suite per area of the format library, and
 * fixtures that record a trace through the real writer into memory for the reader to chew on.
 */
#ifndef RETRACE_TESTS_UNIT_H
#define RETRACE_TESTS_UNIT_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trace.h"

/* Check's ck_assert_* records a checkpoint on every success: one write to its message file, which
 * in fork mode is an unlinked temporary file.  The tests that try every length and every byte of
 * a trace check hundreds of millions of values, which made them slow and that file gigabytes
 * big, so they use these instead: silent on success, the same message on failure. */
#define quiet_assert_msg(expr, ...)                                                               \
	do {                                                                                      \
		if (!(expr))                                                                      \
			ck_abort_msg(__VA_ARGS__);                                                \
	} while (0)
#define quiet_assert(expr) quiet_assert_msg(expr, "Assertion '%s' failed", #expr)
#define QUIET_CMP(T, fmt, X, OP, Y)                                                               \
	do {                                                                                      \
		T x_ = (T)(X), y_ = (T)(Y);                                                       \
		if (!(x_ OP y_))                                                                  \
			ck_abort_msg("Assertion '%s' failed: %s == " fmt ", %s == " fmt,          \
				     #X " " #OP " " #Y, #X, x_, #Y, y_);                          \
	} while (0)
#define quiet_assert_int_eq(X, Y) QUIET_CMP(intmax_t, "%jd", X, ==, Y)
#define quiet_assert_int_ne(X, Y) QUIET_CMP(intmax_t, "%jd", X, !=, Y)
#define quiet_assert_int_lt(X, Y) QUIET_CMP(intmax_t, "%jd", X, <, Y)
#define quiet_assert_int_le(X, Y) QUIET_CMP(intmax_t, "%jd", X, <=, Y)
#define quiet_assert_int_gt(X, Y) QUIET_CMP(intmax_t, "%jd", X, >, Y)
#define quiet_assert_int_ge(X, Y) QUIET_CMP(intmax_t, "%jd", X, >=, Y)
#define quiet_assert_uint_eq(X, Y) QUIET_CMP(uintmax_t, "%ju", X, ==, Y)
#define quiet_assert_uint_ne(X, Y) QUIET_CMP(uintmax_t, "%ju", X, !=, Y)
#define quiet_assert_uint_lt(X, Y) QUIET_CMP(uintmax_t, "%ju", X, <, Y)
#define quiet_assert_uint_le(X, Y) QUIET_CMP(uintmax_t, "%ju", X, <=, Y)
#define quiet_assert_uint_gt(X, Y) QUIET_CMP(uintmax_t, "%ju", X, >, Y)
#define quiet_assert_uint_ge(X, Y) QUIET_CMP(uintmax_t, "%ju", X, >=, Y)
#define quiet_assert_ptr_null(X) quiet_assert((X) == NULL)
#define quiet_assert_ptr_nonnull(X) quiet_assert((X) != NULL)
#define quiet_assert_str_eq(X, Y)                                                                 \
	do {                                                                                      \
		const char *xs_ = (X), *ys_ = (Y);                                                \
		if (strcmp(xs_, ys_) != 0)                                                        \
			ck_abort_msg("Assertion '%s == %s' failed: \"%s\" != \"%s\"", #X, #Y,       \
				     xs_, ys_);                                                   \
	} while (0)
#define quiet_assert_mem_eq(X, Y, L)                                                              \
	quiet_assert_msg(memcmp((X), (Y), (L)) == 0, "Assertion '%s == %s' (%zu bytes) failed",  \
			 #X, #Y, (size_t)(L))

Suite *suite_checksum(void);
Suite *suite_names(void);
Suite *suite_roundtrip(void);
Suite *suite_corrupt(void);
Suite *suite_crash(void);
Suite *suite_memory(void);
Suite *suite_sequence(void);
Suite *suite_redact(void);

#endif
