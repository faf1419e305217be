/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "git_fixture.h"
#include "suites.h"
#include "buildscope.h"
#include "gittag.h"

/* 2021-03-12 17:30:51 UTC */
#define NOW ((time_t)1615570251)
#define NOW_TAG "20210312.173051"

/* The reason of the last make, or the line it says. */
static struct message why;

static void setup(void)
{
	git_fixture_setup();
	test_environment[0] = NULL;
}

static void teardown(void)
{
	message_free(&why);
	git_fixture_teardown();
}

/* The tag gittag_prepare and tagscheme_time make together, as kimb makes it, checking what every
 * call must do: leave libgit2's initialization count as it was (the fixture holds one), and explain
 * a failure in one line. */
static char *make_with_format(enum tag_scheme scheme, const char *format, const char *context)
{
	char *tag = NULL;
	message_free(&why);
	if (gittag_prepare(scheme, context, NULL, 0, test_snapshot(), &tag, &why) == 0 && !tag)
		tag = tagscheme_time(format, NOW, &why);

	ck_assert_int_eq(git_libgit2_init(), 2);
	ck_assert_int_eq(git_libgit2_shutdown(), 1);
	if (!tag)
		ck_assert_msg(why.text && why.length && !strchr(why.text, '\n'), "no one-line reason: \"%s\"",
			      why.text);
	return tag;
}

static char *make(enum tag_scheme scheme, const char *context)
{
	return make_with_format(scheme, TAGSCHEME_DEFAULT_TIME_FORMAT, context);
}

static void assert_makes(enum tag_scheme scheme, const char *context, const char *expected)
{
	char *tag = make(scheme, context);

	ck_assert_msg(tag != NULL, "%s: %s", context, why.text);
	ck_assert_str_eq(tag, expected);
	free(tag);
}

static void assert_fails(enum tag_scheme scheme, const char *context, const char *reason)
{
	char *tag = make(scheme, context);

	ck_assert_msg(tag == NULL, "%s made \"%s\"", context, tag ? tag : "");
	ck_assert_msg(strstr(why.text, reason) != NULL, "\"%s\" does not say \"%s\"", why.text, reason);
}

static void set_mtime(const char *path, time_t seconds)
{
	const struct timespec times[2] = {{seconds, 0}, {seconds, 0}};

	ck_assert_msg(utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0, "%s: %s", path, strerror(errno));
}

/* The suffix of a dirty work tree's tag: "-dirty." and 7 hex digits that depend on the changes. */
#define DIRTY "-dirty.???????"

/* True when TEXT is SUFFIX, each '?' of which stands for one lower-case hex digit. */
static bool matches_suffix(const char *text, const char *suffix)
{
	for (; *suffix; text++, suffix++)
		if (*suffix == '?' ? !((*text >= '0' && *text <= '9') || (*text >= 'a' && *text <= 'f')) : *text != *suffix)
			return false;
	return *text == '\0';
}

/* Checks that TAG is the first DIGITS hex digits of COMMIT_ID followed by SUFFIX (see matches_suffix),
 * and that these digits name that commit and nothing else in REPOSITORY. */
static void assert_commit_tag(const char *tag, git_repository *repository, const git_oid *commit_id, size_t digits,
			      const char *suffix)
{
	ck_assert_msg(tag != NULL, "no tag: %s", why.text);
	ck_assert_uint_eq(strlen(tag), digits + strlen(suffix));
	ck_assert_msg(strncmp(tag, git_oid_tostr_s(commit_id), digits) == 0, "%s is not a prefix of %s", tag,
		      git_oid_tostr_s(commit_id));
	ck_assert_msg(matches_suffix(tag + digits, suffix), "%s does not end in %s", tag, suffix);

	git_oid prefix;
	git_object *named;
	ck_assert_int_eq(git_oid_fromstrn(&prefix, tag, digits), 0);
	ck_assert_int_eq(git_object_lookup_prefix(&named, repository, &prefix, digits, GIT_OBJECT_ANY), 0);
	ck_assert(git_oid_equal(git_object_id(named), commit_id));
	git_object_free(named);
}

static void assert_repository_tag(const char *context, git_repository *repository, const git_oid *commit_id,
				  size_t digits, const char *suffix)
{
	char *tag = make(SCHEME_GIT, context);

	assert_commit_tag(tag, repository, commit_id, digits, suffix);
	free(tag);
	tag = make(SCHEME_AUTO, context);
	assert_commit_tag(tag, repository, commit_id, digits, suffix);
	free(tag);
}

START_TEST(test_git_clean_repository)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	assert_repository_tag("repo", repository, &commit_id, 7, "");
	git_repository_free(repository);
}
END_TEST

