/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_TOML_H
#define KIMB_TOML_H

/* The top-level key/value pairs of a TOML file (a builder's configuration: nerdctl.toml), read
 * strictly, since no C TOML library is at hand: one `KEY = VALUE` a line, a bare KEY, a VALUE that
 * is a one-line string ("basic", with TOML's escapes, or 'literal'), true or false, a decimal
 * integer, or a one-line array of those; blank lines and comments; the first table header ([x])
 * ends the top level, and what follows it is not read. Anything else on a line, and a key given
 * twice, makes the whole file unreadable: a value is never guessed. */

#include <stddef.h>

#include "message.h"

enum toml_type { TOML_STRING, TOML_BOOLEAN, TOML_INTEGER, TOML_ARRAY };

struct toml_pair {
	char *key;
	enum toml_type type;
	char *string; /* TOML_STRING: the value, escapes resolved; NULL for the others */
	size_t line;  /* where the pair is, from 1 */
};

struct toml_table {
	struct toml_pair *pairs; /* in the file's order */
	size_t count;
};

/* A file larger than this is no configuration kimb reads. */
#define TOML_SIZE_LIMIT (1024 * 1024)

/* Reads the LENGTH bytes of TEXT into OUT (release with toml_free). Returns 0, or -1 with
 * "line N: REASON" added to WHY and OUT empty. */
int toml_parse(const char *text, size_t length, struct toml_table *out, struct message *why);

/* Reads the file at PATH into OUT. Returns 0; 1 when there is no such file (OUT empty); or -1 with
 * a one-line reason added to WHY (the file cannot be opened or read whole, is not a regular file, is
 * larger than TOML_SIZE_LIMIT, or toml_parse refuses it) and OUT empty. */
int toml_read_file(const char *path, struct toml_table *out, struct message *why);

/* The pair of TABLE whose key is KEY, or NULL. */
const struct toml_pair *toml_find(const struct toml_table *table, const char *key);

void toml_free(struct toml_table *table);

#endif
