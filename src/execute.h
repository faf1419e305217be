/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_EXECUTE_H
#define KIMB_EXECUTE_H

/* Carries out a plan's decisions, or with --dry-run pretends to, and fills in what became of each
 * image: up to --jobs builder calls at once, each image's calls in order across the repositories
 * (its untagging, then its removal), the intermediate images last, one at a time, each once the
 * image whose build left it is gone; a refused call stops only its image. */

#include "listing.h"
#include "plan.h"
#include "session.h"

/* Carries out PLAN, made from LISTING, for SESSION. */
void execute_plan(const struct session *session, struct plan *plan, const struct listing *listing);

#endif