START_TEST(test_git_follows_core_abbrev)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);
	git_config *config;

	ck_assert_int_eq(git_repository_config(&config, repository), 0);
	ck_assert_int_eq(git_config_set_int32(config, "core.abbrev", 10), 0);
	assert_repository_tag("repo", repository, &commit_id, 10, "");
	/* git never shows fewer than 7 digits */
	ck_assert_int_eq(git_config_set_int32(config, "core.abbrev", 4), 0);
	assert_repository_tag("repo", repository, &commit_id, 7, "");
	git_config_free(config);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_git_abbreviation_stays_unique)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	/* A loose object whose ID shares the commit's first 7 digits makes 7 digits ambiguous. libgit2
	 * (like git) finds loose objects for a prefix by their file names, so an empty file with the
	 * right name stands in for the object that would take some 2^28 tries to make. */
	char name[GIT_OID_HEXSZ + 1];
	git_oid_tostr(name, sizeof name, &commit_id);
	name[7] = name[7] == '0' ? '1' : '0';
	char path[sizeof "repo/.git/objects/" + GIT_OID_HEXSZ + 1];
	snprintf(path, sizeof path, "repo/.git/objects/%.2s/%s", name, name + 2);
	git_fixture_write(path, "");

	char *tag = make(SCHEME_GIT, "repo");
	ck_assert_msg(tag != NULL, "%s", why.text);
	ck_assert_uint_eq(strlen(tag), 8);
	ck_assert(strncmp(tag, git_oid_tostr_s(&commit_id), 8) == 0);
	free(tag);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_git_modified_file_is_dirty)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	git_fixture_write("repo/README", "hello, changed\n");
	assert_repository_tag("repo", repository, &commit_id, 7, DIRTY);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_git_deleted_file_is_dirty)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	ck_assert_int_eq(unlink("repo/README"), 0);
	assert_repository_tag("repo", repository, &commit_id, 7, DIRTY);
	git_repository_free(repository);
}
END_TEST

/* A file changed in the second the index was written, keeping its size, need not show the change in
 * its stat data: git reads such a racily clean file, and so does kimb. Here the index records the
 * changed file's stat data, with the old content's ID. */
START_TEST(test_git_racily_clean_change_is_dirty)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);
	git_index *index;
	struct stat status;

	git_fixture_write("repo/README", "HELLO\n");
	set_mtime("repo/README", NOW);
	ck_assert_int_eq(lstat("repo/README", &status), 0);
	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	git_index_entry entry = git_fixture_entry_with_stat(index, "README", &status);
	ck_assert_int_eq(git_index_add(index, &entry), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	git_index_free(index);
	set_mtime("repo/.git/index", NOW);
	assert_repository_tag("repo", repository, &commit_id, 7, DIRTY);
	/* An index written a second later trusts the stat data, as git's does. */
	set_mtime("repo/.git/index", NOW + 1);
	assert_repository_tag("repo", repository, &commit_id, 7, "");
	git_repository_free(repository);
}
END_TEST

/* Stat data that changed without the content (a touch) makes the file read, not dirty. */
START_TEST(test_git_touched_file_is_clean)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	set_mtime("repo/README", NOW);
	assert_repository_tag("repo", repository, &commit_id, 7, "");
	git_repository_free(repository);
}
END_TEST

START_TEST(test_git_staged_change_is_dirty)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	git_fixture_write("repo/README", "hello, staged\n");
	git_fixture_stage(repository, "README");
	assert_repository_tag("repo", repository, &commit_id, 7, DIRTY);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_git_staged_new_file_is_dirty)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	git_fixture_write("repo/added", "new\n");
	git_fixture_stage(repository, "added");
	assert_repository_tag("repo", repository, &commit_id, 7, DIRTY);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_git_ignored_files_are_clean)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	git_fixture_write("repo/.gitignore", "*.log\n");
	git_fixture_stage(repository, ".gitignore");
	commit_id = git_fixture_commit(repository);
	git_fixture_write("repo/build.log", "ignored\n");
	ck_assert_int_eq(mkdir("repo/logs", 0700), 0);
	git_fixture_write("repo/logs/more.log", "ignored\n");
	assert_repository_tag("repo", repository, &commit_id, 7, "");
	git_repository_free(repository);
}
END_TEST

/* An untracked file that is not ignored goes into a build that copies the context, as git status
 * counts it: the tree is dirty, also when the file is in a directory of its own. */
START_TEST(test_git_untracked_files_are_dirty)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	git_fixture_write("repo/notes", "untracked\n");
	assert_repository_tag("repo", repository, &commit_id, 7, DIRTY);
	ck_assert_int_eq(unlink("repo/notes"), 0);
	ck_assert_int_eq(mkdir("repo/scratch", 0700), 0);
	git_fixture_write("repo/scratch/more", "untracked\n");
	assert_repository_tag("repo", repository, &commit_id, 7, DIRTY);
	git_repository_free(repository);
}
END_TEST

/* The git tag as kimb makes it for the work tree "repo", which must be dirty. */
static char *dirty_tag(void)
{
	char *tag = make(SCHEME_GIT, "repo");

	ck_assert_msg(tag != NULL, "%s", why.text);
	ck_assert_msg(strstr(tag, "-dirty.") != NULL, "%s is not a dirty tag", tag);
	return tag;
}

static void assert_tag_differs(char *tag, char *other)
{
	ck_assert_str_ne(tag, other);
	free(tag);
	free(other);
}

