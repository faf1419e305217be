/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes listing_parse_podman_json (see fuzz_listing). */

#include <stdint.h>

#include "fuzz_common.h"
#include "listing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_listing(listing_parse_podman_json, data, size);
}
