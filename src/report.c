/* SPDX-License-Identifier: Apache-2.0 */
#include "report.h"

#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "xalloc.h"

/* What the report says of each reason (reasons.h). */
struct reason_words {
	const char *token;
	const char *text;
	bool dry_run_only;
	bool in_use;
};

#define KIMB_REASON_WORDS(name, token, text, dry_run_only, in_use) [REASON_##name] = {token, text, dry_run_only, in_use},
static const struct reason_words reason_words[REASON_COUNT] = {KIMB_REASONS(KIMB_REASON_WORDS)};
#undef KIMB_REASON_WORDS

void report_names(const struct image *image, char *buf, size_t size)
{
	size_t used = 0;
	snprintf(buf, size, "<none>");
	for (size_t i = 0; i < image->name_count && used < size; i++) {
		const struct image_name *name = &image->names[i];
		if (!name->shown || listing_is_internal_name(name->shown))
			continue;
		int written = snprintf(buf + used, size - used, "%s%s:%s", used ? ", " : "", name->shown,
				       name->tag ? name->tag : "<none>");
		if (written < 0)
			break;
		used += (size_t)written;
	}
}

double report_now(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* --- counting --------------------------------------------------------------------------------- */

struct totals {
	size_t removed;
	size_t untagged;     /* images that lost tags: shared ones, and those that stay */
	size_t shared;       /* of them, shared images */
	size_t earlier_tags; /* earlier unique tags taken off the images that stay */
	size_t kept_in_use;
	size_t failed;
	/* The sum of the removed images' sizes as the listing gives them, where it does: no measure of
	 * the space freed, which no builder's removal tells, since images share layers. */
	long long removed_size;
	bool any_size;
};

/* Adds BYTES (not negative) to *SUM, stopping at LLONG_MAX: a listing may claim sizes whose sum
 * no long long holds, and overflowing one would be undefined. */
static void add_bytes(long long *sum, long long bytes)
{
	*sum = bytes > LLONG_MAX - *sum ? LLONG_MAX : *sum + bytes;
}

static void add_size(struct totals *totals, long long size)
{
	if (size < 0)
		return;
	add_bytes(&totals->removed_size, size);
	totals->any_size = true;
}

static void count_decision(const struct decision *decision, struct totals *totals)
{
	switch (decision->fate) {
	case FATE_REMOVED:
		totals->removed++;
		add_size(totals, decision->image->size);
		for (size_t i = 0; i < decision->along_count; i++) {
			totals->removed++;
			add_size(totals, decision->along[i].size);
		}
		break;
	case FATE_UNTAGGED:
		totals->untagged++;
		if (decision->reason == REASON_EARLIER_TAG)
			totals->earlier_tags += decision->untagged_count;
		else
			totals->shared++;
		break;
	case FATE_KEPT:
		totals->kept_in_use += reason_words[decision->reason].in_use;
		break;
	case FATE_FAILED:
	case FATE_PENDING:
		totals->failed++;
		break;
	}
}

/* The totals of the decisions about repository REPOSITORY, or of all of them (SIZE_MAX). */
static struct totals count(const struct plan *plan, size_t repository)
{
	struct totals totals = {0};
	for (size_t i = 0; plan && i < plan->count; i++)
		if (repository == SIZE_MAX || plan->decisions[i].repository == repository)
			count_decision(&plan->decisions[i], &totals);
	return totals;
}

/* --- text ------------------------------------------------------------------------------------- */

/* BYTES as docker prints sizes, in decimal units: "812 B", "2.58 MB", "12.4 MB", "123 GB". */
static void human_size(long long bytes, char *buf, size_t size)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double value = (double)bytes;
	size_t unit = 0;
	while (value >= 999.5 && unit + 1 < sizeof units / sizeof units[0]) {
		value /= 1000;
		unit++;
	}
	if (unit == 0)
		snprintf(buf, size, "%lld B", bytes);
	else
		snprintf(buf, size, "%.*f %s", value >= 99.95 ? 0 : value >= 9.995 ? 1 : 2, value, units[unit]);
}

