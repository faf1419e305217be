#include "selection.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "reference.h"
#include "tagscheme.h"
#include "xalloc.h"

struct candidate {
	const struct image *image;
	bool recency_known;
	struct tm recency;
};

static bool names_repository(const struct image_name *name, const char *repository)
{
	return name->repository && strcmp(name->repository, repository) == 0;
}

bool selection_is_listed_under(const struct image *image, const char *repository)
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
static bool establish_recency(const struct image *image, const struct selection_request *request, struct tm *out)
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
		    tagscheme_time_of(name->tag, request->time_format, &time) < 0)
			continue;
		if (!known || tagscheme_compare_times(&time, out) > 0)
			*out = time;
		known = true;
	}
	return known;
}

/* Newest first; images of unknown recency last, so that --keep never picks them. */
static int newest_first(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	if (x->recency_known != y->recency_known)
		return x->recency_known ? -1 : 1;
	int order = x->recency_known ? tagscheme_compare_times(&y->recency, &x->recency) : 0;
	return order ? order : strcmp(x->image->id, y->image->id);
}

static void add_action(struct prune_plan *plan, const struct prune_action *action)
{
	array_append(&plan->actions, &plan->count, sizeof *action, action);
}

static void keep(struct prune_plan *plan, const struct image *image, enum keep_reason reason, const struct image *base)
{
	struct prune_action action = {
		.kind = ACTION_KEEP, .image = image, .target = xstrdup(image->id), .reason = reason, .base = base};
	add_action(plan, &action);
}

