/* SPDX-License-Identifier: Apache-2.0 */
#include "toml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "message.h"
#include "xalloc.h"

/* One line being read, and where its reason goes when it is refused. */
struct cursor {
	const char *at;
	const char *end;
	size_t line;
	struct message *why;
};

static int refuse(struct cursor *c, const char *format, ...) __attribute__((format(printf, 2, 3)));

static int refuse(struct cursor *c, const char *format, ...)
{
	va_list args;
	message_add(c->why, "line %zu: ", c->line);
	va_start(args, format);
	message_vadd(c->why, format, args);
	va_end(args);
	return -1;
}

static void skip_blanks(struct cursor *c)
{
	while (c->at < c->end && (*c->at == ' ' || *c->at == '\t'))
		c->at++;
}

static bool looking_at(const struct cursor *c, const char *text)
{
	size_t length = strlen(text);
	return (size_t)(c->end - c->at) >= length && memcmp(c->at, text, length) == 0;
}

/* TOML allows no control character but the tab in strings and comments. */
static bool is_control(unsigned char byte)
{
	return (byte < 0x20 && byte != '\t') || byte == 0x7f;
}

/* A comment to the end of the line, or nothing. */
static int read_rest_of_line(struct cursor *c)
{
	skip_blanks(c);
	if (c->at == c->end)
		return 0;
	if (*c->at != '#')
		return refuse(c, "unexpected '%c' after the value", *c->at);
	for (const char *p = c->at; p < c->end; p++)
		if (is_control((unsigned char)*p))
			return refuse(c, "a control character in a comment");
	c->at = c->end;
	return 0;
}

static void append_byte(char **text, size_t *length, char byte)
{
	array_append(text, length, 1, &byte);
}

/* Appends code point CODE in UTF-8. */
static void append_utf8(char **text, size_t *length, unsigned long code)
{
	if (code < 0x80) {
		append_byte(text, length, (char)code);
	} else if (code < 0x800) {
		append_byte(text, length, (char)(0xc0 | (code >> 6)));
		append_byte(text, length, (char)(0x80 | (code & 0x3f)));
	} else if (code < 0x10000) {
		append_byte(text, length, (char)(0xe0 | (code >> 12)));
		append_byte(text, length, (char)(0x80 | ((code >> 6) & 0x3f)));
		append_byte(text, length, (char)(0x80 | (code & 0x3f)));
	} else {
		append_byte(text, length, (char)(0xf0 | (code >> 18)));
		append_byte(text, length, (char)(0x80 | ((code >> 12) & 0x3f)));
		append_byte(text, length, (char)(0x80 | ((code >> 6) & 0x3f)));
		append_byte(text, length, (char)(0x80 | (code & 0x3f)));
	}
}

/* \uXXXX or \UXXXXXXXX after the backslash and the letter: DIGITS hex digits, a Unicode scalar. */
static int read_unicode_escape(struct cursor *c, size_t digits, char **text, size_t *length)
{
	unsigned long code = 0;
	for (size_t i = 0; i < digits; i++, c->at++) {
		if (c->at == c->end || !strchr("0123456789abcdefABCDEF", *c->at))
			return refuse(c, "a \\u or \\U escape needs %zu hex digits", digits);
		char digit[2] = {*c->at, '\0'};
		code = code * 16 + strtoul(digit, NULL, 16);
	}
	if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff)
		return refuse(c, "an escape of no Unicode character");
	append_utf8(text, length, code);
	return 0;
}

static int read_escape(struct cursor *c, char **text, size_t *length)
{
	static const char letters[] = "btnfr\"\\";
	static const char values[] = "\b\t\n\f\r\"\\";
	if (c->at == c->end)
		return refuse(c, "a string that does not end on its line");
	char letter = *c->at++;
	const char *known = letter ? strchr(letters, letter) : NULL;
	if (known) {
		append_byte(text, length, values[known - letters]);
		return 0;
	}
	if (letter == 'u' || letter == 'U')
		return read_unicode_escape(c, letter == 'u' ? 4 : 8, text, length);
	return refuse(c, "an unknown escape \\%c", letter);
}

