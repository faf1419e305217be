/* SPDX-License-Identifier: Apache-2.0 */
/* kimb: builds with a unique tag plus latest, then removes the images that build replaced. */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "background.h"
#include "build.h"
#include "complete.h"
#include "descriptors.h"
#include "execute.h"
#include "lock.h"
#include "message.h"
#include "options.h"
#include "plan.h"
#include "process.h"
#include "records.h"
#include "report.h"
#include "session.h"
#include "settings.h"
#include "spelling.h"
#include "status.h"
#include "store.h"
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
	"Never removed: the image just built, the image REPOSITORY:latest points to\n"
	"(they lose only the earlier unique tags kimb issued that no container, pod or\n"
	"workload may name), other repositories' images (a shared image only loses its\n"
	"tags of REPOSITORY), images a container or pod uses or a workload names, images\n"
	"with a tag --protect matches (never untagged either), with --keep-within the\n"
	"images younger than it, and images kimb cannot attribute to REPOSITORY (docker,\n"
	"nerdctl and buildah: kimb records and labels what it builds, with\n"
	"" KIMB_REPOSITORIES_LABEL ", and removes only nameless images both name).\n"
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
	"message); 7 prune found no image and no record of a REPOSITORY (the others\n"
	"were pruned); 127 builder not found; 128+N kimb got signal N. Nothing is removed\n"
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
	struct message why = {0};
	const char *choice;
	struct environment environment;
	env_read(&environment, env_process);
	if (options_builder_choice(argc, argv, &environment, &choice, &why) < 0) {
		report_say("%s (see kimb --help)", why.text);
		message_free(&why);
		return STATUS_USAGE;
	}
	*detected = strcmp(choice, "auto") == 0;
	*builder = *detected ? builder_detect(&environment) : builder_find(choice);
	/* With no builder found, the first one's flags still let --help and --version through. */
	int parsed = options_parse(argc, argv, *builder ? *builder : builder_find(builder_names[0]), &environment,
				   options, &why);
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
		message_free(&why);
		return STATUS_NOT_FOUND;
	}
	if (parsed < 0) {
		report_say("%s (see kimb --help)", why.text);
		message_free(&why);
		return STATUS_USAGE;
	}
	*done = false;
	return STATUS_OK;
}

/* What a run holds as it goes: each stage makes a value for the next. The interrupt hook reads them
 * to release what must not outlive kimb and to tell what was done. */
struct run {
	const struct session *session;
	double started;
	const char **repositories; /* normalized, in the options' order */
	size_t repository_count;
	double phase_mark;
	double phase_seconds[PHASE_COUNT];
	struct lock_set *locks;
	struct build build;
	struct records records;
	struct store store;
	struct plan plan;
	bool executing; /* the plan is carried out (or its carrying out began): the report tells it */
	size_t missing; /* prune: repositories with no image and no record of kimb's */
	struct lock_set *prune_locks; /* --prune=background's child: the repositories' prune locks */
	bool detached;               /* this is --prune=background's detached child */
	const char *prune;           /* how pruning went, for the JSON report: now, background, skipped... */
	long long builds_listed;     /* the detached child: background_builds before its listing */
	struct report_repository *named;
};

static void release(struct run *run)
{
	lock_release(run->locks);
	run->locks = NULL;
	lock_release(run->prune_locks);
	run->prune_locks = NULL;
	build_remove_iidfile(&run->build);
}

static int lock_repositories(struct run *run)
{
	struct message why = {0};
	const struct options *options = run->session->options;
	enum lock_outcome outcome = lock_acquire(lock_directory(&options->environment), run->repositories,
						 run->repository_count, options->lock_timeout, &run->locks, &why);
	session_stop_if_interrupted(run->session);
	int status = STATUS_OK;
	switch (outcome) {
	case LOCK_HELD:
		break;
	case LOCK_TIMED_OUT:
		report_say("%s; nothing built or removed", why.text);
		status = STATUS_LOCK_TIMEOUT;
		break;
	case LOCK_FAILED:
	case LOCK_INTERRUPTED:
		report_say("%s", why.text);
		status = STATUS_FAILURE;
		break;
	}
	message_free(&why);
	return status;
}

