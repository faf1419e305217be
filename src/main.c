/* kimb: builds with a unique tag plus latest, then removes the images that build replaced. */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "builder.h"
#include "listing.h"
#include "lock.h"
#include "options.h"
#include "reference.h"
#include "runner.h"
#include "selection.h"
#include "tagscheme.h"

enum {
	STATUS_OK = 0,
	STATUS_FAILURE = 1,
	STATUS_USAGE = 2,
	STATUS_LISTING = 3,
	STATUS_NOT_FOUND = 127,
	STATUS_SIGNAL_BASE = 128,
};

static const char usage_text[] =
	"usage: kimb [KIMB OPTIONS] [KIM GLOBAL FLAGS] [KIM BUILD FLAGS] PATH\n"
	"       kimb prune [KIMB OPTIONS] [KIM GLOBAL FLAGS] REPOSITORY...\n"
	"       kimb --help | --version\n"
	"\n"
	"Builds PATH with kim, tagging each repository named by -t/--tag with a unique tag and latest,\n"
	"then removes the images of those repositories that the build replaced. Prints REPOSITORY:TAG,\n"
	"the unique reference, one line per repository; everything else goes to stderr.\n"
	"prune removes every image of each REPOSITORY but the one its latest tag points to.\n"
	"\n"
	"Options (also KIMB_SCHEME, KIMB_KEEP; options win over the environment):\n"
	"  --scheme=auto|time|git  the unique tag: the git commit of PATH's work tree (with -dirty), or the\n"
	"                          UTC time; auto (default) takes git when PATH is in a repository with a commit\n"
	"  --time-format=FORMAT    strftime format of time tags (default %Y%m%d.%H%M%S)\n"
	"  --keep=N                keep the N most recent prior images of each repository (default 0);\n"
	"                          recency comes from tags that read as time tags in the --time-format, and\n"
	"                          an image whose recency cannot be established is never one of the N kept\n"
	"  --no-prune              build and tag only\n"
	"  --dry-run               say what would be removed, remove nothing\n"
	"Never removed: the image just built, the image REPOSITORY:latest points to, images of other\n"
	"repositories (an image shared with one only loses its tags of REPOSITORY), images kim refuses\n"
	"to remove because they are in use (named on stderr), images with no name.\n"
	"KIMB_KIM names the kim executable (default: kim on PATH). KIMB_LOCK_DIR holds the per-repository\n"
	"locks (default /tmp/kimb-locks).\n"
	"\n"
	"Exit status: 0 done (also when kim refused to remove an image in use); kim build's own status\n"
	"when the build fails (nothing removed); 2 usage; 3 built, but the listing failed or could not be\n"
	"read (nothing removed); 127 kim not found; 128+N kim was killed by signal N; 1 other failures.\n"
	"On SIGINT or SIGTERM kimb stops kim, removes nothing more, and dies of the same signal.\n";

static void say(const char *format, ...)
{
	va_list args;
	va_start(args, format);
	fputs("kimb: ", stderr);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
	va_end(args);
}

static void stop_if_interrupted(void)
{
	if (runner_interrupted())
		runner_die_of_interrupt();
}

static int append_word(struct word_list *call, const char *word)
{
	return array_append(&call->words, &call->count, sizeof word, &word);
}

static int append_words(struct word_list *call, const char *const *words, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (append_word(call, words[i]) < 0)
			return -1;
	return 0;
}

static size_t count_words(const char *const *words)
{
	size_t count = 0;
	while (words[count])
		count++;
	return count;
}

/* Every call starts with the executable and the global flags, so that each reaches the same cluster. */
static int start_call(struct word_list *call, const struct options *options, const char *const *command)
{
	*call = (struct word_list){0};
	if (append_word(call, options->executable) < 0 ||
	    append_words(call, options->global_args.words, options->global_args.count) < 0 ||
	    append_words(call, command, count_words(command)) < 0) {
		free(call->words);
		*call = (struct word_list){0};
		return -1;
	}
	return 0;
}

/* Runs CALL and releases it. Returns 0 with RESULT filled, or -1 when memory ran out. */
static int run_call(struct word_list *call, enum run_stdout mode, struct run_result *result)
{
	int status = append_word(call, NULL);
	if (status == 0)
		status = runner_run((char *const *)call->words, mode, result);
	free(call->words);
	*call = (struct word_list){0};
	stop_if_interrupted();
	return status;
}

/* The status kimb exits with when kim could not be run at all, or -1 when kim ran and exited. */
static int status_of_broken_run(const struct run_result *result, const struct options *options)
{
	char description[256];
	runner_describe(result, options->executable, description, sizeof description);
	switch (result->outcome) {
	case RUN_EXITED:
		return -1;
	case RUN_SIGNALED:
		say("%s", description);
		return STATUS_SIGNAL_BASE + result->status;
	case RUN_NOT_FOUND:
		say("%s", description);
		return STATUS_NOT_FOUND;
	case RUN_FAILED:
		break;
	}
	say("%s", description);
	return STATUS_FAILURE;
}

