/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_PLAN_H
#define KIMB_PLAN_H

/* Which images of each repository R a build or a prune removes, as one decision per image: made from
 * values alone (the listing, what uses the images, kimb's records, the run's rules), with no I/O.
 * Prior images of R are the images listed under R (tagged, or under a name they lost, which the
 * records give kimb's own nameless images). Never touched: the image just built, the image R:latest
 * points to, an image with no attributable name, the --keep most recent ones, an image in use (by a
 * container or a pod), one whose removal would take an untagged base image with it. One that also
 * carries a tag of another repository loses only its tags of R. The intermediate images of a
 * removed image's build go after it once no other image is built on them. An image every tag of
 * which is one of the run's repositories', each of which gives it up, is removed once, by the first
 * of them. Also kept: an image a tag of which a --protect glob matches, and with --keep-within one
 * younger than it or of unknown age (creation time, else the time kimb recorded its build, else
 * its newest time tag). */

#include <stdbool.h>
#include <stddef.h>

#include "listing.h"
#include "reasons.h"
#include "record.h"
#include "use.h"

enum fate {
	FATE_PENDING,  /* to be touched; its calls have not all run (an interrupt came first) */
	FATE_REMOVED,  /* removed, or with --dry-run would be */
	FATE_UNTAGGED, /* lost the repository's tags, and stays */
	FATE_KEPT,     /* untouched */
	FATE_FAILED,   /* the builder refused or failed a call: error says how */
};

/* An image the builder removed along with another (buildah's and docker's untagged parents). */
struct removed_along {
	char *id;
	long long size; /* bytes; -1 unknown */
};

/* What a run does with one image of one repository, and, once carried out, what became of it. */
struct decision {
	size_t repository;          /* its index among the run's repositories */
	const struct image *image;  /* in the listing */
	enum reason reason;
	const struct image *related; /* INTERMEDIATE, CHILD_STAYS: the image whose build left it;
				       BASE_WOULD_GO: the base that would go */
	const struct workload_name *workload; /* NAMED_BY_WORKLOAD: the workload, in the rules' use */
	const struct image_name *protected_name; /* a tag of the image a --protect glob matches */
	const char *pattern;        /* that glob */
	char **untags;              /* NAME:TAG to take off, in order, before the removal if any */
	size_t untag_count;
	bool remove;                /* removed by ID */
	/* The outcome, filled in by execute.h */
	enum fate fate;
	size_t untagged_count;      /* of UNTAGS, taken off */
	char *error;                /* FATE_FAILED: how the call failed */
	char *said;                 /* FATE_FAILED: what the builder wrote on stderr, or NULL */
	bool failed_untagging;      /* FATE_FAILED: the call that failed took FAILED_TARGET off */
	const char *failed_target;  /* FATE_FAILED: the ID, or the NAME:TAG, of the call that failed */
	struct removed_along *along;
	size_t along_count;
};

/* How a repository's planning went. */
enum plan_standing {
	PLAN_MADE,      /* its decisions are in the plan (maybe none touches an image) */
	PLAN_NO_LATEST, /* prune: it has images but no latest; nothing is touched for it */
	PLAN_NO_IMAGE,  /* prune: the listing has no image of it at all */
};

struct repository_plan {
	const char *repository; /* normalized */
	enum plan_standing standing;
	/* Prior images --keep could not rank (no creation time, no tag in the time format) while it
	 * had places left: none of them is kept. */
	size_t unranked;
};

struct plan {
	struct decision *decisions; /* each repository's in turn: the images touched or kept in the
				       order to carry them out, then the images left alone */
	size_t count;
	struct repository_plan *repositories;
	size_t repository_count;
};

/* The rules of one run. */
struct plan_rules {
	const char *new_tag;      /* build: the unique tag just built; prune, dry run: NULL */
	/* A dry run's build, which built nothing: the image latest names, if any, stays; every other
	 * image of the repository is planned as the build would replace it. */
	bool dry_build;
	const char *new_id;       /* build: the ID the builder reported for it; NULL when it did not say */
	size_t keep;              /* the N most recent prior images stay */
	double keep_within;       /* seconds: a prior image younger than this stays, and one of unknown
				     age; 0: none */
	long long now;            /* seconds since the epoch, which ages are counted to */
	const char *const *protect; /* globs (fnmatch(3)) of tags: an image with a tag one matches stays */
	size_t protect_count;
	const char *time_format;  /* reads recency from tags when the listing has no creation times */
	bool untag_before_remove; /* the builder removes by ID only images with one name left */
	/* What containers and pods use beyond the listing's counts, or NULL when not yet known: a
	 * first plan only says whether anything would be touched. */
	const struct image_use *use;
	/* The builder removes an image's untagged parents along with it: an image built on an
	 * untagged image that is not one of its build's intermediates, or whose base cannot be told,
	 * is kept (a final plan only). */
	bool removal_takes_untagged_base;
	/* The builder refuses to remove an image another one is built on: such an image is kept. */
	bool keep_parents;
	/* USE names images by digests only an inspection tells: an image not inspected is kept. */
	bool use_needs_inspection;
};

enum plan_verdict {
	PLAN_OK,                /* the plan holds what to do (maybe nothing) */
	PLAN_NEW_IMAGE_MISSING, /* build: R:NEW_TAG is not in the listing; nothing may be removed */
	PLAN_NEW_IMAGE_ELSEWHERE, /* build: R:NEW_TAG names another image than NEW_ID */
};

/* Plans the COUNT REPOSITORIES (normalized), RECORDS holding kimb's builds for each, under RULES,
 * into OUT (release with plan_free). PLAN_OK, or the verdict that forbids any removal, with
 * *WHICH the repository it concerns (OUT is then empty). */
enum plan_verdict plan_make(const struct listing *listing, const char *const *repositories, size_t count,
			    const struct record *records, const struct plan_rules *rules, struct plan *out,
			    size_t *which);

/* True when a decision of PLAN touches an image. */
bool plan_touches_images(const struct plan *plan);

/* True when an image PLAN was to touch is not all done: a call failed, or was never made. */
bool plan_has_failures(const struct plan *plan);

/* True when IMAGE is listed under REPOSITORY, by a tag or a name it lost. */
bool plan_is_listed_under(const struct image *image, const char *repository);

void plan_free(struct plan *plan);

#endif
