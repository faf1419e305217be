#ifndef KIMB_TEST_GIT_FIXTURE_H
#define KIMB_TEST_GIT_FIXTURE_H

#include <git2.h>

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

/* Adds PATH (in the work tree) to REPOSITORY's index, as read from disk, and writes the index. */
void git_fixture_stage(git_repository *repository, const char *path);

/* Commits REPOSITORY's index (as read from disk) on HEAD, at a fixed time; returns the commit's ID. */
git_oid git_fixture_commit(git_repository *repository);

#endif
