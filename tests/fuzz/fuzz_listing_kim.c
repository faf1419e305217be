/* Fuzzes listing_parse_kim_table: a listing is read whole or not at all, and a plan made from it removes only what
 * it holds. */

#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "listing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct listing listing;
	struct listing_error error;
	if (listing_parse_kim_table((const char *)data, size, &listing, &error) != 0) {
		FUZZ_ASSERT(listing.count == 0 && listing.images == NULL, "a rejected listing holds images");
		FUZZ_ASSERT(strchr(error.message, '\n') == NULL, "a message of two lines");
		return 0;
	}
	fuzz_check_plans(&listing, data, size);
	listing_free(&listing);
	return 0;
}
