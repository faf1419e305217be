/* SPDX-License-Identifier: Apache-2.0 */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "plan.h"

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

/* A plan of REPOSITORY under RULES touches only images LISTING holds: it removes them by their own
 * IDs, which DATA holds, and untags only names they are listed under; an image it leaves alone it
 * does not touch. */
static void check_plan(const struct listing *listing, const char *repository, const struct plan_rules *rules,
		       const uint8_t *data, size_t size)
{
	struct plan plan;
	struct record none = {0};
	size_t which;
	(void)plan_make(listing, &repository, 1, &none, rules, &plan, &which);
	for (size_t i = 0; i < plan.count; i++) {
		const struct decision *decision = &plan.decisions[i];
		const struct image *image = decision->image;
		FUZZ_ASSERT(image >= listing->images && image < listing->images + listing->count,
			    "a decision names an image the listing does not hold");
		if (decision->remove)
			FUZZ_ASSERT(data_holds(data, size, image->id), "a removal of an ID the input does not hold");
		for (size_t j = 0; j < decision->untag_count; j++)
			FUZZ_ASSERT(shows_name(image, decision->untags[j]), "an untag of a name the image is not listed under");
		if (decision->fate == FATE_KEPT)
			FUZZ_ASSERT(!decision->remove && decision->untag_count == 0, "an image kept is also touched");
		for (size_t j = 0; j < plan.count; j++)
			FUZZ_ASSERT(j == i || plan.decisions[j].image != image, "two decisions about one image");
	}
	plan_free(&plan);
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
			struct plan_rules rules = {
				.new_tag = name->tag,
				.keep = j % 2,
				.time_format = "%Y%m%d.%H%M%S",
				.untag_before_remove = j % 3 == 0,
			};
			check_plan(listing, name->repository, &rules, data, size);
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
