/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_READING_H
#define KIMB_READING_H

/* What every reader of a builder's output shares (the listings of images, containers and pods,
 * the inspections): its lines, the values it quotes in messages, its JSON documents, and one way to
 * tell what it could not read: ERR filled (a message without newlines, long values cut short),
 * then -1. */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* What a reader could not read. */
struct listing_error {
	size_t line;        /* 1-based line of the input that was rejected; 0 when not about one line */
	char message[160];
};

/* The line of the LENGTH bytes at TEXT that starts at *POS: sets *LINE and *LINE_LENGTH (without
 * its '\n'; the last line may lack one) and moves *POS past it. False once *POS reaches LENGTH. */
bool reading_next_line(const char *text, size_t length, size_t *pos, const char **line, size_t *line_length);

/* Fills ERR with LINE (0 when not about one line) and the printf-style message. Returns -1. */
int reading_reject(struct listing_error *err, size_t line, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts the printf-style context and ": " before ERR's message, so that a message of a shared check
 * says where in its input it failed ("image 3: ..."). Returns -1. */
int reading_reject_within(struct listing_error *err, const char *format, ...) __attribute__((format(printf, 2, 3)));

#define READING_EXCERPT_MAX 48

/* A value for a message: in double quotes, cut to READING_EXCERPT_MAX bytes and "..." when longer. */
struct reading_quote {
	char text[READING_EXCERPT_MAX + sizeof "\"...\""];
};

struct reading_quote reading_quote(const char *text, size_t length);

/* The whole of TEXT as one JSON value of TYPE, or NULL with ERR filled. */
json_t *reading_json_load(const char *text, size_t length, json_type type, struct listing_error *err);

/* Reads KEY of OBJECT into *VALUE, which is NULL when KEY is absent or null (an error when REQUIRED),
 * else of TYPE (an error otherwise). Returns 0, or -1 with ERR at LINE. */
int reading_json_member(json_t *object, const char *key, json_type type, bool required, size_t line, json_t **value,
			struct listing_error *err);

#endif
