/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_BUILD_H
#define KIMB_BUILD_H

/* The build: its unique tag, checked before any lock is taken and made under them, and the
 * builder's build call, which tags each repository with it and with latest, and says the new
 * image's ID where the builder writes one. */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "lock.h"
#include "process.h"
#include "report.h"
#include "session.h"

struct build {
	char *git_tag;            /* the git scheme's tag, made before the locks */
	char *unique_tag;
	char *label;              /* --LABEL=KEY=REPOSITORIES, for a labelling builder */
	char **references;        /* NAME:UNIQUE_TAG, one a repository (the options' targets) */
	char **latest_references; /* NAME:latest where kimb adds that tag, else NULL */
	char **latest_names;      /* NAME:latest, one a repository: kimb's tag or the user's own */
	size_t count;
	char iid_directory[PATH_MAX]; /* kimb's own directory for the iidfile; "" when none */
	char iidfile[PATH_MAX + 8];   /* where the builder writes the new image's ID; "" when none */
	char *new_id;             /* the new image's ID (64 hex), when the builder said it */
	struct build_outcome outcome;
	char signal[PROCESS_SIGNAL_NAME_MAX]; /* the signal that killed it */
};

/* Checks all the input that can be checked before waiting for anyone: the git tag (made now, as
 * it needs no lock), or the time format; into OUT (release with build_free). */
int build_prepare(const struct session *session, struct build *out);

/* Makes the unique tag and each repository's references: the git tag, or the time in a second
 * issued under LOCKS, which no other run on this host issues again; with --dry-run, the second
 * that would be issued now, which is not recorded as issued. */
int build_make_tag(const struct session *session, struct lock_set *locks, struct build *build);

/* Whether the build's output is to say the new image's ID: kim's progress, unless it is drawn on a
 * console (kimb's stderr is one), which kimb cannot read. */
bool build_output_tells_id(const struct session *session);

/* Runs the build, with BESIDE (a call started beside it, or not running) read meanwhile; reads the
 * new image's ID where the builder writes it, and writes the user's --iidfile. After a failed one no
 * reference names an image: BUILD's references are gone. */
int build_run(const struct session *session, struct build *build, struct side_call *beside);

/* Removes kimb's iidfile and its directory, whatever is there of them. */
void build_remove_iidfile(struct build *build);

void build_free(struct build *build);

#endif
