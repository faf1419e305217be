/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "git_fixture.h"
#include "suites.h"
#include "worktree.h"

/* Each test compares worktree_status with libgit2's own status of everything, in a repository
 * "repo" in a directory of its own, and checks which way worktree_status found it. */

/* A time well before the tests run: files stamped with it are not racily clean. */
static time_t past;

static void setup(void)
{
	git_fixture_setup();
	past = time(NULL) - 1000;
}

static void set_mtime(const char *path, time_t seconds, long nanoseconds)
{
	const struct timespec times[2] = {{seconds, nanoseconds}, {seconds, nanoseconds}};

	ck_assert_msg(utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0, "%s: %s", path, strerror(errno));
}

/* Writes CONTENT to PATH, stamped with PAST so that an index written now does not find it racily
 * clean. */
static void write_file(const char *path, const char *content)
{
	git_fixture_write(path, content);
	set_mtime(path, past, 0);
}

static void make_directory(const char *path)
{
	ck_assert_msg(mkdir(path, 0755) == 0, "%s: %s", path, strerror(errno));
}

/* A repository "repo" whose one commit holds DIRECTORIES directories (d00, d01, ...) of FILES files
 * each, the last directory holding one more below it (dNN/deeper/file), and README, a link and an
 * executable at the top. */
static git_repository *make_repository(int directories, int files)
{
	git_repository *repository;
	git_index *index;
	char path[64];

	ck_assert_int_eq(git_repository_init(&repository, "repo", 0), 0);
	write_file("repo/README", "hello\n");
	write_file("repo/run", "#!/bin/sh\n");
	ck_assert_int_eq(chmod("repo/run", 0755), 0);
	ck_assert_int_eq(symlink("README", "repo/link"), 0);
	set_mtime("repo/link", past, 0);
	for (int d = 0; d < directories; d++) {
		snprintf(path, sizeof path, "repo/d%02d", d);
		make_directory(path);
		for (int f = 0; f < files; f++) {
			char content[64];
			snprintf(path, sizeof path, "repo/d%02d/f%03d", d, f);
			snprintf(content, sizeof content, "file %d of directory %d\n", f, d);
			write_file(path, content);
		}
	}
	if (directories) {
		snprintf(path, sizeof path, "repo/d%02d/deeper", directories - 1);
		make_directory(path);
		snprintf(path, sizeof path, "repo/d%02d/deeper/file", directories - 1);
		write_file(path, "deeper\n");
	}
	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	git_strarray everything = {(char *[]){"*"}, 1};
	ck_assert_int_eq(git_index_add_all(index, &everything, 0, NULL, NULL), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	git_index_free(index);
	git_fixture_commit(repository);
	return repository;
}

static const char *status_path(const git_status_entry *entry)
{
	const git_diff_delta *delta = entry->index_to_workdir ? entry->index_to_workdir : entry->head_to_index;
	return delta->new_file.path;
}

/* Checks that worktree_status finds what libgit2's status of everything finds in "repo", each path
 * with its status, and that it found it by ROUTE. Returns the number of changes. */
static size_t assert_status(enum worktree_route expected_route)
{
	git_repository *repository;
	git_object *head_tree;
	git_status_list *fast;
	git_status_list *full;
	git_status_options options = worktree_status_options();
	enum worktree_route route;

	ck_assert_int_eq(git_repository_open(&repository, "repo"), 0);
	ck_assert_int_eq(git_revparse_single(&head_tree, repository, "HEAD^{tree}"), 0);
	struct worktree_submodules submodules;
	ck_assert_int_eq(worktree_status(&fast, &submodules, repository, (git_tree *)head_tree, NULL, &route), 0);
	worktree_submodules_free(&submodules);
	ck_assert_int_eq(git_status_list_new(&full, repository, &options), 0);

	size_t count = git_status_list_entrycount(full);
	size_t fast_count = fast ? git_status_list_entrycount(fast) : 0;
	for (size_t i = 0; i < count || i < fast_count; i++) {
		const git_status_entry *want = i < count ? git_status_byindex(full, i) : NULL;
		const git_status_entry *got = i < fast_count ? git_status_byindex(fast, i) : NULL;
		ck_assert_msg(want && got, "%s found only by %s", status_path(want ? want : got),
			      want ? "libgit2's whole status" : "worktree_status");
		ck_assert_str_eq(status_path(got), status_path(want));
		ck_assert_msg(got->status == want->status, "%s: status %#x, libgit2's %#x", status_path(got),
			      (unsigned)got->status, (unsigned)want->status);
	}
	ck_assert_msg(fast == NULL || fast_count > 0, "an empty list instead of NULL");
	ck_assert_msg(route == expected_route, "found by route %d, not %d", (int)route, (int)expected_route);
	git_status_list_free(full);
	git_status_list_free(fast);
	git_object_free(head_tree);
	git_repository_free(repository);
	return count;
}

START_TEST(test_clean_tree_from_stat_data_alone)
{
	git_repository *repository = make_repository(3, 5);

	ck_assert_uint_eq(assert_status(WORKTREE_CLEAN), 0);
	git_repository_free(repository);
}
END_TEST

/* Enough files for several threads, each with directories of its own. */
START_TEST(test_large_tree)
{
	git_repository *repository = make_repository(30, 100);

	ck_assert_uint_eq(assert_status(WORKTREE_CLEAN), 0);
	write_file("repo/d03/f010", "changed\n");
	write_file("repo/d29/deeper/file", "changed\n");
	write_file("repo/d17/new", "untracked\n");
	ck_assert_int_eq(unlink("repo/d22/f099"), 0);
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 4);
	git_repository_free(repository);
}
END_TEST

