#include "workstate.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Appends the record of the work tree's version of PATH (below WORK_TREE): what a build that
 * copies the context sees of it. Its kind is file, exec, link, gone, other (a FIFO, a socket, ...)
 * or unreadable (lstat or readlink failed), with a blob hash of the content (a link's target; zero
 * for the others). Returns 0, or a libgit2 error. */
static int describe_work_tree_file(const char *work_tree, const char *path, struct text *state)
{
	char *full = xprintf("%s%s", work_tree, path);
	struct stat status;
	git_oid blob;
	const char *kind;
	int error = 0;
	memset(&blob, 0, sizeof blob);
	if (lstat(full, &status) == -1) {
		kind = errno == ENOENT || errno == ENOTDIR ? "gone" : "unreadable";
	} else if (S_ISLNK(status.st_mode)) {
		char target[PATH_MAX];
		ssize_t length = readlink(full, target, sizeof target);
		/* A link replaced since lstat looked is unreadable, as one lstat could not look at. */
		kind = length < 0 ? "unreadable" : "link";
		if (length >= 0)
			error = git_odb_hash(&blob, target, (size_t)length, GIT_OBJECT_BLOB);
	} else if (S_ISREG(status.st_mode)) {
		kind = status.st_mode & S_IXUSR ? "exec" : "file";
		error = git_odb_hashfile(&blob, full, GIT_OBJECT_BLOB);
	} else {
		kind = "other";
	}
	free(full);
	if (error == 0)
		append_record(state, kind, path, &blob, 1);
	return error;
}

/* Describes how the work tree differs from HEAD_TREE, as git status counts it: tracked files changed
 * in the index or the work tree, and untracked files that are not ignored, each with its content.
 * Submodules are left out: their state is another repository's. STATE stays empty when the work
 * tree is clean. Returns 0, or a libgit2 error. */
static int describe_changes(git_repository *repository, const git_tree *head_tree, struct text *state)
{
	git_status_list *changes;
	int error = worktree_status(&changes, repository, head_tree, NULL);

	if (error < 0 || !changes)
		return error;
	const char *work_tree = git_repository_workdir(repository);
	size_t count = git_status_list_entrycount(changes);
	for (size_t i = 0; i < count && error == 0; i++) {
		const git_status_entry *entry = git_status_byindex(changes, i);
		const git_diff_delta *delta = entry->index_to_workdir ? entry->index_to_workdir : entry->head_to_index;
		error = describe_work_tree_file(work_tree, delta->new_file.path, state);
	}
	git_status_list_free(changes);
	return error;
}

int workstate_hash(git_repository *repository, const git_tree *head_tree, bool *dirty, git_oid *hash)
{
	struct text state = {NULL, 0, 0};
	int error = describe_changes(repository, head_tree, &state);

	*dirty = error == 0 && state.length > 0;
	if (*dirty)
		error = git_odb_hash(hash, state.bytes, state.length, GIT_OBJECT_BLOB);
	free(state.bytes);
	return error;
}