static void assert_tag_equals(char *tag, char *other)
{
	ck_assert_str_eq(tag, other);
	free(tag);
	free(other);
}

/* The same changes give the same tag, other changes another, so that a deployment of the new
 * tag rolls out whenever the content changed. */
START_TEST(test_git_dirty_tag_follows_the_content)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	git_fixture_write("repo/README", "first change\n");
	char *first = dirty_tag();
	assert_tag_equals(dirty_tag(), strdup(first));
	git_fixture_write("repo/README", "second change\n");
	assert_tag_differs(strdup(first), dirty_tag());
	git_fixture_write("repo/README", "first change\n");
	assert_tag_equals(dirty_tag(), strdup(first));
	/* Staging the change changes nothing that a build copies. */
	git_fixture_stage(repository, "README");
	assert_tag_equals(dirty_tag(), first);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_git_dirty_tag_tells_untracked_files_apart)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	git_fixture_write("repo/a", "content\n");
	char *first = dirty_tag();
	git_fixture_write("repo/a", "other content\n");
	assert_tag_differs(strdup(first), dirty_tag());
	ck_assert_int_eq(rename("repo/a", "repo/b"), 0);
	git_fixture_write("repo/b", "content\n");
	/* The same content under another name is another context. */
	assert_tag_differs(first, dirty_tag());
	git_repository_free(repository);
}
END_TEST

START_TEST(test_git_dirty_tag_sees_modes_and_links)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	git_fixture_write("repo/run", "#!/bin/sh\n");
	char *plain = dirty_tag();
	ck_assert_int_eq(chmod("repo/run", 0755), 0);
	char *executable = dirty_tag();
	assert_tag_differs(plain, strdup(executable));
	ck_assert_int_eq(symlink("README", "repo/link"), 0);
	char *linked = dirty_tag();
	assert_tag_differs(executable, strdup(linked));
	ck_assert_int_eq(unlink("repo/link"), 0);
	ck_assert_int_eq(symlink("run", "repo/link"), 0);
	assert_tag_differs(linked, dirty_tag());
	git_repository_free(repository);
}
END_TEST

/* Issue 15: a submodule's content is the build's too: checked out at the commit HEAD records and
 * clean, the tag is clean; moved on, or with changes of its own, staged or not, it is dirty. */
START_TEST(test_git_submodule_changes_are_dirty)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);
	git_oid library_commit_id;
	git_repository *library = git_fixture_repository("repo/library", &library_commit_id);

	git_fixture_write("repo/.gitmodules", "[submodule \"library\"]\n\tpath = library\n\turl = ./library\n");
	git_fixture_stage(repository, ".gitmodules");
	git_index *index;
	ck_assert_int_eq(git_repository_index(&index, repository), 0);
	git_index_entry gitlink = {.mode = GIT_FILEMODE_COMMIT, .id = library_commit_id, .path = "library"};
	ck_assert_int_eq(git_index_add(index, &gitlink), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	commit_id = git_fixture_commit(repository);
	assert_repository_tag("repo", repository, &commit_id, 7, "");

	/* The submodule moves on and has changes of its own, and its new commit is staged. */
	git_fixture_write("repo/library/README", "library, changed\n");
	git_fixture_stage(library, "README");
	gitlink.id = git_fixture_commit(library);
	char *moved = dirty_tag();
	git_fixture_write("repo/library/README", "library, changed again\n");
	char *changed = dirty_tag();
	assert_tag_differs(moved, strdup(changed));
	ck_assert_int_eq(git_index_add(index, &gitlink), 0);
	ck_assert_int_eq(git_index_write(index), 0);
	assert_tag_equals(changed, dirty_tag());

	git_index_free(index);
	git_repository_free(library);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_git_context_in_a_subdirectory)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	ck_assert_int_eq(mkdir("repo/web", 0700), 0);
	ck_assert_int_eq(mkdir("repo/web/app", 0700), 0);
	assert_repository_tag("repo/web/app", repository, &commit_id, 7, "");
	assert_repository_tag("repo/web/../web/app/", repository, &commit_id, 7, "");

	char *absolute = malloc(strlen(git_fixture_directory) + sizeof "/repo/web");
	ck_assert_ptr_nonnull(absolute);
	assert_repository_tag(strcat(strcpy(absolute, git_fixture_directory), "/repo/web"), repository, &commit_id, 7, "");
	free(absolute);

	ck_assert_int_eq(chdir("repo/web"), 0);
	assert_repository_tag(".", repository, &commit_id, 7, "");
	assert_repository_tag("app", repository, &commit_id, 7, "");
	assert_repository_tag("", repository, &commit_id, 7, "");
	git_repository_free(repository);
}
END_TEST

START_TEST(test_git_no_commit_yet)
{
	git_repository *repository;

	ck_assert_int_eq(git_repository_init(&repository, "repo", 0), 0);
	git_fixture_write("repo/README", "hello\n");
	git_fixture_stage(repository, "README");
	assert_fails(SCHEME_GIT, "repo", "no commit");
	assert_makes(SCHEME_AUTO, "repo", NOW_TAG);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_not_in_a_repository)
{
	ck_assert_int_eq(mkdir("plain", 0700), 0);
	assert_fails(SCHEME_GIT, "plain", "plain is not in a git work tree");
	assert_makes(SCHEME_AUTO, "plain", NOW_TAG);
}
END_TEST

