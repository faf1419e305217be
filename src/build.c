/* SPDX-License-Identifier: Apache-2.0 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "message.h"
#include "reference.h"
#include "status.h"
#include "gittag.h"
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

int build_prepare(const struct session *session, struct build *out)
{
	*out = (struct build){0};
	struct build *build = out;
	const struct options *options = session->options;
	struct message why = {0};
	int prepared =
		gittag_prepare(options->scheme, options->context, options->flag_values, options->flag_value_count,
			       &options->environment, &build->git_tag, &why);
	/* A failure's reason, or a line to say on success. */
	if (why.text)
		report_say("%s", why.text);
	message_free(&why);
	if (prepared < 0)
		return STATUS_USAGE;
	if (!build->git_tag && timeformat_check(options->time_format, &why) < 0) {
		report_say("--time-format: %s", why.text);
		message_free(&why);
		return STATUS_USAGE;
	}
	/* The tag is made under the locks; whether the format makes valid tags is known before. */
	char *sample = build->git_tag ? NULL : tagscheme_time(options->time_format, time(NULL), &why);
	bool valid = build->git_tag || (sample && reference_tag_is_valid(sample));
	if (!valid)
		report_say("--time-format: the unique tag '%s' is not a valid tag", sample ? sample : why.text);
	free(sample);
	message_free(&why);
	if (!valid)
		return STATUS_USAGE;
	if (build->git_tag && !reference_tag_is_valid(build->git_tag)) {
		report_say("the unique tag '%s' is not a valid tag", build->git_tag);
		return STATUS_USAGE;
	}
	if (session->builder->label_flag)
		build->label = repositories_label(session->builder->label_flag, options);
	return STATUS_OK;
}

int build_make_tag(const struct session *session, struct lock_set *locks, struct build *build)
{
	const struct options *options = session->options;
	if (build->git_tag) {
		build->unique_tag = build->git_tag;
		build->git_tag = NULL;
	} else {
		struct message why = {0};
		time_t now;
		int made = options->dry_run ? lock_next_second(locks, &now, &why) : lock_issue_second(locks, &now, &why);
		if (made != 0) {
			session_stop_if_interrupted(session);
			report_say("%s", why.text);
			message_free(&why);
			return STATUS_FAILURE;
		}
		if (!(build->unique_tag = tagscheme_time(options->time_format, now, &why))) {
			report_say("%s", why.text);
			message_free(&why);
			return STATUS_USAGE;
		}
		if (!reference_tag_is_valid(build->unique_tag)) {
			report_say("the unique tag '%s' is not a valid tag (check --time-format)", build->unique_tag);
			return STATUS_USAGE;
		}
	}
	build->count = options->target_count;
	build->references = xcalloc(build->count + 1, sizeof *build->references);
	build->latest_references = xcalloc(build->count + 1, sizeof *build->latest_references);
	build->latest_names = xcalloc(build->count + 1, sizeof *build->latest_names);
	for (size_t i = 0; i < build->count; i++) {
		const struct target *target = &options->targets[i];
		build->references[i] = reference_join(target->name, build->unique_tag);
		build->latest_names[i] = reference_join(target->name, "latest");
		/* The user's own NAME or NAME:latest is already among the build flags. */
		if (!target->latest_given)
			build->latest_references[i] = reference_join(target->name, "latest");
	}
	return STATUS_OK;
}

/* The file the builder writes the new image's ID to: in a directory only kimb's user can enter,
 * made here, so that no one else can put anything in its place. */
static int make_iidfile(const struct session *session, struct build *build)
{
	if (!session->builder->iidfile_flag)
		return STATUS_OK;
	const char *parent = env_nonempty(&session->options->environment, ENV_TMPDIR);
	if (!parent || strlen(parent) > sizeof build->iid_directory - sizeof "/kimb-iid.XXXXXX")
		parent = "/tmp";
	snprintf(build->iid_directory, sizeof build->iid_directory, "%s/kimb-iid.XXXXXX", parent);
	if (!mkdtemp(build->iid_directory)) {
		report_say("cannot make a directory for the new image's ID in %s: %s", parent, strerror(errno));
		build->iid_directory[0] = '\0';
		return STATUS_FAILURE;
	}
	snprintf(build->iidfile, sizeof build->iidfile, "%s/iid", build->iid_directory);
	return STATUS_OK;
}

/* Reads the new image's ID from the iidfile, when the builder wrote one, into TEXT (SIZE bytes, the
 * file's words as the builder wrote them). */
