/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_TEST_SUITES_H
#define KIMB_TEST_SUITES_H

/* One Check suite per module of src/; check_kimb.c runs them all. */

#include <check.h>

#include "env.h"
#include "listing.h"

/* The tag of test cases that take long under valgrind (100,000 listing rows: 20 s; work trees of
 * thousands of files: 18 s): make check's valgrind run leaves them out (CK_EXCLUDE_TAGS), its
 * sanitized run and make check-nightly's valgrind run do not. */
#define UNIT_EXPENSIVE_TAG "expensive"

Suite *reference_suite(void);
Suite *listing_suite(void);
Suite *listing_json_suite(void);
Suite *tagscheme_suite(void);
Suite *gittag_suite(void);
Suite *timeformat_suite(void);
Suite *options_suite(void);
Suite *plan_suite(void);
Suite *execute_suite(void);
Suite *process_suite(void);
Suite *lock_suite(void);
Suite *builder_suite(void);
Suite *record_suite(void);
Suite *records_suite(void);
Suite *use_suite(void);
Suite *session_suite(void);
Suite *report_suite(void);
Suite *worktree_suite(void);
Suite *workstate_suite(void);
Suite *cleanfilter_suite(void);
Suite *complete_suite(void);
Suite *toml_suite(void);
Suite *settings_suite(void);
Suite *spelling_suite(void);
Suite *quote_suite(void);

/* A 64-digit ID of one repeated hex DIGIT. */
#define TEST_ID(digit) digit digit digit digit digit digit digit digit digit digit digit digit digit digit digit digit \
	digit digit digit digit digit digit digit digit digit digit digit digit digit digit digit digit \
	digit digit digit digit digit digit digit digit digit digit digit digit digit digit digit digit \
	digit digit digit digit digit digit digit digit digit digit digit digit digit digit digit digit

/* The environment a test gives the code under test, as NAME=VALUE strings up to a NULL, read by
 * test_lookup (an env_lookup). Each test sets what it needs. */
extern const char *test_environment[8];
const char *test_lookup(const char *name);

/* A snapshot of test_environment as it is now, in storage the next call reuses. */
const struct environment *test_snapshot(void);

/* A listing of COUNT zeroed images, malloc'd as listing_free releases it: each test fills them. */
struct listing test_listing(size_t count);

/* The names of an image tagged REPOSITORY:TAG (normalized, listed as such), malloc'd as
 * listing_free releases them: one name. */
struct image_name *test_names(const char *repository, const char *tag);

/* Makes a new directory PARENT/kimb-NAME-XXXXXX and returns its path (malloc'd), or NULL. */
char *make_temporary_directory(const char *parent, const char *name);

/* The unchecked fixture's half of a suite whose tests each make a directory in one of the suite's:
 * run in the parent process, so that a test that failed in its forked child (which skips its
 * teardown) leaves nothing behind. Makes kimb-NAME-XXXXXX under $TMPDIR (else /tmp) and returns its
 * path (malloc'd), or ends check_kimb when it cannot; remove_suite_directory removes and frees it. */
char *make_suite_directory(const char *name);
void remove_suite_directory(char *path);

/* One of our standard descriptors sent to an unlinked temporary file while a test runs:
 * redirect_to_temporary_file sends FD there (after flushing stdio), restore_and_read puts it back
 * and returns what was written to it meanwhile (malloc'd, NUL-terminated). */
struct redirection {
	int fd;
	int saved;
	int file;
};
void redirect_to_temporary_file(struct redirection *redirection, int fd);
char *restore_and_read(struct redirection *redirection);

/* The recorded output tests/fixtures/NAME ("podman/images-lapp.json"; tests/fixtures/README says what
 * each is), read whole: a malloc'd copy with a NUL after its LENGTH bytes (LENGTH may be NULL). Fails
 * the running test when it cannot be read. */
char *fixture_read(const char *name, size_t *length);

/* Removes PATH and everything below it, links themselves rather than what they lead to: 0, or -1
 * with errno set. */
int remove_tree(const char *path);

/* Check has no skip. A test that cannot run here (it needs root, say) ends with SKIP_TEST(REASON):
 * "SKIP: TEST: REASON" goes to stderr and check_kimb counts it, naming the skipped tests at the
 * end. With KIMB_REQUIRE_ALL=1 in the environment (CI sets it: it runs as root) a skip fails the
 * test instead, so that CI runs every test. */
#define SKIP_TEST(reason) \
	do { \
		test_skipped(__func__, (reason)); \
		return; \
	} while (0)

/* Says that the test whose function is FUNCTION (START_TEST's NAME_fn) is skipped for REASON, or
 * fails it under KIMB_REQUIRE_ALL=1. */
void test_skipped(const char *function, const char *reason);

#endif