/* Stat data that changed without the content (a touch, a copy back): the files are read, and are
 * the same. */
START_TEST(test_touched_files_are_read_and_clean)
{
	git_repository *repository = make_repository(2, 3);

	set_mtime("repo/README", past + 10, 0);
	set_mtime("repo/d01/f002", past, 5);
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 0);
	git_repository_free(repository);
}
END_TEST

/* Gives each file of a repository of make_repository(DIRECTORIES, FILES) the time past + 1: stat data
 * that no longer matches the index's. */
static void touch_every_file(int directories, int files)
{
	char path[64];

	for (int d = 0; d < directories; d++) {
		for (int f = 0; f < files; f++) {
			snprintf(path, sizeof path, "repo/d%02d/f%03d", d, f);
			set_mtime(path, past + 1, 0);
		}
	}
}

/* Touching most files leaves the whole status to libgit2, which finds them the same. */
START_TEST(test_many_candidates_read_everything)
{
	git_repository *repository = make_repository(10, 100);

	touch_every_file(10, 100);
	ck_assert_uint_eq(assert_status(WORKTREE_EVERYTHING), 0);
	write_file("repo/d05/f005", "changed\n");
	set_mtime("repo/d05/f005", past + 1, 0);
	ck_assert_uint_eq(assert_status(WORKTREE_EVERYTHING), 1);
	git_repository_free(repository);
}
END_TEST

/* The changes worktree_status finds in "repo" within the scope of the COUNT PATHS, each one a line,
 * less those outside it, and the route it took. */
static char *scoped_changes(const char *const *paths, size_t count, enum worktree_route *route)
{
	git_repository *repository;
	git_object *head_tree;
	git_status_list *changes;
	struct worktree_submodules submodules;
	struct worktree_scope scope = {paths, count};
	char listed[512] = "";

	ck_assert_int_eq(git_repository_open(&repository, "repo"), 0);
	ck_assert_int_eq(git_revparse_single(&head_tree, repository, "HEAD^{tree}"), 0);
	ck_assert_int_eq(worktree_status(&changes, &submodules, repository, (git_tree *)head_tree, &scope, route), 0);
	for (size_t i = 0; changes && i < git_status_list_entrycount(changes); i++) {
		const char *path = status_path(git_status_byindex(changes, i));
		if (!worktree_scope_holds(&scope, path))
			continue;
		ck_assert_uint_lt(strlen(listed) + strlen(path) + 2, sizeof listed);
		strcat(strcat(listed, path), "\n");
	}
	worktree_submodules_free(&submodules);
	git_status_list_free(changes);
	git_object_free(head_tree);
	git_repository_free(repository);
	return strdup(listed);
}

