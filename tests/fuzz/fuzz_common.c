#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "selection.h"

void fuzz_assert(int condition, const char *message, const char *file, int line)
{
	if (!condition) {
		fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, message);
		abort();
	}
}

static bool data_holds(const uint8_t *data, size_t size, const char *text)
{
	size_t length = strlen(text);
	for (size_t i = 0; length <= size && i + length <= size; i++)
		if (memcmp(data + i, text, length) == 0)
			return true;
	return false;
}

static bool shows_name(const struct image *image, const char *target)
{
	for (size_t i = 0; i < image->name_count; i++) {
		const struct image_name *name = &image->names[i];
		if (!name->shown || !name->tag)
			continue;
		char *joined = reference_join(name->shown, name->tag);
		bool same = joined && strcmp(joined, target) == 0;
		free(joined);
		if (same)
			return true;
	}
	return false;
}

static void check_plan(const struct listing *listing, const struct selection_request *request, const uint8_t *data,
		       size_t size)
{
	struct prune_plan plan;
	enum selection_outcome outcome;
	selection_plan(listing, request, &plan, &outcome);
	for (size_t i = 0; i < plan.count; i++) {
		const struct prune_action *action = &plan.actions[i];
		const struct image *image = action->image;
		FUZZ_ASSERT(image >= listing->images && image < listing->images + listing->count,
			    "an action names an image the listing does not hold");
		if (action->kind == ACTION_REMOVE) {
			FUZZ_ASSERT(strcmp(action->target, image->id) == 0, "a removal by another ID than the image's");
			FUZZ_ASSERT(data_holds(data, size, action->target), "a removal of an ID the input does not hold");
		} else if (action->kind == ACTION_UNTAG) {
			FUZZ_ASSERT(shows_name(image, action->target), "an untag of a name the image is not listed under");
		}
	}
	for (size_t i = 0; i < plan.left_count; i++) {
		const struct image *image = plan.left[i].image;
		FUZZ_ASSERT(image >= listing->images && image < listing->images + listing->count,
			    "an image left alone is not one the listing holds");
		for (size_t j = 0; j < plan.count; j++)
			FUZZ_ASSERT(plan.actions[j].image != image || plan.actions[j].kind == ACTION_KEEP,
				    "an image the plan leaves alone is also untagged or removed");
	}
	prune_plan_free(&plan);
}

void fuzz_check_plans(const struct listing *listing, const uint8_t *data, size_t size)
{
	/* Every repository the listing names, a build of each tag it has, and a prune of it. */
	size_t planned = 0;
	for (size_t i = 0; i < listing->count && planned < 16; i++) {
		const struct image *image = &listing->images[i];
		for (size_t j = 0; j < image->name_count && planned < 16; j++, planned++) {
			const struct image_name *name = &image->names[j];
			if (!name->repository)
				continue;
			struct selection_request request = {
				.repository = name->repository,
				.new_tag = name->tag,
				.keep = j % 2,
				.time_format = "%Y%m%d.%H%M%S",
				.untag_before_remove = j % 3 == 0,
			};
			check_plan(listing, &request, data, size);
		}
	}
}

int fuzz_listing(fuzz_listing_reader *read, const uint8_t *data, size_t size)
{
	struct listing listing;
	struct listing_error error;
	if (read((const char *)data, size, &listing, &error) != 0) {
		FUZZ_ASSERT(listing.count == 0 && listing.images == NULL, "a rejected listing holds images");
		FUZZ_ASSERT(strchr(error.message, '\n') == NULL, "a message of two lines");
		return 0;
	}
	fuzz_check_plans(&listing, data, size);
	listing_free(&listing);
	return 0;
}