START_TEST(test_bare_repository)
{
	git_repository *repository;

	ck_assert_int_eq(git_repository_init(&repository, "bare.git", 1), 0);
	assert_fails(SCHEME_GIT, "bare.git", "not in a git work tree");
	assert_makes(SCHEME_AUTO, "bare.git", NOW_TAG);
	git_repository_free(repository);
}
END_TEST

START_TEST(test_inside_the_git_directory)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	assert_fails(SCHEME_GIT, "repo/.git", "not in a git work tree");
	assert_makes(SCHEME_AUTO, "repo/.git/refs", NOW_TAG);
	git_repository_free(repository);
}
END_TEST

/* Issue 19: the build context is named, not the scheme, which the user may never have given. */
START_TEST(test_context_that_does_not_exist)
{
	assert_fails(SCHEME_GIT, "missing", "the build context missing: No such file or directory; name the "
					    "directory to build (PATH)");
	assert_fails(SCHEME_AUTO, "missing/deeper", "the build context missing/deeper: No such file or directory");
	ck_assert_ptr_null(strstr(why.text, "--scheme"));
	assert_fails(SCHEME_DESCRIBE, "missing", "the build context missing:");
}
END_TEST

START_TEST(test_context_that_is_a_file)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	assert_fails(SCHEME_GIT, "repo/README", "the build context repo/README is not a directory; name the directory");
	assert_fails(SCHEME_AUTO, "repo/README", "the build context repo/README is not a directory");
	ck_assert_ptr_null(strstr(why.text, "--scheme"));
	git_repository_free(repository);
}
END_TEST

START_TEST(test_corrupt_repository_is_reported)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);

	git_repository_free(repository);
	git_fixture_write("repo/.git/HEAD", "garbage\n");
	assert_fails(SCHEME_GIT, "repo", "repo: ");
	/* not a fall back to the time scheme */
	assert_fails(SCHEME_AUTO, "repo", "repo: ");
}
END_TEST

START_TEST(test_repository_of_another_user)
{
	git_oid commit_id;

	/* Only root can give a repository away (CI runs as root). */
	if (geteuid() != 0)
		SKIP_TEST("needs root, to give the repository to another user");
	git_repository *repository = git_fixture_repository("repo", &commit_id);
	git_repository_free(repository);
	/* Like git, libgit2 refuses it (1.5 reports it as no repository at all), and auto must still build. */
	ck_assert_int_eq(chown("repo", 65534, 65534), 0);
	/* Issue 8: git's own advice, and auto says it fell back. */
	assert_fails(SCHEME_GIT, "repo", "git config --global --add safe.directory ");
	assert_makes(SCHEME_AUTO, "repo", NOW_TAG);
	ck_assert_msg(why.text && strstr(why.text, "owned by another user") &&
			      strstr(why.text, "tagging with the time instead"),
		      "%s", why.text);
	/* In a CI container the checkout is often another user's: the CI variable names the commit. */
	test_environment[0] = "CI_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567";
	assert_makes(SCHEME_AUTO, "repo", "0123456");
}
END_TEST

/* Issue 8: outside a git work tree, git and auto take the commit a CI system names. */
START_TEST(test_ci_commit_outside_a_work_tree)
{
	ck_assert_int_eq(mkdir("plain", 0700), 0);
	test_environment[0] = "GITHUB_SHA=ABCDEF0123456789ABCDEF0123456789ABCDEF01";
	assert_makes(SCHEME_GIT, "plain", "abcdef0");
	assert_makes(SCHEME_AUTO, "plain", "abcdef0");
	assert_makes(SCHEME_TIME, "plain", NOW_TAG);
	/* describe needs tags: a CI commit cannot give it */
	assert_fails(SCHEME_DESCRIBE, "plain", "--scheme=describe: plain is not in a git work tree");
	test_environment[0] = "GITHUB_SHA=";
	test_environment[1] = "BUILDKITE_COMMIT=1234567";
	test_environment[2] = NULL;
	assert_makes(SCHEME_GIT, "plain", "1234567");
	test_environment[1] = "BUILDKITE_COMMIT=HEAD";
	assert_fails(SCHEME_AUTO, "plain", "BUILDKITE_COMMIT='HEAD' is not a commit ID");
	test_environment[1] = NULL;
	assert_fails(SCHEME_GIT, "plain", "set a CI commit variable such as GITHUB_SHA, or use --scheme=time");
}
END_TEST

/* Issue 8: inside a work tree git's answer wins over the CI variable. */
START_TEST(test_ci_commit_is_not_read_inside_a_work_tree)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);
	test_environment[0] = "GITHUB_SHA=0000000000000000000000000000000000000000";
	char *tag = make(SCHEME_AUTO, "repo");
	assert_commit_tag(tag, repository, &commit_id, 7, "");
	free(tag);
	git_repository_free(repository);
}
END_TEST