static void assert_scoped_changes(const char *const *paths, size_t count, enum worktree_route expected_route,
				  const char *expected)
{
	enum worktree_route route;
	char *listed = scoped_changes(paths, count, &route);

	ck_assert_str_eq(listed, expected);
	ck_assert_msg(route == expected_route, "found by route %d, not %d", (int)route, (int)expected_route);
	free(listed);
}

/* Issue 18: a build reads part of the work tree; changes elsewhere are not looked for, and do not
 * count towards the candidates that make libgit2 read everything. */
START_TEST(test_scope_limits_the_status)
{
	git_repository *repository = make_repository(3, 4);
	const char *d01[] = {"d01"};
	const char *d02_and_readme[] = {"d02", "README"};
	const char *top[] = {""};

	write_file("repo/d00/f000", "changed\n");
	write_file("repo/d01/f001", "changed\n");
	write_file("repo/d01/new", "untracked\n");
	write_file("repo/new", "untracked\n");
	make_directory("repo/d011");
	write_file("repo/d011/new", "untracked\n");
	assert_scoped_changes(d01, 1, WORKTREE_CANDIDATES, "d01/f001\nd01/new\n");
	assert_scoped_changes(d02_and_readme, 2, WORKTREE_CLEAN, "");
	assert_scoped_changes(top, 1, WORKTREE_CANDIDATES, "d00/f000\nd01/f001\nd01/new\nd011/new\nnew\n");
	assert_scoped_changes(NULL, 0, WORKTREE_CANDIDATES, "d00/f000\nd01/f001\nd01/new\nd011/new\nnew\n");
	git_repository_free(repository);
}
END_TEST

/* libgit2's status of everything, limited to the scope. */
START_TEST(test_scope_limits_the_status_of_everything)
{
	git_repository *repository = make_repository(10, 100);
	const char *d05[] = {"d05"};
	const char *d06[] = {"d06"};

	touch_every_file(10, 100);
	write_file("repo/d05/f005", "changed\n");
	set_mtime("repo/d05/f005", past + 1, 0);
	write_file("repo/d06/f006", "changed\n");
	set_mtime("repo/d06/f006", past + 1, 0);
	/* Within one directory of a hundred files, the stat data of every one changed: fewer than an
	 * eighth of the index, so that libgit2 reads the candidates alone. */
	assert_scoped_changes(d05, 1, WORKTREE_CANDIDATES, "d05/f005\n");
	assert_scoped_changes(d06, 1, WORKTREE_CANDIDATES, "d06/f006\n");
	git_repository_free(repository);
}
END_TEST

/* A file changed without a trace in its stat data but one field: each field the index keeps tells
 * the change on its own. The index records the changed file's stat data but for that field, with
 * the old content's ID, and is written well after the file, so that nothing is racily clean. */
START_TEST(test_each_stat_field_tells_a_change)
{
	git_repository *repository = make_repository(1, 1);
	git_index *index;
	struct stat status;

	write_file("repo/README", "HELLO\n");
	ck_assert_int_eq(lstat("repo/README", &status), 0);
	for (int field = 0; field < 6; field++) {
		ck_assert_int_eq(git_repository_index(&index, repository), 0);
		git_index_entry entry = git_fixture_entry_with_stat(index, "README", &status);
		switch (field) {
		case 0: entry.mtime.seconds--; break;
		case 1: entry.ctime.seconds--; break;
		case 2: entry.file_size++; break;
		case 3: entry.ino++; break;
		case 4: entry.uid++; break;
		default: entry.gid++; break;
		}
		ck_assert_int_eq(git_index_add(index, &entry), 0);
		ck_assert_int_eq(git_index_write(index), 0);
		git_index_free(index);
		set_mtime("repo/.git/index", past + 10, 0);
		ck_assert_msg(assert_status(WORKTREE_CANDIDATES) == 1, "field %d", field);
	}
	git_repository_free(repository);
}
END_TEST

/* A file changed within the second the index was written, keeping its size, shows no change in its
 * stat data: it is racily clean, and must be read. Here the index records the changed file's own
 * stat data with the old content's ID, written when it was not racy, and then gets the file's
 * time. */
