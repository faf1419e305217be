/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_WORKTREE_H
#define KIMB_WORKTREE_H

/* How a git work tree differs from HEAD, as git status counts it, found the way git finds it: from
 * the stat data the index keeps of each file, reading in full only the files whose stat data changed
 * or may have changed unseen (racily clean ones), with the directories read in parallel. */

#include <stdbool.h>

#include <git2.h>

/* The part of a work tree a build reads: paths relative to its top, without a trailing slash, each
 * naming a file or a directory and all below it; "" names the whole work tree. A NULL scope, or
 * one of no paths, is the whole work tree too. */
struct worktree_scope {
	const char *const *paths;
	size_t count;
};

/* Whether PATH (relative to the top, a trailing slash allowed) lies in SCOPE. */
bool worktree_scope_holds(const struct worktree_scope *scope, const char *path);

/* The status options kimb reads a work tree with: tracked files changed in the index or the work
 * tree, and untracked files that are not ignored (each file of an untracked directory; a nested
 * repository as its directory, "path/"), sorted by path, without submodules. */
git_status_options worktree_status_options(void);

/* How worktree_status found the changes. */
enum worktree_route {
	WORKTREE_CLEAN,      /* from the index and the stat data alone: nothing to read */
	WORKTREE_CANDIDATES, /* libgit2 looked at the paths whose stat data differs, or may */
	WORKTREE_EVERYTHING, /* libgit2 looked at everything: a case this module leaves to it */
};

/* The paths where HEAD or the index has a submodule (a gitlink, stage 0 or not), sorted bytewise,
 * each once: the status leaves them out. */
struct worktree_submodules {
	char **paths;
	size_t count;
};

/* Sets *CHANGES to the list git_status_list_new makes of REPOSITORY with worktree_status_options, or
 * to NULL when that list would be empty: the work tree is clean. With a SCOPE, only the paths in it
 * and above it are looked at: the list holds every change in SCOPE, and perhaps (an untracked
 * directory above it, a status of everything) changes outside it, which the caller leaves out with
 * worktree_scope_holds; the submodules are those in SCOPE; and *SUBMODULES (to be freed with
 * worktree_submodules_free, whatever this returns). HEAD_TREE is HEAD's tree, or NULL when HEAD has
 * no commit yet. Sets *ROUTE unless ROUTE is NULL. Files are hashed through their filter drivers'
 * clean commands: cleanfilter_register comes first, else this fails. Returns 0, or a libgit2
 * error. */
int worktree_status(git_status_list **changes, struct worktree_submodules *submodules, git_repository *repository,
		    const git_tree *head_tree, const struct worktree_scope *scope, enum worktree_route *route);

void worktree_submodules_free(struct worktree_submodules *submodules);

#endif