/* DECISION's reason in words, its placeholders filled in (reasons.h). */
static void reason_text(const struct report *report, const struct decision *decision, struct message *out)
{
	char names[512];
	for (const char *c = reason_words[decision->reason].text; *c;) {
		const char *end = *c == '{' ? strchr(c, '}') : NULL;
		if (!end) {
			size_t plain = strcspn(c + 1, "{") + 1;
			message_add(out, "%.*s", (int)plain, c);
			c += plain;
			continue;
		}
		size_t length = (size_t)(end - c - 1);
		const char *field = c + 1;
		if (length == 5 && strncmp(field, "names", 5) == 0) {
			report_names(decision->image, names, sizeof names);
			message_add(out, "%s", names);
		} else if (length == 7 && strncmp(field, "builder", 7) == 0) {
			message_add(out, "%s", report->builder);
		} else if (length == 7 && strncmp(field, "related", 7) == 0) {
			message_add(out, "%s", decision->related ? decision->related->id : "?");
		} else if (length == 13 && strncmp(field, "related_names", 13) == 0) {
			report_names(decision->related, names, sizeof names);
			message_add(out, "%s", names);
		} else if (length == 8 && strncmp(field, "workload", 8) == 0 && decision->workload) {
			message_add(out, "%s %s/%s", workload_kinds[decision->workload->kind].kind,
				    decision->workload->namespace, decision->workload->name);
		} else if (length == 3 && strncmp(field, "tag", 3) == 0) {
			const struct image_name *name = decision->protected_name;
			message_add(out, "%s:%s", name ? name->shown : "?", name ? name->tag : "?");
		} else if (length == 7 && strncmp(field, "pattern", 7) == 0) {
			message_add(out, "%s", decision->pattern ? decision->pattern : "?");
		} else if (length == 10 && strncmp(field, "containers", 10) == 0) {
			message_add(out, "%lld", decision->image->containers);
		} else {
			message_add(out, "%.*s", (int)(length + 2), c);
		}
		c = end + 1;
	}
}

/* What the builder wrote on stderr in a failed call (SAID, or NULL), as it said it, ending a line. */
static void tell_builder_said(const char *said)
{
	if (!said || !*said)
		return;
	size_t length = strlen(said);
	(void)fwrite(said, 1, length, stderr);
	if (said[length - 1] != '\n')
		(void)fputc('\n', stderr);
	(void)fflush(stderr);
}

/* Says what became of DECISION's image. The images every run keeps (the new image, latest,
 * --keep's, those kimb cannot attribute) only a dry run names: that is what a user checks it for.
 * What was done is a note (--quiet leaves it out); what could not be done is said. */
static void tell_decision(const struct report *report, const struct decision *decision)
{
	char names[512];
	report_names(decision->image, names, sizeof names);
	const char *id = decision->image->id;
	bool dry = report->dry_run;
	struct message text = {0};
	reason_text(report, decision, &text);
	for (size_t i = 0; i < decision->untagged_count; i++)
		report_note("%s %s (%s)", dry ? "would untag" : "untagged", decision->untags[i],
			   decision->fate == FATE_UNTAGGED ? text.text : "so that its ID can be removed");
	switch (decision->fate) {
	case FATE_REMOVED:
		report_note("%s %s (%s)", dry ? "would remove" : "removed", id, text.text);
		for (size_t i = 0; i < decision->along_count; i++)
			report_note("removed %s (an untagged parent of %s, which %s removed with it)", decision->along[i].id,
				   id, report->builder);
		break;
	case FATE_KEPT:
		if (dry || !reason_words[decision->reason].dry_run_only)
			report_note("%s %s (%s): %s", dry ? "would keep" : "kept", id, names, text.text);
		break;
	case FATE_FAILED:
		tell_builder_said(decision->said);
		report_say("could not %s %s (%s): %s", decision->failed_untagging ? "untag" : "remove",
			   decision->failed_target, names, decision->error);
		break;
	case FATE_PENDING:
		report_say("did not %s %s (%s): kimb was interrupted", decision->remove ? "remove" : "untag", id, names);
		break;
	case FATE_UNTAGGED:
		break;
	}
	message_free(&text);
}

