#include "build.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reference.h"
#include "status.h"
#include "tagscheme.h"
#include "timeformat.h"
#include "xalloc.h"

/* --LABEL_FLAG=KEY=R1,R2: the normalized repositories of the build, which kimb checks against its
 * record before it takes a nameless image for one of theirs. */
static char *repositories_label(const char *label_flag, const struct options *options)
{
	char *label = xprintf("--%s=%s=", label_flag, KIMB_REPOSITORIES_LABEL);
	for (size_t i = 0; i < options->target_count; i++) {
		char *longer = xprintf("%s%s%s", label, i ? "," : "", options->targets[i].repository);
		free(label);
		label = longer;
	}
	return label;
}

int build_prepare(struct run *run)
{
	const struct options *options = run->options;
	char why[512];
	if (tagscheme_prepare(options->scheme, options->context, env_process, &run->git_tag, why, sizeof why) < 0) {
		report_say("%s", why);
		return STATUS_USAGE;
	}
	if (why[0])
		report_say("%s", why);
	if (!run->git_tag && timeformat_check(options->time_format, why, sizeof why) < 0) {
		report_say("--time-format: %s", why);
		return STATUS_USAGE;
	}
	/* The tag is made under the locks; whether the format makes valid tags is known before. */
	char *sample = run->git_tag ? NULL : tagscheme_time(options->time_format, time(NULL), why, sizeof why);
	bool valid = run->git_tag || (sample && reference_tag_is_valid(sample));
	if (!valid)
		report_say("--time-format: the unique tag '%s' is not a valid tag", sample ? sample : why);
	free(sample);
	if (!valid)
		return STATUS_USAGE;
	if (run->git_tag && !reference_tag_is_valid(run->git_tag)) {
		report_say("the unique tag '%s' is not a valid tag", run->git_tag);
		return STATUS_USAGE;
	}
	if (run->builder->label_flag)
		run->label = repositories_label(run->builder->label_flag, options);
	static const char *const iidfile_names[] = {"iidfile", NULL};
	run->user_iidfile = run->builder->iidfile_flag ? options_flag_value(options, iidfile_names) : NULL;
	return STATUS_OK;
}

int build_make_tag(struct run *run)
{
	const struct options *options = run->options;
	if (run->git_tag) {
		run->unique_tag = run->git_tag;
		run->git_tag = NULL;
	} else {
		char why[PATH_MAX + 512];
		time_t now;
		if (lock_issue_second(run->locks, &now, why, sizeof why) != 0) {
			caller_stop_if_interrupted(&run->caller);
			report_say("%s", why);
			return STATUS_FAILURE;
		}
		if (!(run->unique_tag = tagscheme_time(options->time_format, now, why, sizeof why))) {
			report_say("%s", why);
			return STATUS_USAGE;
		}
		if (!reference_tag_is_valid(run->unique_tag)) {
			report_say("the unique tag '%s' is not a valid tag (check --time-format)", run->unique_tag);
			return STATUS_USAGE;
		}
	}
	for (size_t i = 0; i < run->repository_count; i++) {
		struct repository_run *repository = &run->repositories[i];
		repository->unique_reference = reference_join(repository->target->name, run->unique_tag);
		repository->report->reference = repository->unique_reference;
		/* The user's own NAME or NAME:latest is already among the build flags. */
		if (!repository->target->latest_given)
			repository->latest_reference = reference_join(repository->target->name, "latest");
		repository->report->latest = repository->latest_reference;
	}
	return STATUS_OK;
}

/* A file the builder writes the new image's ID to, made empty here so that it is ours. */
static int make_iidfile(struct run *run)
{
	if (!run->builder->iidfile_flag || run->user_iidfile)
		return STATUS_OK;
	const char *directory = getenv("TMPDIR");
	snprintf(run->iidfile, sizeof run->iidfile, "%s/kimb-iid.XXXXXX",
		 directory && *directory && strlen(directory) < sizeof run->iidfile - 32 ? directory : "/tmp");
	int fd = mkstemp(run->iidfile);
	if (fd == -1) {
		report_say("cannot make a file for the new image's ID in %s: %s", run->iidfile, strerror(errno));
		run->iidfile[0] = '\0';
		return STATUS_FAILURE;
	}
	(void)close(fd); /* empty: nothing to lose */
	return STATUS_OK;
}

/* Reads the new image's ID from the iidfile, when the builder wrote one. */
static void read_new_id(struct run *run)
{
	const char *path = run->user_iidfile ? run->user_iidfile : run->iidfile[0] ? run->iidfile : NULL;
	char text[128] = "";
	FILE *file = path ? fopen(path, "r") : NULL;
	if (file) {
		size_t length = fread(text, 1, sizeof text - 1, file);
		text[length] = '\0';
		(void)fclose(file); /* only read */
	}
	text[strcspn(text, "\r\n")] = '\0';
	const char *id = listing_full_id(text, strlen(text));
	if (id) {
		run->new_id = xstrndup(id, 64);
		run->report.new_id = run->new_id;
	}
}

/* The build call: the user's build flags, then each repository's unique and latest tags, kimb's
 * label and iidfile, and the context after "--". */
static void assemble_build(const struct run *run, struct call *call, char *tag_flag, char *iidfile_flag)
{
	caller_builder_call(&run->caller, call, run->builder->build_command);
	call_add_words(call, run->options->build_args.words, run->options->build_args.count);
	for (size_t i = 0; i < run->repository_count; i++) {
		call_add(call, tag_flag);
		call_add(call, run->repositories[i].unique_reference);
		if (run->repositories[i].latest_reference) {
			call_add(call, tag_flag);
			call_add(call, run->repositories[i].latest_reference);
		}
	}
	if (run->label)
		call_add(call, run->label);
	if (run->iidfile[0]) {
		call_add(call, iidfile_flag);
		call_add(call, run->iidfile);
	}
	call_add(call, "--");
	call_add(call, run->options->context);
}

int build_run(struct run *run)
{
	const struct builder *builder = run->builder;
	int status = make_iidfile(run);
	if (status != STATUS_OK)
		return status;
	char *tag_flag = xprintf("--%s", builder->tag_flag);
	char *iidfile_flag = xprintf("--%s", builder->iidfile_flag ? builder->iidfile_flag : "");
	struct call call;
	assemble_build(run, &call, tag_flag, iidfile_flag);
	struct run_result result;
	caller_run(&run->caller, &call, RUN_STDOUT_TO_STDERR, &result);
	free(tag_flag);
	free(iidfile_flag);
	status = caller_status_of_broken_run(&run->caller, &result, run->caller.executable);
	if (status < 0 && result.status != 0) {
		report_say("%s build failed with status %d; nothing removed", builder->name, result.status);
		status = result.status;
	}
	run_result_free(&result);
	if (status >= 0)
		return status;
	read_new_id(run);
	return STATUS_OK;
}