/* Issue 8: a Dockerfile or tar on stdin, and URL contexts, are no work tree: auto takes time (or the
 * CI commit), and git says why it cannot. A directory of that name is still a directory. */
START_TEST(test_stdin_and_url_contexts)
{
	const char *const contexts[] = {"-", "https://example.com/app.tar.gz", "git@github.com:owner/app.git",
					"github.com/owner/app", "git://example.com/app"};
	for (size_t i = 0; i < sizeof contexts / sizeof contexts[0]; i++) {
		assert_makes(SCHEME_AUTO, contexts[i], NOW_TAG);
		ck_assert_ptr_null(why.text);
		assert_fails(SCHEME_GIT, contexts[i], i == 0 ? "is standard input" : "is a URL");
		test_environment[0] = "GIT_COMMIT=fedcba9876543210";
		assert_makes(SCHEME_GIT, contexts[i], "fedcba9");
		test_environment[0] = NULL;
	}
	ck_assert_int_eq(mkdir("github.com", 0700), 0);
	ck_assert_int_eq(mkdir("github.com/owner", 0700), 0);
	assert_fails(SCHEME_GIT, "github.com/owner", "github.com/owner is not in a git work tree");
}
END_TEST

/* Issue 8: --scheme=describe is git describe --tags --long --always, with the git scheme's dirty
 * rule. */
START_TEST(test_describe_names_the_nearest_tag)
{
	git_oid commit_id;
	git_repository *repository = git_fixture_repository("repo", &commit_id);
	char *tag = make(SCHEME_DESCRIBE, "repo");
	assert_commit_tag(tag, repository, &commit_id, 7, "");
	free(tag);

	git_object *head;
	git_oid tag_id;
	ck_assert_int_eq(git_revparse_single(&head, repository, "HEAD"), 0);
	ck_assert_int_eq(git_tag_create_lightweight(&tag_id, repository, "v1.0", head, 0), 0);
	char expected[64];
	/* Issue 15: a tag on HEAD itself still names the commit, so that a tag that moves does not
	 * name two builds, and a tag called latest does not become the unique one. */
	snprintf(expected, sizeof expected, "v1.0-0-g%.7s", git_oid_tostr_s(&commit_id));
	assert_makes(SCHEME_DESCRIBE, "repo", expected);
	ck_assert_int_eq(git_tag_create_lightweight(&tag_id, repository, "latest", head, 0), 0);
	snprintf(expected, sizeof expected, "latest-0-g%.7s", git_oid_tostr_s(&commit_id));
	assert_makes(SCHEME_DESCRIBE, "repo", expected);
	ck_assert_int_eq(git_tag_delete(repository, "latest"), 0);
	git_object_free(head);

	git_fixture_write("repo/README", "changed\n");
	git_fixture_stage(repository, "README");
	git_oid second = git_fixture_commit(repository);
	snprintf(expected, sizeof expected, "v1.0-1-g%.7s", git_oid_tostr_s(&second));
	assert_makes(SCHEME_DESCRIBE, "repo", expected);

	git_fixture_write("repo/new-file", "untracked\n");
	tag = make(SCHEME_DESCRIBE, "repo");
	ck_assert_ptr_nonnull(tag);
	ck_assert_msg(strncmp(tag, expected, strlen(expected)) == 0 && matches_suffix(tag + strlen(expected), DIRTY),
		      "%s is not %s" DIRTY, tag, expected);
	free(tag);
	git_repository_free(repository);
}
END_TEST

/* Build flags as options.h keeps them: -f, --build-context and --ignorefile with their values. */
static const struct flag_spec file_flag = {"file", 'f', true};
static const struct flag_spec build_context_flag = {"build-context", 0, true};
static const struct flag_spec ignorefile_flag = {"ignorefile", 0, true};

/* The tag of a build of CONTEXT with the COUNT build flags FLAGS. */
static char *make_with_flags(enum tag_scheme scheme, const char *context, const struct flag_value *flags,
			     size_t count)
{
	char *tag = NULL;

	message_free(&why);
	ck_assert_msg(gittag_prepare(scheme, context, flags, count, test_snapshot(), &tag, &why) == 0, "%s", why.text);
	ck_assert_ptr_nonnull(tag);
	return tag;
}

/* A repository "repo" with the services svc-a (a Dockerfile, app) and svc-b (notes.txt). */
static git_repository *monorepo(git_oid *commit_id)
{
	git_repository *repository = git_fixture_repository("repo", commit_id);

	ck_assert_int_eq(mkdir("repo/svc-a", 0700), 0);
	ck_assert_int_eq(mkdir("repo/svc-b", 0700), 0);
	git_fixture_write("repo/svc-a/Dockerfile", "FROM scratch\n");
	git_fixture_write("repo/svc-a/app", "a\n");
	git_fixture_write("repo/svc-b/notes.txt", "b\n");
	git_fixture_stage(repository, "svc-a/Dockerfile");
	git_fixture_stage(repository, "svc-a/app");
	git_fixture_stage(repository, "svc-b/notes.txt");
	*commit_id = git_fixture_commit(repository);
	return repository;
}

