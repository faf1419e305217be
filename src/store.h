/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_STORE_H
#define KIMB_STORE_H

/* Every read of the builder's image store and of what uses its images: the listing, the inspection
 * of what the listing cannot tell, the containers and the pods. Each is read whole or not at all,
 * and one that cannot be read removes nothing (STATUS_LISTING). Where pods may use the images,
 * kubectl runs beside a listing after the build, so that a run that removes waits for one round
 * trip, not two; its answer is read only when a plan would touch an image. Beside a listing under
 * the build (kim's) it runs after the build, and only then. */

#include <stdbool.h>
#include <stddef.h>

#include "listing.h"
#include "process.h"
#include "session.h"
#include "use.h"

struct store {
	struct listing listing;
	struct image_use use;
	struct process pods; /* kubectl, started beside the listing where pods use images */
	bool pods_started;
	struct side_call early; /* the listing started beside the build */
};

/* Whether pods use SESSION's builder's images: kim's always, nerdctl's in Kubernetes' namespace. */
bool store_pods_run_images(const struct session *session);

/* Lists the images into STORE (and starts kubectl beside it with PODS). */
int store_list(const struct session *session, struct store *store, bool pods);

/* Starts the listing beside the build (kim's), to be read with store_read_early_list once the build
 * has ended, or dropped. It shows the store as it was at some time during the build: see
 * docs/performance.md for what a plan may decide from it. kubectl is not started beside it: the
 * pods are read after the build, by store_read_use. */
void store_start_early_list(const struct session *session, struct store *store);

/* Reads the listing store_start_early_list started into STORE, as store_list reads its own. */
int store_read_early_list(const struct session *session, struct store *store);

/* Stops the listing started beside the build, if it runs, and forgets it. */
void store_drop_early_list(struct store *store);

/* Inspects the images that need it: those the listing cannot tell about, or, with CANDIDATES, those
 * listed under one of the COUNT REPOSITORIES kimb prunes, where their base (buildah) or config
 * digest (nerdctl, with PODS) tells whether they may go. An inspection that fails leaves its images
 * as listed, so that they are kept. */
int store_inspect(const struct session *session, struct store *store, const char *const *repositories, size_t count,
		  bool candidates, bool pods);

/* Reads what containers (and, with PODS, the pods kubectl listed beside the listing, or lists now)
 * use into STORE. */
int store_read_use(const struct session *session, struct store *store, bool pods);

/* Stops a kubectl started beside the listing whose answer is not needed, and waits for it: its
 * failure or hang costs nothing. */
void store_drop_pods(struct store *store);

void store_free(struct store *store);

#endif
