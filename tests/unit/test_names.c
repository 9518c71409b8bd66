/* test_names.c — status and call names as retrace-dump and error messages print them, and which
 * event values are delta-coded.
 */
#include <string.h>
#include <strings.h>

#include "unit.h"

START_TEST(status_names_are_short_and_distinct)
{
	enum trace_status all[] = { TRACE_OK,	       TRACE_E_IO,	TRACE_E_FOREIGN,
				    TRACE_E_VERSION,   TRACE_E_TRUNCATED, TRACE_E_CORRUPT,
				    TRACE_E_NOMEM,     TRACE_E_FULL };
	size_t n = sizeof all / sizeof all[0];

	ck_assert_str_eq(trace_status_name(TRACE_E_CORRUPT), "corrupt trace");
	for (size_t i = 0; i < n; i++) {
		const char *a = trace_status_name(all[i]);

		ck_assert_ptr_nonnull(a);
		ck_assert_uint_gt(strlen(a), 0);
		ck_assert_uint_lt(strlen(a), 40);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(a, trace_status_name(all[j]));
	}
	ck_assert_ptr_nonnull(trace_status_name((enum trace_status)12345));
}
END_TEST

START_TEST(call_names_are_lower_case_without_prefix)
{
	ck_assert_str_eq(trace_call_name(RETRACE__CALL__CALL_CLOCK_GETTIME), "clock_gettime");
	ck_assert_str_eq(trace_call_name(RETRACE__CALL__CALL_CLOCK_NANOSLEEP), "clock_nanosleep");
	ck_assert_str_eq(trace_call_name(RETRACE__CALL__CALL_GETRANDOM), "getrandom");
	ck_assert_str_eq(trace_call_name(RETRACE__CALL__CALL_FD_INVENTORY), "fd_inventory");
	ck_assert_str_eq(trace_call_name(RETRACE__CALL__CALL_KILL), "kill");
	ck_assert_str_eq(trace_call_name(RETRACE__CALL__CALL_NONE), "none");
}
END_TEST

START_TEST(every_call_in_the_proto_has_a_name)
{
	const ProtobufCEnumDescriptor *d = &retrace__call__descriptor;

	for (unsigned i = 0; i < d->n_values; i++) {
		const char *name = trace_call_name((uint32_t)d->values[i].value);

		ck_assert_uint_eq(strlen(name), strlen(d->values[i].name) - strlen("CALL_"));
		ck_assert_ptr_null(strchr(name, '#'));
		for (const char *p = name; *p; p++)
			ck_assert(!(*p >= 'A' && *p <= 'Z'));
		ck_assert_int_eq(strcasecmp(name, d->values[i].name + strlen("CALL_")), 0);
	}
}
END_TEST

START_TEST(unknown_calls_are_named_by_number)
{
	ck_assert_str_eq(trace_call_name(9), "call#9");
	ck_assert_str_eq(trace_call_name(69), "call#69");
	ck_assert_str_eq(trace_call_name(4294967295u), "call#4294967295");
	ck_assert_str_eq(trace_call_name(2147483648u), "call#2147483648");
}
END_TEST

START_TEST(clock_values_have_slots_and_others_none)
{
	for (int64_t id = 0; id < 16; id++)
		ck_assert_int_eq(trace_value_slot(RETRACE__CALL__CALL_CLOCK_GETTIME, id), (int)id);
	ck_assert_int_eq(trace_value_slot(RETRACE__CALL__CALL_CLOCK_GETTIME, 16), -1);
	ck_assert_int_eq(trace_value_slot(RETRACE__CALL__CALL_CLOCK_GETTIME, -2), -1);
	ck_assert_int_eq(trace_value_slot(RETRACE__CALL__CALL_CLOCK_GETTIME, INT64_MIN), -1);
	ck_assert_int_eq(trace_value_slot(RETRACE__CALL__CALL_GETTIMEOFDAY, 0), 16);
	ck_assert_int_eq(trace_value_slot(RETRACE__CALL__CALL_GETTIMEOFDAY, 99), 16);
	ck_assert_int_eq(trace_value_slot(RETRACE__CALL__CALL_TIME, 0), 17);
	ck_assert_int_eq(trace_value_slot(RETRACE__CALL__CALL_NANOSLEEP, 0), -1);
	ck_assert_int_eq(trace_value_slot(RETRACE__CALL__CALL_CLOCK_NANOSLEEP, 1), -1);
	ck_assert_int_eq(trace_value_slot(12345, 0), -1);
	ck_assert_int_lt(17, TRACE_VALUE_SLOTS);
}
END_TEST

Suite *suite_names(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, status_names_are_short_and_distinct);
	tcase_add_test(tc, call_names_are_lower_case_without_prefix);
	tcase_add_test(tc, every_call_in_the_proto_has_a_name);
	tcase_add_test(tc, unknown_calls_are_named_by_number);
	tcase_add_test(tc, clock_values_have_slots_and_others_none);
	suite_add_tcase(s, tc);
	return s;
}
