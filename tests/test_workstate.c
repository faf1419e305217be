/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	int error = workstate_hash(repository, (git_tree *)head_tree, NULL, &dirty, &hash);
	const git_error *reason = git_error_last();
	ck_assert_msg(error == 0, "%s", reason ? reason->message : "no reason");
	git_object_free(head_tree);
	git_repository_free(repository);
	return strdup(dirty ? git_oid_tostr_s(&hash) : "clean");
}

/* Checks that the COUNT STATES (from state_of) are dirty and all different, and frees them. */
static void assert_distinct_dirty_states(char *states[], size_t count)
{
	for (size_t i = 0; i < count; i++) {
		ck_assert_msg(strcmp(states[i], "clean") != 0, "state %zu is clean", i);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(states[i], states[j]) != 0, "states %zu and %zu are one", j, i);
	}
	for (size_t i = 0; i < count; i++)
		free(states[i]);
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
	char *states[] = {two_files, state_of("repo")};
	assert_distinct_dirty_states(states, 2);
	free(forged);
	git_repository_free(repository);
}
END_TEST

/* A repository "repo" whose commit holds README and the submodule "library" (a repository of its
 * own, checked out at the commit recorded, *LIBRARY_COMMIT). */
static git_repository *make_superproject(git_repository **library, git_oid *library_commit)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);
	git_index *index;

	*library = git_fixture_repository("repo/library", library_commit);
	git_fixture_write("repo/.gitmodules", "[submodule \"library\"]\n\tpath = library\n\turl = ./library\n");
	git_fixture_stage(repository, ".gitmodules");
	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	git_index_entry gitlink = {.mode = GIT_FILEMODE_COMMIT, .id = *library_commit, .path = "library"};
	ck_assert_int_eq(git_index_add(index, &gitlink), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	git_index_free(index);
	git_fixture_commit(repository);
	return repository;
}

static void reset_hard(git_repository *repository, const git_oid *commit_id)
{
	git_object *commit;

	ck_assert_int_eq(git_object_lookup(&commit, repository, commit_id, GIT_OBJECT_COMMIT), 0);
	ck_assert_int_eq(git_reset(repository, commit, GIT_RESET_HARD, NULL), 0);
	git_object_free(commit);
}

/* Issue 15: a submodule's content is the build's too. Clean where it is checked out at the commit
 * HEAD records with no changes of its own; any other content (moved on, changed, untracked files,
 * not checked out at all, gone) another state, whatever submodule.*.ignore says. */
START_TEST(test_submodule_content_counts)
{
	git_repository *library;
	git_oid library_commit;
	git_repository *repository = make_superproject(&library, &library_commit);
	git_config *config;

	/* What git status would no longer show: kimb reads the submodule all the same. */
	ck_assert_int_eq(git_repository_config(&config, repository), 0);
	ck_assert_int_eq(git_config_set_string(config, "submodule.library.ignore", "all"), 0);
	ck_assert_int_eq(git_config_set_string(config, "diff.ignoreSubmodules", "all"), 0);
	git_config_free(config);
	char *clean = state_of("repo");
	ck_assert_str_eq(clean, "clean");

	git_fixture_write("repo/library/README", "moved on\n");
	git_fixture_stage(library, "README");
	git_fixture_commit(library);
	char *moved = state_of("repo");
	reset_hard(library, &library_commit);
	char *back = state_of("repo");
	ck_assert_str_eq(back, clean);
	free(back);
	git_fixture_write("repo/library/README", "moved on\n");
	char *changed = state_of("repo");
	git_fixture_write("repo/library/README", "changed otherwise\n");
	char *changed_otherwise = state_of("repo");
	reset_hard(library, &library_commit);
	git_fixture_write("repo/library/notes", "untracked\n");
	char *untracked = state_of("repo");
	git_repository_free(library);

	/* Not checked out (git clone without --recurse-submodules): an empty directory. */
	ck_assert_int_eq(remove_tree("repo/library"), 0);
	ck_assert_int_eq(mkdir("repo/library", 0700), 0);
	char *empty = state_of("repo");
	git_fixture_write("repo/library/README", "hello\n");
	char *copied = state_of("repo");
	ck_assert_int_eq(remove_tree("repo/library"), 0);
	char *gone = state_of("repo");

	char *states[] = {moved, changed, changed_otherwise, untracked, empty, copied, gone};
	assert_distinct_dirty_states(states, sizeof states / sizeof states[0]);
	free(clean);
	git_repository_free(repository);
}
END_TEST