/* A dry run's build: what it would tag, on stderr; stdout names only images that were built. */
static void say_would_build(const struct session *session, const struct build *build)
{
	for (size_t i = 0; i < build->count; i++)
		report_say("--dry-run: nothing built; a build now would be tagged %s and %s:latest", build->references[i],
			   session->options->targets[i].name);
}

static int print_references(const struct session *session, const struct build *build)
{
	if (session->options->json)
		return STATUS_OK;
	bool written = true;
	for (size_t i = 0; i < build->count; i++)
		written = printf("%s\n", build->references[i]) >= 0 && written;
	if (fflush(stdout) != 0 || !written) {
		report_say("cannot write to stdout");
		return STATUS_FAILURE;
	}
	return STATUS_OK;
}

/* Whether the listing runs under the build (docs/performance.md, "Read-only calls under the build"):
 * kim's, each call of which crosses the cluster, where its output is to say the new image's ID. Not
 * nerdctl's, whose iidfile gives a config digest its listing does not show (an inspection after the
 * build would be needed), nor the local builders', whose calls take tens of milliseconds and whose
 * listing after the build shows the intermediate images it left. */
static bool lists_under_build(const struct session *session)
{
	return session->builder->read_build_id && build_output_tells_id(session);
}

/* The listing taken under the build, with the build's own tags moved to the image it made, as a
 * listing after it would show them. It holds no image that was not there when it was read: a plan
 * removes only images it holds, never one made or tagged meanwhile; an identical rebuild gives a
 * listed image's ID back, which becomes the new image, and stays. latest names the new image after
 * the build: no other kimb run moves it while the tag lock is held; a tool other than kimb that
 * moves it to a prior image during the build is not seen (only a listing after it would see that).
 * What pods use is read after the build (store_read_use), never beside this listing. */
static int read_early_listing(struct run *run)
{
	const struct build *build = &run->build;
	int status = store_read_early_list(run->session, &run->store);
	for (size_t i = 0; status == STATUS_OK && i < build->count; i++)
		if (listing_move_tag(&run->store.listing, build->references[i], build->new_id) < 0 ||
		    listing_move_tag(&run->store.listing, build->latest_names[i], build->new_id) < 0) {
			report_say("cannot apply the build's tag %s to the listing; nothing removed", build->references[i]);
			status = STATUS_FAILURE;
		}
	return status;
}

/* The listing (after the build, or EARLY: under it), what only an inspection tells of the nameless
 * images, and kimb's own among them; the image just built goes into the records, with what the
 * listing shows of its build. */
static int survey(struct run *run, bool pods, bool early)
{
	const struct session *session = run->session;
	int status = early ? read_early_listing(run) : store_list(session, &run->store, pods);
	if (status == STATUS_OK)
		status = store_inspect(session, &run->store, run->repositories, run->repository_count, false, false);
	if (status == STATUS_OK)
		records_attribute(&run->records, &run->store.listing, session->builder->label_flag != NULL);
	/* What a listing that failed would have said of the new image is lost; its ID is not. A dry
	 * run built nothing. */
	if (!session->options->dry_run)
		records_add_build(&run->records, run->build.unique_tag, run->build.new_id,
				  status == STATUS_OK ? &run->store.listing : NULL, (long long)time(NULL));
	return status;
}

/* The rules of the run's plans; a FINAL one knows what containers and pods use, and which images a
 * removal would take along. */
static struct plan_rules rules_of(const struct run *run, bool final, bool pods)
{
	const struct builder *builder = run->session->builder;
	const struct options *options = run->session->options;
	/* A dry run builds nothing: the image latest names stays, as in a prune. */
	return (struct plan_rules){
		.new_tag = options->dry_run ? NULL : run->build.unique_tag,
		.new_id = options->dry_run ? NULL : run->build.new_id,
		.dry_build = options->dry_run && options->command == COMMAND_BUILD,
		.keep = options->keep,
		.keep_within = options->keep_within,
		.now = (long long)time(NULL),
		.protect = options->protect.words,
		.protect_count = options->protect.count,
		.time_format = options->time_format,
		.untag_before_remove = builder->removes_single_named_only,
		.use = final ? &run->store.use : NULL,
		.removal_takes_untagged_base = final && builder->removal_takes_untagged_parents,
		.keep_parents = builder->keeps_parents,
		/* nerdctl's listing names images by manifest, pods by config digest: only the inspection
		 * tells the config digest of an image to be removed. */
		.use_needs_inspection = final && pods && builder->inspect_command,
	};
}

