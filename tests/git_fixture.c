/* SPDX-License-Identifier: Apache-2.0 */
#include "git_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "cleanfilter.h"
#include "suites.h"

static char *suite_directory;
char *git_fixture_directory;
static int original_directory = -1;

void git_fixture_begin_suite(void)
{
	suite_directory = make_suite_directory("git-tests");
}

void git_fixture_end_suite(void)
{
	remove_suite_directory(suite_directory);
}

void git_fixture_setup(void)
{
	git_fixture_directory = make_temporary_directory(suite_directory, "test");
	ck_assert_ptr_nonnull(git_fixture_directory);
	original_directory = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(original_directory, 0);
	ck_assert_int_eq(chdir(git_fixture_directory), 0);
	ck_assert_int_eq(git_libgit2_init(), 1);
	const int levels[] = {GIT_CONFIG_LEVEL_PROGRAMDATA, GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
			      GIT_CONFIG_LEVEL_GLOBAL};
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		ck_assert_int_eq(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], git_fixture_directory), 0);
	ck_assert_int_eq(cleanfilter_register(git_fixture_directory), 0);
}

void git_fixture_teardown(void)
{
	ck_assert_int_eq(git_libgit2_shutdown(), 0);
	ck_assert_int_eq(fchdir(original_directory), 0);
	ck_assert_int_eq(close(original_directory), 0);
	ck_assert_int_eq(remove_tree(git_fixture_directory), 0);
	free(git_fixture_directory);
}

void git_fixture_write(const char *path, const char *content)
{
	FILE *file = fopen(path, "w");

	ck_assert_msg(file != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_ge(fputs(content, file), 0);
	ck_assert_int_eq(fclose(file), 0);
}

git_repository *git_fixture_repository(const char *directory, git_oid *commit_id)
{
	git_repository *repository;

	ck_assert_int_eq(git_repository_init(&repository, directory, 0), 0);
	char *readme = malloc(strlen(directory) + sizeof "/README");
	ck_assert_ptr_nonnull(readme);
	git_fixture_write(strcat(strcpy(readme, directory), "/README"), "hello\n");
	free(readme);
	git_fixture_stage(repository, "README");
	*commit_id = git_fixture_commit(repository);
	return repository;
}

/* Reads REPOSITORY's index from disk, makes CHANGE to PATH in it, and writes it. */
static void change_index(git_repository *repository, const char *path,
			 int (*change)(git_index *index, const char *path))
{
	git_index *index;

	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	ck_assert_int_eq(git_index_read(index, 0), 0);
	ck_assert_int_eq(change(index, path), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	git_index_free(index);
}

void git_fixture_stage(git_repository *repository, const char *path)
{
	change_index(repository, path, git_index_add_bypath);
}

void git_fixture_unstage(git_repository *repository, const char *path)
{
	change_index(repository, path, git_index_remove_bypath);
}

git_index_entry git_fixture_entry_with_stat(git_index *index, const char *path, const struct stat *status)
{
	const git_index_entry *recorded = git_index_get_bypath(index, path, 0);
	ck_assert_ptr_nonnull(recorded);
	git_index_entry entry = *recorded;
	entry.mtime = (git_index_time){(int32_t)status->st_mtim.tv_sec, (uint32_t)status->st_mtim.tv_nsec};
	entry.ctime = (git_index_time){(int32_t)status->st_ctim.tv_sec, (uint32_t)status->st_ctim.tv_nsec};
	entry.ino = (uint32_t)status->st_ino;
	entry.uid = (uint32_t)status->st_uid;
	entry.gid = (uint32_t)status->st_gid;
	entry.file_size = (uint32_t)status->st_size;
	return entry;
}

git_oid git_fixture_commit(git_repository *repository)
{
	git_index *index;
	git_oid tree_id;
	git_tree *tree;
	git_signature *signature;
	git_object *parent = NULL;
	git_oid commit_id;

	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	ck_assert_int_eq(git_index_read(index, 0), 0);
	ck_assert_int_eq(git_index_write_tree(&tree_id, index), 0);
	ck_assert_int_eq(git_tree_lookup(&tree, repository, &tree_id), 0);
	/* 2021-03-12 17:30:51 UTC, so that IDs do not depend on when the tests run. */
	ck_assert_int_eq(git_signature_new(&signature, "Kimb Test", "kimb-test@example.com", 1615570251, 0), 0);
	int found = git_revparse_single(&parent, repository, "HEAD");
	ck_assert(found == 0 || found == GIT_ENOTFOUND);
	const git_commit *parents[] = {(const git_commit *)parent};
	ck_assert_int_eq(git_commit_create(&commit_id, repository, "HEAD", signature, signature, NULL, "test", tree,
					   parent ? 1 : 0, parents),
			 0);
	git_object_free(parent);
	git_signature_free(signature);
	git_tree_free(tree);
	git_index_free(index);
	return commit_id;
}
