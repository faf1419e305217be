/* SPDX-License-Identifier: Apache-2.0 */
#include "reading.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int reading_reject(struct listing_error *err, size_t line, const char *format, ...)
{
	va_list args;

	err->line = line;
	va_start(args, format);
	vsnprintf(err->message, sizeof err->message, format, args);
	va_end(args);
	/* Values quoted from JSON may hold any character; a message stays one printable line. */
	for (char *c = err->message; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return -1;
}

int reading_reject_within(struct listing_error *err, const char *format, ...)
{
	char context[sizeof err->message];
	va_list args;
	va_start(args, format);
	vsnprintf(context, sizeof context, format, args);
	va_end(args);

	char joined[2 * sizeof err->message + 2];
	snprintf(joined, sizeof joined, "%s: %s", context, err->message);
	size_t length = strlen(joined);
	if (length >= sizeof err->message)
		length = sizeof err->message - 1;
	memcpy(err->message, joined, length);
	err->message[length] = '\0';
	return -1;
}

struct reading_quote reading_quote(const char *text, size_t length)
{
	struct reading_quote quote;
	bool cut = length > READING_EXCERPT_MAX;
	snprintf(quote.text, sizeof quote.text, "\"%.*s%s\"", (int)(cut ? READING_EXCERPT_MAX : length), text,
		 cut ? "..." : "");
	return quote;
}

bool reading_next_line(const char *text, size_t length, size_t *pos, const char **line, size_t *line_length)
{
	if (*pos >= length)
		return false;
	*line = text + *pos;
	const char *newline = memchr(*line, '\n', length - *pos);
	*line_length = newline ? (size_t)(newline - *line) : length - *pos;
	*pos += *line_length + (newline ? 1 : 0);
	return true;
}

/* The types kimb reads, for messages. */
static const char *const type_names[] = {
	[JSON_OBJECT] = "an object",
	[JSON_ARRAY] = "an array",
	[JSON_STRING] = "a string",
	[JSON_INTEGER] = "an integer",
};

int reading_json_member(json_t *object, const char *key, json_type type, bool required, size_t line, json_t **value,
			struct listing_error *err)
{
	*value = json_object_get(object, key);
	if (!*value || json_is_null(*value)) {
		*value = NULL;
		return required ? reading_reject(err, line, "no \"%s\"", key) : 0;
	}
	if (json_typeof(*value) != type)
		return reading_reject(err, line, "\"%s\" is not %s", key, type_names[type]);
	return 0;
}

json_t *reading_json_load(const char *text, size_t length, json_type type, struct listing_error *err)
{
	if (length == 0) {
		reading_reject(err, 1, "empty output where JSON was expected");
		return NULL;
	}
	json_error_t error;
	json_t *root = json_loadb(text, length, JSON_REJECT_DUPLICATES, &error);
	if (!root) {
		reading_reject(err, error.line > 0 ? (size_t)error.line : 0, "invalid JSON at column %d: %s",
			       error.column, error.text);
		return NULL;
	}
	if (json_typeof(root) != type) {
		json_decref(root);
		reading_reject(err, 0, "not %s", type == JSON_ARRAY ? "a JSON array" : "a JSON object");
		return NULL;
	}
	return root;
}