/* The repository of LISTING closest to TARGET's name as a typo of it, as listed; NULL for none. */
static const char *closest_listed(const struct listing *listing, const struct target *target)
{
	struct spelling_guess by_name = spelling_guess_of(target->name, strlen(target->name));
	struct spelling_guess by_repository = spelling_guess_of(target->repository, strlen(target->repository));
	const char *shown_by_repository = NULL;
	for (size_t i = 0; i < listing->count; i++)
		for (size_t n = 0; n < listing->images[i].name_count; n++) {
			const struct image_name *name = &listing->images[i].names[n];
			if (!name->repository)
				continue;
			spelling_offer(&by_name, name->shown, strlen(name->shown));
			if (spelling_offer(&by_repository, name->repository, strlen(name->repository)))
				shown_by_repository = name->shown;
		}
	if (by_name.best && (!shown_by_repository || by_name.best_distance <= by_repository.best_distance))
		return by_name.best;
	return shown_by_repository;
}

/* Says that prune found nothing of the repository TARGET: no image in LISTING, no record of
 * kimb's. A typo in a prune.conf would otherwise prune nothing, unseen, night after night. */
static void say_no_repository(const struct session *session, const struct listing *listing,
			      const struct target *target)
{
	const char *meant = closest_listed(listing, target);
	report_say("no repository %s: %s's listing has no image of it, and kimb no record; %s%s%s (--missing-ok "
		   "lets it pass); nothing pruned for it",
		   target->name, session->builder->name, meant ? "did you mean " : "check the name",
		   meant ? meant : "", meant ? "?" : "");
}

/* Says what keeps a repository from pruning, which the plan tells, and counts the repositories that
 * are nowhere. */
static void say_what_plans_leave(struct run *run)
{
	const struct session *session = run->session;
	const struct plan *made = &run->plan;
	const struct options *options = session->options;
	for (size_t r = 0; r < made->repository_count; r++) {
		const struct repository_plan *repository = &made->repositories[r];
		const char *name = options->targets[r].name;
		bool recorded = r < run->records.count && run->records.of[r].count;
		if (repository->standing == PLAN_NO_LATEST) {
			report_say("%s has no latest image; nothing removed for it", name);
		} else if (repository->standing == PLAN_NO_IMAGE && !recorded && !options->missing_ok) {
			say_no_repository(session, &run->store.listing, &options->targets[r]);
			run->missing++;
		} else if (repository->standing == PLAN_NO_IMAGE) {
			report_say("%s has no image in %s's listing; nothing to prune", name, session->builder->name);
		}
		if (repository->unranked)
			report_say("--keep=%zu: %zu prior image%s of %s cannot be ranked (the listing gives no creation "
				   "time, and no tag of %s is a time in the --time-format); not kept",
				   options->keep, repository->unranked, repository->unranked == 1 ? "" : "s", name,
				   repository->unranked == 1 ? "it" : "them");
	}
}

static int make_plan(struct run *run, const struct plan_rules *rules)
{
	plan_free(&run->plan);
	size_t which;
	enum plan_verdict verdict = plan_make(&run->store.listing, run->repositories, run->repository_count,
					      run->records.of, rules, &run->plan, &which);
	switch (verdict) {
	case PLAN_OK:
		return STATUS_OK;
	case PLAN_NEW_IMAGE_MISSING:
		report_say("the listing does not show the image just built (%s); nothing removed",
			   run->build.references[which]);
		break;
	case PLAN_NEW_IMAGE_ELSEWHERE:
		report_say("the listing shows %s on another image than the build made (%s); nothing removed",
			   run->build.references[which], run->build.new_id);
		break;
	}
	return STATUS_LISTING;
}

/* Plans every repository; reads what containers and pods use, and inspects what only an inspection
 * tells of the images to be removed, only when a first plan would touch an image; then plans with
 * all that. */
