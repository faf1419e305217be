/* kimb: builds with a unique tag plus latest, then removes the images that build replaced. */

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "prune.h"
#include "run.h"
#include "status.h"
#include "survey.h"
#include "xalloc.h"

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
	"Options (also KIMB_BUILDER, KIMB_SCHEME, KIMB_KEEP, KIMB_JOBS, KIMB_LOCK_TIMEOUT; options win):\n"
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
	"  --jobs=N                up to N removals at once (1 to 32, default 4)\n"
	"  --json                  the report as one JSON document on stdout, instead of the references\n"
	"                          and the lines on stderr\n"
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

static const char *environment_variable(const char *name)
{
	return getenv(name);
}

/* The builder the command line or the environment asks for, or auto's, and the options parsed for
 * it. Returns STATUS_OK to go on, or with *DONE set the status to exit with (--help and --version
 * answered, or the reason said). */
static int parse_command_line(int argc, char **argv, const struct builder **builder, bool *detected,
			      struct options *options, bool *done)
{
	*done = true;
	char why[512];
	const char *choice;
	if (options_builder_choice(argc, argv, environment_variable, &choice, why, sizeof why) < 0) {
		report_say("%s (see kimb --help)", why);
		return STATUS_USAGE;
	}
	*detected = strcmp(choice, "auto") == 0;
	*builder = *detected ? builder_detect(environment_variable) : builder_find(choice);
	/* With no builder found, the first one's flags still let --help and --version through. */
	int parsed = options_parse(argc, argv, *builder ? *builder : builder_find(builder_names[0]), environment_variable,
				   options, why, sizeof why);
	if (parsed == 0 && (options->command == COMMAND_HELP || options->command == COMMAND_VERSION)) {
		fputs(options->command == COMMAND_HELP ? usage_text : "kimb " KIMB_VERSION "\n", stdout);
		options_free(options);
		return fflush(stdout) == 0 ? STATUS_OK : STATUS_FAILURE;
	}
	if (!*builder) {
		report_say("no builder found on PATH (see --builder in kimb --help)");
		if (parsed == 0)
			options_free(options);
		return STATUS_NOT_FOUND;
	}
	if (parsed < 0) {
		report_say("%s (see kimb --help)", why);
		return STATUS_USAGE;
	}
	*done = false;
	return STATUS_OK;
}

static void release(struct run *run)
{
	lock_release(run->locks);
	run->locks = NULL;
	if (run->iidfile[0])
		(void)unlink(run->iidfile);
	run->iidfile[0] = '\0';
}

