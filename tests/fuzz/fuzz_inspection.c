/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the inspection readers on a listing read from the same input: a builder's listing,
 * "\n\0\n", and its inspection (make fuzz joins the recorded pairs of tests/fixtures so), read as
 * each builder's (docker, buildah, nerdctl). An inspection is read whole or not at all: a rejected
 * one changes no image. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "listing.h"

static const struct {
	int (*parse)(const char *, size_t, struct listing *, struct listing_error *);
	int (*read)(const char *, size_t, struct listing *, struct listing_error *);
} readers[] = {
	{listing_parse_json_lines, listing_read_docker_inspection},
	{listing_parse_buildah_json, listing_read_buildah_inspection},
	{listing_parse_json_lines, listing_read_nerdctl_inspection},
};

/* What an inspection may change of an image. */
struct facts {
	char *label;
	bool parent_known;
	char *parent;
	size_t digest_count;
	bool inspected;
};

/* Where the LENGTH bytes at TEXT first hold the SIZE bytes at PART, or NULL. */
static const char *find(const char *text, size_t length, const char *part, size_t size)
{
	for (size_t i = 0; size <= length && i + size <= length; i++)
		if (memcmp(text + i, part, size) == 0)
			return text + i;
	return NULL;
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void check_inspection(size_t builder, const char *text, size_t length, const char *inspection,
			     size_t inspection_length, const uint8_t *data, size_t size)
{
	struct listing listing;
	struct listing_error error;
	if (readers[builder].parse(text, length, &listing, &error) != 0)
		return;
	struct facts *before = calloc(listing.count + 1, sizeof *before);
	FUZZ_ASSERT(before != NULL, "out of memory");
	for (size_t i = 0; i < listing.count; i++) {
		const struct image *image = &listing.images[i];
		before[i] = (struct facts){image->label ? strdup(image->label) : NULL, image->parent_known,
					   image->parent ? strdup(image->parent) : NULL, image->digest_count, image->inspected};
	}
	if (readers[builder].read(inspection, inspection_length, &listing, &error) != 0) {
		for (size_t i = 0; i < listing.count; i++) {
			const struct image *image = &listing.images[i];
			FUZZ_ASSERT(same_text(image->label, before[i].label) && image->parent_known == before[i].parent_known &&
					    same_text(image->parent, before[i].parent) &&
					    image->digest_count == before[i].digest_count &&
					    image->inspected == before[i].inspected,
				    "a rejected inspection changed an image");
		}
	} else {
		fuzz_check_plans(&listing, data, size);
	}
	for (size_t i = 0; i < listing.count; i++) {
		free(before[i].label);
		free(before[i].parent);
	}
	free(before);
	listing_free(&listing);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char separator[] = "\n\0\n";
	const char *text = (const char *)data;
	const char *split = find(text, size, separator, sizeof separator - 1);
	if (!split)
		return 0;
	const char *inspection = split + sizeof separator - 1;
	for (size_t builder = 0; builder < sizeof readers / sizeof readers[0]; builder++)
		check_inspection(builder, text, (size_t)(split - text), inspection, size - (size_t)(inspection - text), data,
				 size);
	return 0;
}