static int plan(struct run *run, bool pods)
{
	const struct session *session = run->session;
	struct plan_rules rules = rules_of(run, false, pods);
	int status = make_plan(run, &rules);
	if (status == STATUS_OK)
		say_what_plans_leave(run);
	if (status != STATUS_OK || !plan_touches_images(&run->plan)) {
		store_drop_pods(&run->store);
		return status;
	}
	status = store_inspect(session, &run->store, run->repositories, run->repository_count, true, pods);
	if (status == STATUS_OK)
		status = store_read_use(session, &run->store, pods);
	store_drop_pods(&run->store);
	rules = rules_of(run, true, pods);
	return status == STATUS_OK ? make_plan(run, &rules) : status;
}

/* The records forget what the plan removed and the issued tags it took off, and what the listing no
 * longer holds. */
static void update_records(struct run *run)
{
	for (size_t i = 0; i < run->plan.count; i++) {
		const struct decision *decision = &run->plan.decisions[i];
		if (decision->fate == FATE_REMOVED)
			records_forget(&run->records, decision->repository, decision->image->id);
		for (size_t j = 0; decision->reason == REASON_EARLIER_TAG && j < decision->untagged_count; j++)
			records_forget_tag(&run->records, decision->repository, strrchr(decision->untags[j], ':') + 1);
	}
	records_keep_listed(&run->records, &run->store.listing);
}

/* Records the time since the last mark as PHASE's. */
static void end_phase(struct run *run, enum phase phase)
{
	double now = report_now();
	run->phase_seconds[phase] += now - run->phase_mark;
	run->phase_mark = now;
}

static void load_records(struct run *run)
{
	const struct session *session = run->session;
	char *store = session_store_key(session);
	/* Every builder's: the record holds when kimb built an image (--keep-within), the unique tags it
	 * issued, and which nameless images are kimb's. */
	records_load(&session->options->environment, store, run->repositories, run->repository_count,
		     &run->records);
	free(store);
}

/* In --prune=background's detached child: the repositories' prune locks, waited for; the count of
 * their builds is read before the listing. Returns whether to prune. */
static bool lock_in_background(struct run *run)
{
	const struct options *options = run->session->options;
	struct message why = {0};
	bool locked = background_lock(&options->environment, run->repositories, run->repository_count, true,
				      options->lock_timeout, &run->prune_locks, &why) == LOCK_HELD;
	if (!locked)
		report_say("%s; nothing removed: the next run prunes", why.text);
	message_free(&why);
	run->builds_listed = background_builds(&options->environment, run->repositories, run->repository_count);
	return locked;
}

/* In the detached child, before its removals: the repositories' tag locks, not waited for, and no
 * build of them begun since the listing. The listing and the plan are made without those locks, so
 * that no build waits for them; only the removals hold them: an identical rebuild gives a prior
 * image's ID back, which the child could otherwise remove once that build made it latest. Returns
 * whether to remove. */
static bool lock_for_removals(struct run *run)
{
	const struct options *options = run->session->options;
	struct message why = {0};
	bool locked = lock_try(lock_directory(&options->environment), run->repositories, run->repository_count,
			       &run->locks, &why) == LOCK_HELD;
	bool unchanged = locked && run->builds_listed >= 0 &&
			 background_builds(&options->environment, run->repositories, run->repository_count) ==
				 run->builds_listed;
	if (!locked)
		report_say("%s: a build runs; nothing removed: the next run prunes", why.text);
	else if (!unchanged)
		report_say("a build began since the listing (or the count of builds cannot be read); nothing removed: "
			   "the next run prunes");
	message_free(&why);
	return unchanged;
}

/* --prune=background, once the build is done and the references are printed: a repository whose
 * prune lock another run holds (its detached prune still runs) is not pruned now; else the locks go
 * and a detached child prunes. Returns the status to go on with; sets *PRUNING in the child (whether
 * it prunes), clears it in the parent, which then only reports. */
static int go_background(struct run *run, bool *pruning)
{
	const struct options *options = run->session->options;
	struct message why = {0};
	struct lock_set *prune_locks = NULL;
	*pruning = false;
	enum lock_outcome outcome = background_lock(&options->environment, run->repositories, run->repository_count,
						    false, 0, &prune_locks, &why);
	lock_release(prune_locks);
	int status = STATUS_OK;
	if (outcome == LOCK_TIMED_OUT) {
		run->prune = "skipped";
	} else if (outcome != LOCK_HELD) {
		report_say("%s; nothing removed", why.text);
		status = STATUS_FAILURE;
	} else {
		/* The records of the build are kept before the locks go; the child reads them again. */
		records_save(&run->records);
		release(run);
		int forked = background_detach(&options->environment, run->repositories, run->repository_count, &why);
		if (forked < 0) {
			report_say("%s; nothing removed", why.text);
			status = STATUS_FAILURE;
		} else if (forked == 0) {
			run->prune = "background";
		} else {
			run->detached = true;
			records_free(&run->records);
			*pruning = lock_in_background(run);
			if (*pruning)
				load_records(run);
		}
	}
	message_free(&why);
	return status;
}

