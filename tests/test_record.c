/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "listing.h"
#include "record.h"
#include "suites.h"

#define ID_A TEST_ID("a")
#define ID_B TEST_ID("b")
#define ID_C TEST_ID("c")
#define ID_D TEST_ID("d")
#define ID_E TEST_ID("e")

static const char R[] = "docker.io/library/app";

START_TEST(test_label_names)
{
	ck_assert(record_label_names(R, R));
	ck_assert(record_label_names("app", R));
	ck_assert(record_label_names("localhost/x,docker.io/library/app", R));
	ck_assert(!record_label_names("localhost/x", R));
	ck_assert(!record_label_names("app:v1", R));
	ck_assert(!record_label_names("app@sha256:" ID_A, R));
	ck_assert(!record_label_names("", R));
	ck_assert(!record_label_names(",,", R));
	ck_assert(!record_label_names("App", R));
}
END_TEST

/* Nameless images built FROM one of kimb's carry its label too: only the record tells them apart. */
START_TEST(test_attribution_needs_the_record)
{
	struct listing listing = test_listing(4);
	struct image *images = listing.images;
	images[0] = (struct image){.id = strdup(ID_A), .label = strdup(R)}; /* kimb built it for R */
	images[1] = (struct image){.id = strdup(ID_B), .label = strdup(R)}; /* built FROM it: an inherited label */
	images[2] = (struct image){.id = strdup(ID_C)};                     /* kimb built it; no label */
	images[3] = (struct image){.id = strdup(ID_D), .label = strdup(R), .names = test_names("localhost/base", "v1"),
				   .name_count = 1};

	struct record record = {.repository = strdup(R)};
	record_add(&record, ID_A, NULL, 0, -1);
	record_add(&record, ID_C, NULL, 0, -1);
	record_add(&record, ID_D, NULL, 0, -1);
	record_attribute(&listing, &record, true);
	ck_assert_uint_eq(images[0].name_count, 1);
	ck_assert_str_eq(images[0].names[0].repository, R);
	ck_assert_ptr_null(images[0].names[0].tag);
	ck_assert_uint_eq(images[1].name_count, 0);
	ck_assert_uint_eq(images[2].name_count, 0);
	/* A tagged image keeps its names as they are. */
	ck_assert_uint_eq(images[3].name_count, 1);

	/* Where kimb does not label (podman), the record alone tells. */
	record_attribute(&listing, &record, false);
	ck_assert_uint_eq(images[2].name_count, 1);
	ck_assert_uint_eq(images[1].name_count, 0);
	/* Attributing again adds nothing. */
	record_attribute(&listing, &record, true);
	ck_assert_uint_eq(images[0].name_count, 1);
	record_free(&record);
	listing_free(&listing);
}
END_TEST

static void set_parent_image(struct image *image, const char *id, const char *parent, bool tagged)
{
	*image = (struct image){.id = strdup(id), .parent_known = true, .parent = parent ? strdup(parent) : NULL};
	if (tagged) {
		image->names = test_names("localhost/base", "v1");
		image->name_count = 1;
	}
}

static void assert_intermediates(const struct listing *listing, const char *id, const char *const *expected)
{
	char **chain;
	size_t count;
	record_intermediates(listing, id, &chain, &count);
	size_t expected_count = 0;
	while (expected[expected_count])
		expected_count++;
	ck_assert_uint_eq(count, expected_count);
	for (size_t i = 0; i < count; i++) {
		ck_assert_str_eq(chain[i], expected[i]);
		free(chain[i]);
	}
	free(chain);
}

START_TEST(test_intermediates)
{
	/* A (the new image) built on B, on C, on D (the tagged base); E's parent is not known. */
	struct listing listing = test_listing(5);
	struct image *images = listing.images;
	set_parent_image(&images[0], ID_A, ID_B, true);
	set_parent_image(&images[1], ID_B, ID_C, false);
	set_parent_image(&images[2], ID_C, ID_D, false);
	set_parent_image(&images[3], ID_D, NULL, true);
	set_parent_image(&images[4], ID_E, ID_B, false);
	images[4].parent_known = false;
	assert_intermediates(&listing, ID_A, (const char *const[]){ID_B, ID_C, NULL});
	assert_intermediates(&listing, ID_D, (const char *const[]){NULL});
	assert_intermediates(&listing, ID_E, (const char *const[]){NULL});
	/* Not known all the way: nothing. */
	images[2].parent_known = false;
	assert_intermediates(&listing, ID_A, (const char *const[]){NULL});
	images[2].parent_known = true;
	/* A parent that is gone ends the chain: FROM an image no longer listed. */
	free(images[2].parent);
	images[2].parent = strdup(TEST_ID("f"));
	assert_intermediates(&listing, ID_A, (const char *const[]){ID_B, ID_C, NULL});
	/* A cycle, which no store shows, gives nothing. */
	free(images[2].parent);
	images[2].parent = strdup(ID_B);
	assert_intermediates(&listing, ID_A, (const char *const[]){NULL});
	listing_free(&listing);
}
END_TEST

Suite *record_suite(void)
{
	Suite *suite = suite_create("record");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_label_names);
	tcase_add_test(tc, test_attribution_needs_the_record);
	tcase_add_test(tc, test_intermediates);
	suite_add_tcase(suite, tc);
	return suite;
}
