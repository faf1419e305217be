/* SPDX-License-Identifier: Apache-2.0 */
#include "listing_checks.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

int listing_check_read(listing_reader read, const char *text, size_t length, struct listing *out,
		       struct listing_error *err)
{
	char *copy = malloc(length ? length : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, length);
	int status = read(copy, length, out, err);
	free(copy);
	return status;
}

void listing_check_read_ok(listing_reader read, const char *text, size_t length, struct listing *out)
{
	struct listing_error err = {0, ""};
	int status = listing_check_read(read, text, length, out, &err);
	ck_assert_msg(status == 0, "rejected at line %zu: %s", err.line, err.message);
}

struct image *find_image(const struct listing *listing, const char *id)
{
	for (size_t i = 0; i < listing->count; i++)
		if (strcmp(listing->images[i].id, id) == 0)
			return &listing->images[i];
	ck_abort_msg("no image %s", id);
	return NULL;
}

void assert_name(const struct image *image, size_t index, const char *repository, const char *shown,
			const char *tag)
{
	ck_assert_uint_gt(image->name_count, index);
	const struct image_name *name = &image->names[index];
	ck_assert_pstr_eq(name->repository, repository);
	ck_assert_pstr_eq(name->shown, shown);
	ck_assert_pstr_eq(name->tag, tag);
}
