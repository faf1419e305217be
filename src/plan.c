/* SPDX-License-Identifier: Apache-2.0 */
#include "plan.h"

#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "reference.h"
#include "timeformat.h"
#include "xalloc.h"

/* An image the run removes once, by ID, for all the repositories that tag it (see plan.h): OWNER,
 * the first of them, removes it with the rules of a removal, and the others leave it to OWNER. */
struct joint_removal {
	const struct image *image;
	const char *owner; /* normalized */
};

/* What planning one repository needs beside the listing. */
struct request {
	size_t index;
	const char *repository; /* normalized */
	const struct record *built;
	const struct plan_rules *rules;
	const struct joint_removal *joint;
	size_t joint_count;
};

/* A repository's plan as it is made: the decisions that touch or keep an image, in the order to
 * carry them out, and those that leave an image alone. */
struct draft {
	size_t repository;
	struct decision *acted;
	size_t acted_count;
	struct decision *left;
	size_t left_count;
	enum plan_standing standing;
	size_t unranked;
};

struct candidate {
	const struct image *image;
	bool recency_known;
	struct tm recency;
};

static bool names_repository(const struct image_name *name, const char *repository)
{
	return name->repository && strcmp(name->repository, repository) == 0;
}

bool plan_is_listed_under(const struct image *image, const char *repository)
{
	for (size_t i = 0; i < image->name_count; i++)
		if (names_repository(&image->names[i], repository))
			return true;
	return false;
}

/* A name the image lost says nothing of who uses it now: only a tag does. */
static bool is_shared(const struct image *image, const char *repository)
{
	for (size_t i = 0; i < image->name_count; i++)
		if (image->names[i].repository && image->names[i].tag &&
		    !names_repository(&image->names[i], repository))
			return true;
	return false;
}

/* The builder's creation time where it reports one; else the newest of the image's tags of the
 * repository that read as time-scheme tags. */
static bool establish_recency(const struct image *image, const struct request *request, struct tm *out)
{
	if (image->has_created) {
		time_t created = (time_t)image->created;
		return gmtime_r(&created, out) != NULL;
	}
	bool known = false;
	for (size_t i = 0; i < image->name_count; i++) {
		const struct image_name *name = &image->names[i];
		struct tm time;
		if (!names_repository(name, request->repository) || !name->tag ||
		    timeformat_read(name->tag, request->rules->time_format, &time) < 0)
			continue;
		if (!known || timeformat_compare(&time, out) > 0)
			*out = time;
		known = true;
	}
	return known;
}

/* When IMAGE was made: its creation time, else the time kimb recorded building it, else its newest
 * time tag of the repository. */
static bool establish_birth(const struct image *image, const struct request *request, struct tm *out)
{
	const struct built_image *built = request->built ? record_find(request->built, image->id) : NULL;
	if (!image->has_created && built && built->built >= 0) {
		time_t recorded = (time_t)built->built;
		return gmtime_r(&recorded, out) != NULL;
	}
	return establish_recency(image, request, out);
}

/* Whether an image made at BIRTH is younger than --keep-within. */
static bool is_within(const struct tm *birth, const struct plan_rules *rules)
{
	time_t limit = (time_t)(rules->now - (long long)rules->keep_within);
	struct tm since;
	return gmtime_r(&limit, &since) && timeformat_compare(birth, &since) > 0;
}

/* The first --protect glob that matches TAG, or NULL. */
static const char *protecting_pattern(const struct plan_rules *rules, const char *tag)
{
	for (size_t p = 0; p < rules->protect_count; p++)
		if (fnmatch(rules->protect[p], tag, 0) == 0)
			return rules->protect[p];
	return NULL;
}

/* A tag of IMAGE, of any repository, that a --protect glob matches, in *NAME, and the glob. */
static bool is_protected(const struct image *image, const struct plan_rules *rules, const struct image_name **name,
			 const char **pattern)
{
	for (size_t i = 0; i < image->name_count; i++)
		if (image->names[i].shown && image->names[i].tag &&
		    (*pattern = protecting_pattern(rules, image->names[i].tag))) {
			*name = &image->names[i];
			return true;
		}
	return false;
}

/* Newest first; images of unknown recency last, so that --keep never picks them. */
static int newest_first(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	if (x->recency_known != y->recency_known)
		return x->recency_known ? -1 : 1;
	int order = x->recency_known ? timeformat_compare(&y->recency, &x->recency) : 0;
	return order ? order : strcmp(x->image->id, y->image->id);
}

