/* main.c — runs every unit test suite of the format library (Check).
 *
 * CK_FORK=yes (the Makefile's default) runs each test in its own process, so a crash in the
 * reader fails one test instead of ending the run.
 */
#include <stdlib.h>

#include "unit.h"

int main(void)
{
	SRunner *sr = srunner_create(suite_checksum());

	srunner_add_suite(sr, suite_names());
	srunner_add_suite(sr, suite_roundtrip());
	srunner_add_suite(sr, suite_corrupt());
	srunner_add_suite(sr, suite_crash());
	srunner_add_suite(sr, suite_memory());
	srunner_add_suite(sr, suite_sequence());
	srunner_add_suite(sr, suite_redact());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
