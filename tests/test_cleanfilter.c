/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "cleanfilter.h"
#include "git_fixture.h"
#include "suites.h"

static git_repository *repository;

/* A repository "repo" whose .gitattributes gives files ending in .dat the filter driver "upper",
 * with CLEAN its clean command, and the file "dir/it's a.dat" holding "hello". */
static void setup(void)
{
	git_oid commit_id;
	git_config *config;

	git_fixture_setup();
	repository = git_fixture_repository("repo", &commit_id);
	git_fixture_write("repo/.gitattributes", "*.dat filter=upper\n");
	ck_assert_int_eq(mkdir("repo/dir", 0700), 0);
	git_fixture_write("repo/dir/it's a.dat", "hello\n");
	ck_assert_int_eq(git_repository_config(&config, repository), 0);
	ck_assert_int_eq(git_config_set_string(config, "filter.upper.clean", "tr a-z A-Z"), 0);
	git_config_free(config);
	ck_assert_int_eq(cleanfilter_register(NULL), 0);
}

static void teardown(void)
{
	git_repository_free(repository);
	git_fixture_teardown();
}

static void set(const char *name, const char *value)
{
	git_config *config;

	ck_assert_int_eq(git_repository_config(&config, repository), 0);
	ck_assert_int_eq(value ? git_config_set_string(config, name, value) : git_config_delete_entry(config, name), 0);
	git_config_free(config);
}

/* Checks that libgit2 hashes PATH in "repo" as the blob of EXPECTED. */
static void assert_hashed_as(const char *path, const char *expected)
{
	git_oid found;
	git_oid wanted;
	/* PATH in the work tree */
	int error = git_repository_hashfile(&found, repository, path, GIT_OBJECT_BLOB, NULL);
	const git_error *reason = git_error_last();
	ck_assert_msg(error == 0, "%s", reason ? reason->message : "no reason");
	ck_assert_int_eq(git_odb_hash(&wanted, expected, strlen(expected), GIT_OBJECT_BLOB), 0);
	ck_assert_msg(git_oid_equal(&found, &wanted), "%s is not hashed as \"%s\"", path, expected);
}

START_TEST(test_the_clean_command_makes_the_blob)
{
	assert_hashed_as("dir/it's a.dat", "HELLO\n");
	/* Files the attribute does not name, and all in the other direction, stay as they are. */
	git_fixture_write("repo/dir/b.txt", "hello\n");
	assert_hashed_as("dir/b.txt", "hello\n");
}
END_TEST

/* As git runs it: by the shell, in the work tree, %f the path quoted, %% a %. */
START_TEST(test_the_command_runs_as_git_runs_it)
{
	char *work_tree = strdup(git_repository_workdir(repository));
	ck_assert_ptr_nonnull(work_tree);
	work_tree[strlen(work_tree) - 1] = '\0';
	char *expected = malloc(strlen(work_tree) + 64);
	ck_assert_ptr_nonnull(expected);
	sprintf(expected, "[dir/it's a.dat]\n100%%\n%s\nhello\n", work_tree);

	set("filter.upper.clean", "printf '[%s]\\n' %f && echo 100%% && pwd && cat");
	assert_hashed_as("dir/it's a.dat", expected);
	free(expected);
	free(work_tree);
}
END_TEST

/* The file's content reaches the command through a temporary file in the directory it was
 * registered with: TMPDIR of kimb's environment, not one read behind its back. */
START_TEST(test_the_temporary_file_goes_where_registered)
{
	char *directory = malloc(strlen(git_fixture_directory) + 16);
	ck_assert_ptr_nonnull(directory);
	sprintf(directory, "%s/tmp", git_fixture_directory);
	ck_assert_int_eq(mkdir(directory, 0700), 0);
	ck_assert_int_eq(cleanfilter_register(directory), 0);
	char *expected = malloc(strlen(directory) + 8);
	ck_assert_ptr_nonnull(expected);
	sprintf(expected, "%s\n", directory);

	set("filter.upper.clean", "dirname \"$(readlink /proc/self/fd/0)\"");
	assert_hashed_as("dir/it's a.dat", expected);
	ck_assert_int_eq(cleanfilter_register(NULL), 0);
	assert_hashed_as("dir/it's a.dat", "/tmp\n");
	free(expected);
	free(directory);
}
END_TEST

/* A command that fails leaves the file as it is, as git does; for a required driver, it is a failure
 * to tell, once. */
START_TEST(test_a_failing_command)
{
	set("filter.upper.clean", "echo cannot >&2; exit 3");
	assert_hashed_as("dir/it's a.dat", "hello\n");
	ck_assert_int_eq(cleanfilter_failure(), 0);
	set("filter.upper.required", "true");
	assert_hashed_as("dir/it's a.dat", "hello\n");
	assert_hashed_as("dir/it's a.dat", "hello\n");
	ck_assert_int_eq(cleanfilter_failure(), -1);
	const git_error *reason = git_error_last();
	ck_assert_ptr_nonnull(reason);
	ck_assert_str_eq(reason->message, "dir/it's a.dat: filter.upper.clean (echo cannot >&2; exit 3) failed: it "
					  "exited with status 3: cannot");
	ck_assert_int_eq(cleanfilter_failure(), 0);
}
END_TEST

/* A driver with no clean command (only a long-running process one) leaves the file as it is. */
START_TEST(test_a_driver_without_a_clean_command)
{
	set("filter.upper.clean", NULL);
	set("filter.upper.process", "tr a-z A-Z");
	assert_hashed_as("dir/it's a.dat", "hello\n");
	set("filter.upper.clean", "");
	assert_hashed_as("dir/it's a.dat", "hello\n");
}
END_TEST

Suite *cleanfilter_suite(void)
{
	Suite *suite = suite_create("cleanfilter");
	TCase *driver = tcase_create("driver");

	tcase_add_checked_fixture(driver, setup, teardown);
	tcase_add_unchecked_fixture(driver, git_fixture_begin_suite, git_fixture_end_suite);
	tcase_add_test(driver, test_the_clean_command_makes_the_blob);
	tcase_add_test(driver, test_the_command_runs_as_git_runs_it);
	tcase_add_test(driver, test_the_temporary_file_goes_where_registered);
	tcase_add_test(driver, test_a_failing_command);
	tcase_add_test(driver, test_a_driver_without_a_clean_command);
	suite_add_tcase(suite, driver);
	return suite;
}