static void decision_free(struct decision *decision)
{
	for (size_t i = 0; i < decision->untag_count; i++)
		free(decision->untags[i]);
	free(decision->untags);
	free(decision->error);
	free(decision->said);
	for (size_t i = 0; i < decision->along_count; i++)
		free(decision->along[i].id);
	free(decision->along);
}

static struct decision *add_decision(struct decision **decisions, size_t *count, size_t repository,
				     const struct image *image, enum reason reason, enum fate fate)
{
	struct decision decision = {.repository = repository, .image = image, .reason = reason, .fate = fate};
	array_append(decisions, count, sizeof decision, &decision);
	return &(*decisions)[*count - 1];
}

static void keep(struct draft *draft, const struct image *image, enum reason reason, const struct image *related)
{
	add_decision(&draft->acted, &draft->acted_count, draft->repository, image, reason, FATE_KEPT)->related = related;
}

static void leave(struct draft *draft, const struct image *image, enum reason reason)
{
	add_decision(&draft->left, &draft->left_count, draft->repository, image, reason, FATE_KEPT);
}

static bool is_in_use(const struct image *image, const struct request *request)
{
	return image->containers > 0 || (request->rules->use && use_covers(request->rules->use, image));
}

static bool is_intermediate_of(const struct built_image *built, const struct image *image)
{
	for (size_t i = 0; built && i < built->intermediate_count; i++)
		if (strcmp(built->intermediates[i], image->id) == 0)
			return true;
	return false;
}

/* Where the builder removes the untagged images an image was built on along with it: whether that
 * takes only the intermediate images of IMAGE's own build, as the record holds them, down to a
 * tagged image, or to none. Otherwise *REASON says why not, and *BASE names the image that would
 * go for REASON_BASE_WOULD_GO. */
static bool takes_only_its_own(const struct listing *listing, const struct image *image,
			       const struct request *request, enum reason *reason, const struct image **base)
{
	const struct built_image *built = request->built ? record_find(request->built, image->id) : NULL;
	const struct image *step = image;
	for (size_t steps = 0; steps <= listing->count; steps++) {
		if (!listing_built_on(listing, step, base)) {
			*reason = REASON_BASE_UNKNOWN;
			return false;
		}
		if (!*base || listing_image_is_tagged(*base))
			return true;
		if (!is_intermediate_of(built, *base)) {
			*reason = REASON_BASE_WOULD_GO;
			return false;
		}
		step = *base;
	}
	*reason = REASON_BASE_UNKNOWN; /* a cycle, which no store shows */
	return false;
}

/* True when LISTING shows an image built on IMAGE. */
static bool has_children(const struct listing *listing, const struct image *image)
{
	for (size_t i = 0; i < listing->count; i++)
		if (listing->images[i].parent && strcmp(listing->images[i].parent, image->id) == 0)
			return true;
	return false;
}

/* The repository that removes IMAGE for all the run's repositories, or NULL. */
static const char *joint_owner(const struct request *request, const struct image *image)
{
	for (size_t i = 0; i < request->joint_count; i++)
		if (request->joint[i].image == image)
			return request->joint[i].owner;
	return NULL;
}

/* Why IMAGE, a prior image of the repository, must stay whole, or false when it may go; *RELATED
 * names the image the reason concerns. */
static bool must_stay(const struct listing *listing, const struct image *image, const struct request *request,
		      bool shared, enum reason *reason, const struct image **related)
{
	const struct plan_rules *rules = request->rules;
	*related = NULL;
	if (is_in_use(image, request))
		*reason = image->containers > 0 ? REASON_IN_USE_BY_CONTAINERS
			  : rules->use && use_workload_naming(rules->use, image) ? REASON_NAMED_BY_WORKLOAD
			  : REASON_IN_USE;
	else if (rules->use_needs_inspection && !image->inspected)
		*reason = REASON_USE_UNKNOWN;
	else if (rules->keep_parents && has_children(listing, image))
		*reason = REASON_HAS_CHILDREN;
	else if (shared || !rules->removal_takes_untagged_base ||
		 takes_only_its_own(listing, image, request, reason, related))
		return false;
	if (*reason != REASON_BASE_WOULD_GO)
		*related = NULL;
	return true;
}

