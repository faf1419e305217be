#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
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
			session_stop_if_interrupted(&run->session);
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

/* The file the builder writes the new image's ID to: in a directory only kimb's user can enter,
 * made here, so that no one else can put anything in its place. */
static int make_iidfile(struct run *run)
{
	if (!run->builder->iidfile_flag)
		return STATUS_OK;
	const char *parent = getenv("TMPDIR");
	if (!parent || !*parent || strlen(parent) > sizeof run->iid_directory - sizeof "/kimb-iid.XXXXXX")
		parent = "/tmp";
	snprintf(run->iid_directory, sizeof run->iid_directory, "%s/kimb-iid.XXXXXX", parent);
	if (!mkdtemp(run->iid_directory)) {
		report_say("cannot make a directory for the new image's ID in %s: %s", parent, strerror(errno));
		run->iid_directory[0] = '\0';
		return STATUS_FAILURE;
	}
	snprintf(run->iidfile, sizeof run->iidfile, "%s/iid", run->iid_directory);
	return STATUS_OK;
}

/* Reads the new image's ID from the iidfile, when the builder wrote one, into TEXT (SIZE bytes, the
 * file's words as the builder wrote them). */
static void read_new_id(struct run *run, char *text, size_t size)
{
	text[0] = '\0';
	FILE *file = run->iidfile[0] ? fopen(run->iidfile, "r") : NULL;
	if (file) {
		size_t length = fread(text, 1, size - 1, file);
		text[length] = '\0';
		(void)fclose(file); /* only read */
	}
	size_t line = strcspn(text, "\r\n");
	const char *id = listing_full_id(text, line);
	if (id) {
		run->new_id = xstrndup(id, 64);
		run->report.new_id = run->new_id;
	}
}

/* Writes the builder's iidfile TEXT to the user's --iidfile, which may be a stream (/dev/stdout, a
 * FIFO): never read back, and opened without waiting for a reader, so that kimb cannot hang there
 * holding the locks. It ends in a newline, so that on kimb's stdout the references that follow
 * stay lines of their own. */
static int write_user_iidfile(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC, 0666);
	char *line = xprintf("%s%s", text, *text && text[strlen(text) - 1] == '\n' ? "" : "\n");
	size_t length = strlen(line);
	bool written = fd != -1 && write(fd, line, length) == (ssize_t)length;
	free(line);
	if (written && close(fd) == 0)
		return STATUS_OK;
	int error = errno;
	if (fd != -1)
		(void)close(fd); /* failed already */
	report_say("cannot write the new image's ID to --iidfile %s: %s; nothing removed", path,
		   error == ENXIO ? "no process reads that FIFO" : strerror(error));
	return STATUS_FAILURE;
}

/* The build call: the user's build flags, then each repository's unique and latest tags, kimb's
 * label and iidfile, and the context after "--". */
static void assemble_build(const struct run *run, struct command *call, char *tag_flag, char *iidfile_flag)
{
	session_builder_command(&run->session, call, run->builder->build_command);
	command_add_words(call, run->options->build_args.words, run->options->build_args.count);
	for (size_t i = 0; i < run->repository_count; i++) {
		command_add(call, tag_flag);
		command_add(call, run->repositories[i].unique_reference);
		if (run->repositories[i].latest_reference) {
			command_add(call, tag_flag);
			command_add(call, run->repositories[i].latest_reference);
		}
	}
	if (run->label)
		command_add(call, run->label);
	if (run->iidfile[0]) {
		command_add(call, iidfile_flag);
		command_add(call, run->iidfile);
	}
	command_add(call, "--");
	command_add(call, run->options->context);
}

/* The status a build that ended as RESULT says, and what the report records of it. A failed build
 * (non-zero, or killed) has a status of its own, whatever the builder's was: a builder's status
 * may be any of kimb's own (kim exits 4 for a failed step as readily as 1), and a script that lets
 * an old image's failed removal pass (status 4) must not let a failed build pass too. */
static int build_outcome(struct run *run, const struct process_result *result)
{
	struct build_outcome *outcome = &run->report.build;
	const char *name = run->builder->name;
	switch (result->outcome) {
	case PROCESS_EXITED:
		*outcome = (struct build_outcome){.ran = true, .exit_status = result->status};
		if (result->status == 0)
			return STATUS_OK;
		report_say("%s build failed with status %d; nothing removed", name, result->status);
		return STATUS_BUILD_FAILED;
	case PROCESS_SIGNALED:
		process_signal_name(result->status, run->build_signal, sizeof run->build_signal);
		*outcome = (struct build_outcome){.ran = true, .signal_name = run->build_signal};
		report_say("%s build was killed by %s; nothing removed", name, run->build_signal);
		return STATUS_BUILD_FAILED;
	case PROCESS_TIMED_OUT: /* the build has no time limit */
	case PROCESS_NOT_FOUND:
	case PROCESS_FAILED:
		break;
	}
	int status = session_status_of_broken_run(&run->session, result, run->options->executable);
	return status < 0 ? STATUS_FAILURE : status;
}

/* After a failed build no reference names an image: the report names none. */
static void forget_references(struct run *run)
{
	for (size_t i = 0; i < run->repository_count; i++) {
		run->repositories[i].report->reference = NULL;
		run->repositories[i].report->latest = NULL;
	}
}

int build_run(struct run *run)
{
	const struct builder *builder = run->builder;
	int status = make_iidfile(run);
	if (status != STATUS_OK)
		return status;
	char *tag_flag = xprintf("--%s", builder->tag_flag);
	char *iidfile_flag = xprintf("--%s", builder->iidfile_flag ? builder->iidfile_flag : "");
	struct command call;
	assemble_build(run, &call, tag_flag, iidfile_flag);
	/* The build's output is no result of kimb's, and a build may take as long as it takes. */
	call.output = PROCESS_OUTPUT_TO_STDERR;
	call.time_limit = 0;
	struct process_result result;
	session_run(&run->session, &call, &result);
	command_free(&call);
	free(tag_flag);
	free(iidfile_flag);
	status = build_outcome(run, &result);
	process_result_free(&result);
	if (status != STATUS_OK) {
		forget_references(run);
		return status;
	}
	char iid_text[128];
	read_new_id(run, iid_text, sizeof iid_text);
	return run->options->iidfile ? write_user_iidfile(run->options->iidfile, iid_text) : STATUS_OK;
}