START_TEST(test_racily_clean_file_is_read)
{
	git_repository *repository = make_repository(1, 2);
	git_index *index;
	struct stat status;

	write_file("repo/README", "HELLO\n");
	ck_assert_int_eq(lstat("repo/README", &status), 0);
	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	git_index_entry entry = *git_index_get_bypath(index, "README", 0);
	entry.mtime.seconds = (int32_t)status.st_mtim.tv_sec;
	entry.mtime.nanoseconds = (uint32_t)status.st_mtim.tv_nsec;
	entry.ctime.seconds = (int32_t)status.st_ctim.tv_sec;
	entry.ctime.nanoseconds = (uint32_t)status.st_ctim.tv_nsec;
	entry.ino = (uint32_t)status.st_ino;
	entry.file_size = (uint32_t)status.st_size;
	ck_assert_int_eq(git_index_add(index, &entry), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	git_index_free(index);

	/* Written a while after the file: its stat data is trusted, as git trusts it. */
	set_mtime("repo/.git/index", past + 10, 0);
	ck_assert_uint_eq(assert_status(WORKTREE_CLEAN), 0);
	/* Written in the file's second: the file is read, and differs. */
	set_mtime("repo/.git/index", past, 0);
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 1);
	git_repository_free(repository);
}
END_TEST

/* A tree committed as git commits it, right after writing its files: all are racily clean, read, and
 * the same. */
START_TEST(test_fresh_checkout_is_read_and_clean)
{
	git_repository *repository;
	git_index *index;

	ck_assert_int_eq(git_repository_init(&repository, "repo", 0), 0);
	FILE *file = fopen("repo/README", "w");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_ge(fputs("hello\n", file), 0);
	ck_assert_int_eq(fclose(file), 0);
	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	ck_assert_int_eq(git_index_add_bypath(index, "README"), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	git_index_free(index);
	git_fixture_commit(repository);
	/* The index is at least as new as README. */
	set_mtime("repo/.git/index", time(NULL) - 1, 0);
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 0);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_work_tree_changes)
{
	git_repository *repository = make_repository(3, 4);

	write_file("repo/d00/f000", "changed\n");
	ck_assert_int_eq(unlink("repo/d01/f001"), 0);
	ck_assert_int_eq(chmod("repo/d02/f002", 0755), 0);
	ck_assert_int_eq(chmod("repo/run", 0644), 0);
	ck_assert_int_eq(unlink("repo/link"), 0);
	ck_assert_int_eq(symlink("run", "repo/link"), 0);
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 5);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_untracked_files)
{
	git_repository *repository = make_repository(2, 2);

	write_file("repo/top", "untracked\n");
	write_file("repo/d01/beside", "untracked\n");
	make_directory("repo/new");
	make_directory("repo/new/deeper");
	write_file("repo/new/deeper/file", "untracked\n");
	write_file("repo/new/other", "untracked\n");
	/* An empty directory is no change. */
	make_directory("repo/empty");
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 4);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_ignored_files)
{
	git_repository *repository = make_repository(2, 2);

	write_file("repo/.gitignore", "*.log\nbuild/\n");
	git_fixture_stage(repository, ".gitignore");
	git_fixture_commit(repository);
	ck_assert_uint_eq(assert_status(WORKTREE_CLEAN), 0);
	write_file("repo/top.log", "ignored\n");
	write_file("repo/d01/deep.log", "ignored\n");
	make_directory("repo/build");
	write_file("repo/build/output", "ignored\n");
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 0);
	write_file("repo/build.txt", "untracked\n");
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 1);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_staged_changes)
{
	git_repository *repository = make_repository(3, 3);

	/* staged, then changed again */
	write_file("repo/d00/f000", "staged\n");
	git_fixture_stage(repository, "d00/f000");
	write_file("repo/d00/f000", "changed again\n");
	/* a new file staged */
	write_file("repo/d01/added", "added\n");
	git_fixture_stage(repository, "d01/added");
	/* a tracked file no longer tracked, still in the work tree */
	git_fixture_unstage(repository, "d02/f001");
	/* a whole directory no longer tracked */
	git_fixture_unstage(repository, "d02/deeper/file");
	/* removed, as git rm removes: in HEAD alone */
	git_fixture_unstage(repository, "d01/f002");
	ck_assert_int_eq(unlink("repo/d01/f002"), 0);
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 5);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_staged_change_undone_in_the_work_tree)
{
	git_repository *repository = make_repository(1, 1);

	write_file("repo/README", "staged\n");
	git_fixture_stage(repository, "README");
	write_file("repo/README", "hello\n");
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 1);
	git_repository_free(repository);
}
END_TEST