/* An image shared with another repository keeps its image and its other names: only its tags of
 * the repository go. Where the builder removes by ID only an image listed under one record, its
 * tags go first until one record is left: a tag, or a nameless record (nerdctl under k3s lists one
 * for every image). Never a forced removal: that would take containers with it. And nothing of an
 * image that must stay whole. An image the run removes jointly is removed by its owner, its other
 * repositories' tags as R's own. */
static void plan_one(struct draft *draft, const struct listing *listing, const struct image *image,
		     const struct request *request)
{
	const char *owner = joint_owner(request, image);
	if (owner && strcmp(owner, request->repository) != 0)
		return;
	bool shared = !owner && is_shared(image, request->repository);
	enum reason reason;
	const struct image *related;
	if (must_stay(listing, image, request, shared, &reason, &related)) {
		keep(draft, image, reason, related);
		if (reason == REASON_NAMED_BY_WORKLOAD)
			draft->acted[draft->acted_count - 1].workload = use_workload_naming(request->rules->use, image);
		return;
	}
	struct decision *decision = add_decision(&draft->acted, &draft->acted_count, draft->repository, image,
						 shared ? REASON_SHARED : REASON_REPLACED, FATE_PENDING);
	size_t records_left = 0;
	for (size_t i = 0; i < image->name_count; i++)
		records_left += image->names[i].tag || !image->names[i].repository;
	bool untag = shared || request->rules->untag_before_remove;
	for (size_t i = 0; i < image->name_count && untag && (shared || records_left > 1); i++) {
		const struct image_name *name = &image->names[i];
		if (!name->tag || (!owner && !names_repository(name, request->repository)))
			continue;
		char *target = reference_join(name->shown, name->tag);
		array_append(&decision->untags, &decision->untag_count, sizeof target, &target);
		records_left--;
	}
	decision->remove = !shared;
	/* Listed under R by a name it lost alone, a shared image has nothing of R's to give up. */
	if (shared && decision->untag_count == 0)
		decision_free(&draft->acted[--draft->acted_count]);
}

static bool is_removed(const struct draft *draft, const struct image *image)
{
	for (size_t i = 0; i < draft->acted_count; i++)
		if (draft->acted[i].remove && draft->acted[i].image == image)
			return true;
	return false;
}

/* True when every image LISTING shows built on IMAGE is removed by DRAFT. */
static bool children_are_removed(const struct listing *listing, const struct draft *draft, const struct image *image)
{
	for (size_t i = 0; i < listing->count; i++) {
		const struct image *child = &listing->images[i];
		if (child->parent && strcmp(child->parent, image->id) == 0 && !is_removed(draft, child))
			return false;
	}
	return true;
}

static bool parents_are_known(const struct listing *listing)
{
	for (size_t i = 0; i < listing->count; i++)
		if (!listing->images[i].parent_known)
			return false;
	return true;
}

/* Adds the intermediate images of the removed images' builds, as the record holds them, each once
 * nothing is left built on it but what the plan removes, so after its children. A chain stops at
 * an image that is gone, tagged again, or in use. */
static void plan_intermediates(struct draft *draft, const struct listing *listing, const struct request *request)
{
	/* Where removing an image takes its untagged bases along, they are not removed by name. */
	if (!request->built || request->rules->removal_takes_untagged_base || !parents_are_known(listing))
		return;
	for (bool added = true; added;) {
		added = false;
		size_t removals = draft->acted_count;
		for (size_t i = 0; i < removals; i++) {
			const struct decision *removed = &draft->acted[i];
			const struct built_image *built = removed->remove && removed->reason != REASON_INTERMEDIATE
								  ? record_find(request->built, removed->image->id)
								  : NULL;
			const struct image *built_image = removed->image;
			for (size_t j = 0; built && j < built->intermediate_count; j++) {
				const struct image *image = listing_find(listing, built->intermediates[j]);
				if (!image || listing_image_is_tagged(image) || is_in_use(image, request))
					break;
				if (is_removed(draft, image))
					continue;
				if (!children_are_removed(listing, draft, image))
					break;
				struct decision *decision = add_decision(&draft->acted, &draft->acted_count, draft->repository,
									 image, REASON_INTERMEDIATE, FATE_PENDING);
				decision->related = built_image;
				decision->remove = true;
				added = true;
			}
		}
	}
}

