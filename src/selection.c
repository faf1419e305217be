#include "selection.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "reference.h"
#include "tagscheme.h"

struct candidate {
	const struct image *image;
	bool recency_known;
	struct tm recency;
};

static bool names_repository(const struct image_name *name, const char *repository)
{
	return name->repository && strcmp(name->repository, repository) == 0;
}

static const struct image *find_tagged(const struct listing *listing, const char *repository, const char *tag)
{
	for (size_t i = 0; i < listing->count; i++) {
		const struct image *image = &listing->images[i];
		for (size_t j = 0; j < image->name_count; j++) {
			const struct image_name *name = &image->names[j];
			if (names_repository(name, repository) && name->tag && strcmp(name->tag, tag) == 0)
				return image;
		}
	}
	return NULL;
}

static bool is_listed_under(const struct image *image, const char *repository)
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

static int add_action(struct prune_plan *plan, enum prune_action_kind kind, const struct image *image, char *target,
		      bool shared)
{
	struct prune_action action = {.kind = kind, .image = image, .target = target, .shared = shared};
	if (!target || array_append(&plan->actions, &plan->count, sizeof action, &action) < 0) {
		free(target);
		return -1;
	}
	return 0;
}

/* An image shared with another repository keeps its image and its other names: only its tags of
 * the repository go. Where the builder removes by ID only an image listed under one record, its
 * tags go first until one record is left: a tag, or a nameless record (nerdctl under k3s lists one
 * for every image). Never a forced removal: that would take containers with it. */
static int plan_one(struct prune_plan *plan, const struct image *image, const struct selection_request *request)
{
	if (image->containers > 0)
		return add_action(plan, ACTION_KEEP_IN_USE, image, strdup(image->id), false);
	bool shared = is_shared(image, request->repository);
	size_t records_left = 0;
	for (size_t i = 0; i < image->name_count; i++)
		records_left += image->names[i].tag || !image->names[i].repository;
	for (size_t i = 0; i < image->name_count && (shared || (request->untag_before_remove && records_left > 1));
	     i++) {
		const struct image_name *name = &image->names[i];
		if (!names_repository(name, request->repository) || !name->tag)
			continue;
		if (add_action(plan, ACTION_UNTAG, image, reference_join(name->shown, name->tag), shared) < 0)
			return -1;
		records_left--;
	}
	return shared ? 0 : add_action(plan, ACTION_REMOVE, image, strdup(image->id), false);
}

static int plan_removals(const struct listing *listing, const struct selection_request *request,
			 const struct image *protected_a, const struct image *protected_b, struct prune_plan *plan)
{
	struct candidate *candidates = malloc((listing->count + 1) * sizeof *candidates);
	if (!candidates)
		return -1;
	size_t count = 0;
	for (size_t i = 0; i < listing->count; i++) {
		const struct image *image = &listing->images[i];
		if (image == protected_a || image == protected_b || !is_listed_under(image, request->repository))
			continue;
		struct candidate *candidate = &candidates[count++];
		candidate->image = image;
		candidate->recency_known = establish_recency(image, request, &candidate->recency);
	}
	qsort(candidates, count, sizeof *candidates, newest_first);
	size_t kept = 0;
	while (kept < count && kept < request->keep && candidates[kept].recency_known)
		kept++;
	int result = 0;
	for (size_t i = kept; i < count && result == 0; i++)
		result = plan_one(plan, candidates[i].image, request);
	free(candidates);
	return result;
}

int selection_plan(const struct listing *listing, const struct selection_request *request,
		   struct prune_plan *plan, enum selection_outcome *outcome)
{
	*plan = (struct prune_plan){0};
	const struct image *latest = find_tagged(listing, request->repository, "latest");
	const struct image *new_image = NULL;
	if (request->new_tag && !(new_image = find_tagged(listing, request->repository, request->new_tag))) {
		*outcome = SELECTION_NO_NEW_IMAGE;
		return 0;
	}
	if (!request->new_tag && !latest) {
		*outcome = SELECTION_NO_LATEST;
		return 0;
	}
	*outcome = SELECTION_PLANNED;
	if (plan_removals(listing, request, new_image, latest, plan) < 0) {
		prune_plan_free(plan);
		return -1;
	}
	return 0;
}

void prune_plan_free(struct prune_plan *plan)
{
	for (size_t i = 0; i < plan->count; i++)
		free(plan->actions[i].target);
	free(plan->actions);
	*plan = (struct prune_plan){0};
}