/* Issue 18: editing another service's files makes no service's tag dirty but its own. */
START_TEST(test_scope_changes_elsewhere_are_clean)
{
	git_oid commit_id;
	git_repository *repository = monorepo(&commit_id);

	git_fixture_write("repo/svc-b/notes.txt", "edited\n");
	git_fixture_write("repo/svc-b/new", "untracked\n");
	git_fixture_write("repo/top-level", "untracked\n");
	assert_repository_tag("repo/svc-a", repository, &commit_id, 7, "");
	assert_repository_tag("repo/svc-b", repository, &commit_id, 7, DIRTY);
	assert_repository_tag("repo", repository, &commit_id, 7, DIRTY);
	/* A sibling whose name begins with the context's is not in it. */
	ck_assert_int_eq(mkdir("repo/svc-a2", 0700), 0);
	git_fixture_write("repo/svc-a2/file", "untracked\n");
	assert_repository_tag("repo/svc-a", repository, &commit_id, 7, "");
	git_fixture_write("repo/svc-a/app", "edited\n");
	assert_repository_tag("repo/svc-a", repository, &commit_id, 7, DIRTY);
	git_repository_free(repository);
}
END_TEST

/* A change the ignore file leaves out of the context cannot change the image; the ignore file can. */
START_TEST(test_scope_ignored_changes_are_clean)
{
	git_oid commit_id;
	git_repository *repository = monorepo(&commit_id);

	git_fixture_write("repo/svc-a/.dockerignore", "# notes\nsecret*\n!secret-kept\n/docs/\nDockerfile\n");
	git_fixture_stage(repository, "svc-a/.dockerignore");
	commit_id = git_fixture_commit(repository);
	ck_assert_int_eq(mkdir("repo/svc-a/docs", 0700), 0);
	git_fixture_write("repo/svc-a/docs/readme", "untracked\n");
	git_fixture_write("repo/svc-a/secret.txt", "untracked\n");
	assert_repository_tag("repo/svc-a", repository, &commit_id, 7, "");
	/* The Dockerfile is read even where the ignore file names it. */
	git_fixture_write("repo/svc-a/Dockerfile", "FROM other\n");
	assert_repository_tag("repo/svc-a", repository, &commit_id, 7, DIRTY);
	git_fixture_write("repo/svc-a/Dockerfile", "FROM scratch\n");
	git_fixture_write("repo/svc-a/secret-kept", "untracked\n");
	assert_repository_tag("repo/svc-a", repository, &commit_id, 7, DIRTY);
	ck_assert_int_eq(unlink("repo/svc-a/secret-kept"), 0);
	git_fixture_write("repo/svc-a/.dockerignore", "secret*\n");
	assert_repository_tag("repo/svc-a", repository, &commit_id, 7, DIRTY);
	git_fixture_write("repo/svc-a/.dockerignore", "# notes\nsecret*\n!secret-kept\n/docs/\nDockerfile\n");

	/* podman's .containerignore, which docker does not read: what it leaves out, docker sends. */
	ck_assert_int_eq(unlink("repo/svc-a/docs/readme"), 0);
	ck_assert_int_eq(unlink("repo/svc-a/secret.txt"), 0);
	git_fixture_write("repo/svc-a/.containerignore", "app\n");
	git_fixture_stage(repository, "svc-a/.containerignore");
	commit_id = git_fixture_commit(repository);
	git_fixture_write("repo/svc-a/app", "edited\n");
	assert_repository_tag("repo/svc-a", repository, &commit_id, 7, DIRTY);
	/* --ignorefile, which only podman and buildah have: the one file they read. */
	struct flag_value ignorefile = {&ignorefile_flag, "repo/svc-a/.containerignore", false};
	char *tag = make_with_flags(SCHEME_GIT, "repo/svc-a", &ignorefile, 1);
	assert_commit_tag(tag, repository, &commit_id, 7, "");
	free(tag);
	git_repository_free(repository);
}
END_TEST

/* A Dockerfile outside the context, a named context and what lies outside the repository are part of
 * what the build reads. */