/* The data flow of a run: lock, tag, build, records, store, plan (with what uses the images, plan
 * again), execute, records, and then the report (tell). */
static int run_kimb(struct run *run)
{
	const struct session *session = run->session;
	const struct options *options = session->options;
	bool building = options->command == COMMAND_BUILD;
	bool dry_build = building && options->dry_run;
	bool pruning = !options->no_prune;
	bool background = building && pruning && options->prune == PRUNE_BACKGROUND && !options->dry_run;
	bool pods = pruning && store_pods_run_images(session);
	bool early = building && !dry_build && pruning && !background && lists_under_build(session);
	run->phase_mark = report_now();
	run->prune = !pruning ? "never" : background ? "background" : "now";
	background_tell_failures(&options->environment, run->repositories, run->repository_count);

	int status = building ? build_prepare(session, &run->build) : STATUS_OK;
	if (status == STATUS_OK && session->builder_detected)
		report_note("using %s (auto)", session->builder->name);
	if (status == STATUS_OK)
		status = lock_repositories(run);
	end_phase(run, PHASE_LOCK);
	if (status == STATUS_OK && building)
		status = build_make_tag(session, run->locks, &run->build);
	if (status == STATUS_OK && dry_build)
		say_would_build(session, &run->build);
	if (status == STATUS_OK && building && !dry_build) {
		background_count_build(&options->environment, run->repositories, run->repository_count);
		if (early)
			store_start_early_list(session, &run->store);
		status = build_run(session, &run->build, &run->store.early);
	}
	/* The build did not name its image: the listing after it tells, as without one under it. */
	early = early && status == STATUS_OK && run->build.new_id;
	if (!early)
		store_drop_early_list(&run->store);
	if (status == STATUS_OK && building && !dry_build)
		status = print_references(session, &run->build);
	end_phase(run, PHASE_BUILD);
	if (status == STATUS_OK) {
		load_records(run);
		/* Proof, for later runs, that kimb issued the tag: only such tags are ever taken off. */
		if (building && !dry_build)
			records_add_tag(&run->records, run->build.unique_tag);
	}
	/* A build that prunes nothing still records what it left (its intermediate images, as the
	 * listing shows them), so that a later prune removes them with it; a listing that fails then
	 * costs only that record. A build that prunes in the background records its image now, for the
	 * child to read. */
	if (status == STATUS_OK && !pruning && building && !session->builder->leaves_no_intermediates)
		(void)survey(run, false, false);
	else if (status == STATUS_OK && (!pruning || background))
		records_add_build(&run->records, run->build.unique_tag, run->build.new_id, NULL, (long long)time(NULL));
	if (status == STATUS_OK && background) {
		status = go_background(run, &pruning);
		if (!run->detached) {
			release(run);
			return status;
		}
	}
	if (status == STATUS_OK && pruning)
		status = survey(run, pods, early);
	end_phase(run, PHASE_LIST);
	if (status == STATUS_OK && pruning)
		status = plan(run, pods);
	end_phase(run, PHASE_PLAN);
	if (status == STATUS_OK && pruning && run->detached && plan_touches_images(&run->plan))
		pruning = lock_for_removals(run);
	if (status == STATUS_OK && pruning) {
		run->executing = true;
		execute_plan(session, &run->plan, &run->store.listing);
		if (!options->dry_run)
			update_records(run);
	}
	end_phase(run, PHASE_REMOVE);
	if ((status == STATUS_OK || status == STATUS_LISTING) && !options->dry_run)
		records_save(&run->records);
	/* kubectl, started beside a listing that failed, is still to be waited for. */
	store_drop_pods(&run->store);
	release(run);
	return status;
}