/* A nameless image that kimb's record or its label claims for the repository, left nameless since
 * attribution wants more (see record_attribute): it stays, and the report says so. */
static bool is_claimed_unproven(const struct image *image, const struct request *request)
{
	if (!listing_image_is_nameless(image))
		return false;
	return (request->built && record_find(request->built, image->id)) ||
	       (image->label && record_label_names(image->label, request->repository));
}


/* An image the plan acts on is no image it leaves alone, whatever made it look like one first (a
 * nameless intermediate image with kimb's label, removed after the image whose build left it): the
 * report names each image once. */
static void forget_left_acted_on(struct draft *draft)
{
	size_t kept = 0;
	for (size_t i = 0; i < draft->left_count; i++) {
		bool acted_on = false;
		for (size_t j = 0; j < draft->acted_count && !acted_on; j++)
			acted_on = draft->acted[j].image == draft->left[i].image;
		if (acted_on)
			decision_free(&draft->left[i]);
		else
			draft->left[kept++] = draft->left[i];
	}
	draft->left_count = kept;
}

/* Keeps a prior image whatever else holds of it: a tag --protect matches, an age --keep-within
 * keeps or one it cannot tell. */
static bool keeps_prior(struct draft *draft, const struct image *image, const struct request *request)
{
	const struct plan_rules *rules = request->rules;
	const struct image_name *name;
	const char *pattern;
	if (is_protected(image, rules, &name, &pattern)) {
		struct decision *decision = add_decision(&draft->left, &draft->left_count, draft->repository, image,
							 REASON_PROTECTED, FATE_KEPT);
		decision->protected_name = name;
		decision->pattern = pattern;
		return true;
	}
	if (!(rules->keep_within > 0))
		return false;
	struct tm birth;
	if (!establish_birth(image, request, &birth))
		leave(draft, image, REASON_AGE_UNKNOWN);
	else if (is_within(&birth, rules))
		leave(draft, image, REASON_KEEP_WITHIN);
	else
		return false;
	return true;
}

/* The unique tag the image that stays keeps: in a build the tag just issued (KEPT_TAG), else the
 * newest of its tags of the repository that kimb's record says it issued; NULL when it has none. */
static const char *unique_tag_kept(const struct image *image, const char *kept_tag, const struct request *request)
{
	if (kept_tag)
		return kept_tag;
	const char *newest = NULL;
	long newest_index = -1;
	for (size_t i = 0; request->built && i < image->name_count; i++) {
		const struct image_name *name = &image->names[i];
		long index = name->tag && names_repository(name, request->repository)
				     ? record_tag_index(request->built, name->tag)
				     : -1;
		if (index > newest_index) {
			newest_index = index;
			newest = name->tag;
		}
	}
	return newest;
}

/* The rule of one unique tag: whether TAG, of the repository, goes from IMAGE, the image that stays
 * with latest and its unique tag KEPT. Only a tag kimb's record proves it issued for the repository
 * goes; never latest, nor KEPT, nor any tag of an image with a tag --protect matches, nor a tag a
 * container or pod names, nor a tag of an image that a container uses by ID (its name is not told)
 * or that the listing counts containers of. */
static bool earlier_unique_tag_goes(const struct image *image, const char *tag, const char *kept,
				    const struct request *request)
{
	const struct image_use *use = request->rules->use;
	const struct image_name *protected_name;
	const char *pattern;
	if (!kept || strcmp(tag, "latest") == 0 || strcmp(tag, kept) == 0 ||
	    is_protected(image, request->rules, &protected_name, &pattern))
		return false;
	if (!request->built || record_tag_index(request->built, tag) < 0)
		return false;
	if (image->containers > 0)
		return false;
	/* A first plan, knowing nothing of use yet, only tells that something would be touched. */
	return !use || (!use_by_unnamed(use, image) && !use_names_tag(use, request->repository, tag));
}

/* IMAGE stays, for REASON: it loses the earlier unique tags kimb issued for the repository (see
 * earlier_unique_tag_goes), or is left alone. */