/* A tracked directory removed, or made a file, a link or a file made a directory. */
START_TEST(test_directories_that_changed)
{
	git_repository *repository = make_repository(4, 3);

	ck_assert_int_eq(unlink("repo/d00/f000"), 0);
	ck_assert_int_eq(unlink("repo/d00/f001"), 0);
	ck_assert_int_eq(unlink("repo/d00/f002"), 0);
	ck_assert_int_eq(rmdir("repo/d00"), 0);
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 3);
	write_file("repo/d00", "a file now\n");
	assert_status(WORKTREE_EVERYTHING);
	ck_assert_int_eq(unlink("repo/d00"), 0);
	ck_assert_int_eq(symlink("d01", "repo/d00"), 0);
	assert_status(WORKTREE_EVERYTHING);
	ck_assert_int_eq(unlink("repo/README"), 0);
	make_directory("repo/README");
	write_file("repo/README/inside", "a directory now\n");
	assert_status(WORKTREE_EVERYTHING);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_index_version_4)
{
	git_repository *repository = make_repository(3, 3);
	git_index *index;

	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	ck_assert_int_eq(git_index_set_version(index, 4), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	git_index_free(index);
	ck_assert_uint_eq(assert_status(WORKTREE_CLEAN), 0);
	write_file("repo/d02/deeper/file", "changed\n");
	write_file("repo/d01/new", "untracked\n");
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 2);
	git_repository_free(repository);
}
END_TEST