struct job {
	const struct builder *builder;
	const struct options *options;
	char *unique_tag;          /* build only */
	char **unique_references;  /* build: NAME:UNIQUE_TAG of each target */
	char **latest_references;  /* build: NAME:latest of each target that kimb tags as latest, else NULL */
};

static char *join_reference(const char *name, const char *tag)
{
	size_t size = strlen(name) + 1 + strlen(tag) + 1;
	char *joined = malloc(size);
	if (joined)
		snprintf(joined, size, "%s:%s", name, tag);
	return joined;
}

static int build(struct job *job)
{
	const struct options *options = job->options;
	const char *tag_flag[] = {"--tag", NULL};
	struct word_list call;
	if (start_call(&call, options, job->builder->build_command) < 0 ||
	    append_words(&call, options->build_args.words, options->build_args.count) < 0)
		goto out_of_memory;
	for (size_t i = 0; i < options->target_count; i++) {
		const struct target *target = &options->targets[i];
		if (append_words(&call, tag_flag, 1) < 0 || append_word(&call, job->unique_references[i]) < 0)
			goto out_of_memory;
		/* The user's own NAME or NAME:latest is already among the build flags. */
		if (!target->latest_given) {
			char *latest = join_reference(target->name, "latest");
			if (!latest)
				goto out_of_memory;
			job->latest_references[i] = latest;
			if (append_words(&call, tag_flag, 1) < 0 || append_word(&call, latest) < 0)
				goto out_of_memory;
		}
	}
	if (append_word(&call, "--") < 0 || append_word(&call, options->context) < 0)
		goto out_of_memory;

	struct run_result result;
	if (run_call(&call, RUN_STDOUT_TO_STDERR, &result) < 0)
		goto out_of_memory;
	int status = status_of_broken_run(&result, options);
	if (status < 0 && result.status != 0) {
		say("%s build failed with status %d; nothing removed", job->builder->name, result.status);
		status = result.status;
	}
	run_result_free(&result);
	return status < 0 ? STATUS_OK : status;

out_of_memory:
	free(call.words);
	say("out of memory");
	return STATUS_FAILURE;
}

static int list_images(const struct job *job, struct listing *listing)
{
	struct word_list call;
	struct run_result result;
	if (start_call(&call, job->options, job->builder->list_command) < 0 ||
	    run_call(&call, RUN_STDOUT_CAPTURE, &result) < 0) {
		say("out of memory");
		return STATUS_FAILURE;
	}
	int status = status_of_broken_run(&result, job->options);
	if (status < 0 && result.status != 0) {
		say("cannot list images: %s exited with status %d; nothing removed", job->builder->name,
		    result.status);
		status = STATUS_LISTING;
	}
	if (status < 0) {
		struct listing_error error;
		if (job->builder->parse_listing(result.output, result.output_length, listing, &error) < 0) {
			if (error.line)
				say("cannot read the image listing: line %zu: %s; nothing removed", error.line,
				    error.message);
			else
				say("cannot read the image listing: %s; nothing removed", error.message);
			status = STATUS_LISTING;
		}
	}
	run_result_free(&result);
	return status < 0 ? STATUS_OK : status;
}

static void describe_image(const struct image *image, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < image->name_count && used < size; i++) {
		const struct image_name *name = &image->names[i];
		int written = snprintf(buf + used, size - used, "%s%s:%s", i ? ", " : "",
				       name->shown ? name->shown : "<none>", name->tag ? name->tag : "<none>");
		if (written < 0)
			break;
		used += (size_t)written;
	}
}

static int carry_out(const struct job *job, const struct prune_action *action)
{
	char names[512];
	describe_image(action->image, names, sizeof names);
	bool removal = action->kind == ACTION_REMOVE;
	if (job->options->dry_run) {
		if (removal)
			say("would remove %s (%s)", action->target, names);
		else
			say("would untag %s", action->target);
		return STATUS_OK;
	}
	struct word_list call;
	struct run_result result;
	if (start_call(&call, job->options, job->builder->remove_command) < 0 ||
	    append_word(&call, action->target) < 0 || run_call(&call, RUN_STDOUT_TO_STDERR, &result) < 0) {
		free(call.words);
		say("out of memory");
		return STATUS_FAILURE;
	}
	if (result.outcome == RUN_EXITED && result.status == 0) {
		if (removal)
			say("removed %s (%s)", action->target, names);
		else
			say("untagged %s (the image is shared with another repository)", action->target);
	} else {
		char description[256];
		runner_describe(&result, job->options->executable, description, sizeof description);
		say("kept %s: %s refused to remove it (%s)", action->target, job->builder->name, description);
	}
	run_result_free(&result);
	return STATUS_OK;
}

/* Plans every repository before removing anything, so that one that cannot be planned safely
 * stops them all. */