static int lock_repositories(struct run *run)
{
	const char **repositories = xmalloc((run->repository_count + 1) * sizeof *repositories);
	for (size_t i = 0; i < run->repository_count; i++)
		repositories[i] = run->repositories[i].target->repository;
	char why[PATH_MAX + 512];
	enum lock_outcome outcome =
		lock_acquire(repositories, run->repository_count, run->options->lock_timeout, &run->locks, why, sizeof why);
	free(repositories);
	caller_stop_if_interrupted(&run->caller);
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

static int print_references(const struct run *run)
{
	if (run->options->json)
		return STATUS_OK;
	for (size_t i = 0; i < run->repository_count; i++)
		printf("%s\n", run->repositories[i].unique_reference);
	if (fflush(stdout) != 0) {
		report_say("cannot write to stdout");
		return STATUS_FAILURE;
	}
	return STATUS_OK;
}

/* The listing, what only an inspection tells of the nameless images, and kimb's own among them. */
static int list(struct run *run, bool pods)
{
	int status = survey_list_images(run, pods);
	if (status == STATUS_OK)
		status = survey_inspect(run, false, false);
	if (status == STATUS_OK)
		prune_attribute(run);
	else /* What the listing would have said of the new image is lost; its ID is not. */
		prune_record_new_image(run, NULL);
	return status;
}

/* Records the time since *MARK as PHASE's, and starts the next phase's. */
static void end_phase(struct run *run, enum phase phase, double *mark)
{
	double now = report_now();
	run->report.phase_seconds[phase] += now - *mark;
	*mark = now;
}

static int run_kimb(struct run *run)
{
	const struct options *options = run->options;
	bool building = options->command == COMMAND_BUILD;
	bool pruning = !options->no_prune;
	bool pods = pruning && survey_pods_run_images(run);
	double mark = report_now();

	int status = building ? build_prepare(run) : STATUS_OK;
	if (status == STATUS_OK && run->builder_detected)
		report_say("using %s (auto)", run->builder->name);
	if (status == STATUS_OK)
		status = lock_repositories(run);
	end_phase(run, PHASE_LOCK, &mark);
	if (status == STATUS_OK && building)
		status = build_make_tag(run);
	if (status == STATUS_OK && building)
		status = build_run(run);
	if (status == STATUS_OK && building)
		status = print_references(run);
	end_phase(run, PHASE_BUILD, &mark);
	if (status == STATUS_OK)
		status = prune_load_records(run);
	if (status == STATUS_OK && !pruning)
		prune_record_new_image(run, NULL);
	if (status == STATUS_OK && pruning)
		status = list(run, pods);
	end_phase(run, PHASE_LIST, &mark);
	if (status == STATUS_OK && pruning)
		status = prune_plan(run, pods);
	end_phase(run, PHASE_PLAN, &mark);
	if (status == STATUS_OK && pruning)
		prune_carry_out(run);
	end_phase(run, PHASE_REMOVE, &mark);
	if (status == STATUS_OK || status == STATUS_LISTING)
		prune_save_records(run);
	release(run);
	return status;
}

/* Tells what the run did: on stderr, or as JSON on stdout. Returns the status to exit with. */
static int tell(struct run *run, int status, double started)
{
	if (status == STATUS_OK && report_has_failures(&run->report))
		status = STATUS_NOT_REMOVED;
	run->report.calls_made = run->caller.calls_made;
	report_tell(&run->report, run->options->json);
	if (run->options->json && report_write_json(&run->report, status, started, stdout) != 0) {
		report_say("cannot write to stdout");
		return STATUS_FAILURE;
	}
	if (status == STATUS_NOT_REMOVED)
		report_say("not every image selected could be removed (see above)");
	return status;
}

/* A forwarded signal ends kimb before its next builder call: the locks go first, once a time tag
 * issued under them can no longer be issued again, and what was removed is told. */
static void on_interrupt(void *context)
{
	struct run *run = context;
	release(run);
	(void)tell(run, STATUS_SIGNAL_BASE + runner_interrupted(), run->started);
}

static void start_run(struct run *run, const struct builder *builder, bool detected, const struct options *options,
		      double started)
{
	*run = (struct run){
		.started = started,
		.builder = builder,
		.builder_detected = detected,
		.options = options,
		.caller = {options->executable, options->global_args.words, options->global_args.count, builder->name,
			   on_interrupt, run, 0},
		.repositories = xcalloc(options->target_count + 1, sizeof *run->repositories),
		.repository_count = options->target_count,
		.report = {builder->name, options->dry_run, NULL,
			   xcalloc(options->target_count + 1, sizeof *run->report.repositories), options->target_count,
			   {0}, 0},
	};
	for (size_t i = 0; i < options->target_count; i++) {
		run->repositories[i].target = &options->targets[i];
		run->repositories[i].report = &run->report.repositories[i];
		run->report.repositories[i].repository = options->targets[i].repository;
	}
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
	free(run->state_directory);
	free(run->store);
	free(run->git_tag);
	free(run->unique_tag);
	free(run->label);
	free(run->new_id);
	report_free(&run->report);
	listing_free(&run->listing);
	use_free(&run->use);
}

int main(int argc, char **argv)
{
	double started = report_now();
	xalloc_json();
	const struct builder *builder;
	bool detected, done;
	struct options options;
	int status = parse_command_line(argc, argv, &builder, &detected, &options, &done);
	if (done)
		return status;
	if (runner_install_signal_forwarding() < 0) {
		report_say("cannot install signal handlers");
		options_free(&options);
		return STATUS_FAILURE;
	}
	struct run run;
	start_run(&run, builder, detected, &options, started);
	status = tell(&run, run_kimb(&run), run.started);
	free_run(&run);
	options_free(&options);
	return status;
}
