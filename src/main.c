/* kimb: builds with a unique tag plus latest, then removes the images that build replaced. */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builder.h"
#include "calls.h"
#include "listing.h"
#include "lock.h"
#include "options.h"
#include "provenance.h"
#include "reference.h"
#include "report.h"
#include "runner.h"
#include "selection.h"
#include "tagscheme.h"
#include "use.h"

enum {
	STATUS_OK = 0,
	STATUS_FAILURE = 1,
	STATUS_USAGE = 2,
	STATUS_LISTING = 3,
	STATUS_NOT_REMOVED = 4,
	STATUS_LOCK_TIMEOUT = 5,
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
	"Options (also KIMB_BUILDER, KIMB_SCHEME, KIMB_KEEP, KIMB_LOCK_TIMEOUT; options win):\n"
	"  --builder=NAME          auto (default), kim, nerdctl, podman, docker or buildah; auto takes kim\n"
	"                          when it is on PATH, else the first of nerdctl, podman, docker, buildah\n"
	"  --scheme=auto|time|git  the unique tag: the git commit of PATH's work tree (with -dirty. and a\n"
	"                          hash of its changes), or the UTC time; auto (default) takes git when\n"
	"                          PATH is in a git work tree with a commit\n"
	"  --time-format=FORMAT    strftime format of time tags (default %Y%m%d.%H%M%S); it must tell\n"
	"                          every second apart\n"
	"  --keep=N                keep the N most recent prior images of each repository (default 0);\n"
	"                          recency is the builder's creation time where its listing has one\n"
	"                          (not kim's), else the time read from tags in the --time-format; an\n"
	"                          image whose recency cannot be established is never one of the N kept\n"
	"  --lock-timeout=DURATION wait at most DURATION (seconds, or with s, m, h, d) for another kimb\n"
	"                          working on a repository (default: as long as it takes)\n"
	"  --no-prune              build and tag only\n"
	"  --dry-run               say what would be removed, remove nothing\n"
	"Never removed or untagged: the image just built, the image REPOSITORY:latest points to, images\n"
	"of other repositories (an image that also has another repository's tag only loses its tags of\n"
	"REPOSITORY), images a container or pod uses (named on stderr), images kimb cannot attribute to\n"
	"REPOSITORY. docker, nerdctl and buildah forget an old image's name: kimb records what it builds\n"
	"and labels it (" KIMB_REPOSITORIES_LABEL "), and removes only nameless images both name.\n"
	"KIMB_KIM, KIMB_NERDCTL, KIMB_PODMAN, KIMB_DOCKER, KIMB_BUILDAH, KIMB_KUBECTL name each\n"
	"program's executable (default: its name on PATH). KIMB_LOCK_DIR holds the per-repository locks\n"
	"(default /tmp/kimb-locks); KIMB_STATE_DIR the record of builds (default\n"
	"$XDG_STATE_HOME/kimb, or ~/.local/state/kimb).\n"
	"\n"
	"Exit status: 0 done (also when an image in use was kept); the build's own status when it fails\n"
	"(nothing removed); 1 other failures; 2 usage; 3 built, but a listing of images, containers or\n"
	"pods failed or could not be read (nothing removed); 4 a selected image could not be removed\n"
	"(the others were); 5 --lock-timeout reached (nothing built or removed); 127 builder not found;\n"
	"128+N the builder was killed by signal N. On SIGHUP, SIGINT, SIGQUIT or SIGTERM kimb stops the\n"
	"builder, removes nothing more, and dies of the same signal.\n";

/* What kimb does for one repository named by -t (build) or as an argument (prune). */
struct repository_run {
	const struct target *target;
	char *unique_reference;      /* build: NAME:UNIQUE_TAG */
	char *latest_reference;      /* build: NAME:latest when kimb adds that tag, else NULL */
	struct record record;        /* what kimb built for it in this store */
	struct prune_plan plan;
};

struct run {
	const struct builder *builder;
	bool builder_detected;       /* auto chose it: say which, once the input is known to be good */
	const struct options *options;
	struct repository_run *repositories;
	size_t repository_count;
	struct lock_set *locks;
	char *state_directory;
	char *store;                 /* the store key of the builder's calls */
	char *git_tag;               /* build, git scheme: made before the locks */
	char *unique_tag;            /* build */
	char *label;                 /* build with a labelling builder: --label=KEY=REPOSITORIES */
	char iidfile[64];            /* build: where the builder writes the new image's ID; "" when none */
	const char *user_iidfile;    /* the --iidfile the user gave, read instead */
	char *new_id;                /* build: the new image's ID (64 hex), when the builder said it */
	struct listing listing;
	struct image_use use;
	bool removal_failed;
};

static const char *environment_variable(const char *name)
{
	return getenv(name);
}

static void release(struct run *run)
{
	lock_release(run->locks);
	run->locks = NULL;
}

/* A forwarded signal ends kimb before the next builder call: the locks go first, once a time tag
 * issued under them can no longer be issued again. */
static void stop_if_interrupted(struct run *run)
{
	if (runner_interrupted()) {
		release(run);
		if (run->iidfile[0])
			(void)unlink(run->iidfile);
		runner_die_of_interrupt();
	}
}

static int out_of_memory(void)
{
	report_say("out of memory");
	return STATUS_FAILURE;
}

/* Starts a call of the builder: its executable and global flags, then COMMAND. */
static int start_builder_call(const struct run *run, struct call *call, const char *const *command)
{
	return call_start(call, run->options->executable, run->options->global_args.words,
			  run->options->global_args.count, command);
}

/* Runs CALL, released here; a received signal ends kimb before and after it. */
static int run_call(struct run *run, struct call *call, enum run_stdout mode, struct run_result *result)
{
	stop_if_interrupted(run);
	int status = call_run(call, mode, result);
	stop_if_interrupted(run);
	return status;
}

/* The status kimb exits with when PROGRAM could not be run at all or was killed, or -1 when it ran
 * and exited. */
static int status_of_broken_run(const struct run_result *result, const char *program)
{
	char description[256];
	runner_describe(result, program, description, sizeof description);
	switch (result->outcome) {
	case RUN_EXITED:
		return -1;
	case RUN_SIGNALED:
		report_say("%s", description);
		return STATUS_SIGNAL_BASE + result->status;
	case RUN_NOT_FOUND:
		report_say("%s", description);
		return STATUS_NOT_FOUND;
	case RUN_FAILED:
		break;
	}
	report_say("%s", description);
	return STATUS_FAILURE;
}

/* Runs CALL (released here) capturing its stdout into RESULT. Returns STATUS_OK, or the status to
 * exit with once the reason has been said: ACTION names the call ("list images") in it, and
 * CONSEQUENCE what follows ("nothing removed"). RESULT is released unless STATUS_OK. */
static int capture(struct run *run, struct call *call, const char *program, const char *action,
		   const char *consequence, struct run_result *result)
{
	if (run_call(run, call, RUN_STDOUT_CAPTURE, result) < 0)
		return out_of_memory();
	int status = status_of_broken_run(result, program);
	/* The builder by its name, as in its own messages; another program (kubectl) as it was run. */
	const char *name = program == run->options->executable ? run->builder->name : program;
	if (status < 0 && result->status != 0) {
		report_say("cannot %s: %s exited with status %d; %s", action, name, result->status, consequence);
		status = STATUS_LISTING;
	}
	if (status >= 0) {
		run_result_free(result);
		return status;
	}
	return STATUS_OK;
}

/* Says that WHAT ("image listing") could not be read. Returns STATUS_LISTING. */
static int unreadable(const char *what, const struct listing_error *error, const char *consequence)
{
	if (error->line)
		report_say("cannot read the %s: line %zu: %s; %s", what, error->line, error->message, consequence);
	else
		report_say("cannot read the %s: %s; %s", what, error->message, consequence);
	return STATUS_LISTING;
}

/* --- before the locks: the references and the git tag --------------------------------------- */

/* --LABEL_FLAG=KEY=R1,R2: the normalized repositories of the build, which kimb checks against its
 * record before it takes a nameless image for one of theirs. */
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

/* Checks all the input that can be checked before waiting for anyone: the scheme's tag where it
 * needs no lock (git), the time format otherwise. */
static int prepare_build(struct run *run)
{
	const struct options *options = run->options;
	char why[512];
	if (tagscheme_prepare(options->scheme, options->context, &run->git_tag, why, sizeof why) < 0) {
		report_say("%s", why);
		return STATUS_USAGE;
	}
	if (!run->git_tag && tagscheme_check_time_format(options->time_format, why, sizeof why) < 0) {
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
	if (run->builder->label_flag && !(run->label = repositories_label(run->builder->label_flag, options)))
		return out_of_memory();
	static const char *const iidfile_names[] = {"iidfile", NULL};
	run->user_iidfile = run->builder->iidfile_flag ? options_flag_value(options, iidfile_names) : NULL;
	return STATUS_OK;
}

/* --- under the locks: the tag, the build ---------------------------------------------------- */

/* Makes the unique tag: the git tag made before, or the time, in a second issued under the locks,
 * which no other run on this host issues again. */
static int make_unique_tag(struct run *run)
{
	const struct options *options = run->options;
	if (run->git_tag) {
		run->unique_tag = run->git_tag;
		run->git_tag = NULL;
	} else {
		char why[PATH_MAX + 512];
		time_t now;
		if (lock_issue_second(run->locks, &now, why, sizeof why) != 0) {
			stop_if_interrupted(run);
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
	for (size_t i = 0; i < run->repository_count; i++)
		if (!(run->repositories[i].unique_reference =
			      reference_join(run->repositories[i].target->name, run->unique_tag)))
			return out_of_memory();
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
	if (id)
		run->new_id = strndup(id, 64);
}

static int build(struct run *run)
{
	const struct options *options = run->options;
	const struct builder *builder = run->builder;
	char tag_flag[64];
	snprintf(tag_flag, sizeof tag_flag, "--%s", builder->tag_flag);
	struct call call;
	int status = make_iidfile(run);
	if (status != STATUS_OK)
		return status;
	if (start_builder_call(run, &call, builder->build_command) < 0 ||
	    call_add_words(&call, options->build_args.words, options->build_args.count) < 0)
		goto out_of_memory;
	for (size_t i = 0; i < run->repository_count; i++) {
		struct repository_run *repository = &run->repositories[i];
		if (call_add(&call, tag_flag) < 0 || call_add(&call, repository->unique_reference) < 0)
			goto out_of_memory;
		/* The user's own NAME or NAME:latest is already among the build flags. */
		if (!repository->target->latest_given) {
			if (!(repository->latest_reference = reference_join(repository->target->name, "latest")) ||
			    call_add(&call, tag_flag) < 0 || call_add(&call, repository->latest_reference) < 0)
				goto out_of_memory;
		}
	}
	if (run->label && call_add(&call, run->label) < 0)
		goto out_of_memory;
	char iidfile_flag[64];
	snprintf(iidfile_flag, sizeof iidfile_flag, "--%s", builder->iidfile_flag ? builder->iidfile_flag : "");
	if (run->iidfile[0] && (call_add(&call, iidfile_flag) < 0 || call_add(&call, run->iidfile) < 0))
		goto out_of_memory;
	if (call_add(&call, "--") < 0 || call_add(&call, options->context) < 0)
		goto out_of_memory;

	struct run_result result;
	if (run_call(run, &call, RUN_STDOUT_TO_STDERR, &result) < 0)
		return out_of_memory();
	status = status_of_broken_run(&result, options->executable);
	if (status < 0 && result.status != 0) {
		report_say("%s build failed with status %d; nothing removed", builder->name, result.status);
		status = result.status;
	}
	run_result_free(&result);
	if (status < 0)
		read_new_id(run);
	return status < 0 ? STATUS_OK : status;

out_of_memory:
	call_drop(&call);
	return out_of_memory();
}

static int print_references(const struct run *run)
{
	for (size_t i = 0; i < run->repository_count; i++)
		printf("%s\n", run->repositories[i].unique_reference);
	if (fflush(stdout) != 0) {
		report_say("cannot write to stdout");
		return STATUS_FAILURE;
	}
	return STATUS_OK;
}

/* --- the record of kimb's builds ------------------------------------------------------------ */

static int compare_texts(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The global flags that choose the image store as "FLAG=VALUE", whatever their spelling: the last
 * value of each, sorted. *WORDS (COUNT of them) and each word are malloc'd. Returns 0, or -1. */
static int store_flags(const struct run *run, char ***words, size_t *count)
{
	const struct options *options = run->options;
	*words = calloc(options->flag_value_count + 1, sizeof **words);
	*count = 0;
	if (!*words)
		return -1;
	for (size_t i = options->flag_value_count; i-- > 0;) {
		const struct flag_value *given = &options->flag_values[i];
		if (!given->global)
			continue;
		const char *name = builder_global_flag_name(run->builder, given->flag->long_name);
		size_t name_length = strlen(name);
		bool later = false;
		for (size_t j = 0; j < *count && !later; j++)
			later = strncmp((*words)[j], name, name_length) == 0 && (*words)[j][name_length] == '=';
		if (later)
			continue;
		size_t size = name_length + strlen(given->value) + 2;
		char *word = malloc(size);
		if (!word)
			return -1;
		snprintf(word, size, "%s=%s", name, given->value);
		(*words)[(*count)++] = word;
	}
	qsort(*words, *count, sizeof **words, compare_texts);
	return 0;
}

static int load_records(struct run *run)
{
	if (!run->builder->records_builds)
		return STATUS_OK;
	run->state_directory = provenance_state_directory(environment_variable);
	char **flags;
	size_t flag_count;
	if (store_flags(run, &flags, &flag_count) == 0)
		run->store = provenance_store_key(run->builder->name, (const char *const *)flags, flag_count,
						  run->builder->store_environment, environment_variable);
	for (size_t i = 0; flags && i < flag_count; i++)
		free(flags[i]);
	free(flags);
	if (!run->store)
		return out_of_memory();
	if (!run->state_directory)
		report_say("no state directory (set KIMB_STATE_DIR or HOME): kimb keeps no record of its builds, "
			   "and leaves the untagged images of earlier builds alone");
	for (size_t i = 0; i < run->repository_count; i++) {
		char why[PATH_MAX + 256];
		if (record_load(run->state_directory, run->store, run->repositories[i].target->repository,
				&run->repositories[i].record, why, sizeof why) < 0)
			return out_of_memory();
		if (why[0])
			report_say("%s", why);
	}
	return STATUS_OK;
}

static void save_records(struct run *run)
{
	for (size_t i = 0; i < run->repository_count; i++) {
		char why[PATH_MAX + 256];
		if (record_save(&run->repositories[i].record, why, sizeof why) < 0)
			report_say("%s", why);
	}
}

/* Records the image just built for every repository, with the intermediate images its build left
 * where the listing shows parents. */
static int record_new_image(struct run *run, const struct listing *listing)
{
	if (!run->builder->records_builds || !run->unique_tag)
		return STATUS_OK;
	/* Where the builder did not say, the listing does: the image of the unique reference. */
	const struct image *listed =
		listing && run->repository_count
			? listing_find_tagged(listing, run->repositories[0].target->repository, run->unique_tag)
			: NULL;
	const char *id = run->new_id ? run->new_id : listed ? listed->id : NULL;
	if (!id)
		return STATUS_OK;
	char **intermediates = NULL;
	size_t count = 0;
	if (listing && provenance_intermediates(listing, id, &intermediates, &count) < 0)
		return out_of_memory();
	int status = STATUS_OK;
	for (size_t i = 0; i < run->repository_count && status == STATUS_OK; i++)
		if (record_add(&run->repositories[i].record, id, intermediates, count) < 0)
			status = out_of_memory();
	for (size_t i = 0; i < count; i++)
		free(intermediates[i]);
	free(intermediates);
	return status;
}

/* --- the listing --------------------------------------------------------------------------- */

static int list_images(struct run *run)
{
	struct call call;
	struct run_result result;
	if (start_builder_call(run, &call, run->builder->list_command) < 0)
		return out_of_memory();
	int status = capture(run, &call, run->options->executable, "list images", "nothing removed", &result);
	if (status != STATUS_OK)
		return status;
	struct listing_error error;
	if (run->builder->parse_listing(result.output, result.output_length, &run->listing, &error) < 0)
		status = unreadable("image listing", &error, "nothing removed");
	run_result_free(&result);
	return status;
}

/* Whether IMAGE, LISTED under a repository kimb prunes, needs the builder's inspection: before
 * planning, the nameless ones (their labels), every one where parents matter (docker) and, where a
 * removal takes the untagged images an image was built on along (buildah), the listed ones (their
 * bases); for the CANDIDATES of a plan, the listed ones where pods name images by a config digest
 * only the inspection tells (nerdctl). */
static bool wants_inspection(const struct run *run, const struct image *image, bool listed, bool candidates,
			     bool pods)
{
	const struct builder *builder = run->builder;
	if (!builder->inspect_command || image->inspected)
		return false;
	if (candidates)
		return listed && pods;
	return builder->inspect_all || listing_image_is_nameless(image) ||
	       (listed && builder->removal_takes_untagged_parents);
}

/* Inspects, in batches, the images of the listing that WANTED marks. An inspection that fails leaves
 * its images as the listing showed them, so that they are kept: nameless ones are no one's, and an
 * image whose base is not known stays. */
static int inspect_images(struct run *run, const bool *wanted)
{
	const struct builder *builder = run->builder;
	struct listing *listing = &run->listing;
	for (size_t next = 0; next < listing->count;) {
		struct call call;
		if (start_builder_call(run, &call, builder->inspect_command) < 0)
			return out_of_memory();
		size_t batch = 0;
		struct listing asked_alone = {0};
		for (; next < listing->count && batch < builder->inspect_batch; next++) {
			if (!wanted[next])
				continue;
			if (call_add(&call, listing->images[next].id) < 0) {
				call_drop(&call);
				return out_of_memory();
			}
			asked_alone = (struct listing){&listing->images[next], 1};
			batch++;
		}
		if (batch == 0) {
			call_drop(&call);
			break;
		}
		struct run_result result;
		int status = capture(run, &call, run->options->executable, "inspect images",
				     "the images asked about are kept", &result);
		if (status == STATUS_LISTING)
			continue;
		if (status != STATUS_OK)
			return status;
		struct listing_error error;
		if (builder->read_inspection(result.output, result.output_length,
					     builder->inspect_batch == 1 ? &asked_alone : listing, &error) < 0)
			(void)unreadable("image inspection", &error, "the images asked about are kept");
		run_result_free(&result);
	}
	return STATUS_OK;
}

/* Inspects the images that need it: those the listing cannot tell about, or, with CANDIDATES, those
 * listed under a repository kimb prunes, where their base (buildah) or config digest (nerdctl,
 * with PODS) tells whether they may go. */
static int inspect(struct run *run, bool candidates, bool pods)
{
	bool *wanted = calloc(run->listing.count + 1, sizeof *wanted);
	if (!wanted)
		return out_of_memory();
	bool any = false;
	for (size_t i = 0; i < run->listing.count; i++) {
		const struct image *image = &run->listing.images[i];
		/* Every image listed under a repository kimb prunes may be removed, whatever the first
		 * plan made of it. */
		bool listed = false;
		for (size_t r = 0; r < run->repository_count && !listed; r++)
			listed = selection_is_listed_under(image, run->repositories[r].target->repository);
		wanted[i] = wants_inspection(run, image, listed, candidates, pods);
		any |= wanted[i];
	}
	int status = any ? inspect_images(run, wanted) : STATUS_OK;
	free(wanted);
	return status;
}

/* Gives kimb's own nameless images back the name of their repository, and records the new image. */
static int attribute(struct run *run)
{
	bool label_required = run->builder->label_flag != NULL;
	for (size_t i = 0; i < run->repository_count; i++)
		if (provenance_attribute(&run->listing, &run->repositories[i].record, label_required) < 0)
			return out_of_memory();
	return record_new_image(run, &run->listing);
}

/* --- what containers and pods use ---------------------------------------------------------- */

/* Reads what CALL lists (released here) into the run's use with READ. WHO ("containers") names it. */
static int read_use(struct run *run, struct call *call, const char *program, const char *who, use_reader read)
{
	char action[64];
	snprintf(action, sizeof action, "list the %s that use images", who);
	struct run_result result;
	int status = capture(run, call, program, action, "nothing removed", &result);
	if (status == STATUS_NOT_FOUND && strcmp(who, "pods") == 0)
		report_say("cannot check which images pods use without kubectl: install it, or set KIMB_KUBECTL; "
			   "nothing removed");
	if (status != STATUS_OK)
		return status == STATUS_NOT_FOUND ? STATUS_LISTING : status;
	struct listing_error error;
	char what[64];
	snprintf(what, sizeof what, "listing of %s", who);
	if (read(result.output, result.output_length, &run->use, &error) < 0)
		status = unreadable(what, &error, "nothing removed");
	run_result_free(&result);
	return status;
}

/* docker: the containers' IDs, then their inspection, in batches. */
static int read_containers_by_id(struct run *run)
{
	const struct builder *builder = run->builder;
	struct call call;
	struct run_result listed;
	if (start_builder_call(run, &call, builder->container_ids_command) < 0)
		return out_of_memory();
	int status = capture(run, &call, run->options->executable, "list containers", "nothing removed", &listed);
	if (status != STATUS_OK)
		return status;
	char **ids;
	size_t count;
	struct listing_error error;
	if (use_read_container_ids(listed.output, listed.output_length, &ids, &count, &error) < 0) {
		run_result_free(&listed);
		return unreadable("listing of containers", &error, "nothing removed");
	}
	enum { BATCH = 100 };
	for (size_t first = 0; first < count && status == STATUS_OK; first += BATCH) {
		size_t batch = count - first < BATCH ? count - first : BATCH;
		if (start_builder_call(run, &call, builder->containers_command) < 0 ||
		    call_add_words(&call, (const char *const *)ids + first, batch) < 0) {
			call_drop(&call);
			status = out_of_memory();
		} else {
			status = read_use(run, &call, run->options->executable, "containers", builder->read_containers);
		}
	}
	free(ids);
	run_result_free(&listed);
	return status;
}

/* Whether pods use the builder's images: kim's always, nerdctl's in Kubernetes' namespace. */
static bool pods_run_images(const struct run *run)
{
	const struct builder *builder = run->builder;
	if (builder->always_pods)
		return true;
	if (!builder->pods_namespace)
		return false;
	const char *namespace = options_flag_value(run->options, builder->namespace_flags);
	const char *from_environment = getenv(builder->namespace_env);
	if (!namespace)
		namespace = from_environment && *from_environment ? from_environment : "default";
	return strcmp(namespace, builder->pods_namespace) == 0;
}

/* "--NAME=VALUE", malloc'd, or NULL. */
static char *flag_with_value(const char *name, const char *value)
{
	size_t size = strlen(name) + strlen(value) + sizeof "--=";
	char *flag = malloc(size);
	if (flag)
		snprintf(flag, size, "--%s=%s", name, value);
	return flag;
}

/* kubectl get pods, through the cluster kim talks to: its kubeconfig and context. */
static int read_pods(struct run *run)
{
	static const char *const get_pods[] = {"get", "pods", "--all-namespaces", "--output=json", NULL};
	const struct builder *builder = run->builder;
	const char *kubectl = getenv("KIMB_KUBECTL");
	if (!kubectl || !*kubectl)
		kubectl = "kubectl";
	const char *kubeconfig = builder->kubeconfig_flags ? options_flag_value(run->options, builder->kubeconfig_flags) : NULL;
	const char *context = builder->context_flags ? options_flag_value(run->options, builder->context_flags) : NULL;
	const char *context_from_environment = getenv("KUBECONTEXT");
	if (!context && builder->context_flags && context_from_environment && *context_from_environment)
		context = context_from_environment;
	char *kubeconfig_flag = kubeconfig ? flag_with_value("kubeconfig", kubeconfig) : NULL;
	char *context_flag = context ? flag_with_value("context", context) : NULL;
	struct call call;
	int status;
	if ((kubeconfig && !kubeconfig_flag) || (context && !context_flag) ||
	    call_start(&call, kubectl, NULL, 0, (const char *const[]){NULL}) < 0 ||
	    (kubeconfig_flag && call_add(&call, kubeconfig_flag) < 0) ||
	    (context_flag && call_add(&call, context_flag) < 0) || call_add_words(&call, get_pods, 4) < 0) {
		call_drop(&call);
		status = out_of_memory();
	} else {
		status = read_use(run, &call, kubectl, "pods", use_read_pods);
	}
	free(kubeconfig_flag);
	free(context_flag);
	return status;
}

/* Finds out what containers and pods use, before anything is touched. */
static int read_image_use(struct run *run, bool pods)
{
	const struct builder *builder = run->builder;
	int status = STATUS_OK;
	if (builder->container_ids_command)
		status = read_containers_by_id(run);
	else if (builder->containers_command) {
		struct call call;
		if (start_builder_call(run, &call, builder->containers_command) < 0)
			return out_of_memory();
		status = read_use(run, &call, run->options->executable, "containers", builder->read_containers);
	}
	if (status == STATUS_OK && pods)
		status = read_pods(run);
	return status;
}

/* --- planning ------------------------------------------------------------------------------ */

/* Plans every repository. A FINAL plan knows what containers and pods use, and which images a
 * removal would take along; a first one (not FINAL) only says whether anything would be touched. */
static int plan(struct run *run, bool final, bool pods)
{
	const struct options *options = run->options;
	const struct builder *builder = run->builder;
	for (size_t i = 0; i < run->repository_count; i++) {
		struct repository_run *repository = &run->repositories[i];
		struct selection_request request = {
			.repository = repository->target->repository,
			.new_tag = run->unique_tag,
			.new_id = run->new_id,
			.keep = options->keep,
			.time_format = options->time_format,
			.untag_before_remove = builder->removes_single_named_only,
			.use = final ? &run->use : NULL,
			.removal_takes_untagged_base = final && builder->removal_takes_untagged_parents,
			.keep_parents = builder->keeps_parents,
			/* nerdctl's listing names images by manifest, pods by config digest: only the
			 * inspection tells the config digest of an image to be removed. */
			.use_needs_inspection = final && pods && builder->inspect_command,
			.built = &repository->record,
		};
		enum selection_outcome outcome;
		prune_plan_free(&repository->plan);
		if (selection_plan(&run->listing, &request, &repository->plan, &outcome) < 0)
			return out_of_memory();
		switch (outcome) {
		case SELECTION_PLANNED:
			break;
		case SELECTION_NO_NEW_IMAGE:
			report_say("the listing does not show the image just built (%s); nothing removed",
				   repository->unique_reference);
			return STATUS_LISTING;
		case SELECTION_NEW_ELSEWHERE:
			report_say("the listing shows %s on another image than the build made (%s); nothing removed",
				   repository->unique_reference, run->new_id);
			return STATUS_LISTING;
		case SELECTION_NO_LATEST:
			if (!final)
				report_say("%s has no latest image; nothing removed for it", repository->target->name);
			break;
		}
	}
	return STATUS_OK;
}

static bool plans_touch_images(const struct run *run)
{
	for (size_t i = 0; i < run->repository_count; i++)
		for (size_t j = 0; j < run->repositories[i].plan.count; j++)
			if (run->repositories[i].plan.actions[j].kind != ACTION_KEEP)
				return true;
	return false;
}

/* Plans every repository before removing anything, so that one that cannot be planned safely stops
 * them all. What containers and pods use, and what only an inspection tells of the images to be
 * removed, is read only when a plan would touch an image. */
static int plan_all(struct run *run)
{
	bool pods = pods_run_images(run);
	int status = plan(run, false, pods);
	if (status != STATUS_OK || !plans_touch_images(run))
		return status;
	status = inspect(run, true, pods);
	if (status == STATUS_OK)
		status = read_image_use(run, pods);
	return status == STATUS_OK ? plan(run, true, pods) : status;
}

/* --- carrying out -------------------------------------------------------------------------- */

static void say_kept(const struct prune_action *action, const char *names, const char *builder)
{
	char base[512] = "";
	switch (action->reason) {
	case KEEP_IN_USE:
		if (action->image->containers > 0)
			report_say("kept %s (%s): in use by %lld container(s)", action->target, names,
				   action->image->containers);
		else
			report_say("kept %s (%s): in use by a container or pod", action->target, names);
		break;
	case KEEP_BASE_WOULD_GO:
		report_names(action->base, base, sizeof base);
		report_say("kept %s (%s): %s would also remove %s (%s), the untagged image it was built from",
			   action->target, names, builder, action->base->id, base);
		break;
	case KEEP_HAS_CHILDREN:
		report_say("kept %s (%s): another image is built on it, and %s keeps the images others are built on",
			   action->target, names, builder);
		break;
	case KEEP_USE_UNKNOWN:
		report_say("kept %s (%s): %s could not inspect it, so whether a pod uses it cannot be told",
			   action->target, names, builder);
		break;
	case KEEP_BASE_UNKNOWN:
		report_say("kept %s (%s): %s would also remove the image it was built from if it is untagged, and "
			   "which image that is cannot be told",
			   action->target, names, builder);
		break;
	}
}

static void say_done(const struct prune_action *action, const char *names, bool dry_run)
{
	const char *prefix = dry_run ? "would " : "";
	if (action->kind == ACTION_UNTAG)
		report_say("%s%s %s (%s)", prefix, dry_run ? "untag" : "untagged", action->target,
			   action->shared ? "the image is shared with another repository" : "so that its ID can be removed");
	else if (action->built)
		report_say("%s%s %s (an intermediate image of %s's build)", prefix, dry_run ? "remove" : "removed",
			   action->target, action->built->id);
	else
		report_say("%s%s %s (%s)", prefix, dry_run ? "remove" : "removed", action->target, names);
}

/* Names what the builder removed beside TARGET (buildah's untagged parents), from its output: one
 * ID a line. */
static void say_removed_along(const struct run_result *result, const char *target)
{
	const char *line;
	size_t length;
	for (size_t pos = 0; listing_next_line(result->output, result->output_length, &pos, &line, &length);) {
		const char *id = listing_full_id(line, length);
		if (id && strncmp(id, target, 64) != 0)
			report_say("removed %.64s (an untagged parent of %s, which %s removed with it)", id, target,
				   "buildah");
	}
}

/* Carries out ACTION. Returns STATUS_OK (a refusal counts in run->removal_failed), or another status
 * to stop with. *SKIP is set when the image's further actions must not run. */
static int carry_out(struct run *run, const struct prune_action *action, bool *skip)
{
	char names[512];
	report_names(action->image, names, sizeof names);
	if (action->kind == ACTION_KEEP) {
		say_kept(action, names, run->builder->name);
		return STATUS_OK;
	}
	if (run->options->dry_run) {
		say_done(action, names, true);
		return STATUS_OK;
	}
	struct call call;
	struct run_result result;
	if (start_builder_call(run, &call, run->builder->remove_command) < 0 || call_add(&call, action->target) < 0) {
		call_drop(&call);
		return out_of_memory();
	}
	/* Captured: the builder's own "Deleted: ..." would only repeat kimb's report. */
	if (run_call(run, &call, RUN_STDOUT_CAPTURE, &result) < 0)
		return out_of_memory();
	if (result.outcome == RUN_EXITED && result.status == 0) {
		say_done(action, names, false);
		if (action->kind == ACTION_REMOVE && run->builder->removal_takes_untagged_parents)
			say_removed_along(&result, action->target);
	} else {
		char description[256];
		runner_describe(&result, run->options->executable, description, sizeof description);
		report_say("could not %s %s (%s): %s", action->kind == ACTION_REMOVE ? "remove" : "untag", action->target,
			   names, description);
		run->removal_failed = true;
		*skip = true;
	}
	run_result_free(&result);
	return STATUS_OK;
}

static int carry_out_plans(struct run *run)
{
	for (size_t i = 0; i < run->repository_count; i++) {
		struct repository_run *repository = &run->repositories[i];
		const struct image *skipped = NULL;
		for (size_t j = 0; j < repository->plan.count; j++) {
			const struct prune_action *action = &repository->plan.actions[j];
			bool skip = false;
			if (action->image == skipped)
				continue;
			int status = carry_out(run, action, &skip);
			if (status != STATUS_OK)
				return status;
			if (skip)
				skipped = action->image;
			else if (action->kind == ACTION_REMOVE && !run->options->dry_run)
				record_forget(&repository->record, action->image->id);
		}
	}
	return STATUS_OK;
}

static int prune(struct run *run)
{
	int status = list_images(run);
	/* What the listing would have said of the new image is lost; its ID is not. */
	if (status != STATUS_OK && record_new_image(run, NULL) != STATUS_OK)
		return STATUS_FAILURE;
	if (status == STATUS_OK)
		status = inspect(run, false, false);
	if (status == STATUS_OK)
		status = attribute(run);
	if (status == STATUS_OK)
		status = plan_all(run);
	if (status == STATUS_OK)
		status = carry_out_plans(run);
	if (status == STATUS_OK)
		for (size_t i = 0; i < run->repository_count; i++)
			record_keep_listed(&run->repositories[i].record, &run->listing);
	return status;
}

/* --- the run ------------------------------------------------------------------------------- */

static int lock_repositories(struct run *run)
{
	const char **repositories = malloc((run->repository_count + 1) * sizeof *repositories);
	if (!repositories)
		return out_of_memory();
	for (size_t i = 0; i < run->repository_count; i++)
		repositories[i] = run->repositories[i].target->repository;
	char why[PATH_MAX + 512];
	enum lock_outcome outcome =
		lock_acquire(repositories, run->repository_count, run->options->lock_timeout, &run->locks, why, sizeof why);
	free(repositories);
	stop_if_interrupted(run);
	switch (outcome) {
	case LOCK_HELD:
		return STATUS_OK;
	case LOCK_TIMED_OUT:
		report_say("%s; nothing built or removed", why);
		return STATUS_LOCK_TIMEOUT;
	case LOCK_FAILED:
	case LOCK_INTERRUPTED:
		break;
	}
	report_say("%s", why);
	return STATUS_FAILURE;
}

static int run_kimb(struct run *run)
{
	const struct options *options = run->options;
	bool building = options->command == COMMAND_BUILD;
	int status = building ? prepare_build(run) : STATUS_OK;
	if (status != STATUS_OK)
		return status;
	if (run->builder_detected)
		report_say("using %s (auto)", run->builder->name);
	status = lock_repositories(run);
	if (status == STATUS_OK && building)
		status = make_unique_tag(run);
	if (status == STATUS_OK && building)
		status = build(run);
	if (status == STATUS_OK && building)
		status = print_references(run);
	if (status == STATUS_OK)
		status = load_records(run);
	if (status == STATUS_OK && options->no_prune)
		status = record_new_image(run, NULL);
	else if (status == STATUS_OK)
		status = prune(run);
	if (status == STATUS_OK || status == STATUS_LISTING)
		save_records(run);
	if (status == STATUS_OK && run->removal_failed) {
		report_say("not every image selected could be removed (see above)");
		status = STATUS_NOT_REMOVED;
	}
	release(run);
	return status;
}

static void free_run(struct run *run)
{
	for (size_t i = 0; i < run->repository_count; i++) {
		free(run->repositories[i].unique_reference);
		free(run->repositories[i].latest_reference);
		record_free(&run->repositories[i].record);
		prune_plan_free(&run->repositories[i].plan);
	}
	free(run->repositories);
	if (run->iidfile[0])
		(void)unlink(run->iidfile);
	free(run->state_directory);
	free(run->store);
	free(run->git_tag);
	free(run->unique_tag);
	free(run->label);
	free(run->new_id);
	listing_free(&run->listing);
	use_free(&run->use);
}

int main(int argc, char **argv)
{
	char why[512];
	const char *choice;
	if (options_builder_choice(argc, argv, environment_variable, &choice, why, sizeof why) < 0) {
		report_say("%s (see kimb --help)", why);
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
		report_say("no builder found on PATH (see --builder in kimb --help)");
		if (parsed == 0)
			options_free(&options);
		return STATUS_NOT_FOUND;
	}
	if (parsed < 0) {
		report_say("%s (see kimb --help)", why);
		return STATUS_USAGE;
	}
	if (runner_install_signal_forwarding() < 0) {
		report_say("cannot install signal handlers");
		options_free(&options);
		return STATUS_FAILURE;
	}

	struct run run = {
		.builder = builder,
		.builder_detected = automatic,
		.options = &options,
		.repositories = calloc(options.target_count + 1, sizeof *run.repositories),
		.repository_count = options.target_count,
	};
	int status = run.repositories ? STATUS_OK : out_of_memory();
	for (size_t i = 0; status == STATUS_OK && i < options.target_count; i++)
		run.repositories[i].target = &options.targets[i];
	if (status == STATUS_OK)
		status = run_kimb(&run);
	free_run(&run);
	options_free(&options);
	return status;
}