static void read_new_id(struct build *build, char *text, size_t size)
{
	text[0] = '\0';
	FILE *file = build->iidfile[0] ? fopen(build->iidfile, "r") : NULL;
	if (file) {
		size_t length = fread(text, 1, size - 1, file);
		text[length] = '\0';
		(void)fclose(file); /* only read */
	}
	size_t line = strcspn(text, "\r\n");
	const char *id = listing_full_id(text, line);
	if (id)
		build->new_id = xstrndup(id, 64);
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
static void assemble_build(const struct session *session, const struct build *build, struct command *call,
			   char *tag_flag, char *iidfile_flag)
{
	session_builder_command(session, call, session->builder->build_command);
	command_add_words(call, session->options->build_args.words, session->options->build_args.count);
	for (size_t i = 0; i < build->count; i++) {
		command_add(call, tag_flag);
		command_add(call, build->references[i]);
		if (build->latest_references[i]) {
			command_add(call, tag_flag);
			command_add(call, build->latest_references[i]);
		}
	}
	if (build->label)
		command_add(call, build->label);
	if (build->iidfile[0]) {
		command_add(call, iidfile_flag);
		command_add(call, build->iidfile);
	}
	command_add(call, "--");
	command_add(call, session->options->context);
}

/* The status a build that ended as RESULT says, and what the report records of it. A failed build
 * (non-zero, or killed) has a status of its own, whatever the builder's was: a builder's status
 * may be any of kimb's own (kim exits 4 for a failed step as readily as 1), and a script that lets
 * an old image's failed removal pass (status 4) must not let a failed build pass too. */
static int build_outcome(const struct session *session, struct build *build, const struct process_result *result)
{
	struct build_outcome *outcome = &build->outcome;
	const char *name = session->builder->name;
	switch (result->outcome) {
	case PROCESS_EXITED:
		*outcome = (struct build_outcome){.ran = true, .exit_status = result->status};
		if (result->status == 0)
			return STATUS_OK;
		report_say("%s build failed with status %d; nothing removed", name, result->status);
		return STATUS_BUILD_FAILED;
	case PROCESS_SIGNALED:
		process_signal_name(result->status, build->signal, sizeof build->signal);
		*outcome = (struct build_outcome){.ran = true, .signal_name = build->signal};
		report_say("%s build was killed by %s; nothing removed", name, build->signal);
		return STATUS_BUILD_FAILED;
	case PROCESS_TIMED_OUT: /* the build has no time limit */
	case PROCESS_NOT_FOUND:
	case PROCESS_FAILED:
		break;
	}
	int status = session_status_of_broken_run(session, result, session->options->executable);
	return status < 0 ? STATUS_FAILURE : status;
}

static void free_references(struct build *build)
{
	for (size_t i = 0; i < build->count; i++) {
		free(build->references[i]);
		free(build->latest_references[i]);
		free(build->latest_names[i]);
	}
	free(build->references);
	free(build->latest_references);
	free(build->latest_names);
	build->references = build->latest_references = build->latest_names = NULL;
	build->count = 0;
}

bool build_output_tells_id(const struct session *session)
{
	/* kim draws its progress on a console, stderr, where kimb does not read; else it writes it
	 * plainly on stdout, which kimb reads. */
	return session->builder->read_build_id && !isatty(STDERR_FILENO);
}

int build_run(const struct session *session, struct build *build, struct side_call *beside)
{
	const struct builder *builder = session->builder;
	int status = make_iidfile(session, build);
	if (status != STATUS_OK)
		return status;
	char *tag_flag = xprintf("--%s", builder->tag_flag);
	char *iidfile_flag = xprintf("--%s", builder->iidfile_flag ? builder->iidfile_flag : "");
	struct command call;
	assemble_build(session, build, &call, tag_flag, iidfile_flag);
	/* The build's output is no result of kimb's, but where it names the new image kimb reads it as
	 * the user sees it; a build may take as long as it takes. */
	call.output = builder->read_build_id ? PROCESS_CAPTURE_SHOWING : PROCESS_OUTPUT_TO_STDERR;
	call.time_limit = 0;
	struct process_result result;
	session_run_beside(session, &call, &result, beside);
	command_free(&call);
	free(tag_flag);
	free(iidfile_flag);
	status = build_outcome(session, build, &result);
	const char *said = status == STATUS_OK && builder->read_build_id && result.output
				   ? builder->read_build_id(result.output, result.output_length)
				   : NULL;
	if (said)
		build->new_id = xstrndup(said, 64);
	process_result_free(&result);
	if (status != STATUS_OK) {
		free_references(build);
		return status;
	}
	char iid_text[128];
	read_new_id(build, iid_text, sizeof iid_text);
	return session->options->iidfile ? write_user_iidfile(session->options->iidfile, iid_text) : STATUS_OK;
}

void build_remove_iidfile(struct build *build)
{
	/* The builder may not have written it: only what is there goes. */
	if (build->iidfile[0])
		(void)unlink(build->iidfile);
	if (build->iid_directory[0])
		(void)rmdir(build->iid_directory);
	build->iidfile[0] = '\0';
	build->iid_directory[0] = '\0';
}

void build_free(struct build *build)
{
	build_remove_iidfile(build);
	free_references(build);
	free(build->git_tag);
	free(build->unique_tag);
	free(build->label);
	free(build->new_id);
	*build = (struct build){0};
}
