/* SPDX-License-Identifier: Apache-2.0 */
#include "reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define NAME_LENGTH_MAX 255
#define TAG_LENGTH_MAX 128
#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_PREFIX "library/"

#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGITS "0123456789"

static const char lower_hex[] = DIGITS "abcdef";

/* The length of the longest prefix of the LENGTH bytes at TEXT made of bytes in SET. */
static size_t span_of(const char *text, size_t length, const char *set)
{
	/* strspn reads SET once, where a strchr per character reads it again each time: this is the
	 * hot loop of reading a 100,000-row listing. TEXT is always within a C string, so going past
	 * LENGTH is harmless. */
	size_t n = strspn(text, set);
	return n < length ? n : length;
}

static bool contains_any(const char *text, size_t length, const char *set)
{
	size_t n = strcspn(text, set);
	return n < length && text[n] != '\0';
}

static bool tag_is_valid(const char *tag, size_t length)
{
	static const char tag_first[] = UPPER LOWER DIGITS "_";
	static const char tag_rest[] = UPPER LOWER DIGITS "_.-";

	return length >= 1 && length <= TAG_LENGTH_MAX && span_of(tag, 1, tag_first) == 1 &&
	       span_of(tag, length, tag_rest) == length;
}

bool reference_tag_is_valid(const char *tag)
{
	return tag_is_valid(tag, strlen(tag));
}

/* algorithm ":" encoded, algorithm [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*, encoded
 * [0-9a-fA-F]{32,}; sha256, the only algorithm kim uses, must be exactly 64 lower-case hex digits. */
static bool digest_is_valid(const char *digest)
{
	static const char algorithm_separators[] = "-_+.";
	const char *colon = strchr(digest, ':');
	if (!colon)
		return false;
	size_t algorithm_length = (size_t)(colon - digest);
	for (size_t i = 0;;) {
		if (span_of(digest + i, algorithm_length - i, UPPER LOWER) == 0)
			return false;
		i += span_of(digest + i, algorithm_length - i, UPPER LOWER DIGITS);
		if (i == algorithm_length)
			break;
		if (!strchr(algorithm_separators, digest[i]))
			return false;
		i++;
	}

	const char *encoded = colon + 1;
	size_t encoded_length = strlen(encoded);
	if (algorithm_length == strlen("sha256") && memcmp(digest, "sha256", algorithm_length) == 0)
		return encoded_length == 64 && span_of(encoded, encoded_length, lower_hex) == encoded_length;
	return encoded_length >= 32 && span_of(encoded, encoded_length, DIGITS "abcdefABCDEF") == encoded_length;
}

/* [A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])? joined by '.', then an optional ":PORT" of digits. */
static bool domain_is_valid(const char *domain, size_t length)
{
	static const char label_chars[] = UPPER LOWER DIGITS "-";
	size_t i = 0;
	for (;;) {
		size_t label = span_of(domain + i, length - i, label_chars);
		if (label == 0 || domain[i] == '-' || domain[i + label - 1] == '-')
			return false;
		i += label;
		if (i == length || domain[i] != '.')
			break;
		i++;
	}
	if (i == length)
		return true;
	if (domain[i] != ':')
		return false;
	i++;
	size_t port = span_of(domain + i, length - i, DIGITS);
	return port > 0 && i + port == length;
}

/* A component is [a-z0-9]+ joined by '.', '_', '__' or a run of '-'. */
static bool path_component_is_valid(const char *component, size_t length)
{
	size_t i = 0;
	for (;;) {
		size_t run = span_of(component + i, length - i, LOWER DIGITS);
		if (run == 0)
			return false;
		i += run;
		if (i == length)
			return true;
		if (component[i] == '.')
			i++;
		else if (component[i] == '_')
			i += i + 1 < length && component[i + 1] == '_' ? 2 : 1;
		else if (component[i] == '-')
			i += span_of(component + i, length - i, "-");
		else
			return false;
	}
}

static bool path_is_valid(const char *path, size_t length)
{
	size_t start = 0;
	for (;;) {
		const char *slash = memchr(path + start, '/', length - start);
		size_t end = slash ? (size_t)(slash - path) : length;
		if (!path_component_is_valid(path + start, end - start))
			return false;
		if (!slash)
			return true;
		start = end + 1;
	}
}

/* Docker takes the first component for a registry only when it cannot be a Hub user name. */
static bool is_domain_component(const char *component, size_t length)
{
	return contains_any(component, length, ".:") || contains_any(component, length, UPPER) ||
	       (length == strlen("localhost") && memcmp(component, "localhost", length) == 0);
}