/* A "basic" or 'literal' string, on its line; into *OUT (malloc'd). */
static int read_string(struct cursor *c, char **out)
{
	char quote = *c->at;
	if (looking_at(c, quote == '"' ? "\"\"\"" : "'''"))
		return refuse(c, "a multi-line string, which kimb does not read: write the value on one line");
	c->at++;
	char *text = NULL;
	size_t length = 0;
	int status = 0;
	for (;;) {
		if (c->at == c->end) {
			status = refuse(c, "a string that does not end on its line");
			break;
		}
		char byte = *c->at++;
		if (byte == quote)
			break;
		if (is_control((unsigned char)byte))
			status = refuse(c, "a control character in a string");
		else if (byte == '\\' && quote == '"')
			status = read_escape(c, &text, &length);
		else
			append_byte(&text, &length, byte);
		if (status != 0)
			break;
	}
	if (status != 0) {
		free(text);
		return status;
	}
	append_byte(&text, &length, '\0');
	*out = text;
	return 0;
}

static bool is_digit(char byte)
{
	return byte >= '0' && byte <= '9';
}

/* Where a value ends: a blank, a comma or bracket of an array, a comment, the end. */
static bool at_value_end(const struct cursor *c)
{
	return c->at == c->end || strchr(" \t,]#", *c->at);
}

/* A decimal integer: an optional sign, no leading zero, '_' only between digits. */
static int read_integer(struct cursor *c)
{
	if (*c->at == '+' || *c->at == '-')
		c->at++;
	const char *digits = c->at;
	while (c->at < c->end && (is_digit(*c->at) || (*c->at == '_' && c->at > digits && is_digit(c->at[-1]) &&
							   c->at + 1 < c->end && is_digit(c->at[1]))))
		c->at++;
	if (c->at == digits || !at_value_end(c) || (*digits == '0' && c->at - digits > 1))
		return refuse(c, "a value kimb does not read: only one-line strings, true, false, decimal integers "
				 "and one-line arrays of them");
	return 0;
}

static int read_value(struct cursor *c, enum toml_type *type, char **string, bool in_array);

/* [VALUE, ...] on one line, an optional comma after the last. */
static int read_array(struct cursor *c)
{
	c->at++;
	for (;;) {
		skip_blanks(c);
		if (c->at == c->end)
			return refuse(c, "an array that goes on past its line, which kimb does not read: write it on one line");
		if (*c->at == ']') {
			c->at++;
			return 0;
		}
		enum toml_type type;
		char *string = NULL;
		if (read_value(c, &type, &string, true) != 0)
			return -1;
		free(string);
		skip_blanks(c);
		if (c->at < c->end && *c->at == ',')
			c->at++;
		else if (c->at < c->end && *c->at != ']')
			return refuse(c, "an array whose values are not separated by commas");
	}
}

static int read_value(struct cursor *c, enum toml_type *type, char **string, bool in_array)
{
	if (c->at == c->end)
		return refuse(c, "a key without a value");
	char first = *c->at;
	if (first == '"' || first == '\'') {
		*type = TOML_STRING;
		return read_string(c, string);
	}
	if (first == '[' && !in_array) {
		*type = TOML_ARRAY;
		return read_array(c);
	}
	static const char *const booleans[] = {"true", "false"};
	for (size_t i = 0; i < 2; i++)
		if (looking_at(c, booleans[i])) {
			c->at += strlen(booleans[i]);
			*type = TOML_BOOLEAN;
			if (!at_value_end(c))
				break;
			return 0;
		}
	if (is_digit(first) || first == '+' || first == '-') {
		*type = TOML_INTEGER;
		return read_integer(c);
	}
	return refuse(c, "a value kimb does not read: only one-line strings, true, false, decimal integers and "
			 "one-line arrays of them");
}

