#include "prune.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "listing_rows.h"
#include "status.h"
#include "survey.h"
#include "xalloc.h"

/* --- the record of kimb's builds ------------------------------------------------------------- */

static int compare_texts(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The global flags that choose the image store as "FLAG=VALUE", whatever their spelling: the last
 * value of each, and the namespace and address the builder's configuration file gives in their
 * stead, sorted, into *WORDS (COUNT of them; the array and each word malloc'd). */
static void store_flags(const struct run *run, char ***words, size_t *count)
{
	const struct options *options = run->options;
	const struct builder_setting *const settings[] = {&run->builder->namespace, &run->builder->address};
	size_t setting_count = sizeof settings / sizeof settings[0];
	*words = xcalloc(options->flag_value_count + setting_count + 1, sizeof **words);
	*count = 0;
	for (size_t i = 0; i < setting_count; i++) {
		bool from_config;
		const char *value = settings_value(&run->settings, settings[i], options, env_process, &from_config);
		if (from_config)
			(*words)[(*count)++] =
				xprintf("%s=%s", builder_global_flag_name(run->builder, settings[i]->flags[0]), value);
	}
	for (size_t i = options->flag_value_count; i-- > 0;) {
		const struct flag_value *given = &options->flag_values[i];
		if (!given->global)
			continue;
		const char *name = builder_global_flag_name(run->builder, given->flag->long_name);
		size_t name_length = strlen(name);
		bool later = false;
		for (size_t j = 0; j < *count && !later; j++)
			later = strncmp((*words)[j], name, name_length) == 0 && (*words)[j][name_length] == '=';
		if (!later)
			(*words)[(*count)++] = xprintf("%s=%s", name, given->value);
	}
	qsort(*words, *count, sizeof **words, compare_texts);
}

int prune_load_records(struct run *run)
{
	if (!run->builder->records_builds)
		return STATUS_OK;
	run->state_directory = provenance_state_directory(env_process);
	char **flags;
	size_t flag_count;
	store_flags(run, &flags, &flag_count);
	run->store = provenance_store_key(run->builder->name, (const char *const *)flags, flag_count,
					  run->builder->store_environment, env_process);
	for (size_t i = 0; i < flag_count; i++)
		free(flags[i]);
	free(flags);
	if (!run->state_directory)
		report_say("no state directory (set KIMB_STATE_DIR or HOME): kimb keeps no record of its builds, "
			   "and leaves the untagged images of earlier builds alone");
	for (size_t i = 0; i < run->repository_count; i++) {
		char why[PATH_MAX + 256];
		record_load(run->state_directory, run->store, run->repositories[i].target->repository,
			    &run->repositories[i].record, why, sizeof why);
		if (why[0])
			report_say("%s", why);
	}
	return STATUS_OK;
}

void prune_save_records(struct run *run)
{
	for (size_t i = 0; i < run->repository_count; i++) {
		char why[PATH_MAX + 256];
		if (record_save(&run->repositories[i].record, why, sizeof why) < 0)
			report_say("%s", why);
	}
}

void prune_record_new_image(struct run *run, const struct listing *listing)
{
	if (!run->builder->records_builds || !run->unique_tag)
		return;
	/* Where the builder did not say, the listing does: the image of the unique reference. */
	const struct image *listed =
		listing && run->repository_count
			? listing_find_tagged(listing, run->repositories[0].target->repository, run->unique_tag)
			: NULL;
	const char *id = run->new_id ? run->new_id : listed ? listed->id : NULL;
	if (!id)
		return;
	char **intermediates = NULL;
	size_t count = 0;
	if (listing)
		provenance_intermediates(listing, id, &intermediates, &count);
	for (size_t i = 0; i < run->repository_count; i++)
		record_add(&run->repositories[i].record, id, intermediates, count);
	for (size_t i = 0; i < count; i++)
		free(intermediates[i]);
	free(intermediates);
}

void prune_attribute(struct run *run)
{
	bool label_required = run->builder->label_flag != NULL;
	for (size_t i = 0; i < run->repository_count; i++)
		provenance_attribute(&run->listing, &run->repositories[i].record, label_required);
	prune_record_new_image(run, &run->listing);
}

/* --- planning ------------------------------------------------------------------------------- */

/* Plans every repository, with the run's JOINT removals (JOINT_COUNT of them). A FINAL plan knows
 * what containers and pods use, and which images a removal would take along; a first one (not
 * FINAL) only says whether anything would be touched, and what keeps a repository from pruning. */
static int plan_each(struct run *run, bool final, bool pods, const struct joint_removal *joint, size_t joint_count)
{
	const struct options *options = run->options;
	const struct builder *builder = run->builder;
	/* A second planning, with joint removals, has said all this already. */
	bool say = !final && !joint;
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
			.joint = joint,
			.joint_count = joint_count,
		};
		enum selection_outcome outcome;
		prune_plan_free(&repository->plan);
		selection_plan(&run->listing, &request, &repository->plan, &outcome);
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
			if (say)
				report_say("%s has no latest image; nothing removed for it", repository->target->name);
			break;
		case SELECTION_NO_IMAGE:
			if (say)
				report_say("%s has no image in %s's listing; nothing to prune", repository->target->name,
					   builder->name);
			break;
		}
		if (say && repository->plan.unranked)
			report_say("--keep=%zu: %zu prior image%s of %s cannot be ranked (the listing gives no creation "
				   "time, and no tag of %s is a time in the --time-format); not kept",
				   options->keep, repository->plan.unranked, repository->plan.unranked == 1 ? "" : "s",
				   repository->target->name, repository->plan.unranked == 1 ? "it" : "them");
	}
	return STATUS_OK;
}

