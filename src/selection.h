#ifndef KIMB_SELECTION_H
#define KIMB_SELECTION_H

/* Which images of one repository R a build or a prune removes. Prior images of R are the images
 * listed under R (tagged or not); never selected: the image just built, the image R:latest points
 * to, an image with no attributable name, and the --keep most recent ones. An image that also
 * carries a tag of another repository loses only its tags of R; one the listing says is in use is
 * kept untouched. */

#include <stdbool.h>
#include <stddef.h>

#include "listing.h"

enum prune_action_kind {
	ACTION_REMOVE,      /* remove the image: target is its ID */
	ACTION_UNTAG,       /* remove one name: target is "NAME:TAG" */
	ACTION_KEEP_IN_USE, /* say that the image stays, used by containers: target is its ID */
};

struct prune_action {
	enum prune_action_kind kind;
	const struct image *image; /* points into the listing */
	char *target;
	bool shared;               /* ACTION_UNTAG: the image stays, another repository uses it */
};

struct prune_plan {
	struct prune_action *actions;
	size_t count;
};

enum selection_outcome {
	SELECTION_PLANNED,      /* the plan holds what to do (maybe nothing) */
	SELECTION_NO_NEW_IMAGE, /* build: R:NEW_TAG is not in the listing; nothing may be removed */
	SELECTION_NO_LATEST,    /* prune: R has no latest; nothing is removed for R */
};

struct selection_request {
	const char *repository; /* normalized */
	const char *new_tag;    /* build: the unique tag just built; prune: NULL */
	size_t keep;            /* the N most recent prior images stay */
	const char *time_format; /* reads recency from tags when the listing has no creation times */
	bool untag_before_remove; /* the builder removes by ID only images with one name left */
};

/* Plans the removals for REQUEST from LISTING into PLAN (release with prune_plan_free).
 * Returns 0 with *OUTCOME set, or -1 when memory ran out. */
int selection_plan(const struct listing *listing, const struct selection_request *request,
		   struct prune_plan *plan, enum selection_outcome *outcome);

void prune_plan_free(struct prune_plan *plan);

#endif