void report_tell(const struct report *report, bool problems_only)
{
	const struct plan *plan = report->plan;
	if (!plan)
		return;
	for (size_t i = 0; i < plan->count; i++) {
		const struct decision *decision = &plan->decisions[i];
		if (!problems_only || decision->fate == FATE_FAILED || decision->fate == FATE_PENDING)
			tell_decision(report, decision);
	}
	if (problems_only)
		return;
	struct totals totals = count(plan, SIZE_MAX);
	struct message summary = {0};
	message_add(&summary, "%s %zu image%s", report->dry_run ? "would remove" : "removed", totals.removed,
		    totals.removed == 1 ? "" : "s");
	if (totals.removed && totals.any_size) {
		char size[32];
		human_size(totals.removed_size, size, sizeof size);
		message_add(&summary, " (%s in image sizes, layers may be shared)", size);
	}
	if (totals.shared)
		message_add(&summary, ", untagged %zu shared", totals.shared);
	if (totals.earlier_tags)
		message_add(&summary, ", %s %zu earlier unique tag%s", report->dry_run ? "would take off" : "took off",
			    totals.earlier_tags, totals.earlier_tags == 1 ? "" : "s");
	if (totals.kept_in_use)
		message_add(&summary, ", kept %zu in use", totals.kept_in_use);
	if (totals.failed)
		message_add(&summary, ", %zu not removed", totals.failed);
	report_note("%s", summary.text);
	message_free(&summary);
}

/* --- JSON ------------------------------------------------------------------------------------- */

static const char *reason_token(const struct decision *decision)
{
	if (decision->fate == FATE_FAILED)
		return "removal_failed";
	if (decision->fate == FATE_PENDING)
		return "interrupted";
	return reason_words[decision->reason].token;
}

static json_t *json_size(long long size)
{
	return size < 0 ? json_null() : json_integer(size);
}

/* The sum of the removed images' sizes; null when images were removed and the listing gave the size
 * of none of them. */
static json_t *json_removed_size(struct totals totals)
{
	return totals.removed && !totals.any_size ? json_null() : json_integer(totals.removed_size);
}

static json_t *json_text_or_null(const char *text)
{
	return text ? json_string(text) : json_null();
}

static json_t *json_names(const struct image *image)
{
	json_t *names = json_array();
	for (size_t i = 0; i < image->name_count; i++) {
		const struct image_name *name = &image->names[i];
		if (!name->shown || listing_is_internal_name(name->shown))
			continue;
		char *text = xprintf("%s:%s", name->shown, name->tag ? name->tag : "<none>");
		json_array_append_new(names, json_string(text));
		free(text);
	}
	return names;
}

static json_t *json_strings(char *const *strings, size_t count)
{
	json_t *array = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(array, json_string(strings[i]));
	return array;
}

static json_t *json_image(const struct decision *decision)
{
	json_t *object = json_object();
	json_object_set_new(object, "id", json_string(decision->image->id));
	json_object_set_new(object, "names", json_names(decision->image));
	json_object_set_new(object, "size_bytes", json_size(decision->image->size));
	json_object_set_new(object, "reason", json_string(reason_token(decision)));
	if (decision->untagged_count)
		json_object_set_new(object, "untagged", json_strings(decision->untags, decision->untagged_count));
	if (decision->image->containers > 0)
		json_object_set_new(object, "containers", json_integer(decision->image->containers));
	if (decision->error)
		json_object_set_new(object, "error", json_string(decision->error));
	if (decision->related)
		json_object_set_new(object, decision->reason == REASON_BASE_WOULD_GO ? "base" : "built",
				    json_string(decision->related->id));
	if (decision->workload) {
		const struct workload_name *workload = decision->workload;
		json_object_set_new(object, "workload",
				    json_pack("{s:s, s:s, s:s}", "kind", workload_kinds[workload->kind].kind, "namespace",
					      workload->namespace, "name", workload->name));
	}
	if (decision->protected_name) {
		char *tag = xprintf("%s:%s", decision->protected_name->shown, decision->protected_name->tag);
		json_object_set_new(object, "protected_tag", json_string(tag));
		free(tag);
		json_object_set_new(object, "pattern", json_string(decision->pattern));
	}
	return object;
}

