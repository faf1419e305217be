/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_HASH_H
#define KIMB_HASH_H

/* A short, stable hash of a text (FNV-1a, 64 bits), and file names made with it that tell texts
 * apart without spelling them out: not for anything an attacker could gain by colliding. */

#include <stddef.h>
#include <stdint.h>

uint64_t hash_text(const char *text);

/* Enough of a name to recognise a file by eye; the hash tells them apart. */
#define HASH_READABLE_LENGTH 64
#define HASH_FILE_NAME_SIZE (HASH_READABLE_LENGTH + sizeof "-0123456789abcdef" + 16)

/* One valid path component of bounded length: up to HASH_READABLE_LENGTH characters of READABLE
 * ('_' for a character that is not portable in file names), '-', 16 hex digits of KEY's hash, and
 * SUFFIX (at most 15 characters). Two keys with one name only share that file. */
void hash_file_name(const char *readable, const char *key, const char *suffix, char name[HASH_FILE_NAME_SIZE]);

#endif
