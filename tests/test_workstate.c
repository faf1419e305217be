#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "git_fixture.h"
#include "suites.h"
#include "workstate.h"

/* The state of the work tree "repo" beside its HEAD, as hex digits, or "clean". */
static char *state_of(const char *directory)
{
	git_repository *repository;
	git_object *head_tree;
	bool dirty = true;
	git_oid hash;

	ck_assert_int_eq(git_repository_open(&repository, directory), 0);
	ck_assert_int_eq(git_revparse_single(&head_tree, repository, "HEAD^{tree}"), 0);
	int error = workstate_hash(repository, (git_tree *)head_tree, &dirty, &hash);
	const git_error *reason = git_error_last();
	ck_assert_msg(error == 0, "%s", reason ? reason->message : "no reason");
	git_object_free(head_tree);
	git_repository_free(repository);
	return strdup(dirty ? git_oid_tostr_s(&hash) : "clean");
}

static void assert_states_differ(char *one, char *other)
{
	ck_assert_str_ne(one, "clean");
	ck_assert_str_ne(other, "clean");
	ck_assert_str_ne(one, other);
	free(one);
	free(other);
}

/* Issue 15: a name is no field separator. Two untracked files x and y, and one file named as if its
 * name held both records, were one state when each change was written as "PATH KIND BLOB\n". */
START_TEST(test_names_cannot_forge_records)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);
	git_oid x_blob;

	git_fixture_write("repo/x", "one\n");
	git_fixture_write("repo/y", "two\n");
	char *two_files = state_of("repo");
	ck_assert_int_eq(git_odb_hash(&x_blob, "one\n", 4, GIT_OBJECT_BLOB), 0);
	char *forged = malloc(GIT_OID_HEXSZ + sizeof "repo/x file \ny");
	ck_assert_ptr_nonnull(forged);
	sprintf(forged, "repo/x file %s\ny", git_oid_tostr_s(&x_blob));
	ck_assert_int_eq(unlink("repo/x"), 0);
	ck_assert_int_eq(rename("repo/y", forged), 0);
	assert_states_differ(two_files, state_of("repo"));
	free(forged);
	git_repository_free(repository);
}
END_TEST

Suite *workstate_suite(void)
{
	Suite *suite = suite_create("workstate");
	TCase *state = tcase_create("state");

	tcase_add_checked_fixture(state, git_fixture_setup, git_fixture_teardown);
	tcase_add_unchecked_fixture(state, git_fixture_begin_suite, git_fixture_end_suite);
	tcase_add_test(state, test_names_cannot_forge_records);
	suite_add_tcase(suite, state);
	return suite;
}