struct name_parts {
	bool domain_given;  /* the name starts with a registry domain */
	const char *domain; /* normalized: DEFAULT_DOMAIN, or the registry as written */
	size_t domain_length;
	const char *prefix; /* OFFICIAL_PREFIX or "" */
	const char *path;
	size_t path_length;
};

/* Splits the NAME_LENGTH bytes at NAME (tag and digest already cut off) into their normalized parts.
 * Returns NULL, or the reason the name is invalid. */
static const char *split_name(const char *name, size_t name_length, struct name_parts *parts)
{
	if (name_length == 0)
		return "missing repository name";
	if (name_length == 64 && span_of(name, name_length, lower_hex) == 64)
		return "repository name must not be 64 hexadecimal digits";

	const char *slash = memchr(name, '/', name_length);
	size_t first_length = slash ? (size_t)(slash - name) : 0;
	if (slash && is_domain_component(name, first_length)) {
		if (!domain_is_valid(name, first_length))
			return "invalid registry domain";
		bool legacy = first_length == strlen(LEGACY_DEFAULT_DOMAIN) &&
			      memcmp(name, LEGACY_DEFAULT_DOMAIN, first_length) == 0;
		parts->domain_given = true;
		parts->domain = legacy ? DEFAULT_DOMAIN : name;
		parts->domain_length = legacy ? strlen(DEFAULT_DOMAIN) : first_length;
		parts->path = slash + 1;
	} else {
		parts->domain_given = false;
		parts->domain = DEFAULT_DOMAIN;
		parts->domain_length = strlen(DEFAULT_DOMAIN);
		parts->path = name;
	}
	parts->path_length = name_length - (size_t)(parts->path - name);

	if (contains_any(parts->path, parts->path_length, UPPER))
		return "repository name must be lower-case";
	if (!path_is_valid(parts->path, parts->path_length))
		return "invalid repository name";

	bool on_hub = parts->domain_length == strlen(DEFAULT_DOMAIN) &&
		      memcmp(parts->domain, DEFAULT_DOMAIN, parts->domain_length) == 0;
	parts->prefix = on_hub && !memchr(parts->path, '/', parts->path_length) ? OFFICIAL_PREFIX : "";
	/* Docker measures the normalized name, so "docker.io/library/" counts for a familiar one. */
	if (parts->domain_length + 1 + strlen(parts->prefix) + parts->path_length > NAME_LENGTH_MAX)
		return "name longer than 255 characters";
	return NULL;
}

int reference_parse(const char *text, struct reference *out, const char **why)
{
	size_t length = strlen(text);
	if (length == 0) {
		*why = "empty reference";
		return -1;
	}

	const char *at = strchr(text, '@');
	size_t rest_end = at ? (size_t)(at - text) : length;
	if (at && !digest_is_valid(at + 1)) {
		*why = "invalid digest";
		return -1;
	}

	/* A ':' followed by a '/' separates a registry port, not a tag. */
	size_t name_end = rest_end;
	for (size_t i = rest_end; i-- > 0 && text[i] != '/';) {
		if (text[i] == ':') {
			name_end = i;
			break;
		}
	}
	bool has_tag = name_end < rest_end;
	const char *tag = has_tag ? text + name_end + 1 : NULL;
	size_t tag_length = has_tag ? rest_end - name_end - 1 : 0;
	if (has_tag && !tag_is_valid(tag, tag_length)) {
		*why = "invalid tag";
		return -1;
	}

	struct name_parts parts;
	const char *invalid = split_name(text, name_end, &parts);
	if (invalid) {
		*why = invalid;
		return -1;
	}

	*out = (struct reference){
		.name = xstrndup(text, name_end),
		.repository = xprintf("%.*s/%s%.*s", (int)parts.domain_length, parts.domain, parts.prefix,
				      (int)parts.path_length, parts.path),
		.tag = has_tag ? xstrndup(tag, tag_length) : NULL,
		.digest = at ? xstrdup(at + 1) : NULL,
		.domain_given = parts.domain_given,
	};
	return 0;
}

void reference_free(struct reference *ref)
{
	free(ref->name);
	free(ref->repository);
	free(ref->tag);
	free(ref->digest);
	ref->name = ref->repository = ref->tag = ref->digest = NULL;
}

char *reference_join(const char *name, const char *tag)
{
	return xprintf("%s:%s", name, tag);
}
