/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes Docker's reference grammar: normalizing a reference twice changes nothing, and NAME:TAG
 * made of a parsed reference reads back as the same repository and tag. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	FUZZ_ASSERT(text != NULL, "out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	struct reference ref;
	const char *why = NULL;
	if (reference_parse(text, &ref, &why) != 0) {
		FUZZ_ASSERT(why && *why && !strchr(why, '\n'), "a rejection without a one-line reason");
		free(text);
		return 0;
	}
	struct reference again;
	FUZZ_ASSERT(reference_parse(ref.repository, &again, &why) == 0, "a normalized repository does not parse");
	FUZZ_ASSERT(strcmp(again.repository, ref.repository) == 0, "normalizing twice changed the repository");
	FUZZ_ASSERT(!again.tag && !again.digest, "a normalized repository has a tag or digest");
	reference_free(&again);
	if (ref.tag) {
		FUZZ_ASSERT(reference_tag_is_valid(ref.tag), "a parsed tag is not valid");
		char *joined = reference_join(ref.name, ref.tag);
		FUZZ_ASSERT(joined && reference_parse(joined, &again, &why) == 0, "NAME:TAG does not parse");
		FUZZ_ASSERT(strcmp(again.repository, ref.repository) == 0 && again.tag && strcmp(again.tag, ref.tag) == 0,
			    "NAME:TAG reads back as another repository or tag");
		reference_free(&again);
		free(joined);
	}
	reference_free(&ref);
	free(text);
	return 0;
}
