/* kimb: builds with a unique tag plus latest, then removes the images that build replaced. */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "complete.h"
#include "descriptors.h"
#include "prune.h"
#include "run.h"
#include "status.h"
#include "survey.h"
#include "xalloc.h"

/* The usage up to the options. */
static const char usage_head[] =
	"usage: kimb [build] [KIMB OPTIONS] [GLOBAL FLAGS] [BUILD FLAGS] PATH\n"
	"       kimb [KIMB OPTIONS] [GLOBAL FLAGS] prune REPOSITORY...\n"
	"       kimb -h | --help | --version\n"
	"       kimb [KIMB OPTIONS] [GLOBAL FLAGS] --complete=WHAT\n"
	"\n"
	"Builds PATH with the builder (kim, nerdctl, podman, docker or buildah), tags\n"
	"each repository named by -t/--tag with a unique tag and latest, then removes\n"
	"the images of those repositories that the build replaced. Prints\n"
	"REPOSITORY:TAG, the unique reference, one line per repository; everything else\n"
	"goes to stderr. build and image build may be spelled out, as with kim. The\n"
	"builder's flags pass through unchanged (an unknown long flag as --name=value);\n"
	"its global flags are repeated on every call kimb makes. prune removes every\n"
	"image of each REPOSITORY but the one its latest tag points to.\n"
	"\n";

/* After the options, which options_write_help lists from their table. */
static const char usage_tail[] =
	"\n"
	"Never removed or untagged: the image just built, the image REPOSITORY:latest\n"
	"points to, other repositories' images (a shared image only loses its tags of\n"
	"REPOSITORY), images a container or pod uses, images kimb cannot attribute to\n"
	"REPOSITORY (docker, nerdctl and buildah: kimb records and labels what it builds,\n"
	"with " KIMB_REPOSITORIES_LABEL ", and removes only nameless images both name).\n"
	"\n"
	"KIMB_KIM, KIMB_NERDCTL, KIMB_PODMAN, KIMB_DOCKER, KIMB_BUILDAH and KIMB_KUBECTL\n"
	"name each program's executable (default: its name on PATH). KIMB_LOCK_DIR\n"
	"holds the locks (default /tmp/kimb-locks; yours or root's); KIMB_STATE_DIR the\n"
	"record of builds (default $XDG_STATE_HOME/kimb, or ~/.local/state/kimb); both\n"
	"absolute paths.\n"
	"\n"
	"Exit status: 0 done (also when an image in use was kept); 1 other failures;\n"
	"2 usage; 3 a listing of images, containers or pods failed or could not be\n"
	"read; 4 a selected image could not be removed (the others were);\n"
	"5 --lock-timeout reached; 6 the build failed (the builder's status is in the\n"
	"message); 127 builder not found; 128+N kimb got signal N. Nothing is removed\n"
	"after a failure before the removals, or once kimb gets SIGHUP, SIGINT, SIGQUIT\n"
	"or SIGTERM (it dies of the same signal).\n";

/* Writes kimb --help to OUT. Returns whether it was written. */
static bool write_usage(FILE *out)
{
	return fputs(usage_head, out) != EOF && options_write_help(out) == 0 && fputs(usage_tail, out) != EOF;
}

