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
	"usage: kimb [KIMB OPTIONS] [GLOBAL FLAGS] [BUILD FLAGS] PATH\n"
	"       kimb prune [KIMB OPTIONS] [GLOBAL FLAGS] REPOSITORY...\n"
	"       kimb --help | --version\n"
	"\n"
	"Builds PATH with the builder (kim, nerdctl, podman, docker or buildah), tagging each repository\n"
	"named by -t/--tag with a unique tag and latest, then removes the images of those repositories\n"
	"that the build replaced. Prints REPOSITORY:TAG, the unique reference, one line per repository;\n"
	"everything else goes to stderr. The builder's global and build flags pass through unchanged,\n"
	"and its global flags are repeated on every call kimb makes.\n"
	"prune removes every image of each REPOSITORY but the one its latest tag points to.\n"
	"\n"
	"Options (also KIMB_BUILDER, KIMB_SCHEME, KIMB_KEEP; options win over the environment):\n"
	"  --builder=NAME          auto (default), kim, nerdctl, podman, docker or buildah; auto takes kim\n"
	"                          when it is on PATH, else the first of nerdctl, podman, docker, buildah\n"
	"  --scheme=auto|time|git  the unique tag: the git commit of PATH's work tree (with -dirty), or\n"
	"                          the UTC time; auto (default) takes git when PATH is in a git work\n"
	"                          tree with a commit\n"
	"  --time-format=FORMAT    strftime format of time tags (default %Y%m%d.%H%M%S)\n"
	"  --keep=N                keep the N most recent prior images of each repository (default 0);\n"
	"                          recency is the builder's creation time where its listing has one\n"
	"                          (not kim's), else the time read from tags in the --time-format; an\n"
	"                          image whose recency cannot be established is never one of the N kept\n"
	"  --no-prune              build and tag only\n"
	"  --dry-run               say what would be removed, remove nothing\n"
	"Never removed: the image just built, the image REPOSITORY:latest points to, images of other\n"
	"repositories (an image that also has another repository's tag only loses its tags of\n"
	"REPOSITORY), images in use by a container (named on stderr), images with no name. With docker,\n"
	"nerdctl and buildah, whose old images lose their names, kimb labels what it builds\n"
	"(" KIMB_REPOSITORIES_LABEL ") and removes only nameless images carrying that label.\n"
	"KIMB_KIM, KIMB_NERDCTL, KIMB_PODMAN, KIMB_DOCKER, KIMB_BUILDAH name each builder's executable\n"
	"(default: its name on PATH). KIMB_LOCK_DIR holds the per-repository locks (default\n"
	"/tmp/kimb-locks).\n"
	"\n"
	"Exit status: 0 done (also when an image in use was kept); the build's own status when it fails\n"
	"(nothing removed); 2 usage; 3 built, but the listing failed or could not be read (nothing\n"
	"removed); 127 builder not found; 128+N the builder was killed by signal N; 1 other failures.\n"
	"On SIGINT or SIGTERM kimb stops the builder, removes nothing more, and dies of the same signal.\n";

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

/* Every call starts with the executable and the global flags, so that each reaches the same cluster
 * or image store. */
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

/* Runs CALL and releases it. Returns 0 with RESULT filled, or -1 when memory ran out. A signal
 * received before or during the call ends kimb: no call starts after it. */
static int run_call(struct word_list *call, enum run_stdout mode, struct run_result *result)
{
	stop_if_interrupted();
	int status = append_word(call, NULL);
	if (status == 0)
		status = runner_run((char *const *)call->words, mode, result);
	free(call->words);
	*call = (struct word_list){0};
	stop_if_interrupted();
	return status;
}

/* The status kimb exits with when the builder could not be run at all, or -1 when it ran and exited. */
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
	bool builder_detected;     /* auto chose it: say which, once the input is known to be good */
	const struct options *options;
	char *unique_tag;          /* build only */
	char *label;               /* build with a labelling builder: --label=KEY=REPOSITORIES */
	char **unique_references;  /* build: NAME:UNIQUE_TAG of each target */
	char **latest_references;  /* build: NAME:latest of each target that kimb tags as latest, else NULL */
};

/* --LABEL_FLAG=KEY=R1,R2: the normalized repositories of the build, by which kimb finds its old
 * images once a builder has taken their names. */
