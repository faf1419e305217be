/* SPDX-License-Identifier: Apache-2.0 */
#include "complete.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "session.h"
#include "listing.h"
#include "message.h"
#include "status.h"
#include "tagscheme.h"
#include "workload.h"

bool complete_needs_builder(enum completion what)
{
	return what == COMPLETE_GLOBAL_FLAGS || what == COMPLETE_BUILD_FLAGS || what == COMPLETE_REPOSITORIES;
}

static int cannot_write(void)
{
	report_say("cannot write to stdout");
	return STATUS_FAILURE;
}

static int print_spelling(const char *dashes, const char *name, size_t length, bool takes_value)
{
	return printf("%s%.*s%s\n", dashes, (int)length, name, takes_value ? "=" : "") < 0 ? -1 : 0;
}

static int print_flags(const struct flag_spec *flags)
{
	for (; flags->long_name; flags++) {
		if (print_spelling("--", flags->long_name, strlen(flags->long_name), flags->takes_value) < 0)
			return -1;
		if (flags->short_name && print_spelling("-", &flags->short_name, 1, flags->takes_value) < 0)
			return -1;
	}
	return 0;
}

static int print_words(const char *first, const char *const *words)
{
	if (first && printf("%s\n", first) < 0)
		return -1;
	for (; *words; words++)
		if (printf("%s\n", *words) < 0)
			return -1;
	return 0;
}

static int print_options(void)
{
	bool takes_value;
	const char *name;
	for (size_t i = 0; (name = options_kimb_option(i, &takes_value)); i++)
		if (print_spelling("--", name, strlen(name), takes_value) < 0)
			return -1;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Prints the names LISTING shows with a repository, sorted, each once; not podman's internal
 * names, which no user gives. */
static int print_repositories(const struct listing *listing)
{
	const char **names = NULL;
	size_t count = 0;
	for (size_t i = 0; i < listing->count; i++)
		for (size_t j = 0; j < listing->images[i].name_count; j++)
			if (listing->images[i].names[j].shown && !listing_is_internal_name(listing->images[i].names[j].shown))
				array_append(&names, &count, sizeof *names, &listing->images[i].names[j].shown);
	if (count)
		qsort(names, count, sizeof *names, compare_names);
	int written = 0;
	for (size_t i = 0; i < count && written >= 0; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			written = printf("%s\n", names[i]);
	free(names);
	return written >= 0 && fflush(stdout) == 0 ? STATUS_OK : cannot_write();
}

/* The builder's listing, within COMPLETE_LISTING_SECONDS: a shell waits for it. */
static int list(const struct builder *builder, const struct options *options, struct process_result *result)
{
	struct session session = {.builder = builder, .options = options};
	struct command call;
	session_builder_command(&session, &call, builder->list_command);
	call.time_limit = COMPLETE_LISTING_SECONDS;
	return session_capture(&session, &call, "list images", "no repositories to offer", result);
}

static int print_repositories_listed(const struct builder *builder, const struct options *options)
{
	struct process_result result;
	int status = list(builder, options, &result);
	if (status != STATUS_OK)
		return status;
	struct listing listing = {0};
	struct listing_error error;
	if (builder->parse_listing(result.output, result.output_length, &listing, &error) < 0) {
		report_say("cannot read the image listing: %s; no repositories to offer", error.message);
		status = STATUS_LISTING;
	} else
		status = print_repositories(&listing);
	process_result_free(&result);
	listing_free(&listing);
	return status;
}

int complete_print(enum completion what, const struct builder *builder, const struct options *options)
{
	int result = 0;
	switch (what) {
	case COMPLETE_OPTIONS:
		result = print_options();
		break;
	case COMPLETE_BUILDERS:
		result = print_words("auto", builder_names);
		break;
	case COMPLETE_SCHEMES:
		result = print_words(NULL, tagscheme_names);
		break;
	case COMPLETE_GLOBAL_FLAGS:
		result = print_flags(builder->global_flags);
		break;
	case COMPLETE_BUILD_FLAGS:
		result = print_flags(builder->build_flags);
		break;
	case COMPLETE_REPOSITORIES:
		return print_repositories_listed(builder, options);
	case COMPLETE_WORKLOADS:
		for (size_t i = 0; result == 0 && i < WORKLOAD_KIND_COUNT; i++)
			result = printf("%s\n", workload_kinds[i].name) < 0 ? -1 : 0;
		break;
	}
	return result == 0 && fflush(stdout) == 0 ? STATUS_OK : cannot_write();
}