/* Entries this module leaves to libgit2: intent to add (an extended flag), conflicts. */
START_TEST(test_unusual_entries_read_everything)
{
	git_repository *repository = make_repository(1, 1);
	git_index *index;

	write_file("repo/later", "to add\n");
	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	git_index_entry intent = *git_index_get_bypath(index, "README", 0);
	intent.path = "later";
	intent.flags_extended = GIT_INDEX_ENTRY_INTENT_TO_ADD;
	ck_assert_int_eq(git_index_add(index, &intent), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	assert_status(WORKTREE_EVERYTHING);

	ck_assert_int_eq(git_index_remove_bypath(index, "later"), 0);
	const git_index_entry *readme = git_index_get_bypath(index, "README", 0);
	git_index_entry ours = *readme;
	git_index_entry theirs = *readme;
	ck_assert_int_eq(git_index_conflict_add(index, NULL, &ours, &theirs), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	assert_status(WORKTREE_EVERYTHING);
	git_index_free(index);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_ignorecase_reads_everything)
{
	git_repository *repository = make_repository(1, 1);
	git_config *config;

	ck_assert_int_eq(git_repository_config(&config, repository), 0);
	ck_assert_int_eq(git_config_set_bool(config, "core.ignorecase", 1), 0);
	git_config_free(config);
	ck_assert_uint_eq(assert_status(WORKTREE_EVERYTHING), 0);
	git_repository_free(repository);
}
END_TEST

/* A submodule is another repository's state: its directory is no change, nor its absence. */
START_TEST(test_submodules_are_left_out)
{
	git_repository *repository = make_repository(1, 1);
	git_repository *library;
	git_index *index;
	git_oid library_commit;

	ck_assert_int_eq(git_repository_init(&library, "repo/library", 0), 0);
	write_file("repo/library/README", "library\n");
	git_fixture_stage(library, "README");
	git_fixture_commit(library);
	ck_assert_int_eq(git_reference_name_to_id(&library_commit, library, "HEAD"), 0);
	write_file("repo/.gitmodules", "[submodule \"library\"]\n\tpath = library\n\turl = ./library\n");
	git_fixture_stage(repository, ".gitmodules");
	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	git_index_entry gitlink = {.mode = GIT_FILEMODE_COMMIT, .id = library_commit, .path = "library"};
	ck_assert_int_eq(git_index_add(index, &gitlink), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	git_fixture_commit(repository);
	ck_assert_uint_eq(assert_status(WORKTREE_CLEAN), 0);
	write_file("repo/library/README", "library, changed\n");
	ck_assert_uint_eq(assert_status(WORKTREE_CLEAN), 0);
	git_index_free(index);
	git_repository_free(library);
	git_repository_free(repository);
}
END_TEST

/* The submodules worktree_status lists in "repo", one a line, and the route it took. */
static char *submodules_of(enum worktree_route *route)
{
	git_repository *repository;
	git_object *head_tree;
	git_status_list *changes;
	struct worktree_submodules submodules;
	char listed[256] = "";

	ck_assert_int_eq(git_repository_open(&repository, "repo"), 0);
	ck_assert_int_eq(git_revparse_single(&head_tree, repository, "HEAD^{tree}"), 0);
	ck_assert_int_eq(worktree_status(&changes, &submodules, repository, (git_tree *)head_tree, NULL, route), 0);
	for (size_t i = 0; i < submodules.count; i++) {
		ck_assert_uint_lt(strlen(listed) + strlen(submodules.paths[i]) + 2, sizeof listed);
		strcat(strcat(listed, submodules.paths[i]), "\n");
	}
	worktree_submodules_free(&submodules);
	git_status_list_free(changes);
	git_object_free(head_tree);
	git_repository_free(repository);
	return strdup(listed);
}

static void add_gitlink(git_index *index, const char *path, const git_oid *commit)
{
	git_index_entry gitlink = {.mode = GIT_FILEMODE_COMMIT, .id = *commit, .path = path};

	ck_assert_int_eq(git_index_add(index, &gitlink), 0);
}

/* Issue 15: the status leaves submodules out, and lists where they are: each gitlink of the index,
 * and each HEAD has where the index has none (removed, made a file, or below a directory the index
 * no longer has), by either route. */
START_TEST(test_submodules_are_listed)
{
	git_repository *repository = make_repository(1, 1);
	git_index *index;
	git_oid commit;
	git_config *config;
	enum worktree_route route;

	ck_assert_int_eq(git_reference_name_to_id(&commit, repository, "HEAD"), 0);
	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	add_gitlink(index, "library", &commit);
	add_gitlink(index, "old", &commit);
	add_gitlink(index, "vendor/lib", &commit);
	ck_assert_int_eq(git_index_write(index), 0);
	git_fixture_commit(repository);
	ck_assert_int_eq(git_index_remove_bypath(index, "vendor/lib"), 0);
	ck_assert_int_eq(git_index_remove_bypath(index, "old"), 0);
	write_file("repo/old", "a file now\n");
	ck_assert_int_eq(git_index_add_bypath(index, "old"), 0);
	add_gitlink(index, "new", &commit);
	ck_assert_int_eq(git_index_write(index), 0);
	git_index_free(index);

	const char *expected = "library\nnew\nold\nvendor/lib\n";
	char *listed = submodules_of(&route);
	ck_assert_str_eq(listed, expected);
	ck_assert_int_eq(route, WORKTREE_CANDIDATES);
	free(listed);
	ck_assert_int_eq(git_repository_config(&config, repository), 0);
	ck_assert_int_eq(git_config_set_bool(config, "core.ignorecase", 1), 0);
	git_config_free(config);
	listed = submodules_of(&route);
	ck_assert_str_eq(listed, expected);
	ck_assert_int_eq(route, WORKTREE_EVERYTHING);
	free(listed);
	git_repository_free(repository);
}
END_TEST

/* Issue 15: a file with a filter driver (git-lfs) holds in the work tree what its smudge command
 * made of the blob, and git hashes it through the clean command. On a fresh checkout such a file is
 * racily clean and read: it is clean when its clean command gives the blob, and changed when not;
 * libgit2's own status, which has no filter drivers of its own, agrees once the driver is there. */
START_TEST(test_filtered_files_are_read_through_their_clean_command)
{
	git_repository *repository = make_repository(1, 1);
	git_config *config;
	git_index *index;
	git_oid blob;
	struct stat status;

	ck_assert_int_eq(git_repository_config(&config, repository), 0);
	ck_assert_int_eq(git_config_set_string(config, "filter.upper.clean", "tr a-z A-Z"), 0);
	git_config_free(config);
	write_file("repo/.gitattributes", "*.dat filter=upper\n");
	write_file("repo/a.dat", "hello\n");
	ck_assert_int_eq(git_blob_create_from_buffer(&blob, repository, "HELLO\n", 6), 0);
	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	ck_assert_int_eq(git_index_add_bypath(index, ".gitattributes"), 0);
	git_index_entry entry = {.mode = GIT_FILEMODE_BLOB, .id = blob, .path = "a.dat"};
	ck_assert_int_eq(git_index_add(index, &entry), 0);
	ck_assert_int_eq(lstat("repo/a.dat", &status), 0);
	entry = git_fixture_entry_with_stat(index, "a.dat", &status);
	ck_assert_int_eq(git_index_add(index, &entry), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	git_index_free(index);
	git_fixture_commit(repository);

	/* Written in the file's second: racily clean, and read. */
	set_mtime("repo/.git/index", past, 0);
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 0);
	write_file("repo/a.dat", "jello\n");
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 1);

	/* A required driver whose command fails: no status, as in git. */
	ck_assert_int_eq(git_repository_config(&config, repository), 0);
	ck_assert_int_eq(git_config_set_string(config, "filter.upper.clean", "exit 1"), 0);
	ck_assert_int_eq(git_config_set_bool(config, "filter.upper.required", 1), 0);
	git_config_free(config);
	git_object *head_tree;
	git_status_list *changes;
	struct worktree_submodules submodules;
	ck_assert_int_eq(git_revparse_single(&head_tree, repository, "HEAD^{tree}"), 0);
	ck_assert_int_ne(worktree_status(&changes, &submodules, repository, (git_tree *)head_tree, NULL, NULL), 0);
	ck_assert_str_eq(git_error_last()->message, "a.dat: filter.upper.clean (exit 1) failed: it exited with status 1");
	worktree_submodules_free(&submodules);
	git_status_list_free(changes);
	git_object_free(head_tree);
	git_repository_free(repository);
}
END_TEST

/* An entry flagged assume-unchanged or skip-worktree says that git need not look at its file: this
 * module leaves such an index to libgit2, and finds what libgit2 finds. */
static void flag_entry(git_repository *repository, const char *path, uint16_t flags, uint16_t flags_extended)
{
	git_index *index;

	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	git_index_entry entry = *git_index_get_bypath(index, path, 0);
	entry.flags |= flags;
	entry.flags_extended |= flags_extended;
	ck_assert_int_eq(git_index_add(index, &entry), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	git_index_free(index);
}

START_TEST(test_assume_unchanged_reads_everything)
{
	git_repository *repository = make_repository(2, 2);

	flag_entry(repository, "d00/f000", GIT_INDEX_ENTRY_VALID, 0);
	write_file("repo/d00/f000", "changed, and assumed not to be\n");
	write_file("repo/d01/f001", "changed\n");
	ck_assert_uint_eq(assert_status(WORKTREE_EVERYTHING), 1);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_skip_worktree_reads_everything)
{
	git_repository *repository = make_repository(2, 2);

	flag_entry(repository, "d01/f000", 0, GIT_INDEX_ENTRY_SKIP_WORKTREE);
	ck_assert_int_eq(unlink("repo/d01/f000"), 0);
	write_file("repo/d00/f001", "changed\n");
	/* libgit2 1.5, unlike git, counts the file skip-worktree leaves out as deleted. */
	ck_assert_uint_eq(assert_status(WORKTREE_EVERYTHING), 2);
	git_repository_free(repository);
}
END_TEST

/* Every source of ignore rules git reads: a .gitignore in a subdirectory (for its directory only),
 * .git/info/exclude, core.excludesFile; and a directory of ignored files alone is no change. The
 * candidates are libgit2's to judge. */
START_TEST(test_ignore_rules_from_everywhere)
{
	git_repository *repository = make_repository(2, 2);
	git_config *config;

	write_file("repo/d01/.gitignore", "*.tmp\n");
	git_fixture_stage(repository, "d01/.gitignore");
	git_fixture_commit(repository);
	write_file("repo/d01/scratch.tmp", "ignored below d01\n");
	write_file("repo/d00/scratch.tmp", "not ignored in d00\n");
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 1);

	ck_assert_int_eq(unlink("repo/d00/scratch.tmp"), 0);
	write_file("repo/.git/info/exclude", "*.o\n");
	write_file("repo/d00/main.o", "ignored by info/exclude\n");
	write_file("repo/excludes", "*.swp\nexcludes\n");
	ck_assert_int_eq(git_repository_config(&config, repository), 0);
	ck_assert_int_eq(git_config_set_string(config, "core.excludesFile", "excludes"), 0);
	git_config_free(config);
	write_file("repo/d00/.f000.swp", "ignored by core.excludesFile\n");
	make_directory("repo/objects");
	write_file("repo/objects/a.o", "ignored\n");
	write_file("repo/objects/b.o", "ignored\n");
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 0);
	write_file("repo/objects/c.c", "untracked\n");
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 1);
	git_repository_free(repository);
}
END_TEST