static json_t *json_repository(const struct report *report, size_t index)
{
	json_t *removed = json_array(), *untagged = json_array(), *kept = json_array();
	const char *new_id = NULL;
	const struct plan *plan = report->plan;
	for (size_t i = 0; plan && i < plan->count; i++) {
		const struct decision *decision = &plan->decisions[i];
		if (decision->repository != index)
			continue;
		if (decision->reason == REASON_NEW)
			new_id = decision->image->id;
		json_t *list = decision->fate == FATE_REMOVED    ? removed
			       : decision->fate == FATE_UNTAGGED ? untagged
								 : kept;
		json_array_append_new(list, json_image(decision));
		for (size_t j = 0; decision->fate == FATE_REMOVED && j < decision->along_count; j++)
			json_array_append_new(removed, json_pack("{s:s, s:[], s:o, s:s, s:s}", "id", decision->along[j].id,
								 "names", "size_bytes", json_size(decision->along[j].size),
								 "reason", "removed_along", "with", decision->image->id));
	}
	const struct report_repository *repository = &report->repositories[index];
	json_t *object = json_object();
	json_object_set_new(object, "repository", json_string(repository->repository));
	json_object_set_new(object, "reference", json_text_or_null(repository->reference));
	json_object_set_new(object, "latest", json_text_or_null(repository->latest));
	json_object_set_new(object, "would_reference", json_text_or_null(repository->would_reference));
	json_object_set_new(object, "new_id", json_text_or_null(new_id));
	json_object_set_new(object, "removed", removed);
	json_object_set_new(object, "untagged", untagged);
	json_object_set_new(object, "kept", kept);
	json_object_set_new(object, "removed_images_size_bytes", json_removed_size(count(plan, index)));
	return object;
}

/* null without a build; else its exit status, or null and the signal's name when it was killed. */
static json_t *json_build(const struct build_outcome *build)
{
	if (!build->ran)
		return json_null();
	if (!build->signal_name)
		return json_pack("{s:i, s:n}", "exit_status", build->exit_status, "signal");
	return json_pack("{s:n, s:s}", "exit_status", "signal", build->signal_name);
}

static json_t *json_phases(const struct report *report)
{
	static const char *const names[PHASE_COUNT] = {"lock", "build", "list", "plan", "remove"};
	json_t *phases = json_object();
	for (size_t i = 0; i < PHASE_COUNT; i++)
		json_object_set_new(phases, names[i], json_real(report->phase_seconds[i]));
	return phases;
}

static double seconds_of(struct timeval time)
{
	return (double)time.tv_sec + (double)time.tv_usec / 1e6;
}

int report_write_json(const struct report *report, int exit_status, double started, FILE *out)
{
	json_t *repositories = json_array();
	for (size_t r = 0; r < report->repository_count; r++)
		json_array_append_new(repositories, json_repository(report, r));
	struct totals totals = count(report->plan, SIZE_MAX);
	struct rusage usage = {0};
	(void)getrusage(RUSAGE_SELF, &usage); /* cannot fail for RUSAGE_SELF */
	json_t *root = json_object();
	json_object_set_new(root, "schema_version", json_integer(REPORT_SCHEMA_VERSION));
	json_object_set_new(root, "builder", json_string(report->builder));
	json_object_set_new(root, "dry_run", json_boolean(report->dry_run));
	json_object_set_new(root, "exit_status", json_integer(exit_status));
	json_object_set_new(root, "new_id", json_text_or_null(report->new_id));
	json_object_set_new(root, "build", json_build(&report->build));
	json_object_set_new(root, "repositories", repositories);
	if (report->prune)
		json_object_set_new(root, "prune", json_string(report->prune));
	json_object_set_new(root, "summary", json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "removed", (json_int_t)totals.removed,
							 "untagged", (json_int_t)totals.untagged, "earlier_tags",
							 (json_int_t)totals.earlier_tags, "kept_in_use",
							 (json_int_t)totals.kept_in_use, "not_removed",
							 (json_int_t)totals.failed, "removed_images_size_bytes",
							 json_removed_size(totals)));
	json_object_set_new(root, "phases", json_phases(report));
	json_object_set_new(root, "calls", json_integer((json_int_t)report->calls));
	json_object_set_new(root, "wall_seconds", json_real(report_now() - started));
	json_object_set_new(root, "cpu_seconds", json_real(seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime)));
	/* ru_maxrss is in kilobytes on Linux. */
	json_object_set_new(root, "peak_memory_bytes", json_integer((json_int_t)usage.ru_maxrss * 1024));
	int status = json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) == 0 && fputc('\n', out) != EOF &&
				     fflush(out) == 0
			     ? 0
			     : -1;
	json_decref(root);
	return status;
}