static char *repositories_label(const char *label_flag, const struct options *options)
{
	size_t size = strlen("--=") + strlen(label_flag) + sizeof KIMB_REPOSITORIES_LABEL + 1;
	for (size_t i = 0; i < options->target_count; i++)
		size += strlen(options->targets[i].repository) + 1;
	char *label = malloc(size);
	if (!label)
		return NULL;
	size_t used = (size_t)snprintf(label, size, "--%s=%s=", label_flag, KIMB_REPOSITORIES_LABEL);
	for (size_t i = 0; i < options->target_count; i++)
		used += (size_t)snprintf(label + used, size - used, "%s%s", i ? "," : "", options->targets[i].repository);
	return label;
}

static int build(struct job *job)
{
	const struct options *options = job->options;
	char tag_flag[64];
	snprintf(tag_flag, sizeof tag_flag, "--%s", job->builder->tag_flag);
	struct word_list call;
	if (start_call(&call, options, job->builder->build_command) < 0 ||
	    append_words(&call, options->build_args.words, options->build_args.count) < 0)
		goto out_of_memory;
	for (size_t i = 0; i < options->target_count; i++) {
		const struct target *target = &options->targets[i];
		if (append_word(&call, tag_flag) < 0 || append_word(&call, job->unique_references[i]) < 0)
			goto out_of_memory;
		/* The user's own NAME or NAME:latest is already among the build flags. */
		if (!target->latest_given) {
			char *latest = reference_join(target->name, "latest");
			if (!latest)
				goto out_of_memory;
			job->latest_references[i] = latest;
			if (append_word(&call, tag_flag) < 0 || append_word(&call, latest) < 0)
				goto out_of_memory;
		}
	}
	if (job->builder->label_flag) {
		if (!(job->label = repositories_label(job->builder->label_flag, options)) ||
		    append_word(&call, job->label) < 0)
			goto out_of_memory;
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

/* Runs CALL (released here), capturing its stdout, and has READ take it into LISTING. Returns
 * STATUS_OK, or the status to exit with once the reason has been said. ACTION ("list images") and
 * OUTPUT ("listing") name the call and what it prints, in those reasons. When the call exits with
 * a failure and UNREAD_IS_KEPT names what stays for want of it, kimb goes on without it. */
static int read_call(const struct job *job, struct word_list *call, const char *action, const char *output,
		     const char *unread_is_kept, listing_parser read, struct listing *listing)
{
	struct run_result result;
	if (run_call(call, RUN_STDOUT_CAPTURE, &result) < 0) {
		say("out of memory");
		return STATUS_FAILURE;
	}
	int status = status_of_broken_run(&result, job->options);
	if (status < 0 && result.status != 0) {
		say("cannot %s: %s exited with status %d; %s", action, job->builder->name, result.status,
		    unread_is_kept ? unread_is_kept : "nothing removed");
		status = unread_is_kept ? STATUS_OK : STATUS_LISTING;
	}
	struct listing_error error;
	if (status < 0 && read(result.output, result.output_length, listing, &error) < 0) {
		if (error.line)
			say("cannot read the image %s: line %zu: %s; nothing removed", output, error.line, error.message);
		else
			say("cannot read the image %s: %s; nothing removed", output, error.message);
		status = STATUS_LISTING;
	}
	run_result_free(&result);
	return status < 0 ? STATUS_OK : status;
}

/* Reads the labels of the nameless images, in batches, so that kimb's own old images get back
 * the names of the repositories they were built for. An image the builder cannot inspect (nerdctl
 * cannot, for some) keeps no label, and so is kept. */
static int inspect_nameless_images(const struct job *job, struct listing *listing)
{
	const struct builder *builder = job->builder;
	for (size_t next = 0; next < listing->count;) {
		struct word_list call;
		if (start_call(&call, job->options, builder->inspect_command) < 0)
			goto out_of_memory;
		size_t batch = 0;
		struct listing asked_alone = {0};
		for (; next < listing->count && batch < builder->inspect_batch; next++) {
			if (!listing_image_is_nameless(&listing->images[next]))
				continue;
			if (append_word(&call, listing->images[next].id) < 0) {
				free(call.words);
				goto out_of_memory;
			}
			asked_alone = (struct listing){&listing->images[next], 1};
			batch++;
		}
		if (batch == 0) {
			free(call.words);
			break;
		}
		int status = read_call(job, &call, "inspect images", "inspection", "the images asked about are kept",
				       builder->read_inspection, builder->inspect_batch == 1 ? &asked_alone : listing);
		if (status != STATUS_OK)
			return status;
	}
	if (listing_attribute_labels(listing) < 0)
		goto out_of_memory;
	return STATUS_OK;

out_of_memory:
	say("out of memory");
	return STATUS_FAILURE;
}

static int list_images(const struct job *job, struct listing *listing)
{
	struct word_list call;
	if (start_call(&call, job->options, job->builder->list_command) < 0) {
		say("out of memory");
		return STATUS_FAILURE;
	}
	*listing = (struct listing){0};
	int status = read_call(job, &call, "list images", "listing", NULL, job->builder->parse_listing, listing);
	if (status == STATUS_OK && job->builder->inspect_command)
		status = inspect_nameless_images(job, listing);
	if (status != STATUS_OK)
		listing_free(listing);
	return status;
}

/* The image's names as "NAME:TAG", "NAME:<none>" for a name it lost, or "<none>" when it has none. */
static void describe_image(const struct image *image, char *buf, size_t size)
{
	size_t used = 0;
	snprintf(buf, size, "<none>");
	for (size_t i = 0; i < image->name_count && used < size; i++) {
		const struct image_name *name = &image->names[i];
		if (!name->shown)
			continue;
		int written = snprintf(buf + used, size - used, "%s%s:%s", used ? ", " : "", name->shown,
				       name->tag ? name->tag : "<none>");
		if (written < 0)
			break;
		used += (size_t)written;
	}
}

static void say_done(const struct prune_action *action, const char *names, bool dry_run)
{
	const char *prefix = dry_run ? "would " : "";
	if (action->kind == ACTION_REMOVE)
		say("%s%s %s (%s)", prefix, dry_run ? "remove" : "removed", action->target, names);
	else
		say("%s%s %s (%s)", prefix, dry_run ? "untag" : "untagged", action->target,
		    action->shared ? "the image is shared with another repository" : "so that its ID can be removed");
}

static int carry_out(const struct job *job, const struct prune_action *action)
{
	char names[512];
	describe_image(action->image, names, sizeof names);
	if (action->kind == ACTION_KEEP_IN_USE) {
		say("kept %s (%s): in use by %lld container(s)", action->target, names, action->image->containers);
		return STATUS_OK;
	}
	if (job->options->dry_run) {
		say_done(action, names, true);
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
		say_done(action, names, false);
	} else {
		char description[256];
		runner_describe(&result, job->options->executable, description, sizeof description);
		say("kept %s: %s refused to %s it (%s)", action->target, job->builder->name,
		    action->kind == ACTION_REMOVE ? "remove" : "untag", description);
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
			.untag_before_remove = job->builder->removes_single_named_only,
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

/* Makes the unique tag and NAME:TAG for every target; all of it is checked before the builder runs. */
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
		if (!(job->unique_references[i] = reference_join(options->targets[i].name, tag))) {
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
	if (job->builder_detected)
		say("using %s (auto)", job->builder->name);
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
	char why[512];
	const char *choice;
	if (options_builder_choice(argc, argv, environment_variable, &choice, why, sizeof why) < 0) {
		say("%s (see kimb --help)", why);
		return STATUS_USAGE;
	}
	bool automatic = strcmp(choice, "auto") == 0;
	const struct builder *builder = automatic ? builder_detect(environment_variable) : builder_find(choice);
	/* With no builder found, the first one's flags still let --help and --version through. */
	struct options options;
	int parsed = options_parse(argc, argv, builder ? builder : builder_find(builder_names[0]), environment_variable,
				   &options, why, sizeof why);
	if (parsed == 0 && (options.command == COMMAND_HELP || options.command == COMMAND_VERSION)) {
		fputs(options.command == COMMAND_HELP ? usage_text : "kimb " KIMB_VERSION "\n", stdout);
		options_free(&options);
		return fflush(stdout) == 0 ? STATUS_OK : STATUS_FAILURE;
	}
	if (!builder) {
		say("no builder found on PATH (see --builder in kimb --help)");
		if (parsed == 0)
			options_free(&options);
		return STATUS_NOT_FOUND;
	}
	if (parsed < 0) {
		say("%s (see kimb --help)", why);
		return STATUS_USAGE;
	}
	if (runner_install_signal_forwarding() < 0) {
		say("cannot install signal handlers");
		options_free(&options);
		return STATUS_FAILURE;
	}

	struct job job = {
		.builder = builder,
		.builder_detected = automatic,
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
	free(job.label);
	options_free(&options);
	return status;
}