START_TEST(test_scope_dockerfile_and_named_contexts)
{
	git_oid commit_id;
	git_repository *repository = monorepo(&commit_id);

	ck_assert_int_eq(mkdir("repo/docker", 0700), 0);
	git_fixture_write("repo/docker/a.Dockerfile", "FROM scratch\n");
	git_fixture_stage(repository, "docker/a.Dockerfile");
	commit_id = git_fixture_commit(repository);
	struct flag_value flags[2] = {{&file_flag, "repo/docker/a.Dockerfile", false},
				      {&build_context_flag, "shared=repo/svc-b", false}};
	char *tag = make_with_flags(SCHEME_GIT, "repo/svc-a", flags, 1);
	assert_commit_tag(tag, repository, &commit_id, 7, "");
	free(tag);
	git_fixture_write("repo/docker/a.Dockerfile", "FROM other\n");
	tag = make_with_flags(SCHEME_GIT, "repo/svc-a", flags, 1);
	assert_commit_tag(tag, repository, &commit_id, 7, DIRTY);
	free(tag);
	assert_repository_tag("repo/svc-a", repository, &commit_id, 7, "");
	git_fixture_write("repo/docker/a.Dockerfile", "FROM scratch\n");

	git_fixture_write("repo/svc-b/notes.txt", "edited\n");
	tag = make_with_flags(SCHEME_GIT, "repo/svc-a", flags, 2);
	assert_commit_tag(tag, repository, &commit_id, 7, DIRTY);
	free(tag);

	/* Outside the repository, no commit names the content: it is hashed whole, the same content
	 * the same hash. */
	git_fixture_write("repo/svc-b/notes.txt", "b\n");
	ck_assert_int_eq(mkdir("outside", 0700), 0);
	git_fixture_write("outside/file", "one\n");
	flags[1].value = "shared=outside";
	char *first = make_with_flags(SCHEME_GIT, "repo/svc-a", flags, 2);
	assert_commit_tag(first, repository, &commit_id, 7, DIRTY);
	char *again = make_with_flags(SCHEME_GIT, "repo/svc-a", flags, 2);
	ck_assert_str_eq(first, again);
	git_fixture_write("outside/file", "two\n");
	tag = make_with_flags(SCHEME_GIT, "repo/svc-a", flags, 2);
	ck_assert_str_ne(tag, first);
	free(tag);
	free(again);
	free(first);
	/* A Dockerfile that is not there fails the build, not the tag; nor does standard input. */
	struct flag_value missing[2] = {{&file_flag, "repo/missing", false}, {&file_flag, "-", false}};
	for (size_t i = 0; i < 2; i++) {
		tag = make_with_flags(SCHEME_GIT, "repo/svc-a", &missing[i], 1);
		assert_commit_tag(tag, repository, &commit_id, 7, "");
		free(tag);
	}
	/* Not a directory here: an image or a URL, which the builder fetches. */
	flags[1].value = "shared=docker-image://alpine";
	tag = make_with_flags(SCHEME_GIT, "repo/svc-a", flags, 2);
	assert_commit_tag(tag, repository, &commit_id, 7, "");
	free(tag);
	git_repository_free(repository);
}
END_TEST

/* The ID of the tree HEAD has at PATH, abbreviated to DIGITS. */
static char *tree_id(git_repository *repository, const char *path, size_t digits)
{
	git_object *tree;
	char *spec = malloc(strlen(path) + sizeof "HEAD:");
	ck_assert_ptr_nonnull(spec);
	ck_assert_int_eq(git_revparse_single(&tree, repository, strcat(strcpy(spec, "HEAD:"), path)), 0);
	char *id = strndup(git_oid_tostr_s(git_object_id(tree)), digits);
	ck_assert_ptr_nonnull(id);
	git_object_free(tree);
	free(spec);
	return id;
}

/* Issue 18: --scheme=tree gives the same tag to the same context across commits of other
 * services. */
START_TEST(test_tree_names_the_context_tree)
{
	git_oid commit_id;
	git_repository *repository = monorepo(&commit_id);
	char *expected = tree_id(repository, "svc-a", 7);

	assert_makes(SCHEME_TREE, "repo/svc-a", expected);
	git_fixture_write("repo/svc-b/notes.txt", "committed\n");
	git_fixture_stage(repository, "svc-b/notes.txt");
	git_fixture_commit(repository);
	assert_makes(SCHEME_TREE, "repo/svc-a", expected);
	char *tag = make(SCHEME_TREE, "repo/svc-b");
	char *other = tree_id(repository, "svc-b", 7);
	ck_assert_str_eq(tag, other);
	free(other);
	free(tag);

	/* The same dirty rule as git's. */
	git_fixture_write("repo/svc-a/app", "edited\n");
	tag = make(SCHEME_TREE, "repo/svc-a");
	ck_assert_msg(strncmp(tag, expected, 7) == 0 && matches_suffix(tag + 7, DIRTY), "%s", tag);
	free(tag);
	git_fixture_stage(repository, "svc-a/app");
	git_fixture_commit(repository);
	tag = make(SCHEME_TREE, "repo/svc-a");
	ck_assert_str_ne(tag, expected);
	free(expected);
	expected = tree_id(repository, "svc-a", 7);
	ck_assert_str_eq(tag, expected);
	free(tag);

	/* The whole work tree: HEAD's tree. */
	char *top = tree_id(repository, "", 7);
	assert_makes(SCHEME_TREE, "repo", top);
	free(top);

	/* A Dockerfile outside the context: its ID at HEAD is part of the name. */
	struct flag_value file = {&file_flag, "repo/svc-b/notes.txt", false};
	tag = make_with_flags(SCHEME_TREE, "repo/svc-a", &file, 1);
	ck_assert_msg(strncmp(tag, expected, 7) == 0 && matches_suffix(tag + 7, ".???????"), "%s", tag);
	git_fixture_write("repo/svc-b/notes.txt", "committed again\n");
	git_fixture_stage(repository, "svc-b/notes.txt");
	git_fixture_commit(repository);
	char *changed = make_with_flags(SCHEME_TREE, "repo/svc-a", &file, 1);
	ck_assert_str_ne(changed, tag);
	ck_assert_int_eq(strncmp(changed, expected, 7), 0);
	free(changed);
	free(tag);
	free(expected);

	/* Where git cannot tell: no CI fallback, exit status 2. */
	ck_assert_int_eq(mkdir("repo/new", 0700), 0);
	git_fixture_write("repo/new/file", "untracked\n");
	assert_fails(SCHEME_TREE, "repo/new", "HEAD has no directory");
	ck_assert_int_eq(mkdir("plain", 0700), 0);
	test_environment[0] = "GITHUB_SHA=0123456789abcdef0123456789abcdef01234567";
	assert_fails(SCHEME_TREE, "plain", "--scheme=tree");
	assert_fails(SCHEME_TREE, "-", "--scheme=tree");
	git_repository_free(repository);
}
END_TEST