/* A tracked file made a directory: the file is gone, the files in the directory are untracked. */
START_TEST(test_file_made_a_directory)
{
	git_repository *repository = make_repository(2, 2);

	ck_assert_int_eq(unlink("repo/d00/f001"), 0);
	make_directory("repo/d00/f001");
	write_file("repo/d00/f001/inside", "a directory now\n");
	ck_assert_uint_eq(assert_status(WORKTREE_CANDIDATES), 2);
	git_repository_free(repository);
}
END_TEST

/* A .git below the top makes a repository of its own of a tracked directory: libgit2's to judge. */
START_TEST(test_repository_inside_a_tracked_directory_reads_everything)
{
	git_repository *repository = make_repository(2, 2);
	git_repository *inner;

	ck_assert_int_eq(git_repository_init(&inner, "repo/d01", 0), 0);
	assert_status(WORKTREE_EVERYTHING);
	git_repository_free(inner);
	git_repository_free(repository);
}
END_TEST

Suite *worktree_suite(void)
{
	Suite *suite = suite_create("worktree");
	TCase *status = tcase_create("status");

	tcase_add_checked_fixture(status, setup, git_fixture_teardown);
	tcase_add_unchecked_fixture(status, git_fixture_begin_suite, git_fixture_end_suite);
	tcase_set_timeout(status, 60);
	tcase_add_test(status, test_clean_tree_from_stat_data_alone);
	tcase_add_test(status, test_touched_files_are_read_and_clean);
	tcase_add_test(status, test_scope_limits_the_status);
	tcase_add_test(status, test_each_stat_field_tells_a_change);
	tcase_add_test(status, test_racily_clean_file_is_read);
	tcase_add_test(status, test_fresh_checkout_is_read_and_clean);
	tcase_add_test(status, test_work_tree_changes);
	tcase_add_test(status, test_untracked_files);
	tcase_add_test(status, test_ignored_files);
	tcase_add_test(status, test_staged_changes);
	tcase_add_test(status, test_staged_change_undone_in_the_work_tree);
	tcase_add_test(status, test_directories_that_changed);
	tcase_add_test(status, test_index_version_4);
	tcase_add_test(status, test_unusual_entries_read_everything);
	tcase_add_test(status, test_ignorecase_reads_everything);
	tcase_add_test(status, test_submodules_are_left_out);
	tcase_add_test(status, test_submodules_are_listed);
	tcase_add_test(status, test_filtered_files_are_read_through_their_clean_command);
	tcase_add_test(status, test_assume_unchanged_reads_everything);
	tcase_add_test(status, test_skip_worktree_reads_everything);
	tcase_add_test(status, test_ignore_rules_from_everywhere);
	tcase_add_test(status, test_file_made_a_directory);
	tcase_add_test(status, test_repository_inside_a_tracked_directory_reads_everything);
	suite_add_tcase(suite, status);

	/* Repositories of 1,000 and 3,000 files: 18 of the suite's 20 s under valgrind. make check
	 * runs them under the sanitizers only, make check-nightly under valgrind too. */
	TCase *scale = tcase_create("scale");
	tcase_add_checked_fixture(scale, setup, git_fixture_teardown);
	tcase_add_unchecked_fixture(scale, git_fixture_begin_suite, git_fixture_end_suite);
	tcase_set_tags(scale, UNIT_EXPENSIVE_TAG);
	tcase_set_timeout(scale, 60);
	tcase_add_test(scale, test_large_tree);
	tcase_add_test(scale, test_many_candidates_read_everything);
	tcase_add_test(scale, test_scope_limits_the_status_of_everything);
	suite_add_tcase(suite, scale);
	return suite;
}
