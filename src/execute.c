/* SPDX-License-Identifier: Apache-2.0 */
#include "execute.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "listing_rows.h"
#include "message.h"
#include "reading.h"
#include "xalloc.h"

/* One call of a plan: an untagging (UNTAG of the decision's untags) or the removal (UNTAG ==
 * SIZE_MAX) of DECISION's image; WORD names its target as the builder takes it. */
struct step {
	struct decision *decision;
	size_t untag;
	char *word;
};

#define REMOVAL SIZE_MAX

/* The calls for one image, across the repositories, in order: its untagging, then its removal. */
struct chain {
	const struct image *image;
	struct step *steps;
	size_t count;
	size_t next;       /* the step to run next */
	bool intermediate; /* removed only once everything else is done, one at a time */
};

struct execution {
	const struct session *session;
	struct plan *plan;
	const struct listing *listing;
	struct chain *chains;
	size_t count;
	size_t unstarted;      /* the first chain not started yet */
	size_t *ready;         /* chains with steps left whose last step is done, to go first */
	size_t ready_count;
	size_t running;
	size_t top_level_left; /* chains that are no intermediate and not done */
	size_t done;           /* chains done, for the progress line */
	double started;        /* CLOCK_MONOTONIC seconds the removals began at */
	bool progress_wanted;  /* stderr is a terminal, and the verbosity the default */
	bool progress_shown;
};

/* Removals that take longer than this show their progress on a terminal. */
#define EXECUTE_PROGRESS_AFTER 2.0

