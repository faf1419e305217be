/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_WORKSTATE_H
#define KIMB_WORKSTATE_H

/* The state of a git work tree beside its HEAD, for the dirty part of a git tag: a hash of each
 * change git status counts (tracked files changed in the index or the work tree, untracked files
 * that are not ignored), named with the kind and content the work tree has there, and of each
 * submodule not checked out clean at the commit HEAD records and each nested repository, with its
 * HEAD and its own state: the same changes give the same hash, other content another. */

#include <stdbool.h>

#include <git2.h>

#include "worktree.h"

/* What of a work tree a build reads: the paths of PATHS; of them, not those EXCLUDES (unless NULL)
 * says the build leaves out (.dockerignore), given the path relative to the top and PAYLOAD; and
 * the files and directories OUTSIDE (absolute paths) that no repository holds, which the hash
 * covers whole, as content HEAD cannot name. */
struct workstate_scope {
	struct worktree_scope paths;
	bool (*excludes)(const char *path, void *payload);
	void *payload;
	const char *const *outside;
	size_t outside_count;
};

/* Sets *DIRTY to whether REPOSITORY's work tree differs from HEAD_TREE (HEAD's tree, NULL when HEAD
 * has no commit yet) within SCOPE (NULL: the whole work tree), or SCOPE has paths outside it, and
 * then *HASH to the hash of how. Returns 0, or a libgit2 error. */
int workstate_hash(git_repository *repository, const git_tree *head_tree, const struct workstate_scope *scope,
		   bool *dirty, git_oid *hash);

#endif