/* Docker's pattern matching, as the ignore file is read. */
START_TEST(test_ignore_patterns)
{
	ck_assert(buildscope_pattern_matches("secret*", "secret.txt"));
	ck_assert(!buildscope_pattern_matches("secret*", "dir/secret.txt"));
	ck_assert(buildscope_pattern_matches("*/secret*", "dir/secret.txt"));
	ck_assert(buildscope_pattern_matches("**/secret*", "dir/deeper/secret.txt"));
	ck_assert(buildscope_pattern_matches("**/secret*", "secret.txt"));
	ck_assert(buildscope_pattern_matches("docs", "docs/a/b"));
	ck_assert(!buildscope_pattern_matches("docs", "docsa/b"));
	ck_assert(buildscope_pattern_matches("d?cs/[ab]", "docs/a"));
	ck_assert(!buildscope_pattern_matches("d?cs/[ab]", "docs/c"));
	ck_assert(buildscope_pattern_matches("a/**/z", "a/z"));
	ck_assert(buildscope_pattern_matches("a/**/z", "a/b/c/z"));
	ck_assert(!buildscope_pattern_matches("a/**/z", "b/z"));
}
END_TEST

Suite *gittag_suite(void)
{
	Suite *suite = suite_create("gittag");
	TCase *git_scheme = tcase_create("git");

	tcase_add_checked_fixture(git_scheme, setup, teardown);
	tcase_add_unchecked_fixture(git_scheme, git_fixture_begin_suite, git_fixture_end_suite);
	tcase_add_test(git_scheme, test_git_clean_repository);
	tcase_add_test(git_scheme, test_git_follows_core_abbrev);
	tcase_add_test(git_scheme, test_git_abbreviation_stays_unique);
	tcase_add_test(git_scheme, test_git_modified_file_is_dirty);
	tcase_add_test(git_scheme, test_git_deleted_file_is_dirty);
	tcase_add_test(git_scheme, test_git_racily_clean_change_is_dirty);
	tcase_add_test(git_scheme, test_git_touched_file_is_clean);
	tcase_add_test(git_scheme, test_git_staged_change_is_dirty);
	tcase_add_test(git_scheme, test_git_staged_new_file_is_dirty);
	tcase_add_test(git_scheme, test_git_ignored_files_are_clean);
	tcase_add_test(git_scheme, test_git_untracked_files_are_dirty);
	tcase_add_test(git_scheme, test_git_dirty_tag_follows_the_content);
	tcase_add_test(git_scheme, test_git_dirty_tag_tells_untracked_files_apart);
	tcase_add_test(git_scheme, test_git_dirty_tag_sees_modes_and_links);
	tcase_add_test(git_scheme, test_git_submodule_changes_are_dirty);
	tcase_add_test(git_scheme, test_git_context_in_a_subdirectory);
	tcase_add_test(git_scheme, test_git_no_commit_yet);
	tcase_add_test(git_scheme, test_not_in_a_repository);
	tcase_add_test(git_scheme, test_bare_repository);
	tcase_add_test(git_scheme, test_inside_the_git_directory);
	tcase_add_test(git_scheme, test_context_that_does_not_exist);
	tcase_add_test(git_scheme, test_context_that_is_a_file);
	tcase_add_test(git_scheme, test_corrupt_repository_is_reported);
	tcase_add_test(git_scheme, test_repository_of_another_user);
	tcase_add_test(git_scheme, test_ci_commit_outside_a_work_tree);
	tcase_add_test(git_scheme, test_ci_commit_is_not_read_inside_a_work_tree);
	tcase_add_test(git_scheme, test_stdin_and_url_contexts);
	tcase_add_test(git_scheme, test_describe_names_the_nearest_tag);
	tcase_add_test(git_scheme, test_scope_changes_elsewhere_are_clean);
	tcase_add_test(git_scheme, test_scope_ignored_changes_are_clean);
	tcase_add_test(git_scheme, test_scope_dockerfile_and_named_contexts);
	tcase_add_test(git_scheme, test_tree_names_the_context_tree);
	tcase_add_test(git_scheme, test_ignore_patterns);
	suite_add_tcase(suite, git_scheme);
	return suite;
}