static int prune(const struct job *job, const struct listing *listing)
{
	const struct options *options = job->options;
	struct prune_plan *plans = calloc(options->target_count, sizeof *plans);
	if (!plans) {
		say("out of memory");
		return STATUS_FAILURE;
	}
	int status = STATUS_OK;
	for (size_t i = 0; i < options->target_count && status == STATUS_OK; i++) {
		const struct target *target = &options->targets[i];
		struct selection_request request = {
			.repository = target->repository,
			.new_tag = job->unique_tag,
			.keep = options->keep,
			.time_format = options->time_format,
		};
		enum selection_outcome outcome;
		if (selection_plan(listing, &request, &plans[i], &outcome) < 0) {
			say("out of memory");
			status = STATUS_FAILURE;
		} else if (outcome == SELECTION_NO_NEW_IMAGE) {
			say("the listing does not show the image just built (%s); nothing removed",
			    job->unique_references[i]);
			status = STATUS_LISTING;
		} else if (outcome == SELECTION_NO_LATEST) {
			say("%s has no latest image; nothing removed for it", target->name);
		}
	}
	for (size_t i = 0; i < options->target_count && status == STATUS_OK; i++)
		for (size_t j = 0; j < plans[i].count && status == STATUS_OK; j++)
			status = carry_out(job, &plans[i].actions[j]);
	for (size_t i = 0; i < options->target_count; i++)
		prune_plan_free(&plans[i]);
	free(plans);
	return status;
}

/* Makes the unique tag and NAME:TAG for every target; all of it is checked before kim runs. */
static int prepare_build(struct job *job)
{
	const struct options *options = job->options;
	char why[512];
	time_t now = time(NULL);
	if (now == (time_t)-1) {
		say("cannot read the clock");
		return STATUS_FAILURE;
	}
	char *tag = tagscheme_make(options->scheme, options->time_format, options->context, now, why, sizeof why);
	if (!tag) {
		say("%s", why);
		return STATUS_USAGE;
	}
	job->unique_tag = tag;
	if (!reference_tag_is_valid(tag)) {
		say("the unique tag '%s' is not a valid tag (check --time-format)", tag);
		return STATUS_USAGE;
	}
	for (size_t i = 0; i < options->target_count; i++)
		if (!(job->unique_references[i] = join_reference(options->targets[i].name, tag))) {
			say("out of memory");
			return STATUS_FAILURE;
		}
	return STATUS_OK;
}

static int run_job(struct job *job)
{
	const struct options *options = job->options;
	bool building = options->command == COMMAND_BUILD;
	if (building) {
		int status = prepare_build(job);
		if (status != STATUS_OK)
			return status;
	}
	const char **repositories = malloc((options->target_count + 1) * sizeof *repositories);
	if (!repositories) {
		say("out of memory");
		return STATUS_FAILURE;
	}
	for (size_t i = 0; i < options->target_count; i++)
		repositories[i] = options->targets[i].repository;
	char why[512];
	struct lock_set *locks = lock_acquire(repositories, options->target_count, why, sizeof why);
	free(repositories);
	stop_if_interrupted();
	if (!locks) {
		say("%s", why);
		return STATUS_FAILURE;
	}

	int status = building ? build(job) : STATUS_OK;
	if (status == STATUS_OK && building) {
		for (size_t i = 0; i < options->target_count; i++)
			printf("%s\n", job->unique_references[i]);
		if (fflush(stdout) != 0) {
			say("cannot write to stdout");
			status = STATUS_FAILURE;
		}
	}
	if (status == STATUS_OK && !options->no_prune) {
		struct listing listing;
		status = list_images(job, &listing);
		if (status == STATUS_OK) {
			status = prune(job, &listing);
			listing_free(&listing);
		}
	}
	lock_release(locks);
	return status;
}

static const char *environment_variable(const char *name)
{
	return getenv(name);
}

int main(int argc, char **argv)
{
	const struct builder *builder = builder_find("kim");
	struct options options;
	char why[512];
	if (options_parse(argc, argv, builder, environment_variable, &options, why, sizeof why) < 0) {
		say("%s (see kimb --help)", why);
		return STATUS_USAGE;
	}
	if (options.command == COMMAND_HELP || options.command == COMMAND_VERSION) {
		fputs(options.command == COMMAND_HELP ? usage_text : "kimb " KIMB_VERSION "\n", stdout);
		options_free(&options);
		return fflush(stdout) == 0 ? STATUS_OK : STATUS_FAILURE;
	}
	if (runner_install_signal_forwarding() < 0) {
		say("cannot install signal handlers");
		options_free(&options);
		return STATUS_FAILURE;
	}

	struct job job = {
		.builder = builder,
		.options = &options,
		.unique_references = calloc(options.target_count + 1, sizeof *job.unique_references),
		.latest_references = calloc(options.target_count + 1, sizeof *job.latest_references),
	};
	int status = STATUS_FAILURE;
	if (job.unique_references && job.latest_references)
		status = run_job(&job);
	else
		say("out of memory");

	for (size_t i = 0; job.unique_references && job.latest_references && i < options.target_count; i++) {
		free(job.unique_references[i]);
		free(job.latest_references[i]);
	}
	free(job.unique_references);
	free(job.latest_references);
	free(job.unique_tag);
	options_free(&options);
	return status;
}
