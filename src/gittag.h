/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_GITTAG_H
#define KIMB_GITTAG_H

/* The unique tag of the git schemes: the commit of the build context and the state of its work tree,
 * read with libgit2, or the commit a CI system names. */

#include "env.h"
#include "message.h"
#include "options.h"
#include "tagscheme.h"

/* The first step of making the unique tag for a build of CONTEXT with the build flags FLAGS
 * (FLAG_COUNT), which needs no lock: git (and auto, when CONTEXT lies in a git work tree whose HEAD
 * has a commit) puts the tag in *GIT_TAG (malloc'd): HEAD's abbreviated commit ID (7+ hex digits,
 * unique in the repository), and when the work tree differs from HEAD within what the build reads
 * (buildscope.h: the context, a Dockerfile outside it, --build-context directories, less what the
 * ignore file leaves out; as workstate_hash finds it: tracked files changed in the index or the work
 * tree, untracked files that are not ignored, submodules and nested repositories; and whatever it
 * reads outside the repository) "-dirty." and 7 hex digits of that hash: the same changes give the
 * same tag. tree does the same with the ID of the tree HEAD has at CONTEXT, abbreviated as git
 * abbreviates (and "." and 7 digits of the IDs HEAD has at the other paths the build reads in the
 * work tree), and fails where git cannot tell. describe does the same with git
 * describe --tags --long --always's name of HEAD (v1.2-0-gabc1234 on a tagged commit). Where git
 * cannot tell (CONTEXT is "-", a URL, or in no work tree kimb may read), git and auto take the
 * commit a CI variable of ENVIRONMENT names (GITHUB_SHA, CI_COMMIT_SHA, ...), abbreviated to 7
 * digits; filter drivers' temporary files go to its TMPDIR. time (and auto without either)
 * leaves *GIT_TAG NULL: the tag is tagscheme_time's, made under the locks. A local CONTEXT that is
 * no directory is refused first, as the build context. Returns 0, having added
 * to WHY nothing or a line to say (auto fell back on time from a repository the user could trust),
 * or -1 with a one-line reason added to WHY. */
int gittag_prepare(enum tag_scheme scheme, const char *context, const struct flag_value *flags, size_t flag_count,
		   const struct environment *environment, char **git_tag, struct message *why);

#endif