static double monotonic_seconds(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* One chain more is done: on a terminal, once the removals have taken EXECUTE_PROGRESS_AFTER, the
 * progress line says how many of them. */
static void count_done(struct execution *execution)
{
	execution->done++;
	if (!execution->progress_wanted ||
	    (!execution->progress_shown && monotonic_seconds() - execution->started <= EXECUTE_PROGRESS_AFTER))
		return;
	report_progress(execution->done, execution->count);
	execution->progress_shown = true;
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

static void add_step(struct execution *execution, struct decision *decision, size_t untag, char *word)
{
	struct step step = {decision, untag, word};
	struct chain *chain = chain_of(execution, decision->image, decision->reason == REASON_INTERMEDIATE);
	array_append(&chain->steps, &chain->count, sizeof step, &step);
}

/* Gathers every call of the plan into chains: the intermediate images' last, in the plan's order. */
static void gather_chains(struct execution *execution)
{
	struct plan *plan = execution->plan;
	for (int intermediates = 0; intermediates < 2; intermediates++)
		for (size_t i = 0; i < plan->count; i++) {
			struct decision *decision = &plan->decisions[i];
			if (decision->fate != FATE_PENDING || (decision->reason == REASON_INTERMEDIATE) != intermediates)
				continue;
			for (size_t j = 0; j < decision->untag_count; j++)
				add_step(execution, decision, j, xstrdup(decision->untags[j]));
			if (decision->remove)
				add_step(execution, decision, REMOVAL,
					 builder_id_word(execution->session->builder, decision->image->id));
		}
}

/* Skips the steps of CHAIN that must not run: those of a decision an earlier step of which failed.
 * True when a step is left. */
static bool skip_to_runnable(struct chain *chain)
{
	for (; chain->next < chain->count; chain->next++)
		if (chain->steps[chain->next].decision->fate != FATE_FAILED)
			return true;
	return false;
}

/* The decision of DECISION's repository about IMAGE, or NULL. */
static const struct decision *decision_about(const struct plan *plan, const struct decision *decision,
					     const struct image *image)
{
	for (size_t i = 0; i < plan->count; i++)
		if (plan->decisions[i].repository == decision->repository && plan->decisions[i].image == image)
			return &plan->decisions[i];
	return NULL;
}

/* An intermediate image goes only after the image whose build left it is gone. */
static bool built_one_is_gone(const struct execution *execution, const struct decision *decision)
{
	const struct decision *built = decision_about(execution->plan, decision, decision->related);
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
		if (!skip_to_runnable(chain))
			continue;
		struct decision *decision = chain->steps[chain->next].decision;
		if (chain->intermediate && !built_one_is_gone(execution, decision)) {
			decision->fate = FATE_KEPT;
			decision->reason = REASON_CHILD_STAYS;
			continue;
		}
		return chain;
	}
	return NULL;
}

static bool next_call(void *context, struct command *command, size_t *task)
{
	struct execution *execution = context;
	struct chain *chain = next_chain(execution);
	if (!chain)
		return false;
	const struct step *step = &chain->steps[chain->next];
	session_builder_command(execution->session, command, execution->session->builder->remove_command);
	/* Its stderr too: warnings told once per call (podman's "Failed to determine parent of image")
	 * would grow with --jobs; what it says is told only if the call fails. */
	command->output = PROCESS_CAPTURE_BOTH;
	command_add(command, step->word);
	execution->running++;
	*task = (size_t)(chain - execution->chains);
	return true;
}

/* The images the builder says it removed with DECISION's: buildah names each, one a line; dockerd
 * names the layers it deleted alike, so an ID the listing has no image of is no image. */
static void note_removed_along(const struct execution *execution, struct decision *decision,
			       const struct process_result *result)
{
	static const char deleted[] = "Deleted: ";
	const char *line;
	size_t length;
	for (size_t pos = 0; reading_next_line(result->output, result->output_length, &pos, &line, &length);) {
		if (length >= sizeof deleted - 1 && memcmp(line, deleted, sizeof deleted - 1) == 0) {
			line += sizeof deleted - 1;
			length -= sizeof deleted - 1;
		}
		const char *id = listing_full_id(line, length);
		if (!id || strncmp(id, decision->image->id, LISTING_ID_MAX) == 0)
			continue;
		char copy[LISTING_ID_MAX + 1];
		snprintf(copy, sizeof copy, "%.*s", LISTING_ID_MAX, id);
		const struct image *along = listing_find(execution->listing, copy);
		if (!along)
			continue;
		struct removed_along removed = {xstrdup(copy), along->size};
		array_append(&decision->along, &decision->along_count, sizeof removed, &removed);
	}
}

/* Records what STEP's call did: RESULT, captured, holds the builder's own account, which kimb's
 * report replaces, and its stderr, which the report tells when the call failed. */
static void settle_step(const struct execution *execution, const struct step *step,
			const struct process_result *result)
{
	struct decision *decision = step->decision;
	bool untagging = step->untag != REMOVAL;
	if (result->outcome != PROCESS_EXITED || result->status != 0) {
		char description[256];
		process_describe(result, execution->session->options->executable, description, sizeof description);
		decision->fate = FATE_FAILED;
		decision->error = xstrdup(description);
		decision->said = result->errors_length ? xstrdup(result->errors) : NULL;
		decision->failed_untagging = untagging;
		decision->failed_target = untagging ? decision->untags[step->untag] : decision->image->id;
		return;
	}
	if (untagging) {
		decision->untagged_count++;
		if (!decision->remove && decision->untagged_count == decision->untag_count)
			decision->fate = FATE_UNTAGGED;
		return;
	}
	decision->fate = FATE_REMOVED;
	if (execution->session->builder->removal_takes_untagged_parents)
		note_removed_along(execution, decision, result);
}

static void call_finished(void *context, size_t task, const struct process_result *result)
{
	struct execution *execution = context;
	struct chain *chain = &execution->chains[task];
	settle_step(execution, &chain->steps[chain->next], result);
	chain->next++;
	execution->running--;
	if (skip_to_runnable(chain)) {
		array_append(&execution->ready, &execution->ready_count, sizeof task, &task);
		return;
	}
	if (!chain->intermediate)
		execution->top_level_left--;
	count_done(execution);
}

/* --dry-run: every call as if it had succeeded. */
static void pretend(struct plan *plan)
{
	for (size_t i = 0; i < plan->count; i++) {
		struct decision *decision = &plan->decisions[i];
		if (decision->fate != FATE_PENDING)
			continue;
		decision->untagged_count = decision->untag_count;
		decision->fate = decision->remove ? FATE_REMOVED : FATE_UNTAGGED;
	}
}

void execute_plan(const struct session *session, struct plan *plan, const struct listing *listing)
{
	if (session->options->dry_run) {
		pretend(plan);
		return;
	}
	struct execution execution = {
		.session = session,
		.plan = plan,
		.listing = listing,
		.started = monotonic_seconds(),
		.progress_wanted = message_verbosity() == VERBOSITY_NORMAL && isatty(STDERR_FILENO),
	};
	gather_chains(&execution);
	struct process_batch calls = {next_call, call_finished, &execution};
	session_run_parallel(session, session->options->jobs, &calls);
	if (execution.progress_shown)
		report_progress_end();
	for (size_t i = 0; i < execution.count; i++) {
		for (size_t j = 0; j < execution.chains[i].count; j++)
			free(execution.chains[i].steps[j].word);
		free(execution.chains[i].steps);
	}
	free(execution.chains);
	free(execution.ready);
}