static bool is_bare_key_byte(char byte)
{
	return is_digit(byte) || (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || byte == '_' ||
	       byte == '-';
}

/* KEY = VALUE [# comment] into OUT. */
static int read_pair(struct cursor *c, struct toml_table *out)
{
	const char *key = c->at;
	while (c->at < c->end && is_bare_key_byte(*c->at))
		c->at++;
	if (c->at == key)
		return refuse(c, *key == '"' || *key == '\'' ? "a quoted key, which kimb does not read"
							      : "not a line KEY = VALUE");
	struct toml_pair pair = {.key = xstrndup(key, (size_t)(c->at - key)), .line = c->line};
	skip_blanks(c);
	int status = 0;
	if (c->at < c->end && *c->at == '.')
		status = refuse(c, "a dotted key, which kimb does not read");
	else if (c->at == c->end || *c->at != '=')
		status = refuse(c, "not a line KEY = VALUE");
	else if (toml_find(out, pair.key))
		status = refuse(c, "%s is given a second time", pair.key);
	if (status == 0) {
		c->at++;
		skip_blanks(c);
		status = read_value(c, &pair.type, &pair.string, false);
	}
	if (status == 0)
		status = read_rest_of_line(c);
	if (status != 0) {
		free(pair.key);
		free(pair.string);
		return status;
	}
	array_append(&out->pairs, &out->count, sizeof pair, &pair);
	return 0;
}

int toml_parse(const char *text, size_t length, struct toml_table *out, struct message *why)
{
	*out = (struct toml_table){0};
	struct cursor c = {.why = why};
	int status = 0;
	for (const char *line = text; status == 0 && line < text + length;) {
		const char *newline = memchr(line, '\n', (size_t)(text + length - line));
		const char *end = newline ? newline : text + length;
		c.line++;
		c.at = line;
		/* CRLF ends a line as LF does. */
		c.end = newline && end > line && end[-1] == '\r' ? end - 1 : end;
		line = newline ? newline + 1 : end;
		if (memchr(c.at, '\0', (size_t)(end - c.at)))
			status = refuse(&c, "a NUL byte");
		skip_blanks(&c);
		if (status != 0 || c.at == c.end)
			continue;
		/* A table: the top level ends here. */
		if (*c.at == '[')
			break;
		status = *c.at == '#' ? read_rest_of_line(&c) : read_pair(&c, out);
	}
	if (status != 0)
		toml_free(out);
	return status;
}

int toml_read_file(const char *path, struct toml_table *out, struct message *why)
{
	*out = (struct toml_table){0};
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT)
			return 1;
		message_add(why, "%s", strerror(errno));
		return -1;
	}
	struct stat status;
	char *text = NULL;
	size_t length = 0;
	bool unread = true;
	if (fstat(fd, &status) == -1)
		message_add(why, "%s", strerror(errno));
	else if (!S_ISREG(status.st_mode))
		message_add(why, "not a regular file");
	else if (status.st_size > TOML_SIZE_LIMIT)
		message_add(why, "larger than %d bytes", TOML_SIZE_LIMIT);
	else {
		length = (size_t)status.st_size;
		text = xmalloc(length + 1);
		ssize_t got = pread(fd, text, length, 0);
		unread = got != (ssize_t)length;
		if (unread)
			message_add(why, "%s", got < 0 ? strerror(errno) : "it changed while it was read");
	}
	(void)close(fd); /* only read: nothing to lose */
	int result = unread ? -1 : toml_parse(text, length, out, why);
	free(text);
	return result;
}

const struct toml_pair *toml_find(const struct toml_table *table, const char *key)
{
	for (size_t i = 0; i < table->count; i++)
		if (strcmp(table->pairs[i].key, key) == 0)
			return &table->pairs[i];
	return NULL;
}

void toml_free(struct toml_table *table)
{
	for (size_t i = 0; i < table->count; i++) {
		free(table->pairs[i].key);
		free(table->pairs[i].string);
	}
	free(table->pairs);
	*table = (struct toml_table){0};
}
