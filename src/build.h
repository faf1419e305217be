#ifndef KIMB_BUILD_H
#define KIMB_BUILD_H

/* The build: its unique tag, checked before any lock is taken and made under them, and the
 * builder's build call, which tags each repository with it and with latest. */

#include "run.h"

/* Checks all the input that can be checked before waiting for anyone: the git tag (made now, as
 * it needs no lock), or the time format. */
int build_prepare(struct run *run);

/* Makes the unique tag and each repository's references: the git tag, or the time in a second
 * issued under the locks, which no other run on this host issues again. */
int build_make_tag(struct run *run);

/* Runs the build; reads the new image's ID where the builder writes it. */
int build_run(struct run *run);

#endif