/* Plans every repository (see plan_each), then again where an image every repository tagging it
 * gives up is to be removed jointly. */
static int plan_repositories(struct run *run, bool final, bool pods)
{
	int status = plan_each(run, final, pods, NULL, 0);
	if (status != STATUS_OK || run->repository_count < 2)
		return status;
	const char **repositories = xcalloc(run->repository_count, sizeof *repositories);
	const struct prune_plan **plans = xcalloc(run->repository_count, sizeof *plans);
	for (size_t i = 0; i < run->repository_count; i++) {
		repositories[i] = run->repositories[i].target->repository;
		plans[i] = &run->repositories[i].plan;
	}
	size_t joint_count;
	struct joint_removal *joint =
		selection_joint_removals(&run->listing, repositories, plans, run->repository_count, &joint_count);
	if (joint)
		status = plan_each(run, final, pods, joint, joint_count);
	free(joint);
	free(plans);
	free(repositories);
	return status;
}

static bool plans_touch_images(const struct run *run)
{
	for (size_t i = 0; i < run->repository_count; i++)
		for (size_t j = 0; j < run->repositories[i].plan.count; j++)
			if (run->repositories[i].plan.actions[j].kind != ACTION_KEEP)
				return true;
	return false;
}

int prune_plan(struct run *run, bool pods)
{
	int status = plan_repositories(run, false, pods);
	if (status != STATUS_OK || !plans_touch_images(run)) {
		survey_drop_pods(run);
		return status;
	}
	status = survey_inspect(run, true, pods);
	if (status == STATUS_OK)
		status = survey_read_use(run, pods);
	survey_drop_pods(run);
	return status == STATUS_OK ? plan_repositories(run, true, pods) : status;
}

/* --- the report's entries, in the plan's order ------------------------------------------------- */

static enum fate_reason reason_of_keep(enum keep_reason reason)
{
	switch (reason) {
	case KEEP_BASE_WOULD_GO:
		return REASON_BASE_WOULD_GO;
	case KEEP_BASE_UNKNOWN:
		return REASON_BASE_UNKNOWN;
	case KEEP_USE_UNKNOWN:
		return REASON_USE_UNKNOWN;
	case KEEP_HAS_CHILDREN:
		return REASON_HAS_CHILDREN;
	case KEEP_NONE:
	case KEEP_IN_USE:
		break;
	}
	return REASON_IN_USE;
}

static enum fate_reason reason_of_leaving(enum leave_reason reason)
{
	switch (reason) {
	case LEFT_NEW:
		return REASON_NEW;
	case LEFT_LATEST:
		return REASON_LATEST;
	case LEFT_RECENT:
		return REASON_RECENT;
	case LEFT_NOT_ATTRIBUTABLE:
		break;
	}
	return REASON_NOT_ATTRIBUTABLE;
}

/* The entry of ACTION's image in REPORT: the last one, since a plan keeps an image's actions
 * together, or a new one. */
static struct image_report *entry_of_action(struct repository_report *report, const struct prune_action *action)
{
	struct image_report *last = report->count ? &report->images[report->count - 1] : NULL;
	if (last && last->image == action->image && last->fate == FATE_PENDING)
		return last;
	struct image_report *entry = report_add_image(report, action->image, FATE_PENDING,
						      action->built ? REASON_INTERMEDIATE : action->shared ? REASON_SHARED
													  : REASON_REPLACED);
	entry->related = action->built;
	return entry;
}

