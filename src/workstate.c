/* SPDX-License-Identifier: Apache-2.0 */
#include "workstate.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "worktree.h"
#include "xalloc.h"

/* A growing text, NUL-terminated. */
struct text {
	char *bytes;
	size_t length;
	size_t capacity;
};

static void append_text(struct text *text, const char *bytes, size_t length)
{
	if (text->length + length + 1 > text->capacity) {
		/* Doubled, so that appends stay amortized O(1). */
		text->capacity = 2 * (text->length + length + 1);
		text->bytes = xrealloc(text->bytes, text->capacity);
	}
	memcpy(text->bytes + text->length, bytes, length);
	text->length += length;
	text->bytes[text->length] = '\0';
}

/* Appends a record of PATH: KIND, a word; PATH as its length and its bytes; and the COUNT IDS in hex
 * digits, each after a space; then a newline. The length frames the path, so that no name (with
 * spaces and newlines) reads as other records: two lists of records are one text only when they are
 * one list. */
static void append_record(struct text *state, const char *kind, const char *path, const git_oid *ids, size_t count)
{
	char head[64];
	size_t length = strlen(path);
	int written = snprintf(head, sizeof head, "%s %zu:", kind, length);

	append_text(state, head, (size_t)written);
	append_text(state, path, length);
	for (size_t i = 0; i < count; i++) {
		append_text(state, " ", 1);
		append_text(state, git_oid_tostr_s(&ids[i]), GIT_OID_HEXSZ);
	}
	append_text(state, "\n", 1);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int describe_path(const char *work_tree, const char *path, const git_oid *recorded, struct text *state);

/* Appends a "directory" record of PATH (below WORK_TREE, a directory that holds no repository kimb
 * can read): the hash of the records of all it holds, in name order, ignored or not. Returns 0, or a
 * libgit2 error. */
static int describe_directory(const char *work_tree, const char *path, struct text *state)
{
	char *full = xprintf("%s%s", work_tree, path);
	DIR *stream = opendir(full);
	char **names = NULL;
	size_t count = 0;
	struct dirent *item;
	struct text inside = {NULL, 0, 0};
	git_oid hash;
	int error = 0;

	free(full);
	while (stream && (errno = 0, item = readdir(stream)) != NULL) {
		if (strcmp(item->d_name, ".") != 0 && strcmp(item->d_name, "..") != 0) {
			char *name = xstrdup(item->d_name);
			array_append(&names, &count, sizeof name, &name);
		}
	}
	/* Only read: nothing to lose on closing it. */
	bool readable = stream && errno == 0;
	if (stream)
		(void)closedir(stream);
	if (count > 0) /* qsort takes no NULL */
		qsort(names, count, sizeof *names, compare_names);
	for (size_t i = 0; i < count && readable && error == 0; i++) {
		char *inner = xprintf("%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
		error = describe_path(work_tree, inner, NULL, &inside);
		free(inner);
	}
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	memset(&hash, 0, sizeof hash);
	if (error == 0 && readable)
		error = git_odb_hash(&hash, inside.bytes ? inside.bytes : "", inside.length, GIT_OBJECT_BLOB);
	if (error == 0)
		append_record(state, readable ? "directory" : "unreadable", path, &hash, 1);
	free(inside.bytes);
	return error;
}

/* Reads the repository whose work tree is the directory FULL (its own .git, not one above it): its
 * HEAD commit into IDS[0] (zero on an unborn branch) and the hash of its state beside HEAD into
 * IDS[1] (zero when clean). Returns true, or false when FULL holds no repository kimb can read:
 * none, one another user owns, one broken, one whose work tree lies elsewhere. */
static bool read_nested_repository(const char *full, git_oid ids[2])
{
	git_repository *nested = NULL;
	git_object *head = NULL;
	git_tree *head_tree = NULL;
	char *work_tree = xprintf("%s/", full);
	bool dirty = false;
	int error = git_repository_open_ext(&nested, full, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);

	memset(ids, 0, 2 * sizeof *ids);
	if (error == 0 && (!git_repository_workdir(nested) || strcmp(git_repository_workdir(nested), work_tree) != 0))
		error = GIT_ENOTFOUND;
	if (error == 0) {
		error = git_revparse_single(&head, nested, "HEAD^{commit}");
		if (error == 0) {
			ids[0] = *git_object_id(head);
			error = git_commit_tree(&head_tree, (git_commit *)head);
		} else if (git_repository_head_unborn(nested) == 1) {
			error = 0;
		}
	}
	if (error == 0)
		error = workstate_hash(nested, head_tree, NULL, &dirty, &ids[1]);
	if (error == 0 && !dirty)
		memset(&ids[1], 0, sizeof ids[1]);
	git_tree_free(head_tree);
	git_object_free(head);
	git_repository_free(nested);
	free(work_tree);
	git_error_clear();
	return error == 0;
}

/* Appends the record of the work tree's version of PATH (below WORK_TREE): what a build that
 * copies the context sees of it. Its kind is file, exec, link, gone, other (a FIFO, a socket, ...)
 * or unreadable (lstat or readlink failed), with a blob hash of the content (a link's target; zero
 * for the others); a directory is a repository, with its HEAD and the hash of its own state (none
 * when it is RECORDED, unless NULL, and clean), or else a directory, with the hash of all it
 * holds. Returns 0, or a libgit2 error. */
static int describe_path(const char *work_tree, const char *path, const git_oid *recorded, struct text *state)
{
	char *full = xprintf("%s%s", work_tree, path);
	struct stat status;
	git_oid ids[2];
	const char *kind;
	int error = 0;
	memset(ids, 0, sizeof ids);
	if (lstat(full, &status) == -1) {
		kind = errno == ENOENT || errno == ENOTDIR ? "gone" : "unreadable";
	} else if (S_ISLNK(status.st_mode)) {
		char target[PATH_MAX];
		ssize_t length = readlink(full, target, sizeof target);
		/* A link replaced since lstat looked is unreadable, as one lstat could not look at. */
		kind = length < 0 ? "unreadable" : "link";
		if (length >= 0)
			error = git_odb_hash(&ids[0], target, (size_t)length, GIT_OBJECT_BLOB);
	} else if (S_ISREG(status.st_mode)) {
		kind = status.st_mode & S_IXUSR ? "exec" : "file";
		error = git_odb_hashfile(&ids[0], full, GIT_OBJECT_BLOB);
	} else if (S_ISDIR(status.st_mode)) {
		size_t length = strlen(full);
		if (full[length - 1] == '/')
			full[length - 1] = '\0'; /* an untracked directory, as libgit2 names it */
		kind = read_nested_repository(full, ids) ? "repository" : "directory";
	} else {
		kind = "other";
	}
	free(full);
	bool is_repository = strcmp(kind, "repository") == 0;
	if (error != 0 || (recorded && is_repository && git_oid_equal(&ids[0], recorded) && git_oid_is_zero(&ids[1])))
		return error;
	if (strcmp(kind, "directory") == 0)
		return describe_directory(work_tree, path, state);
	append_record(state, kind, path, ids, is_repository ? 2 : 1);
	return 0;
}

/* Whether PATH, less a trailing slash, is one of SUBMODULES. */
static bool is_submodule(const struct worktree_submodules *submodules, const char *path)
{
	size_t length = strlen(path);
	char *name = xstrndup(path, length && path[length - 1] == '/' ? length - 1 : length);
	bool found = bsearch(&name, submodules->paths, submodules->count, sizeof *submodules->paths, compare_names);

	free(name);
	return found;
}

/* The commit HEAD_TREE (unless NULL) records at PATH into *RECORDED: false when it records none. */
static bool recorded_commit(const git_tree *head_tree, const char *path, git_oid *recorded)
{
	git_tree_entry *entry = NULL;
	bool found = head_tree && git_tree_entry_bypath(&entry, head_tree, path) == 0 &&
		     git_tree_entry_type(entry) == GIT_OBJECT_COMMIT;

	if (found)
		*recorded = *git_tree_entry_id(entry);
	git_tree_entry_free(entry);
	git_error_clear();
	return found;
}

/* Whether a change at PATH counts: it lies in SCOPE (NULL: everywhere), and the build does not leave
 * it out. */
static bool counts(const struct workstate_scope *scope, const char *path)
{
	return !scope || (worktree_scope_holds(&scope->paths, path) &&
			  !(scope->excludes && scope->excludes(path, scope->payload)));
}

/* Describes how the work tree differs from HEAD_TREE (NULL: no commit yet) within SCOPE, as git
 * status counts it: tracked files changed in the index or the work tree, and untracked files that
 * are not ignored, each with its content, an untracked repository with its HEAD and its own state;
 * and each submodule not checked out at the commit HEAD records, or with changes of its own,
 * whatever submodule.*.ignore says; then what SCOPE holds outside the repository. STATE stays empty
 * when the work tree is clean. Returns 0, or a libgit2 error. */
static int describe_changes(git_repository *repository, const git_tree *head_tree,
			    const struct workstate_scope *scope, struct text *state)
{
	git_status_list *changes;
	struct worktree_submodules submodules;
	int error = worktree_status(&changes, &submodules, repository, head_tree, scope ? &scope->paths : NULL, NULL);
	const char *work_tree = git_repository_workdir(repository);
	size_t count = changes ? git_status_list_entrycount(changes) : 0;

	for (size_t i = 0; i < count && error == 0; i++) {
		const git_status_entry *entry = git_status_byindex(changes, i);
		const git_diff_delta *delta = entry->index_to_workdir ? entry->index_to_workdir : entry->head_to_index;
		/* A gitlink's untracked directory is its submodule's. */
		if (!is_submodule(&submodules, delta->new_file.path) && counts(scope, delta->new_file.path))
			error = describe_path(work_tree, delta->new_file.path, NULL, state);
	}
	for (size_t i = 0; i < submodules.count && error == 0; i++) {
		git_oid recorded;
		bool has_recorded = recorded_commit(head_tree, submodules.paths[i], &recorded);
		if (counts(scope, submodules.paths[i]))
			error = describe_path(work_tree, submodules.paths[i], has_recorded ? &recorded : NULL, state);
	}
	/* An absolute path, described as a path below "". */
	for (size_t i = 0; scope && i < scope->outside_count && error == 0; i++)
		error = describe_path("", scope->outside[i], NULL, state);
	git_status_list_free(changes);
	worktree_submodules_free(&submodules);
	return error;
}

int workstate_hash(git_repository *repository, const git_tree *head_tree, const struct workstate_scope *scope,
		   bool *dirty, git_oid *hash)
{
	struct text state = {NULL, 0, 0};
	int error = describe_changes(repository, head_tree, scope, &state);

	*dirty = error == 0 && state.length > 0;
	if (*dirty)
		error = git_odb_hash(hash, state.bytes, state.length, GIT_OBJECT_BLOB);
	free(state.bytes);
	return error;
}
