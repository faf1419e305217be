/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_BUILDSCOPE_H
#define KIMB_BUILDSCOPE_H

/* What a build reads from the local disk, for the git schemes: the context directory, the
 * Dockerfile (-f/--file) where it lies outside it, the named contexts (--build-context NAME=DIR) and
 * the ignore file, less the paths the ignore file leaves out of the context. A change outside them
 * cannot change the image, so it does not make the tag dirty. */

#include <stdbool.h>
#include <stddef.h>

#include "message.h"
#include "options.h"

/* The ignore files a build may read: a path is left out only when every one of them leaves it out,
 * so that whichever the builder reads (Docker's .dockerignore or DOCKERFILE.dockerignore, podman's
 * .containerignore), no path it sends is left out. */
struct ignore_file {
	char *path;      /* absolute */
	char **patterns; /* as Docker reads them: cleaned, a leading "!" kept */
	size_t count;
};

struct buildscope {
	char *context;              /* absolute, resolved */
	char **paths;               /* absolute, resolved: the context first, then what lies outside it */
	size_t count;
	char **kept;                /* absolute: files the builder reads whatever the ignore file says */
	size_t kept_count;
	struct ignore_file *ignores;
	size_t ignore_count;
};

/* Reads the scope of a build of CONTEXT (a directory) with the build flags FLAGS (COUNT, as
 * options.h keeps them), relative paths taken from the working directory. Returns 0 with OUT filled
 * (release with buildscope_free), or -1 with a one-line reason added to WHY (an ignore file that
 * cannot be read, a context that cannot be resolved). A Dockerfile or named context that is not
 * there is left out: the build fails on it. */
int buildscope_read(struct buildscope *out, const char *context, const struct flag_value *flags, size_t count,
		    struct message *why);

/* Whether the build leaves out PATH (absolute): it lies in the context, is none of the files kept,
 * and every ignore file leaves it out, as Docker matches patterns (a pattern matching a directory
 * above PATH matches PATH; a later "!" pattern brings it back). */
bool buildscope_excludes(const struct buildscope *scope, const char *path);

/* Whether PATTERN (cleaned, without "!") matches PATH (relative, slash-separated) or a directory
 * above it, as Docker's patternmatcher matches: '*', '?', '[...]' and '\' within one name, "**"
 * any number of names. */
bool buildscope_pattern_matches(const char *pattern, const char *path);

void buildscope_free(struct buildscope *scope);

#endif
