/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_TEST_GIT_FIXTURE_H
#define KIMB_TEST_GIT_FIXTURE_H

#include <git2.h>
#include <sys/stat.h>

/* The fixture of the tests that make git repositories: each test works in a fresh directory of its
 * own (its path in git_fixture_directory), with libgit2 initialized once and blind to the system's,
 * XDG and global git configuration. */

/* The unchecked fixture, run in the parent process: the directory that holds every test's, so that
 * a test that failed in a forked child (which skips its own teardown) leaves nothing behind. */
void git_fixture_begin_suite(void);
void git_fixture_end_suite(void);

/* The checked fixture, around each test. */
void git_fixture_setup(void);
void git_fixture_teardown(void);

extern char *git_fixture_directory;

/* Writes CONTENT to the file PATH. */
void git_fixture_write(const char *path, const char *content);

/* A repository in DIRECTORY whose one commit (its ID in *COMMIT_ID) holds README. */
git_repository *git_fixture_repository(const char *directory, git_oid *commit_id);

/* Adds PATH (in the work tree) to REPOSITORY's index, as read from disk, and writes the index;
 * or removes it from the index. */
void git_fixture_stage(git_repository *repository, const char *path);
void git_fixture_unstage(git_repository *repository, const char *path);

/* INDEX's entry of PATH, with the stat data of STATUS (times, inode, owner, size) in place of the
 * recorded ones: what git would record of a file whose content did not change. */
git_index_entry git_fixture_entry_with_stat(git_index *index, const char *path, const struct stat *status);

/* Commits REPOSITORY's index (as read from disk) on HEAD, at a fixed time; returns the commit's ID. */
git_oid git_fixture_commit(git_repository *repository);

#endif