static void plan_staying(struct draft *draft, const struct image *image, enum reason reason, const char *kept_tag,
			 const struct request *request)
{
	const char *kept = unique_tag_kept(image, kept_tag, request);
	struct decision *decision = NULL;
	for (size_t i = 0; i < image->name_count; i++) {
		const struct image_name *name = &image->names[i];
		if (!name->tag || !names_repository(name, request->repository) ||
		    !earlier_unique_tag_goes(image, name->tag, kept, request))
			continue;
		if (!decision)
			decision = add_decision(&draft->acted, &draft->acted_count, draft->repository, image,
						REASON_EARLIER_TAG, FATE_PENDING);
		char *target = reference_join(name->shown, name->tag);
		array_append(&decision->untags, &decision->untag_count, sizeof target, &target);
	}
	if (!decision)
		leave(draft, image, reason);
}

static void plan_prior_images(struct draft *draft, const struct listing *listing, const struct request *request,
			      const struct image *new_image, const struct image *latest)
{
	if (new_image)
		plan_staying(draft, new_image, REASON_NEW, request->rules->new_tag, request);
	if (latest && latest != new_image)
		plan_staying(draft, latest, REASON_LATEST, NULL, request);
	struct candidate *candidates = xmalloc((listing->count + 1) * sizeof *candidates);
	size_t count = 0;
	for (size_t i = 0; i < listing->count; i++) {
		const struct image *image = &listing->images[i];
		if (image == new_image || image == latest)
			continue;
		if (!plan_is_listed_under(image, request->repository)) {
			if (is_claimed_unproven(image, request))
				leave(draft, image, REASON_NOT_ATTRIBUTABLE);
			continue;
		}
		struct candidate *candidate = &candidates[count++];
		candidate->image = image;
		candidate->recency_known = establish_recency(image, request, &candidate->recency);
	}
	/* qsort may not be given the candidates of an empty listing. */
	if (count)
		qsort(candidates, count, sizeof *candidates, newest_first);
	size_t kept = 0;
	size_t places = request->rules->keep;
	for (; kept < count && kept < places && candidates[kept].recency_known; kept++)
		leave(draft, candidates[kept].image, REASON_RECENT);
	for (size_t i = kept; i < count; i++) {
		if (keeps_prior(draft, candidates[i].image, request))
			continue;
		/* --keep had places left for it, and could not rank it: the report says so. */
		draft->unranked += kept < places && !candidates[i].recency_known;
		plan_one(draft, listing, candidates[i].image, request);
	}
	free(candidates);
	plan_intermediates(draft, listing, request);
	forget_left_acted_on(draft);
}

static enum plan_verdict plan_repository(struct draft *draft, const struct listing *listing,
					 const struct request *request)
{
	*draft = (struct draft){.repository = request->index};
	const struct plan_rules *rules = request->rules;
	const struct image *latest = listing_find_tagged(listing, request->repository, "latest");
	const struct image *new_image = NULL;
	if (rules->new_tag && !(new_image = listing_find_tagged(listing, request->repository, rules->new_tag)))
		return PLAN_NEW_IMAGE_MISSING;
	if (new_image && rules->new_id && strcmp(new_image->id, rules->new_id) != 0)
		return PLAN_NEW_IMAGE_ELSEWHERE;
	if (!rules->new_tag && !rules->dry_build && !latest) {
		draft->standing = PLAN_NO_IMAGE;
		for (size_t i = 0; i < listing->count; i++)
			if (plan_is_listed_under(&listing->images[i], request->repository))
				draft->standing = PLAN_NO_LATEST;
		return PLAN_OK;
	}
	draft->standing = PLAN_MADE;
	plan_prior_images(draft, listing, request, new_image, latest);
	return PLAN_OK;
}

static void draft_free(struct draft *draft)
{
	for (size_t i = 0; i < draft->acted_count; i++)
		decision_free(&draft->acted[i]);
	for (size_t i = 0; i < draft->left_count; i++)
		decision_free(&draft->left[i]);
	free(draft->acted);
	free(draft->left);
	*draft = (struct draft){0};
}

/* Whether DRAFT takes IMAGE's tags off as a shared image's, and nothing else. */
static bool only_untags(const struct draft *draft, const struct image *image)
{
	for (size_t i = 0; i < draft->acted_count; i++)
		if (draft->acted[i].image == image)
			return draft->acted[i].reason == REASON_SHARED;
	return false;
}

/* The first of the COUNT REPOSITORIES whose drafts all take IMAGE's tags off, when each of its tags
 * is one of theirs; else NULL. */
