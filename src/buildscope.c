/* SPDX-License-Identifier: Apache-2.0 */
#include "buildscope.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "xalloc.h"

/* Whether the absolute PATH is DIRECTORY or lies below it. */
static bool is_below(const char *path, const char *directory)
{
	size_t length = strlen(directory);

	if (length == 1) /* "/" */
		return true;
	return strncmp(path, directory, length) == 0 && (path[length] == '\0' || path[length] == '/');
}

/* Adds PATH (malloc'd, now SCOPE's) to SCOPE's paths unless the context or a path there holds it. */
static void add_path(struct buildscope *scope, char *path)
{
	for (size_t i = 0; i < scope->count; i++) {
		if (is_below(path, scope->paths[i])) {
			free(path);
			return;
		}
	}
	array_append(&scope->paths, &scope->count, sizeof path, &path);
}

static void add_kept(struct buildscope *scope, char *path)
{
	array_append(&scope->kept, &scope->kept_count, sizeof path, &path);
}

/* The last value of the build flag LONG_NAME in FLAGS (COUNT), or NULL. */
static const char *last_value(const struct flag_value *flags, size_t count, const char *long_name)
{
	const char *value = NULL;

	for (size_t i = 0; i < count; i++)
		if (!flags[i].global && strcmp(flags[i].flag->long_name, long_name) == 0)
			value = flags[i].value;
	return value;
}

/* Removes "." names, folds ".." with the name before it, and doubled slashes, as Go's
 * filepath.Clean; and a leading slash, as Docker reads an ignore file. Works in place. */
static void clean_pattern(char *pattern)
{
	char *out = pattern;
	const char *in = pattern;

	while (*in == '/')
		in++;
	while (*in) {
		const char *end = strchr(in, '/');
		size_t length = end ? (size_t)(end - in) : strlen(in);
		if (length == 0 || (length == 1 && in[0] == '.')) {
			/* nothing */
		} else if (length == 2 && in[0] == '.' && in[1] == '.') {
			while (out > pattern && out[-1] != '/')
				out--;
			if (out > pattern)
				out--;
		} else {
			if (out > pattern)
				*out++ = '/';
			memmove(out, in, length);
			out += length;
		}
		in += length;
		while (*in == '/')
			in++;
	}
	*out = '\0';
}

/* Reads the ignore file PATH into IGNORE as Docker reads it: one pattern a line, blank lines and
 * those starting with '#' left out, white space trimmed. Returns 0, or -1 with a reason in WHY. */
static int read_ignore_file(struct ignore_file *ignore, char *path, struct message *why)
{
	FILE *stream = fopen(path, "r");
	char *line = NULL;
	size_t size = 0;
	ssize_t length;

	*ignore = (struct ignore_file){.path = path};
	if (!stream) {
		message_add(why, "cannot read the ignore file %s: %s", path, strerror(errno));
		return -1;
	}
	while ((length = getline(&line, &size, stream)) >= 0) {
		char *start = line;
		while (*start == ' ' || *start == '\t')
			start++;
		char *end = start + strlen(start);
		while (end > start && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*start == '\0' || *start == '#')
			continue;
		bool exception = *start == '!';
		if (exception)
			start++;
		while (*start == ' ' || *start == '\t')
			start++;
		clean_pattern(start);
		char *pattern = xprintf("%s%s", exception ? "!" : "", start);
		array_append(&ignore->patterns, &ignore->count, sizeof pattern, &pattern);
	}
	bool failed = ferror(stream);
	free(line);
	(void)fclose(stream); /* only read */
	if (failed) {
		message_add(why, "cannot read the ignore file %s", path);
		return -1;
	}
	return 0;
}

static bool is_file(const char *path)
{
	struct stat status;

	return stat(path, &status) == 0 && S_ISREG(status.st_mode);
}

