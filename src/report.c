#include "report.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "array.h"
#include "xalloc.h"

void report_say(const char *format, ...)
{
	va_list args;
	va_start(args, format);
	fputs("kimb: ", stderr);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
	va_end(args);
}

void report_names(const struct image *image, char *buf, size_t size)
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

struct image_report *report_add_image(struct repository_report *repository, const struct image *image,
				      enum image_fate fate, enum fate_reason reason)
{
	struct image_report entry = {.image = image, .fate = fate, .reason = reason};
	array_append(&repository->images, &repository->count, sizeof entry, &entry);
	return &repository->images[repository->count - 1];
}

struct image_report *report_find_image(struct repository_report *repository, const struct image *image)
{
	for (size_t i = repository->count; i-- > 0;)
		if (repository->images[i].image == image)
			return &repository->images[i];
	return NULL;
}

void report_untagged(struct image_report *entry, const char *name)
{
	char *copy = xstrdup(name);
	array_append(&entry->untagged, &entry->untagged_count, sizeof copy, &copy);
}

void report_removed_along(struct image_report *entry, const char *id, const struct listing *listing)
{
	const struct image *image = listing_find(listing, id);
	struct removed_along along = {xstrdup(id), image ? image->size : -1};
	array_append(&entry->along, &entry->along_count, sizeof along, &along);
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
	size_t untagged;
	size_t kept_in_use;
	size_t failed;
	long long reclaimed; /* bytes of the removed images whose size is known */
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
	add_bytes(&totals->reclaimed, size);
	totals->any_size = true;
}

static void count_image(const struct image_report *entry, struct totals *totals)
{
	switch (entry->fate) {
	case FATE_REMOVED:
		totals->removed++;
		add_size(totals, entry->image->size);
		for (size_t i = 0; i < entry->along_count; i++) {
			totals->removed++;
			add_size(totals, entry->along[i].size);
		}
		break;
	case FATE_UNTAGGED:
		totals->untagged++;
		break;
	case FATE_KEPT:
		totals->kept_in_use += entry->reason == REASON_IN_USE;
		break;
	case FATE_FAILED:
	case FATE_PENDING:
		totals->failed++;
		break;
	}
}

static struct totals count_repository(const struct repository_report *repository)
{
	struct totals totals = {0};
	for (size_t i = 0; i < repository->count; i++)
		count_image(&repository->images[i], &totals);
	return totals;
}

static struct totals count_all(const struct report *report)
{
	struct totals all = {0};
	for (size_t r = 0; r < report->repository_count; r++) {
		struct totals one = count_repository(&report->repositories[r]);
		all.removed += one.removed;
		all.untagged += one.untagged;
		all.kept_in_use += one.kept_in_use;
		all.failed += one.failed;
		add_bytes(&all.reclaimed, one.reclaimed);
		all.any_size |= one.any_size;
	}
	return all;
}

