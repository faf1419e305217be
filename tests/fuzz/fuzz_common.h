/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_FUZZ_COMMON_H
#define KIMB_FUZZ_COMMON_H

/* What the fuzz targets share: the invariants they check beyond "no crash", which abort (and so
 * make libFuzzer keep the input) when broken. */

#include <stddef.h>
#include <stdint.h>

#include "listing.h"

/* libFuzzer's entry point, which each target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with MESSAGE unless CONDITION holds. */
#define FUZZ_ASSERT(condition, message) fuzz_assert((condition), (message), __FILE__, __LINE__)
void fuzz_assert(int condition, const char *message, const char *file, int line);

/* A plan made from LISTING, read from the SIZE bytes at DATA, for any repository it names, removes
 * only images the listing holds, by IDs DATA holds, and untags only names the listing shows. */
void fuzz_check_plans(const struct listing *listing, const uint8_t *data, size_t size);

/* The target of a listing reader READ: a listing is read whole or not at all (a rejected one holds
 * no image and says why in one line), and plans made from it keep fuzz_check_plans's invariant. */
typedef int fuzz_listing_reader(const char *text, size_t length, struct listing *out, struct listing_error *err);
int fuzz_listing(fuzz_listing_reader *read, const uint8_t *data, size_t size);

#endif