/* The first of CANDIDATES (COUNT, NULL entries skipped) that is a file, or NULL. */
static const char *first_file(const char *const *candidates, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (candidates[i] && is_file(candidates[i]))
			return candidates[i];
	return NULL;
}

/* Adds the ignore file each kind of builder reads, when every kind reads one: BuildKit (docker, kim,
 * nerdctl) DOCKERFILE.dockerignore or .dockerignore, docker's legacy builder .dockerignore,
 * podman and buildah --ignorefile (IGNOREFILE, which only they have), or .containerignore or
 * .dockerignore. */
static int add_ignore_files(struct buildscope *scope, const char *dockerfile, const char *ignorefile,
			    struct message *why)
{
	char *dockerfile_ignore = dockerfile ? xprintf("%s.dockerignore", dockerfile) : NULL;
	char *docker_ignore = xprintf("%s/.dockerignore", scope->context);
	char *container_ignore = xprintf("%s/.containerignore", scope->context);
	const char *chosen[3] = {NULL, NULL, NULL};
	size_t chosen_count = 0;
	int status = 0;

	if (ignorefile) {
		chosen[chosen_count++] = ignorefile;
	} else {
		const char *buildkit[] = {dockerfile_ignore, docker_ignore};
		const char *legacy[] = {docker_ignore};
		const char *podman[] = {container_ignore, docker_ignore};
		chosen[chosen_count++] = first_file(buildkit, 2);
		chosen[chosen_count++] = first_file(legacy, 1);
		chosen[chosen_count++] = first_file(podman, 2);
	}
	bool every_kind_reads_one = true;
	for (size_t i = 0; i < chosen_count; i++)
		every_kind_reads_one = every_kind_reads_one && chosen[i];
	for (size_t i = 0; i < chosen_count && every_kind_reads_one && status == 0; i++) {
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen = seen || strcmp(chosen[i], chosen[j]) == 0;
		if (seen)
			continue;
		char *path = realpath(chosen[i], NULL);
		if (!path) {
			message_add(why, "cannot read the ignore file %s: %s", chosen[i], strerror(errno));
			status = -1;
			break;
		}
		add_kept(scope, xstrdup(path));
		add_path(scope, xstrdup(path));
		struct ignore_file ignore;
		status = read_ignore_file(&ignore, path, why);
		array_append(&scope->ignores, &scope->ignore_count, sizeof ignore, &ignore);
	}
	free(dockerfile_ignore);
	free(docker_ignore);
	free(container_ignore);
	return status;
}

int buildscope_read(struct buildscope *out, const char *context, const struct flag_value *flags, size_t count,
		    struct message *why)
{
	*out = (struct buildscope){0};
	struct buildscope *scope = out;
	scope->context = realpath(context, NULL);
	if (!scope->context) {
		message_add(why, "%s: %s", context, strerror(errno));
		return -1;
	}
	add_path(scope, xstrdup(scope->context));
	/* The builders' default Dockerfiles, and the one -f names ("-": standard input). */
	add_kept(scope, xprintf("%s/Dockerfile", scope->context));
	add_kept(scope, xprintf("%s/Containerfile", scope->context));
	const char *file = last_value(flags, count, "file");
	char *dockerfile = NULL;
	if (file && strcmp(file, "-") != 0) {
		/* One that is not there fails the build: nothing to hash. */
		dockerfile = realpath(file, NULL);
		if (dockerfile) {
			add_kept(scope, xstrdup(dockerfile));
			add_path(scope, xstrdup(dockerfile));
		}
	}
	/* --build-context NAME=DIR; other values (an image, a URL) are not on this disk. */
	for (size_t i = 0; i < count; i++) {
		bool named_context = !flags[i].global && strcmp(flags[i].flag->long_name, "build-context") == 0;
		const char *equals = named_context ? strchr(flags[i].value, '=') : NULL;
		struct stat status;
		if (equals && stat(equals + 1, &status) == 0 && S_ISDIR(status.st_mode)) {
			char *directory = realpath(equals + 1, NULL);
			if (directory)
				add_path(scope, directory);
		}
	}
	int status = add_ignore_files(scope, dockerfile ? dockerfile : scope->kept[0],
				      last_value(flags, count, "ignorefile"), why);
	free(dockerfile);
	if (status != 0)
		buildscope_free(scope);
	return status;
}