/* The report of what RUN did. */
static struct report report_of(struct run *run)
{
	const struct session *session = run->session;
	bool dry = session->options->dry_run;
	for (size_t i = 0; i < run->repository_count; i++) {
		const char *reference = i < run->build.count ? run->build.references[i] : NULL;
		const char *latest = i < run->build.count ? run->build.latest_names[i] : NULL;
		run->named[i] = (struct report_repository){
			.repository = run->repositories[i],
			.reference = dry ? NULL : reference,
			.latest = dry ? NULL : latest,
			.would_reference = dry ? reference : NULL,
		};
	}
	struct report report = {
		.builder = session->builder->name,
		.dry_run = session->options->dry_run,
		.new_id = run->build.new_id,
		.build = run->build.outcome,
		.repositories = run->named,
		.repository_count = run->repository_count,
		.plan = run->executing ? &run->plan : NULL,
		.calls = process_started(),
		.prune = run->prune,
	};
	memcpy(report.phase_seconds, run->phase_seconds, sizeof report.phase_seconds);
	return report;
}

/* Tells what the run did: on stderr, or as JSON on stdout. Returns the status to exit with. */
static int tell(struct run *run, int status)
{
	if (status == STATUS_OK && run->executing && plan_has_failures(&run->plan))
		status = STATUS_NOT_REMOVED;
	if (status == STATUS_OK && run->missing)
		status = STATUS_NO_REPOSITORY;
	const struct options *options = run->session->options;
	struct report report = report_of(run);
	report_tell(&report, options->json);
	if (options->json && report_write_json(&report, status, run->started, stdout) != 0) {
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
	int status = tell(run, STATUS_SIGNAL_BASE + process_interrupted());
	/* The detached child's log is all that tells of it: dying of the signal, it still records why,
	 * else its prune would be left a .running file that no run reports. */
	if (run->detached)
		background_finish(&run->session->options->environment, run->repositories, run->repository_count,
				  status);
}

static void start_run(struct run *run, const struct session *session, double started)
{
	const struct options *options = session->options;
	*run = (struct run){
		.session = session,
		.started = started,
		.repositories = xcalloc(options->target_count + 1, sizeof *run->repositories),
		.repository_count = options->target_count,
		.named = xcalloc(options->target_count + 1, sizeof *run->named),
	};
	for (size_t i = 0; i < options->target_count; i++)
		run->repositories[i] = options->targets[i].repository;
}

static void free_run(struct run *run)
{
	free(run->repositories);
	free(run->named);
	build_free(&run->build);
	records_free(&run->records);
	store_free(&run->store);
	plan_free(&run->plan);
}

/* The builder's configuration file, which says where its images are: one that cannot be read
 * stops kimb, since the builder and kimb would not agree on it. */
static int read_settings(const struct builder *builder, const struct options *options, struct settings *settings)
{
	struct message why = {0};
	if (settings_load(builder, &options->environment, geteuid() == 0, settings, &why) == 0)
		return STATUS_OK;
	report_say("cannot read %s's configuration %s; fix it, or name another file with %s; nothing built or removed",
		   builder->name, why.text, builder->config_variable);
	message_free(&why);
	return STATUS_FAILURE;
}

/* Reads the builder's settings, makes the session and carries out the run. */
static int run_with(const struct builder *builder, bool detected, const struct options *options, double started)
{
	struct settings settings;
	int status = read_settings(builder, options, &settings);
	if (status != STATUS_OK)
		return status;
	struct run run;
	struct session session = {
		.builder = builder,
		.builder_detected = detected,
		.options = options,
		.settings = &settings,
		.on_interrupt = on_interrupt,
		.context = &run,
	};
	start_run(&run, &session, started);
	status = tell(&run, run_kimb(&run));
	if (run.detached)
		background_finish(&options->environment, run.repositories, run.repository_count, status);
	free_run(&run);
	settings_free(&settings);
	return status;
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
	message_set_verbosity(options.verbosity);
	if (process_forward_signals() < 0) {
		report_say("cannot install signal handlers");
		options_free(&options);
		return STATUS_FAILURE;
	}
	if (options.command == COMMAND_COMPLETE)
		status = complete_print(options.completion, builder, &options);
	else
		status = run_with(builder, detected, &options, started);
	options_free(&options);
	return status;
}