static void enter_plan(struct repository_run *repository)
{
	struct repository_report *report = repository->report;
	const struct prune_plan *plan = &repository->plan;
	report->planned = true;
	for (size_t i = 0; i < plan->count; i++) {
		const struct prune_action *action = &plan->actions[i];
		if (action->kind == ACTION_KEEP) {
			struct image_report *entry =
				report_add_image(report, action->image, FATE_KEPT, reason_of_keep(action->reason));
			entry->related = action->base;
			continue;
		}
		struct image_report *entry = entry_of_action(report, action);
		if (action->kind == ACTION_REMOVE)
			entry->remove = true;
		else
			entry->untags_planned++;
	}
	for (size_t i = 0; i < plan->left_count; i++)
		report_add_image(report, plan->left[i].image, FATE_KEPT, reason_of_leaving(plan->left[i].reason));
}

/* --- carrying out ------------------------------------------------------------------------------ */

/* One call of a plan: ACTION of REPOSITORY, whose image's report entry is ENTRY; WORD names its
 * target as the builder takes it. */
struct step {
	size_t repository;
	const struct prune_action *action;
	size_t entry;
	char *word;
};

/* The calls for one image, across the repositories, in order: its untagging, then its removal. */
struct chain {
	const struct image *image;
	struct step *steps;
	size_t count;
	size_t next;          /* the step to run next */
	bool running;
	bool intermediate;    /* removed only once everything else is done, one at a time */
};

struct execution {
	struct run *run;
	struct chain *chains;
	size_t count;
	size_t unstarted;     /* the first chain not started yet */
	size_t *ready;        /* chains with steps left whose last step is done, to go first */
	size_t ready_count;
	size_t running;
	size_t top_level_left; /* chains that are no intermediate and not done */
};

static struct image_report *entry_of(const struct execution *execution, const struct step *step)
{
	return &execution->run->repositories[step->repository].report->images[step->entry];
}

static struct chain *chain_of(struct execution *execution, const struct image *image, bool intermediate)
{
	for (size_t i = execution->count; i-- > 0;)
		if (execution->chains[i].image == image)
			return &execution->chains[i];
	struct chain chain = {.image = image, .intermediate = intermediate};
	array_append(&execution->chains, &execution->count, sizeof chain, &chain);
	execution->top_level_left += !intermediate;
	return &execution->chains[execution->count - 1];
}

/* Gathers every call of the plans into chains: the intermediate images' last, in plan order. */
static void gather_chains(struct execution *execution)
{
	struct run *run = execution->run;
	for (int intermediates = 0; intermediates < 2; intermediates++)
		for (size_t r = 0; r < run->repository_count; r++) {
			struct repository_run *repository = &run->repositories[r];
			for (size_t i = 0; i < repository->plan.count; i++) {
				const struct prune_action *action = &repository->plan.actions[i];
				if (action->kind == ACTION_KEEP || (action->built != NULL) != intermediates)
					continue;
				struct image_report *entry = report_find_image(repository->report, action->image);
				char *word = action->kind == ACTION_REMOVE ? builder_id_word(run->builder, action->image->id)
									   : xstrdup(action->target);
				struct step step = {r, action, (size_t)(entry - repository->report->images), word};
				struct chain *chain = chain_of(execution, action->image, intermediates);
				array_append(&chain->steps, &chain->count, sizeof step, &step);
			}
		}
}

/* Skips the steps of CHAIN that must not run: those of a repository where an earlier step of the
 * image failed. True when a step is left. */
static bool skip_to_runnable(struct execution *execution, struct chain *chain)
{
	for (; chain->next < chain->count; chain->next++)
		if (entry_of(execution, &chain->steps[chain->next])->fate != FATE_FAILED)
			return true;
	return false;
}

/* An intermediate image goes only after the image whose build left it is gone. */
static bool built_one_is_gone(struct execution *execution, const struct step *step)
{
	struct repository_report *report = execution->run->repositories[step->repository].report;
	const struct image_report *built = report_find_image(report, step->action->built);
	return built && built->fate == FATE_REMOVED;
}

static struct chain *next_chain(struct execution *execution)
{
	if (execution->ready_count)
		return &execution->chains[execution->ready[--execution->ready_count]];
	while (execution->unstarted < execution->count) {
		struct chain *chain = &execution->chains[execution->unstarted];
		/* Intermediates wait until all else is done, and go one at a time, child first. */
		if (chain->intermediate && (execution->running || execution->top_level_left))
			return NULL;
		execution->unstarted++;
		if (!skip_to_runnable(execution, chain))
			continue;
		const struct step *step = &chain->steps[chain->next];
		if (chain->intermediate && !built_one_is_gone(execution, step)) {
			struct image_report *entry = entry_of(execution, step);
			entry->fate = FATE_KEPT;
			entry->reason = REASON_CHILD_STAYS;
			continue;
		}
		return chain;
	}
	return NULL;
}

