/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the readers of containers and pods: each of them (buildah's containers, docker's,
 * nerdctl's, kubectl's pods and workloads, docker's container IDs) reads the whole input, so that a recorded
 * output (tests/fixtures) is a seed as it is. A rejected listing adds nothing; an accepted one adds
 * only full digests and normalized references. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "reference.h"
#include "use.h"

typedef int use_reader(const char *text, size_t length, struct image_use *use, struct listing_error *err);

static use_reader *const readers[] = {
	use_read_buildah_containers,
	use_read_docker_containers,
	use_read_nerdctl_containers,
	use_read_pods,
};

static bool is_lower_hex(const char *text)
{
	return strlen(text) == 64 && strspn(text, "0123456789abcdef") == 64;
}

static void check_ids(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	FUZZ_ASSERT(text != NULL, "out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	char **ids;
	size_t count;
	struct listing_error error;
	if (use_read_container_ids(text, size, &ids, &count, &error) == 0) {
		for (size_t i = 0; i < count; i++)
			FUZZ_ASSERT(is_lower_hex(ids[i]), "a container ID that is not 64 hex digits");
		free(ids);
	} else {
		FUZZ_ASSERT(ids == NULL, "a rejected listing of IDs gives IDs");
	}
	free(text);
}

static void check_use(use_reader *read, const uint8_t *data, size_t size)
{
	struct image_use use = {0};
	struct listing_error error;
	if (read((const char *)data, size, &use, &error) != 0) {
		FUZZ_ASSERT(use.digest_count == 0 && use.reference_count == 0 && use.workload_name_count == 0,
			    "a rejected listing added to the use");
		return;
	}
	for (size_t i = 0; i < use.workload_name_count; i++) {
		const struct workload_name *named = &use.workload_names[i];
		FUZZ_ASSERT(named->kind < WORKLOAD_KIND_COUNT && named->namespace && named->name, "a workload unnamed");
		if (named->digest) {
			FUZZ_ASSERT(is_lower_hex(named->image), "a workload's digest that is not 64 hex digits");
			continue;
		}
		struct reference ref;
		const char *why;
		FUZZ_ASSERT(reference_parse(named->image, &ref, &why) == 0 && ref.tag && !ref.digest &&
				    strcmp(ref.name, ref.repository) == 0,
			    "a workload's reference that is not a normalized NAME:TAG");
		reference_free(&ref);
	}
	for (size_t i = 0; i < use.digest_count; i++)
		FUZZ_ASSERT(is_lower_hex(use.digests[i]), "a digest in use that is not 64 hex digits");
	for (size_t i = 0; i < use.reference_count; i++) {
		struct reference ref;
		const char *why;
		FUZZ_ASSERT(reference_parse(use.references[i], &ref, &why) == 0 && ref.tag && !ref.digest &&
				    strcmp(ref.name, ref.repository) == 0,
			    "a reference in use that is not a normalized NAME:TAG");
		reference_free(&ref);
	}
	use_free(&use);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++)
		check_use(readers[i], data, size);
	check_ids(data, size);
	return 0;
}