static const char *joint_owner_of(const struct image *image, const char *const *repositories,
				  const struct draft *drafts, size_t count)
{
	size_t owner = count;
	for (size_t i = 0; i < image->name_count; i++) {
		const struct image_name *name = &image->names[i];
		if (!name->tag)
			continue;
		size_t r = 0;
		while (r < count && !names_repository(name, repositories[r]))
			r++;
		if (r == count || !only_untags(&drafts[r], image))
			return NULL;
		if (r < owner)
			owner = r;
	}
	return owner < count ? repositories[owner] : NULL;
}

static struct joint_removal *joint_removals(const struct listing *listing, const char *const *repositories,
					    const struct draft *drafts, size_t count, size_t *joint_count)
{
	struct joint_removal *joint = NULL;
	*joint_count = 0;
	for (size_t i = 0; count > 1 && i < listing->count; i++) {
		const struct image *image = &listing->images[i];
		struct joint_removal found = {image, joint_owner_of(image, repositories, drafts, count)};
		if (found.owner)
			array_append(&joint, joint_count, sizeof found, &found);
	}
	return joint;
}

/* Drafts every repository with the JOINT removals; PLAN_OK, or the first verdict that forbids any
 * removal, in *WHICH. */
static enum plan_verdict draft_all(const struct listing *listing, const char *const *repositories, size_t count,
				   const struct record *records, const struct plan_rules *rules,
				   const struct joint_removal *joint, size_t joint_count, struct draft *drafts,
				   size_t *which)
{
	for (size_t r = 0; r < count; r++) {
		struct request request = {r, repositories[r], &records[r], rules, joint, joint_count};
		enum plan_verdict verdict = plan_repository(&drafts[r], listing, &request);
		if (verdict != PLAN_OK) {
			*which = r;
			return verdict;
		}
	}
	return PLAN_OK;
}

/* Moves the DRAFTS into OUT: each repository's acted decisions, then those it leaves alone. */
static void gather(struct draft *drafts, const char *const *repositories, size_t count, struct plan *out)
{
	out->repositories = xcalloc(count + 1, sizeof *out->repositories);
	out->repository_count = count;
	for (size_t r = 0; r < count; r++) {
		struct draft *draft = &drafts[r];
		out->repositories[r] = (struct repository_plan){repositories[r], draft->standing, draft->unranked};
		for (size_t i = 0; i < draft->acted_count; i++)
			array_append(&out->decisions, &out->count, sizeof *draft->acted, &draft->acted[i]);
		for (size_t i = 0; i < draft->left_count; i++)
			array_append(&out->decisions, &out->count, sizeof *draft->left, &draft->left[i]);
		free(draft->acted);
		free(draft->left);
		*draft = (struct draft){0};
	}
}

enum plan_verdict plan_make(const struct listing *listing, const char *const *repositories, size_t count,
			    const struct record *records, const struct plan_rules *rules, struct plan *out,
			    size_t *which)
{
	*out = (struct plan){0};
	struct draft *drafts = xcalloc(count + 1, sizeof *drafts);
	enum plan_verdict verdict = draft_all(listing, repositories, count, records, rules, NULL, 0, drafts, which);
	size_t joint_count = 0;
	struct joint_removal *joint =
		verdict == PLAN_OK ? joint_removals(listing, repositories, drafts, count, &joint_count) : NULL;
	if (joint) {
		for (size_t r = 0; r < count; r++)
			draft_free(&drafts[r]);
		verdict = draft_all(listing, repositories, count, records, rules, joint, joint_count, drafts, which);
	}
	free(joint);
	if (verdict == PLAN_OK)
		gather(drafts, repositories, count, out);
	for (size_t r = 0; r < count; r++)
		draft_free(&drafts[r]);
	free(drafts);
	return verdict;
}

bool plan_touches_images(const struct plan *plan)
{
	for (size_t i = 0; i < plan->count; i++)
		if (plan->decisions[i].fate != FATE_KEPT)
			return true;
	return false;
}

bool plan_has_failures(const struct plan *plan)
{
	for (size_t i = 0; i < plan->count; i++)
		if (plan->decisions[i].fate == FATE_FAILED || plan->decisions[i].fate == FATE_PENDING)
			return true;
	return false;
}

void plan_free(struct plan *plan)
{
	for (size_t i = 0; i < plan->count; i++)
		decision_free(&plan->decisions[i]);
	free(plan->decisions);
	free(plan->repositories);
	*plan = (struct plan){0};
}
