/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_TEST_LISTING_CHECKS_H
#define KIMB_TEST_LISTING_CHECKS_H

/* Checks shared by the tests of the listing readers (test_listing.c, test_listing_json.c); each one
 * fails the running Check test when it does not hold. */

#include <stddef.h>

#include "listing.h"

typedef int (*listing_reader)(const char *text, size_t length, struct listing *out, struct listing_error *err);

/* Runs READ on a copy of exactly LENGTH bytes of TEXT, without a terminating NUL, so that valgrind
 * sees any read past the end. Returns what READ returned. */
int listing_check_read(listing_reader read, const char *text, size_t length, struct listing *out,
		       struct listing_error *err);

/* Like listing_check_read, failing the test (with the reader's message) when READ rejects TEXT. */
void listing_check_read_ok(listing_reader read, const char *text, size_t length, struct listing *out);

/* The image of LISTING with ID. */
struct image *find_image(const struct listing *listing, const char *id);

/* Asserts that name INDEX of IMAGE is REPOSITORY, SHOWN and TAG (each may be NULL). */
void assert_name(const struct image *image, size_t index, const char *repository, const char *shown,
			const char *tag);

#endif