bool report_has_failures(const struct report *report)
{
	return count_all(report).failed > 0;
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

/* Says why ENTRY stays. The images every run keeps (the new image, latest, --keep's, those kimb
 * cannot attribute) only a dry run names: that is what a user checks it for. */
static void tell_kept(const struct image_report *entry, const char *names, const char *builder, bool dry_run)
{
	const char *id = entry->image->id;
	const char *kept = dry_run ? "would keep" : "kept";
	char base[512];
	switch (entry->reason) {
	case REASON_IN_USE:
		if (entry->image->containers > 0)
			report_say("%s %s (%s): in use by %lld container(s)", kept, id, names, entry->image->containers);
		else
			report_say("%s %s (%s): in use by a container or pod", kept, id, names);
		break;
	case REASON_BASE_WOULD_GO:
		report_names(entry->related, base, sizeof base);
		report_say("%s %s (%s): %s would also remove %s (%s), the untagged image it was built from", kept, id,
			   names, builder, entry->related->id, base);
		break;
	case REASON_HAS_CHILDREN:
		report_say("%s %s (%s): another image is built on it, and %s keeps the images others are built on",
			   kept, id, names, builder);
		break;
	case REASON_USE_UNKNOWN:
		report_say("%s %s (%s): %s could not inspect it, so whether a pod uses it cannot be told", kept, id,
			   names, builder);
		break;
	case REASON_BASE_UNKNOWN:
		report_say("%s %s (%s): %s would also remove the image it was built from if it is untagged, and "
			   "which image that is cannot be told",
			   kept, id, names, builder);
		break;
	case REASON_CHILD_STAYS:
		report_say("%s %s (%s): an intermediate image of %s's build, which could not be removed", kept, id,
			   names, entry->related->id);
		break;
	case REASON_NEW:
		if (dry_run)
			report_say("would keep %s (%s): the image just built", id, names);
		break;
	case REASON_LATEST:
		if (dry_run)
			report_say("would keep %s (%s): latest points to it", id, names);
		break;
	case REASON_RECENT:
		if (dry_run)
			report_say("would keep %s (%s): one of the --keep most recent", id, names);
		break;
	case REASON_NOT_ATTRIBUTABLE:
		if (dry_run)
			report_say("would keep %s (%s): nothing proves kimb built it for this repository", id, names);
		break;
	case REASON_REPLACED:
	case REASON_INTERMEDIATE:
	case REASON_SHARED:
		break;
	}
}

static void tell_untagged(const struct image_report *entry, const char *prefix, bool dry_run)
{
	for (size_t i = 0; i < entry->untagged_count; i++)
		report_say("%s%s %s (%s)", prefix, dry_run ? "untag" : "untagged", entry->untagged[i],
			   entry->fate == FATE_UNTAGGED ? "the image is shared with another repository"
							: "so that its ID can be removed");
}

static void tell_image(const struct report *report, const struct image_report *entry)
{
	char names[512];
	report_names(entry->image, names, sizeof names);
	const char *prefix = report->dry_run ? "would " : "";
	const char *id = entry->image->id;
	tell_untagged(entry, prefix, report->dry_run);
	switch (entry->fate) {
	case FATE_REMOVED:
		if (entry->reason == REASON_INTERMEDIATE)
			report_say("%s%s %s (an intermediate image of %s's build)", prefix,
				   report->dry_run ? "remove" : "removed", id, entry->related->id);
		else
			report_say("%s%s %s (%s)", prefix, report->dry_run ? "remove" : "removed", id, names);
		for (size_t i = 0; i < entry->along_count; i++)
			report_say("removed %s (an untagged parent of %s, which %s removed with it)", entry->along[i].id,
				   id, report->builder);
		break;
	case FATE_KEPT:
		tell_kept(entry, names, report->builder, report->dry_run);
		break;
	case FATE_FAILED:
		report_say("could not %s %s (%s): %s", entry->failed_untagging ? "untag" : "remove", entry->failed_target,
			   names, entry->error);
		break;
	case FATE_PENDING:
		report_say("did not %s %s (%s): kimb was interrupted", entry->remove ? "remove" : "untag", id, names);
		break;
	case FATE_UNTAGGED:
		break;
	}
}

void report_tell(const struct report *report, bool problems_only)
{
	bool planned = false;
	for (size_t r = 0; r < report->repository_count; r++) {
		const struct repository_report *repository = &report->repositories[r];
		planned |= repository->planned;
		for (size_t i = 0; repository->planned && i < repository->count; i++) {
			const struct image_report *entry = &repository->images[i];
			if (!problems_only || entry->fate == FATE_FAILED || entry->fate == FATE_PENDING)
				tell_image(report, entry);
		}
	}
	if (!planned || problems_only)
		return;
	struct totals totals = count_all(report);
	char summary[256];
	size_t used = (size_t)snprintf(summary, sizeof summary, "%s %zu image%s", report->dry_run ? "would remove" : "removed",
				       totals.removed, totals.removed == 1 ? "" : "s");
	if (totals.untagged)
		used += (size_t)snprintf(summary + used, sizeof summary - used, ", untagged %zu shared", totals.untagged);
	if (totals.kept_in_use)
		used += (size_t)snprintf(summary + used, sizeof summary - used, ", kept %zu in use", totals.kept_in_use);
	if (totals.failed)
		used += (size_t)snprintf(summary + used, sizeof summary - used, ", %zu not removed", totals.failed);
	if (totals.removed && totals.any_size) {
		char size[32];
		human_size(totals.reclaimed, size, sizeof size);
		snprintf(summary + used, sizeof summary - used, ", %s %s", report->dry_run ? "would reclaim" : "reclaimed",
			 size);
	}
	report_say("%s", summary);
}

/* --- JSON ------------------------------------------------------------------------------------- */

static const char *reason_token(const struct image_report *entry)
{
	if (entry->fate == FATE_FAILED)
		return "removal_failed";
	if (entry->fate == FATE_PENDING)
		return "interrupted";
	static const char *const tokens[] = {
		[REASON_REPLACED] = "replaced",       [REASON_INTERMEDIATE] = "intermediate",
		[REASON_SHARED] = "shared",           [REASON_NEW] = "new",
		[REASON_LATEST] = "latest",           [REASON_RECENT] = "keep",
		[REASON_NOT_ATTRIBUTABLE] = "not_attributable",
		[REASON_IN_USE] = "in_use",           [REASON_BASE_WOULD_GO] = "base_would_go",
		[REASON_BASE_UNKNOWN] = "base_unknown", [REASON_USE_UNKNOWN] = "use_unknown",
		[REASON_HAS_CHILDREN] = "has_children", [REASON_CHILD_STAYS] = "child_stays",
	};
	return tokens[entry->reason];
}

static json_t *json_size(long long size)
{
	return size < 0 ? json_null() : json_integer(size);
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
		if (!name->shown)
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

static json_t *json_image(const struct image_report *entry)
{
	json_t *object = json_object();
	json_object_set_new(object, "id", json_string(entry->image->id));
	json_object_set_new(object, "names", json_names(entry->image));
	json_object_set_new(object, "size_bytes", json_size(entry->image->size));
	json_object_set_new(object, "reason", json_string(reason_token(entry)));
	if (entry->untagged_count)
		json_object_set_new(object, "untagged", json_strings(entry->untagged, entry->untagged_count));
	if (entry->image->containers > 0)
		json_object_set_new(object, "containers", json_integer(entry->image->containers));
	if (entry->error)
		json_object_set_new(object, "error", json_string(entry->error));
	if (entry->related)
		json_object_set_new(object, entry->reason == REASON_BASE_WOULD_GO ? "base" : "built",
				    json_string(entry->related->id));
	return object;
}

static json_t *json_repository(const struct repository_report *repository, const struct totals *totals)
{
	json_t *removed = json_array(), *untagged = json_array(), *kept = json_array();
	const char *new_id = NULL;
	for (size_t i = 0; i < repository->count; i++) {
		const struct image_report *entry = &repository->images[i];
		if (entry->reason == REASON_NEW)
			new_id = entry->image->id;
		json_t *list = entry->fate == FATE_REMOVED ? removed : entry->fate == FATE_UNTAGGED ? untagged : kept;
		json_array_append_new(list, json_image(entry));
		for (size_t j = 0; entry->fate == FATE_REMOVED && j < entry->along_count; j++)
			json_array_append_new(removed, json_pack("{s:s, s:[], s:o, s:s, s:s}", "id", entry->along[j].id,
								 "names", "size_bytes", json_size(entry->along[j].size),
								 "reason", "removed_along", "with", entry->image->id));
	}
	json_t *object = json_object();
	json_object_set_new(object, "repository", json_string(repository->repository));
	json_object_set_new(object, "reference", json_text_or_null(repository->reference));
	json_object_set_new(object, "latest", json_text_or_null(repository->latest));
	json_object_set_new(object, "new_id", json_text_or_null(new_id));
	json_object_set_new(object, "removed", removed);
	json_object_set_new(object, "untagged", untagged);
	json_object_set_new(object, "kept", kept);
	json_object_set_new(object, "reclaimed_bytes", json_integer(totals->reclaimed));
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
	for (size_t r = 0; r < report->repository_count; r++) {
		struct totals totals = count_repository(&report->repositories[r]);
		json_array_append_new(repositories, json_repository(&report->repositories[r], &totals));
	}
	struct totals totals = count_all(report);
	struct rusage usage = {0};
	(void)getrusage(RUSAGE_SELF, &usage); /* cannot fail for RUSAGE_SELF */
	json_t *root = json_object();
	json_object_set_new(root, "builder", json_string(report->builder));
	json_object_set_new(root, "dry_run", json_boolean(report->dry_run));
	json_object_set_new(root, "exit_status", json_integer(exit_status));
	json_object_set_new(root, "new_id", json_text_or_null(report->new_id));
	json_object_set_new(root, "build", json_build(&report->build));
	json_object_set_new(root, "repositories", repositories);
	json_object_set_new(root, "summary", json_pack("{s:I, s:I, s:I, s:I, s:I}", "removed", (json_int_t)totals.removed,
							 "untagged", (json_int_t)totals.untagged, "kept_in_use",
							 (json_int_t)totals.kept_in_use, "not_removed",
							 (json_int_t)totals.failed, "reclaimed_bytes",
							 (json_int_t)totals.reclaimed));
	json_object_set_new(root, "phases", json_phases(report));
	json_object_set_new(root, "calls", json_integer((json_int_t)report->calls_made));
	json_object_set_new(root, "wall_seconds", json_real(report_now() - started));
	json_object_set_new(root, "cpu_seconds", json_real(seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime)));
	/* ru_maxrss is in kilobytes on Linux. */
	json_object_set_new(root, "peak_memory_bytes", json_integer((json_int_t)usage.ru_maxrss * 1024));
	int status = json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) == 0 && fputc('\n', out) != EOF && fflush(out) == 0 ? 0 : -1;
	json_decref(root);
	return status;
}

void report_free(struct report *report)
{
	for (size_t r = 0; r < report->repository_count; r++) {
		struct repository_report *repository = &report->repositories[r];
		for (size_t i = 0; i < repository->count; i++) {
			struct image_report *entry = &repository->images[i];
			free(entry->error);
			for (size_t j = 0; j < entry->untagged_count; j++)
				free(entry->untagged[j]);
			free(entry->untagged);
			for (size_t j = 0; j < entry->along_count; j++)
				free(entry->along[j].id);
			free(entry->along);
		}
		free(repository->images);
	}
	free(report->repositories);
	*report = (struct report){0};
}