static bool is_in_use(const struct image *image, const struct selection_request *request)
{
	return image->containers > 0 || (request->use && use_covers(request->use, image));
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
 * go for KEEP_BASE_WOULD_GO. */
static bool takes_only_its_own(const struct listing *listing, const struct image *image,
			       const struct selection_request *request, enum keep_reason *reason,
			       const struct image **base)
{
	const struct built_image *built = request->built ? record_find(request->built, image->id) : NULL;
	const struct image *step = image;
	for (size_t steps = 0; steps <= listing->count; steps++) {
		if (!listing_built_on(listing, step, base)) {
			*reason = KEEP_BASE_UNKNOWN;
			return false;
		}
		if (!*base || listing_image_is_tagged(*base))
			return true;
		if (!is_intermediate_of(built, *base)) {
			*reason = KEEP_BASE_WOULD_GO;
			return false;
		}
		step = *base;
	}
	*reason = KEEP_BASE_UNKNOWN; /* a cycle, which no store shows */
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
static const char *joint_owner(const struct selection_request *request, const struct image *image)
{
	for (size_t i = 0; i < request->joint_count; i++)
		if (request->joint[i].image == image)
			return request->joint[i].owner;
	return NULL;
}

/* An image shared with another repository keeps its image and its other names: only its tags of
 * the repository go. Where the builder removes by ID only an image listed under one record, its
 * tags go first until one record is left: a tag, or a nameless record (nerdctl under k3s lists one
 * for every image). Never a forced removal: that would take containers with it. And nothing of an
 * image in use, nor of one whose removal would take an image that is not R's with it. An image
 * the run removes jointly is removed by its owner, its other repositories' tags as R's own. */
static void plan_one(struct prune_plan *plan, const struct listing *listing, const struct image *image,
		     const struct selection_request *request)
{
	enum keep_reason reason;
	const struct image *base = NULL;
	const char *owner = joint_owner(request, image);
	if (owner && strcmp(owner, request->repository) != 0)
		return;
	bool shared = !owner && is_shared(image, request->repository);
	if (is_in_use(image, request))
		reason = KEEP_IN_USE;
	else if (request->use_needs_inspection && !image->inspected)
		reason = KEEP_USE_UNKNOWN;
	else if (request->keep_parents && has_children(listing, image))
		reason = KEEP_HAS_CHILDREN;
	else if (shared || !request->removal_takes_untagged_base || takes_only_its_own(listing, image, request, &reason, &base))
		reason = KEEP_NONE;
	if (reason != KEEP_NONE) {
		keep(plan, image, reason, reason == KEEP_BASE_WOULD_GO ? base : NULL);
		return;
	}
	size_t records_left = 0;
	for (size_t i = 0; i < image->name_count; i++)
		records_left += image->names[i].tag || !image->names[i].repository;
	for (size_t i = 0; i < image->name_count && (shared || (request->untag_before_remove && records_left > 1));
	     i++) {
		const struct image_name *name = &image->names[i];
		if (!name->tag || (!owner && !names_repository(name, request->repository)))
			continue;
		struct prune_action untag = {
			.kind = ACTION_UNTAG, .image = image, .target = reference_join(name->shown, name->tag), .shared = shared};
		add_action(plan, &untag);
		records_left--;
	}
	if (shared)
		return;
	struct prune_action removal = {.kind = ACTION_REMOVE, .image = image, .target = xstrdup(image->id)};
	add_action(plan, &removal);
}

static bool is_removed(const struct prune_plan *plan, const struct image *image)
{
	for (size_t i = 0; i < plan->count; i++)
		if (plan->actions[i].kind == ACTION_REMOVE && plan->actions[i].image == image)
			return true;
	return false;
}

/* True when every image LISTING shows built on IMAGE is removed by PLAN. */
static bool children_are_removed(const struct listing *listing, const struct prune_plan *plan, const struct image *image)
{
	for (size_t i = 0; i < listing->count; i++) {
		const struct image *child = &listing->images[i];
		if (child->parent && strcmp(child->parent, image->id) == 0 && !is_removed(plan, child))
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
static void plan_intermediates(struct prune_plan *plan, const struct listing *listing,
			       const struct selection_request *request)
{
	/* Where removing an image takes its untagged bases along, they are not removed by name. */
	if (!request->built || request->removal_takes_untagged_base || !parents_are_known(listing))
		return;
	for (bool added = true; added;) {
		added = false;
		size_t removals = plan->count;
		for (size_t i = 0; i < removals; i++) {
			const struct prune_action *action = &plan->actions[i];
			const struct built_image *built =
				action->kind == ACTION_REMOVE && !action->built ? record_find(request->built, action->image->id) : NULL;
			for (size_t j = 0; built && j < built->intermediate_count; j++) {
				const struct image *image = listing_find(listing, built->intermediates[j]);
				if (!image || listing_image_is_tagged(image) || is_in_use(image, request))
					break;
				if (is_removed(plan, image))
					continue;
				if (!children_are_removed(listing, plan, image))
					break;
				struct prune_action removal = {
					.kind = ACTION_REMOVE, .image = image, .target = xstrdup(image->id), .built = action->image};
				add_action(plan, &removal);
				/* ACTION may have moved with the array. */
				action = &plan->actions[i];
				added = true;
			}
		}
	}
}

static void leave(struct prune_plan *plan, const struct image *image, enum leave_reason reason)
{
	struct left_image left = {image, reason};
	array_append(&plan->left, &plan->left_count, sizeof left, &left);
}

/* A nameless image that kimb's record or its label claims for the repository, left nameless since
 * attribution wants more (see provenance_attribute): it stays, and the report says so. */
static bool is_claimed_unproven(const struct image *image, const struct selection_request *request)
{
	if (!listing_image_is_nameless(image))
		return false;
	return (request->built && record_find(request->built, image->id)) ||
	       (image->label && provenance_label_names(image->label, request->repository));
}

/* An image the plan acts on is no image it leaves alone, whatever made it look like one first (a
 * nameless intermediate image with kimb's label, removed after the image whose build left it): the
 * report names each image once. */
static void forget_left_acted_on(struct prune_plan *plan)
{
	size_t kept = 0;
	for (size_t i = 0; i < plan->left_count; i++) {
		bool acted_on = false;
		for (size_t j = 0; j < plan->count && !acted_on; j++)
			acted_on = plan->actions[j].image == plan->left[i].image;
		if (!acted_on)
			plan->left[kept++] = plan->left[i];
	}
	plan->left_count = kept;
}

static void plan_removals(const struct listing *listing, const struct selection_request *request,
			  const struct image *new_image, const struct image *latest, struct prune_plan *plan)
{
	if (new_image)
		leave(plan, new_image, LEFT_NEW);
	if (latest && latest != new_image)
		leave(plan, latest, LEFT_LATEST);
	struct candidate *candidates = xmalloc((listing->count + 1) * sizeof *candidates);
	size_t count = 0;
	for (size_t i = 0; i < listing->count; i++) {
		const struct image *image = &listing->images[i];
		if (image == new_image || image == latest)
			continue;
		if (!selection_is_listed_under(image, request->repository)) {
			if (is_claimed_unproven(image, request))
				leave(plan, image, LEFT_NOT_ATTRIBUTABLE);
			continue;
		}
		struct candidate *candidate = &candidates[count++];
		candidate->image = image;
		candidate->recency_known = establish_recency(image, request, &candidate->recency);
	}
	qsort(candidates, count, sizeof *candidates, newest_first);
	size_t kept = 0;
	for (; kept < count && kept < request->keep && candidates[kept].recency_known; kept++)
		leave(plan, candidates[kept].image, LEFT_RECENT);
	if (kept < request->keep)
		plan->unranked = count - kept;
	for (size_t i = kept; i < count; i++)
		plan_one(plan, listing, candidates[i].image, request);
	free(candidates);
	plan_intermediates(plan, listing, request);
	forget_left_acted_on(plan);
}

void selection_plan(const struct listing *listing, const struct selection_request *request, struct prune_plan *plan,
		    enum selection_outcome *outcome)
{
	*plan = (struct prune_plan){0};
	const struct image *latest = listing_find_tagged(listing, request->repository, "latest");
	const struct image *new_image = NULL;
	if (request->new_tag && !(new_image = listing_find_tagged(listing, request->repository, request->new_tag))) {
		*outcome = SELECTION_NO_NEW_IMAGE;
		return;
	}
	if (new_image && request->new_id && strcmp(new_image->id, request->new_id) != 0) {
		*outcome = SELECTION_NEW_ELSEWHERE;
		return;
	}
	if (!request->new_tag && !latest) {
		*outcome = SELECTION_NO_IMAGE;
		for (size_t i = 0; i < listing->count; i++)
			if (selection_is_listed_under(&listing->images[i], request->repository))
				*outcome = SELECTION_NO_LATEST;
		return;
	}
	*outcome = SELECTION_PLANNED;
	plan_removals(listing, request, new_image, latest, plan);
}

/* Whether PLAN takes IMAGE's tags off as a shared image's, and nothing else. */
static bool only_untags(const struct prune_plan *plan, const struct image *image)
{
	bool untags = false;
	for (size_t i = 0; i < plan->count; i++)
		if (plan->actions[i].image == image) {
			if (plan->actions[i].kind != ACTION_UNTAG || !plan->actions[i].shared)
				return false;
			untags = true;
		}
	return untags;
}

/* The first of the COUNT REPOSITORIES whose plans all take IMAGE's tags off, when each of its tags
 * is one of theirs; else NULL. */
static const char *joint_owner_of(const struct image *image, const char *const *repositories,
				  const struct prune_plan *const *plans, size_t count)
{
	size_t owner = count;
	for (size_t i = 0; i < image->name_count; i++) {
		const struct image_name *name = &image->names[i];
		if (!name->tag)
			continue;
		size_t r = 0;
		while (r < count && !names_repository(name, repositories[r]))
			r++;
		if (r == count || !only_untags(plans[r], image))
			return NULL;
		if (r < owner)
			owner = r;
	}
	return owner < count ? repositories[owner] : NULL;
}

struct joint_removal *selection_joint_removals(const struct listing *listing, const char *const *repositories,
					       const struct prune_plan *const *plans, size_t count, size_t *joint_count)
{
	struct joint_removal *joint = NULL;
	*joint_count = 0;
	for (size_t i = 0; i < listing->count; i++) {
		const struct image *image = &listing->images[i];
		struct joint_removal found = {image, joint_owner_of(image, repositories, plans, count)};
		if (found.owner)
			array_append(&joint, joint_count, sizeof found, &found);
	}
	return joint;
}

void prune_plan_free(struct prune_plan *plan)
{
	for (size_t i = 0; i < plan->count; i++)
		free(plan->actions[i].target);
	free(plan->actions);
	free(plan->left);
	*plan = (struct prune_plan){0};
}
