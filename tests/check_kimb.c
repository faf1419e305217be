#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *runner = srunner_create(reference_suite());
	srunner_add_suite(runner, listing_suite());
	srunner_add_suite(runner, listing_json_suite());
	srunner_add_suite(runner, tagscheme_suite());
	srunner_add_suite(runner, options_suite());
	srunner_add_suite(runner, selection_suite());
	srunner_add_suite(runner, runner_suite());
	srunner_add_suite(runner, lock_suite());
	srunner_add_suite(runner, builder_suite());
	srunner_add_suite(runner, provenance_suite());
	srunner_add_suite(runner, use_suite());
	srunner_add_suite(runner, calls_suite());
	srunner_add_suite(runner, report_suite());
	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