/* Names every builder auto looked for, and where, so that the user knows what to install or set. */
static void say_no_builder_found(const struct environment *environment)
{
	char names[128] = "", variables[256] = "";
	for (const char *const *name = builder_names; *name; name++) {
		const struct builder *builder = builder_find(*name);
		size_t used = strlen(names), set = strlen(variables);
		snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", *name);
		snprintf(variables + set, sizeof variables - set, "%s%s", set ? ", " : "", builder->executable_env);
	}
	const char *path = env_get(environment, ENV_PATH);
	report_say("no builder found: looked for %s on PATH (%s); install one, or name it with --builder=NAME "
		   "and its executable with %s",
		   names, path ? path : "unset: the system's default", variables);
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
	struct environment environment;
	env_read(&environment, env_process);
	if (options_builder_choice(argc, argv, &environment, &choice, why, sizeof why) < 0) {
		report_say("%s (see kimb --help)", why);
		return STATUS_USAGE;
	}
	*detected = strcmp(choice, "auto") == 0;
	*builder = *detected ? builder_detect(&environment) : builder_find(choice);
	/* With no builder found, the first one's flags still let --help and --version through. */
	int parsed = options_parse(argc, argv, *builder ? *builder : builder_find(builder_names[0]), &environment,
				   options, why, sizeof why);
	if (parsed == 0 && (options->command == COMMAND_HELP || options->command == COMMAND_VERSION)) {
		bool written = options->command == COMMAND_HELP ? write_usage(stdout)
								: fputs("kimb " KIMB_VERSION "\n", stdout) != EOF;
		options_free(options);
		if (fflush(stdout) != 0 || !written) {
			report_say("cannot write to stdout");
			return STATUS_FAILURE;
		}
		return STATUS_OK;
	}
	bool builder_needed = parsed < 0 || options->command != COMMAND_COMPLETE ||
			      complete_needs_builder(options->completion);
	if (!*builder && builder_needed) {
		say_no_builder_found(&environment);
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
	/* The builder may not have written it: only what is there goes. */
	if (run->iidfile[0])
		(void)unlink(run->iidfile);
	if (run->iid_directory[0])
		(void)rmdir(run->iid_directory);
	run->iidfile[0] = '\0';
	run->iid_directory[0] = '\0';
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
	bool written = true;
	for (size_t i = 0; i < run->repository_count; i++)
		written = printf("%s\n", run->repositories[i].unique_reference) >= 0 && written;
	if (fflush(stdout) != 0 || !written) {
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

/* The builder's configuration file, which says where its images are: one that cannot be read
 * stops kimb, since the builder and kimb would not agree on it. */
static int read_settings(struct run *run)
{
	char why[PATH_MAX + 768];
	if (settings_load(run->builder, env_process, geteuid() == 0, &run->settings, why, sizeof why) == 0)
		return STATUS_OK;
	report_say("cannot read %s's configuration %s; fix it, or name another file with %s; nothing built or removed",
		   run->builder->name, why, run->builder->config_variable);
	return STATUS_FAILURE;
}

static int run_kimb(struct run *run)
{
	const struct options *options = run->options;
	bool building = options->command == COMMAND_BUILD;
	bool pruning = !options->no_prune;
	double mark = report_now();

	int status = read_settings(run);
	bool pods = status == STATUS_OK && pruning && survey_pods_run_images(run);
	if (status == STATUS_OK && building)
		status = build_prepare(run);
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
	/* kubectl, started beside a listing that failed, is still to be waited for. */
	survey_drop_pods(run);
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
		.caller = {.executable = options->executable,
			   .globals = options->global_args.words,
			   .global_count = options->global_args.count,
			   .builder_name = builder->name,
			   .executable_variable = builder->executable_env,
			   .on_interrupt = on_interrupt,
			   .context = run,
			   .call_time_limit = options->call_timeout},
		.repositories = xcalloc(options->target_count + 1, sizeof *run->repositories),
		.repository_count = options->target_count,
		.report = {.builder = builder->name,
			   .dry_run = options->dry_run,
			   .repositories = xcalloc(options->target_count + 1, sizeof *run->report.repositories),
			   .repository_count = options->target_count},
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
	settings_free(&run->settings);
	report_free(&run->report);
	listing_free(&run->listing);
	use_free(&run->use);
}

int main(int argc, char **argv)
{
	if (descriptors_open_standard() < 0) {
		report_say("cannot open /dev/null in place of a closed standard descriptor: %s", strerror(errno));
		return STATUS_FAILURE;
	}
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
	if (options.command == COMMAND_COMPLETE)
		status = complete_print(options.completion, builder, &options);
	else {
		struct run run;
		start_run(&run, builder, detected, &options, started);
		status = tell(&run, run_kimb(&run), run.started);
		free_run(&run);
	}
	options_free(&options);
	return status;
}
