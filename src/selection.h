#ifndef KIMB_SELECTION_H
#define KIMB_SELECTION_H

/* Which images of one repository R a build or a prune removes. Prior images of R are the images
 * listed under R (tagged, or under a name they lost, which provenance gives kimb's own nameless
 * images). Never selected: the image just built, the image R:latest points to, an image with no
 * attributable name, and the --keep most recent ones. An image in use (by a container or a pod) is
 * kept untouched, as is one whose removal would take an untagged base image with it; one that also
 * carries a tag of another repository loses only its tags of R. The intermediate images of a
 * removed image's build go with it once no other image is built on them. */

#include <stdbool.h>
#include <stddef.h>

#include "listing.h"
#include "provenance.h"
#include "use.h"

enum prune_action_kind {
	ACTION_REMOVE, /* remove the image: target is its ID */
	ACTION_UNTAG,  /* remove one name: target is "NAME:TAG" */
	ACTION_KEEP,   /* the image stays untouched, for REASON: target is its ID */
};

enum keep_reason {
	KEEP_NONE,           /* (not kept) */
	KEEP_IN_USE,         /* a container or pod uses it */
	KEEP_BASE_WOULD_GO,  /* the builder would also remove BASE, the untagged image it was built FROM */
	KEEP_BASE_UNKNOWN,   /* the builder removes untagged bases along, and which is its base is unknown */
	KEEP_USE_UNKNOWN,    /* whether a pod uses it cannot be told: it was not inspected */
	KEEP_HAS_CHILDREN,   /* another image is built on it, and the builder keeps an image's parents */
};

struct prune_action {
	enum prune_action_kind kind;
	const struct image *image; /* points into the listing */
	char *target;
	bool shared;               /* ACTION_UNTAG: the image stays, another repository uses it */
	const struct image *built; /* ACTION_REMOVE of an intermediate image: the image whose build left it */
	enum keep_reason reason;   /* ACTION_KEEP */
	const struct image *base;  /* KEEP_BASE_WOULD_GO */
};

/* Why an image the plan never touches is worth a line of the report. */
enum leave_reason {
	LEFT_NEW,              /* the image just built */
	LEFT_LATEST,           /* the image R:latest points to (when not the new one) */
	LEFT_RECENT,           /* one of the --keep most recent */
	LEFT_NOT_ATTRIBUTABLE, /* nameless, and kimb cannot prove it is R's (record or label missing) */
};

struct left_image {
	const struct image *image;
	enum leave_reason reason;
};

struct prune_plan {
	struct prune_action *actions; /* in the order to carry them out */
	size_t count;
	struct left_image *left;      /* in listing order after the new and latest images */
	size_t left_count;
	/* Prior images --keep could not rank (no creation time, no tag in the time format) while it
	 * had places left: none of them is kept. */
	size_t unranked;
};

/* An image whose every tag is one of the run's repositories', each of whose plans takes its tags
 * off as a shared image's: untagged by each in turn, it would vanish with the last untagging,
 * unannounced. OWNER, the first of those repositories, removes it by ID instead, with the rules of
 * a removal, and the others leave it to OWNER. */
struct joint_removal {
	const struct image *image;
	const char *owner; /* normalized */
};

enum selection_outcome {
	SELECTION_PLANNED,       /* the plan holds what to do (maybe nothing) */
	SELECTION_NO_NEW_IMAGE,  /* build: R:NEW_TAG is not in the listing; nothing may be removed */
	SELECTION_NEW_ELSEWHERE, /* build: R:NEW_TAG names another image than NEW_ID; nothing may be removed */
	SELECTION_NO_LATEST,     /* prune: R has images but no latest; nothing is removed for R */
	SELECTION_NO_IMAGE,      /* prune: the listing has no image of R at all */
};

struct selection_request {
	const char *repository;   /* normalized */
	const char *new_tag;      /* build: the unique tag just built; prune: NULL */
	const char *new_id;       /* build: the ID the builder reported for it; NULL when it did not say */
	size_t keep;              /* the N most recent prior images stay */
	const char *time_format;  /* reads recency from tags when the listing has no creation times */
	bool untag_before_remove; /* the builder removes by ID only images with one name left */
	const struct image_use *use; /* what containers and pods use beyond the listing's counts, or NULL */
	/* The builder removes an image's untagged parents along with it (buildah): an image built on an
	 * untagged image that is not one of its build's intermediates, as BUILT holds them, or whose
	 * base cannot be told, is kept. */
	bool removal_takes_untagged_base;
	/* The builder refuses to remove an image another one is built on: such an image is kept. */
	bool keep_parents;
	/* USE names images by digests only an inspection tells: an image not inspected is kept. */
	bool use_needs_inspection;
	/* kimb's record of its builds: the intermediate images it holds for a removed image are removed
	 * by name after it, or (REMOVAL_TAKES_UNTAGGED_BASE) left to the builder. NULL: none. */
	const struct record *built;
	const struct joint_removal *joint; /* JOINT_COUNT of them, found by selection_joint_removals */
	size_t joint_count;
};

/* Plans the removals for REQUEST from LISTING into PLAN (release with prune_plan_free), and says
 * how in *OUTCOME. */
void selection_plan(const struct listing *listing, const struct selection_request *request,
		   struct prune_plan *plan, enum selection_outcome *outcome);

/* The joint removals (see struct joint_removal) of the COUNT REPOSITORIES (normalized) of a run,
 * whose PLANS were made without any: a malloc'd array of *JOINT_COUNT, NULL when none. */
struct joint_removal *selection_joint_removals(const struct listing *listing, const char *const *repositories,
					       const struct prune_plan *const *plans, size_t count, size_t *joint_count);

/* True when IMAGE is listed under REPOSITORY, by a tag or a name it lost. */
bool selection_is_listed_under(const struct image *image, const char *repository);

void prune_plan_free(struct prune_plan *plan);

#endif
