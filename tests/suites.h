#ifndef KIMB_TEST_SUITES_H
#define KIMB_TEST_SUITES_H

/* One Check suite per module of src/; check_kimb.c runs them all. */

#include <check.h>

Suite *reference_suite(void);
Suite *listing_suite(void);
Suite *listing_json_suite(void);
Suite *tagscheme_suite(void);
Suite *options_suite(void);
Suite *selection_suite(void);
Suite *runner_suite(void);
Suite *lock_suite(void);
Suite *builder_suite(void);
Suite *provenance_suite(void);
Suite *use_suite(void);
Suite *calls_suite(void);
Suite *report_suite(void);

#endif
