/* test_redact.c — which environment variables are secrets (RETRACE_REDACT's patterns) and how
 * their values are replaced in bytes (format/redact.c).
 */
#include <string.h>

#include "unit.h"

static int matches(const char *patterns, const char *entry)
{
	return trace_redact_matches(patterns, (const uint8_t *)entry, strlen(entry));
}

START_TEST(defaults_apply_when_unset_or_empty)
{
	const char *unset = NULL;

	for (int i = 0; i < 2; i++) {
		const char *p = i ? "" : unset;
		ck_assert(matches(p, "API_TOKEN=abc"));
		ck_assert(matches(p, "GITHUB_TOKEN_X=abc"));
		ck_assert(matches(p, "AWS_SECRET_ACCESS_KEY=abc"));
		ck_assert(matches(p, "PGPASSWORD=abc"));
		ck_assert(matches(p, "STRIPE_KEY=abc"));
		ck_assert(!matches(p, "HOME=/root"));
		ck_assert(!matches(p, "KEYBOARD=us"));  /* *_KEY ends in _KEY */
		ck_assert(!matches(p, "MONKEY=1"));
	}
}
END_TEST

START_TEST(names_match_without_regard_to_case)
{
	ck_assert(matches(NULL, "api_token=abc"));
	ck_assert(matches("*Credential*", "GOOGLE_CREDENTIALS=abc"));
}
END_TEST

START_TEST(default_in_the_list_stands_for_the_defaults)
{
	ck_assert(matches("default,*CREDENTIAL*", "API_TOKEN=abc"));
	ck_assert(matches("default,*CREDENTIAL*", "MY_CREDENTIAL=abc"));
	ck_assert(matches(" default , *CREDENTIAL* ", "MY_CREDENTIAL=abc"));
	ck_assert(!matches("*CREDENTIAL*", "API_TOKEN=abc"));
	ck_assert(matches("*CREDENTIAL*", "MY_CREDENTIAL=abc"));
}
END_TEST

START_TEST(none_redacts_nothing)
{
	ck_assert(!matches("none", "API_TOKEN=abc"));
	ck_assert(!matches("none", "X=abc"));
	ck_assert(matches("none,X", "X=abc"));
}
END_TEST

START_TEST(retrace_and_loader_variables_are_never_secrets)
{
	ck_assert(!matches("*", "RETRACE_TOKEN=abc"));
	ck_assert(!matches("*", "LD_PRELOAD=/lib/x.so"));
	ck_assert(!matches("*", "GLIBC_TUNABLES=x"));
	ck_assert(!matches("*", "GCONV_PATH=/x"));
	ck_assert(matches("*", "PATH=/bin"));
	ck_assert(!matches("*", "=abc"));   /* no name */
	ck_assert(!matches("X", "XY=abc")); /* the whole name */
}
END_TEST

START_TEST(scrub_replaces_every_occurrence_with_as_many_placeholder_bytes)
{
	struct trace_secret s[] = { { (const uint8_t *)"s3cr3t-v4lue", 12 },
				    { (const uint8_t *)"another-secret", 14 } };
	char buf[] = "Authorization: Bearer s3cr3t-v4lue\r\nX: another-secret s3cr3t-v4lues3cr3t-v4lue";
	char want[] = "Authorization: Bearer xxxxxxxxxxxx\r\nX: xxxxxxxxxxxxxx xxxxxxxxxxxxxxxxxxxxxxxx";
	size_t n = strlen(buf);

	ck_assert(trace_redact_occurs(s, 2, (uint8_t *)buf, n));
	ck_assert_uint_eq(trace_redact_scrub(s, 2, (uint8_t *)buf, n), 4);
	ck_assert_str_eq(buf, want);
	ck_assert(!trace_redact_occurs(s, 2, (uint8_t *)buf, n));
	ck_assert_uint_eq(trace_redact_scrub(s, 2, (uint8_t *)buf, n), 0);
}
END_TEST

START_TEST(scrub_finds_values_at_the_edges_and_not_partial_ones)
{
	struct trace_secret s[] = { { (const uint8_t *)"0123456789", 10 } };
	char edge[] = "0123456789";
	char partial[] = "012345678 123456789";

	ck_assert_uint_eq(trace_redact_scrub(s, 1, (uint8_t *)edge, 10), 1);
	ck_assert_str_eq(edge, "xxxxxxxxxx");
	ck_assert(!trace_redact_occurs(s, 1, (uint8_t *)partial, strlen(partial)));
	ck_assert(!trace_redact_occurs(s, 1, (uint8_t *)edge, 5)); /* shorter than the value */
	ck_assert(!trace_redact_occurs(s, 1, NULL, 0));
}
END_TEST

START_TEST(values_shorter_than_the_minimum_are_not_looked_for)
{
	struct trace_secret s[] = { { (const uint8_t *)"false", 5 } };
	char buf[] = "{\"ok\": false}";

	ck_assert_uint_lt(5, TRACE_REDACT_MIN);
	ck_assert(!trace_redact_occurs(s, 1, (uint8_t *)buf, strlen(buf)));
	ck_assert_uint_eq(trace_redact_scrub(s, 1, (uint8_t *)buf, strlen(buf)), 0);
	ck_assert_str_eq(buf, "{\"ok\": false}");
}
END_TEST

Suite *suite_redact(void)
{
	Suite *s = suite_create("redact");
	TCase *tc = tcase_create("redact");

	tcase_add_test(tc, defaults_apply_when_unset_or_empty);
	tcase_add_test(tc, names_match_without_regard_to_case);
	tcase_add_test(tc, default_in_the_list_stands_for_the_defaults);
	tcase_add_test(tc, none_redacts_nothing);
	tcase_add_test(tc, retrace_and_loader_variables_are_never_secrets);
	tcase_add_test(tc, scrub_replaces_every_occurrence_with_as_many_placeholder_bytes);
	tcase_add_test(tc, scrub_finds_values_at_the_edges_and_not_partial_ones);
	tcase_add_test(tc, values_shorter_than_the_minimum_are_not_looked_for);
	suite_add_tcase(s, tc);
	return s;
}