/* A submodule HEAD records and the index no longer has (git rm), alone in its directory or not:
 * its absence is a change, the same whether the index still has it or not. */
START_TEST(test_submodule_removed_from_the_index)
{
	git_repository *library;
	git_oid library_commit;
	git_repository *repository = make_superproject(&library, &library_commit);
	git_index *index;

	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	ck_assert_int_eq(mkdir("repo/vendor", 0700), 0);
	git_index_entry gitlink = {.mode = GIT_FILEMODE_COMMIT, .id = library_commit, .path = "vendor/library"};
	ck_assert_int_eq(git_index_add(index, &gitlink), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	git_fixture_commit(repository);
	git_repository_free(library);
	ck_assert_int_eq(remove_tree("repo/library"), 0);
	ck_assert_int_eq(git_index_remove_bypath(index, "library"), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	char *one_gone = state_of("repo");
	ck_assert_str_ne(one_gone, "clean");
	ck_assert_int_eq(remove_tree("repo/vendor"), 0);
	ck_assert_int_eq(git_index_remove_bypath(index, "vendor/library"), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	/* vendor/library now lies below a tree HEAD alone has */
	char *both_gone = state_of("repo");
	ck_assert_str_eq(both_gone, one_gone);
	free(both_gone);
	free(one_gone);
	git_index_free(index);
	git_repository_free(repository);
}
END_TEST

/* Issue 15: an untracked repository inside the work tree, which git status shows as one entry, is
 * read as its HEAD and its own state: a new commit or a change in it is another state. */
START_TEST(test_nested_repository_content_counts)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);
	git_oid first;
	git_repository *nested = git_fixture_repository("repo/nested", &first);

	char *at_first = state_of("repo");
	git_fixture_write("repo/nested/README", "second\n");
	git_fixture_stage(nested, "README");
	git_fixture_commit(nested);
	char *at_second = state_of("repo");
	git_fixture_write("repo/nested/README", "changed\n");
	char *changed = state_of("repo");
	reset_hard(nested, &first);
	char *back = state_of("repo");
	ck_assert_str_eq(back, at_first);
	free(back);
	git_repository_free(nested);

	/* One with no commit yet: its files, untracked there. */
	git_repository *unborn;
	ck_assert_int_eq(git_repository_init(&unborn, "repo/unborn", 0), 0);
	git_fixture_write("repo/unborn/file", "one\n");
	char *unborn_one = state_of("repo");
	git_fixture_write("repo/unborn/file", "two\n");
	char *unborn_two = state_of("repo");
	git_repository_free(unborn);
	/* One kimb cannot read: all it holds, its .git included. */
	git_fixture_write("repo/unborn/.git/HEAD", "garbage\n");
	char *broken_two = state_of("repo");
	git_fixture_write("repo/unborn/file", "one\n");
	char *broken_one = state_of("repo");

	char *states[] = {at_first, at_second, changed, unborn_one, unborn_two, broken_two, broken_one};
	assert_distinct_dirty_states(states, sizeof states / sizeof states[0]);
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
	tcase_add_test(state, test_submodule_content_counts);
	tcase_add_test(state, test_submodule_removed_from_the_index);
	tcase_add_test(state, test_nested_repository_content_counts);
	suite_add_tcase(suite, state);
	return suite;
}
