/* SPDX-License-Identifier: Apache-2.0 */
#include "hash.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

uint64_t hash_text(const char *text)
{
	uint64_t hash = UINT64_C(0xcbf29ce484222325);

	for (const unsigned char *byte = (const unsigned char *)text; *byte; byte++) {
		hash ^= *byte;
		hash *= UINT64_C(0x100000001b3);
	}
	return hash;
}

static bool is_portable_file_name_character(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-';
}

void hash_file_name(const char *readable, const char *key, const char *suffix, char name[HASH_FILE_NAME_SIZE])
{
	size_t length = 0;

	for (; length < HASH_READABLE_LENGTH && readable[length]; length++)
		name[length] = is_portable_file_name_character(readable[length]) ? readable[length] : '_';
	snprintf(name + length, HASH_FILE_NAME_SIZE - length, "-%016" PRIx64 "%.15s", hash_text(key), suffix);
}