/* Whether the names PATTERN[I..] match the names NAMES[J..]. */
static bool names_match(char **pattern, size_t i, size_t pattern_count, char **names, size_t j, size_t count)
{
	if (i == pattern_count)
		return j == count;
	if (strcmp(pattern[i], "**") == 0) {
		for (size_t k = j; k <= count; k++)
			if (names_match(pattern, i + 1, pattern_count, names, k, count))
				return true;
		return false;
	}
	return j < count && fnmatch(pattern[i], names[j], 0) == 0 &&
	       names_match(pattern, i + 1, pattern_count, names, j + 1, count);
}

/* Splits TEXT (a copy, malloc'd into *COPY) at its slashes into *NAMES (malloc'd). */
static size_t split_names(const char *text, char **copy, char ***names)
{
	size_t count = 0;

	*copy = xstrdup(text);
	*names = NULL;
	for (char *name = *copy, *slash; name; name = slash ? slash + 1 : NULL) {
		slash = strchr(name, '/');
		if (slash)
			*slash = '\0';
		array_append(names, &count, sizeof name, &name);
	}
	return count;
}

bool buildscope_pattern_matches(const char *pattern, const char *path)
{
	char *pattern_copy;
	char *path_copy;
	char **pattern_names;
	char **names;
	size_t pattern_count = split_names(pattern, &pattern_copy, &pattern_names);
	size_t count = split_names(path, &path_copy, &names);
	bool matches = false;

	/* The path, or a directory above it. */
	for (size_t end = count; end > 0 && !matches; end--)
		matches = names_match(pattern_names, 0, pattern_count, names, 0, end);
	free(pattern_copy);
	free(path_copy);
	free(pattern_names);
	free(names);
	return matches;
}

/* Whether IGNORE leaves out RELATIVE: the last pattern that matches it is not an exception. */
static bool ignore_excludes(const struct ignore_file *ignore, const char *relative)
{
	bool excluded = false;

	for (size_t i = 0; i < ignore->count; i++) {
		const char *pattern = ignore->patterns[i];
		bool exception = pattern[0] == '!';
		if (excluded == exception && buildscope_pattern_matches(pattern + exception, relative))
			excluded = !exception;
	}
	return excluded;
}

bool buildscope_excludes(const struct buildscope *scope, const char *path)
{
	size_t length = strlen(scope->context);

	if (scope->ignore_count == 0 || !is_below(path, scope->context) || path[length] == '\0')
		return false;
	for (size_t i = 0; i < scope->kept_count; i++)
		if (strcmp(path, scope->kept[i]) == 0)
			return false;
	/* A path right below "/" has no slash of its own after the context. */
	const char *relative = length == 1 ? path + 1 : path + length + 1;
	for (size_t i = 0; i < scope->ignore_count; i++)
		if (!ignore_excludes(&scope->ignores[i], relative))
			return false;
	return true;
}

void buildscope_free(struct buildscope *scope)
{
	free(scope->context);
	for (size_t i = 0; i < scope->count; i++)
		free(scope->paths[i]);
	free(scope->paths);
	for (size_t i = 0; i < scope->kept_count; i++)
		free(scope->kept[i]);
	free(scope->kept);
	for (size_t i = 0; i < scope->ignore_count; i++) {
		for (size_t j = 0; j < scope->ignores[i].count; j++)
			free(scope->ignores[i].patterns[j]);
		free(scope->ignores[i].patterns);
		free(scope->ignores[i].path);
	}
	free(scope->ignores);
	*scope = (struct buildscope){0};
}
