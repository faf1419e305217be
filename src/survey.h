#ifndef KIMB_SURVEY_H
#define KIMB_SURVEY_H

/* What the image store holds and what uses its images: the listing, the inspection of what the
 * listing cannot tell, the containers and the pods. Each is read whole or not at all, and one that
 * cannot be read removes nothing (STATUS_LISTING). Where pods may use the images, kubectl runs
 * beside the listing, so that a run that removes waits for one round trip, not two. */

#include <stdbool.h>

#include "run.h"

/* Whether pods use the builder's images: kim's always, nerdctl's in Kubernetes' namespace. */
bool survey_pods_run_images(const struct run *run);

/* Lists the images into run->listing (and starts kubectl beside it when PODS). */
int survey_list_images(struct run *run, bool pods);

/* Inspects the images that need it: those the listing cannot tell about, or, with CANDIDATES, those
 * listed under a repository kimb prunes, where their base (buildah) or config digest (nerdctl,
 * with PODS) tells whether they may go. An inspection that fails leaves its images as listed, so
 * that they are kept. */
int survey_inspect(struct run *run, bool candidates, bool pods);

/* Reads what containers (and, with PODS, the pods kubectl listed) use into run->use. */
int survey_read_use(struct run *run, bool pods);

/* Stops a kubectl started beside the listing whose answer is not needed, and waits for it: its
 * failure or hang costs nothing. */
void survey_drop_pods(struct run *run);

#endif