static bool next_call(void *context, struct command *call, size_t *task)
{
	struct execution *execution = context;
	struct chain *chain = next_chain(execution);
	if (!chain)
		return false;
	const struct step *step = &chain->steps[chain->next];
	session_builder_command(&execution->run->session, call, execution->run->builder->remove_command);
	command_add(call, step->word);
	chain->running = true;
	execution->running++;
	*task = (size_t)(chain - execution->chains);
	return true;
}

/* Records what STEP's call did: RESULT, captured, holds the builder's own account, which kimb's
 * report replaces. */
static void settle_step(struct execution *execution, const struct step *step, const struct process_result *result)
{
	struct run *run = execution->run;
	struct image_report *entry = entry_of(execution, step);
	const struct prune_action *action = step->action;
	if (result->outcome != PROCESS_EXITED || result->status != 0) {
		char description[256];
		process_describe(result, run->options->executable, description, sizeof description);
		entry->fate = FATE_FAILED;
		entry->error = xstrdup(description);
		entry->failed_target = action->target;
		entry->failed_untagging = action->kind == ACTION_UNTAG;
		return;
	}
	if (action->kind == ACTION_UNTAG) {
		report_untagged(entry, action->target);
		if (!entry->remove && entry->untagged_count == entry->untags_planned)
			entry->fate = FATE_UNTAGGED;
		return;
	}
	entry->fate = FATE_REMOVED;
	record_forget(&run->repositories[step->repository].record, action->image->id);
	if (!run->builder->removal_takes_untagged_parents)
		return;
	/* The builder names every image it removed, one a line: the untagged parents it took along.
	 * dockerd names the layers it deleted alike: an ID the listing has no image of is no image. */
	static const char deleted[] = "Deleted: ";
	const char *line;
	size_t length;
	for (size_t pos = 0; listing_next_line(result->output, result->output_length, &pos, &line, &length);) {
		if (length >= sizeof deleted - 1 && memcmp(line, deleted, sizeof deleted - 1) == 0) {
			line += sizeof deleted - 1;
			length -= sizeof deleted - 1;
		}
		const char *id = listing_full_id(line, length);
		if (!id || strncmp(id, action->image->id, LISTING_ID_MAX) == 0)
			continue;
		char copy[LISTING_ID_MAX + 1];
		snprintf(copy, sizeof copy, "%.*s", LISTING_ID_MAX, id);
		if (listing_find(&run->listing, copy))
			report_removed_along(entry, copy, &run->listing);
	}
}

static void call_finished(void *context, size_t task, const struct process_result *result)
{
	struct execution *execution = context;
	struct chain *chain = &execution->chains[task];
	settle_step(execution, &chain->steps[chain->next], result);
	chain->next++;
	chain->running = false;
	execution->running--;
	if (skip_to_runnable(execution, chain))
		array_append(&execution->ready, &execution->ready_count, sizeof task, &task);
	else if (!chain->intermediate)
		execution->top_level_left--;
}

/* --dry-run: every call as if it had succeeded. */
static void pretend(struct run *run)
{
	for (size_t r = 0; r < run->repository_count; r++) {
		struct repository_run *repository = &run->repositories[r];
		for (size_t i = 0; i < repository->plan.count; i++) {
			const struct prune_action *action = &repository->plan.actions[i];
			struct image_report *entry = action->kind == ACTION_KEEP ? NULL
						     : report_find_image(repository->report, action->image);
			if (!entry)
				continue;
			if (action->kind == ACTION_UNTAG)
				report_untagged(entry, action->target);
			entry->fate = entry->remove ? FATE_REMOVED : FATE_UNTAGGED;
		}
	}
}

void prune_carry_out(struct run *run)
{
	for (size_t r = 0; r < run->repository_count; r++)
		enter_plan(&run->repositories[r]);
	if (run->options->dry_run) {
		pretend(run);
		return;
	}
	struct execution execution = {.run = run};
	gather_chains(&execution);
	struct process_batch calls = {next_call, call_finished, &execution};
	session_run_parallel(&run->session, run->options->jobs, &calls);
	for (size_t i = 0; i < execution.count; i++) {
		for (size_t j = 0; j < execution.chains[i].count; j++)
			free(execution.chains[i].steps[j].word);
		free(execution.chains[i].steps);
	}
	free(execution.chains);
	free(execution.ready);
	for (size_t r = 0; r < run->repository_count; r++)
		record_keep_listed(&run->repositories[r].record, &run->listing);
}
