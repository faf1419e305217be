/* SPDX-License-Identifier: Apache-2.0 */
#include "record.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "reference.h"
#include "xalloc.h"

static void free_built_image(struct built_image *image)
{
	free(image->id);
	for (size_t i = 0; i < image->intermediate_count; i++)
		free(image->intermediates[i]);
	free(image->intermediates);
}

void record_clear(struct record *record)
{
	for (size_t i = 0; i < record->count; i++)
		free_built_image(&record->images[i]);
	record->count = 0;
	for (size_t i = 0; i < record->tag_count; i++)
		free(record->tags[i]);
	record->tag_count = 0;
}

void record_free(struct record *record)
{
	record_clear(record);
	free(record->images);
	free(record->tags);
	free(record->path);
	free(record->repository);
	free(record->store);
	*record = (struct record){0};
}

const struct built_image *record_find(const struct record *record, const char *id)
{
	for (size_t i = 0; i < record->count; i++)
		if (strcmp(record->images[i].id, id) == 0)
			return &record->images[i];
	return NULL;
}


void record_add(struct record *record, const char *id, char *const *intermediates, size_t count, long long built)
{
	if (record_find(record, id))
		return;
	struct built_image image = {.id = xstrdup(id), .built = built};
	for (size_t i = 0; i < count; i++) {
		char *copy = xstrdup(intermediates[i]);
		array_append(&image.intermediates, &image.intermediate_count, sizeof copy, &copy);
	}
	array_append(&record->images, &record->count, sizeof image, &image);
	record->changed = true;
}

static void forget_at(struct record *record, size_t index)
{
	free_built_image(&record->images[index]);
	record->images[index] = record->images[--record->count];
	record->changed = true;
}

void record_forget(struct record *record, const char *id)
{
	for (size_t i = 0; i < record->count; i++)
		if (strcmp(record->images[i].id, id) == 0) {
			forget_at(record, i);
			return;
		}
}

void record_add_tag(struct record *record, const char *tag)
{
	if (record_tag_index(record, tag) >= 0)
		return;
	char *copy = xstrdup(tag);
	array_append(&record->tags, &record->tag_count, sizeof copy, &copy);
	record->changed = true;
}

long record_tag_index(const struct record *record, const char *tag)
{
	for (size_t i = 0; i < record->tag_count; i++)
		if (strcmp(record->tags[i], tag) == 0)
			return (long)i;
	return -1;
}

/* Forgets the issued tag at INDEX, keeping the others in the order they were issued. */
static void forget_tag_at(struct record *record, size_t index)
{
	free(record->tags[index]);
	memmove(&record->tags[index], &record->tags[index + 1], (record->tag_count - index - 1) * sizeof *record->tags);
	record->tag_count--;
	record->changed = true;
}

void record_forget_tag(struct record *record, const char *tag)
{
	long index = record_tag_index(record, tag);
	if (index >= 0)
		forget_tag_at(record, (size_t)index);
}

void record_keep_listed(struct record *record, const struct listing *listing)
{
	for (size_t i = record->count; i-- > 0;)
		if (!listing_find(listing, record->images[i].id))
			forget_at(record, i);
	for (size_t i = record->tag_count; i-- > 0;)
		if (!listing_find_tagged(listing, record->repository, record->tags[i]))
			forget_tag_at(record, i);
}

bool record_label_names(const char *label, const char *repository)
{
	for (const char *entry = label;;) {
		size_t length = strcspn(entry, ",");
		char *text = xstrndup(entry, length);
		struct reference ref;
		const char *why;
		bool names = false;
		if (reference_parse(text, &ref, &why) == 0) {
			names = !ref.tag && !ref.digest && strcmp(ref.repository, repository) == 0;
			reference_free(&ref);
		}
		free(text);
		if (names)
			return true;
		if (entry[length] == '\0')
			return false;
		entry += length + 1;
	}
}

void record_attribute(struct listing *listing, const struct record *record, bool label_required)
{
	for (size_t i = 0; i < record->count; i++) {
		struct image *image = listing_find(listing, record->images[i].id);
		if (!image || !listing_image_is_nameless(image))
			continue;
		if (label_required && !(image->label && record_label_names(image->label, record->repository)))
			continue;
		listing_attach_lost_name(image, record->repository);
	}
}

void record_intermediates(const struct listing *listing, const char *id, char ***out, size_t *count)
{
	*out = NULL;
	*count = 0;
	const struct image *image = listing_find(listing, id);
	bool complete = false;
	/* A chain longer than the listing is a cycle, which no store should show: nothing is taken. */
	const struct image *parent;
	for (size_t steps = 0; image && listing_built_on(listing, image, &parent) && steps < listing->count; steps++) {
		if (!parent || listing_image_is_tagged(parent)) {
			complete = true;
			break;
		}
		char *copy = xstrdup(parent->id);
		array_append(out, count, sizeof copy, &copy);
		image = parent;
	}
	if (!complete) {
		for (size_t i = 0; i < *count; i++)
			free((*out)[i]);
		free(*out);
		*out = NULL;
		*count = 0;
	}
}

