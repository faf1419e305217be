/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "suites.h"

static const char table[] =
	"IMAGE                            TAG                 IMAGE ID            SIZE\n"
	"localhost/whoami/web             new                 aaaaaaaaaaaaa       2.58MB\n"
	"localhost/whoami/web             latest              aaaaaaaaaaaaa       2.58MB\n"
	"localhost/whoami/web             old                 bbbbbbbbbbbbb       1.5GB\n"
	"localhost/whoami/web             p1                  ccccccccccccc       812B\n"
	"localhost/whoami/web             p2                  ddddddddddddd       12kB\n"
	"localhost/whoami/web             p3                  eeeeeeeeeeeee       1kB\n";

static struct listing listing;
static struct plan plan;
static struct report_repository repository = {
	.repository = "localhost/whoami/web",
	.reference = "localhost/whoami/web:new",
};
static struct report report;

static void setup(void)
{
	struct listing_error error;
	ck_assert_int_eq(listing_parse_kim_table(table, strlen(table), &listing, &error), 0);
	plan = (struct plan){0};
	report = (struct report){.builder = "kim", .repositories = &repository, .repository_count = 1, .plan = &plan};
}

static void teardown(void)
{
	plan_free(&plan);
	listing_free(&listing);
}

static struct image *image(const char *id)
{
	struct image *found = listing_find(&listing, id);
	ck_assert_ptr_nonnull(found);
	return found;
}

/* Adds a decision about image ID to the plan, with that FATE and REASON, and returns it. */
static struct decision *decide(const char *id, enum fate fate, enum reason reason)
{
	struct decision decision = {.image = image(id), .fate = fate, .reason = reason};
	struct decision *grown = realloc(plan.decisions, (plan.count + 1) * sizeof *grown);
	ck_assert_ptr_nonnull(grown);
	plan.decisions = grown;
	plan.decisions[plan.count] = decision;
	return &plan.decisions[plan.count++];
}

static void untag(struct decision *decision, const char *name)
{
	decision->untags = realloc(decision->untags, (decision->untag_count + 1) * sizeof *decision->untags);
	ck_assert_ptr_nonnull(decision->untags);
	decision->untags[decision->untag_count++] = strdup(name);
	decision->untagged_count = decision->untag_count;
}

static void along(struct decision *decision, const char *id, long long size)
{
	decision->along = realloc(decision->along, (decision->along_count + 1) * sizeof *decision->along);
	ck_assert_ptr_nonnull(decision->along);
	decision->along[decision->along_count++] = (struct removed_along){strdup(id), size};
}

/* The report as JSON, read back with jansson. */
static json_t *written(int exit_status)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(report_write_json(&report, exit_status, report_now(), out), 0);
	ck_assert_int_eq(fclose(out), 0);
	json_error_t error;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &error);
	ck_assert_msg(root != NULL, "invalid JSON: %s: %s", error.text, text);
	free(text);
	return root;
}

START_TEST(test_json_sorts_images_by_fate_in_plan_order)
{
	decide("ddddddddddddd", FATE_REMOVED, REASON_REPLACED);
	struct decision *failed = decide("eeeeeeeeeeeee", FATE_FAILED, REASON_REPLACED);
	failed->error = strdup("kim exited with status 1");
	failed->failed_target = failed->image->id;
	untag(decide("bbbbbbbbbbbbb", FATE_UNTAGGED, REASON_SHARED), "localhost/whoami/web:old");
	decide("ccccccccccccc", FATE_REMOVED, REASON_REPLACED);
	decide("aaaaaaaaaaaaa", FATE_KEPT, REASON_NEW);
	decide("ccccccccccccc", FATE_PENDING, REASON_REPLACED);

	json_t *root = written(4);
	ck_assert_str_eq(json_string_value(json_object_get(root, "builder")), "kim");
	ck_assert_int_eq(json_integer_value(json_object_get(root, "exit_status")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "schema_version")), 1);
	json_t *repo = json_array_get(json_object_get(root, "repositories"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(repo, "reference")), "localhost/whoami/web:new");
	ck_assert(json_is_null(json_object_get(repo, "latest")));
	json_t *removed = json_object_get(repo, "removed");
	ck_assert_uint_eq(json_array_size(removed), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(removed, 0), "id")), "ddddddddddddd");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(removed, 0), "size_bytes")), 12000);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(removed, 1), "id")), "ccccccccccccc");
	ck_assert_int_eq(json_integer_value(json_object_get(repo, "removed_images_size_bytes")), 12812);
	json_t *untagged = json_array_get(json_object_get(repo, "untagged"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(untagged, "reason")), "shared");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(untagged, "untagged"), 0)),
			 "localhost/whoami/web:old");
	json_t *kept = json_object_get(repo, "kept");
	ck_assert_uint_eq(json_array_size(kept), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(kept, 0), "reason")), "removal_failed");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(kept, 0), "error")), "kim exited with status 1");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(kept, 1), "reason")), "new");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(kept, 2), "reason")), "interrupted");
	json_t *summary = json_object_get(root, "summary");
	ck_assert_int_eq(json_integer_value(json_object_get(summary, "removed")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(summary, "untagged")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(summary, "not_removed")), 2);
	ck_assert(plan_has_failures(&plan));
	json_decref(root);
}
END_TEST

/* The removed images' sizes sum to null when the listing gave none of them; no field claims space
 * freed, which no builder's removal tells. */
START_TEST(test_json_of_an_unknown_size_is_null_and_sums_to_null)
{
	struct image *unsized = image("bbbbbbbbbbbbb");
	unsized->size = -1;
	decide(unsized->id, FATE_REMOVED, REASON_REPLACED);
	json_t *root = written(0);
	json_t *repo = json_array_get(json_object_get(root, "repositories"), 0);
	ck_assert(json_is_null(json_object_get(json_array_get(json_object_get(repo, "removed"), 0), "size_bytes")));
	ck_assert(json_is_null(json_object_get(repo, "removed_images_size_bytes")));
	ck_assert(json_is_null(json_object_get(json_object_get(root, "summary"), "removed_images_size_bytes")));
	ck_assert_ptr_null(json_object_get(repo, "reclaimed_bytes"));
	ck_assert_ptr_null(json_object_get(json_object_get(root, "summary"), "reclaimed_bytes"));
	ck_assert_ptr_null(json_object_get(json_object_get(root, "summary"), "freed_bytes"));
	ck_assert(!plan_has_failures(&plan));
	json_decref(root);
}
END_TEST

/* Sizes a listing claims may sum beyond any long long: the total stops at LLONG_MAX. */
START_TEST(test_removed_images_size_stops_at_the_largest)
{
	struct image *huge = image("bbbbbbbbbbbbb");
	struct image *also_huge = image("ccccccccccccc");
	huge->size = LLONG_MAX - 10;
	also_huge->size = LLONG_MAX - 10;
	decide(huge->id, FATE_REMOVED, REASON_REPLACED);
	decide(also_huge->id, FATE_REMOVED, REASON_REPLACED);
	json_t *root = written(0);
	json_t *repo = json_array_get(json_object_get(root, "repositories"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(repo, "removed_images_size_bytes")), LLONG_MAX);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "summary"), "removed_images_size_bytes")),
			 LLONG_MAX);
	json_decref(root);
}
END_TEST

START_TEST(test_json_names_what_went_along)
{
	struct decision *entry = decide("bbbbbbbbbbbbb", FATE_REMOVED, REASON_REPLACED);
	along(entry, "ccccccccccccc", 812);
	along(entry, "fffffffffffff", -1);
	json_t *root = written(0);
	json_t *removed = json_object_get(json_array_get(json_object_get(root, "repositories"), 0), "removed");
	ck_assert_uint_eq(json_array_size(removed), 3);
	json_t *along = json_array_get(removed, 1);
	ck_assert_str_eq(json_string_value(json_object_get(along, "reason")), "removed_along");
	ck_assert_str_eq(json_string_value(json_object_get(along, "with")), "bbbbbbbbbbbbb");
	ck_assert_int_eq(json_integer_value(json_object_get(along, "size_bytes")), 812);
	ck_assert(json_is_null(json_object_get(json_array_get(removed, 2), "size_bytes")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "summary"), "removed")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "summary"), "removed_images_size_bytes")),
			 1500000812LL);
	json_decref(root);
}
END_TEST

/* What report_tell says on stderr, read back. */
static char *told(void)
{
	struct redirection capture;
	redirect_to_temporary_file(&capture, STDERR_FILENO);
	report_tell(&report, false);
	return restore_and_read(&capture);
}

/* Every reason of the table is said in words, each of its placeholders filled in: an image kept for
 * it, by a dry run, which names them all. */
START_TEST(test_every_reason_is_said_in_words)
{
	report.dry_run = true;
	image("bbbbbbbbbbbbb")->containers = 3;
	static struct workload_name workload = {.image = "localhost/whoami/web:old", .kind = WORKLOAD_DEPLOYMENTS,
						.namespace = "apps", .name = "web"};
	for (int reason = 0; reason < REASON_COUNT; reason++) {
		struct decision *decision = decide("bbbbbbbbbbbbb", FATE_KEPT, (enum reason)reason);
		decision->related = image("ccccccccccccc");
		decision->workload = &workload;
	}
	char *text = told();
	ck_assert_msg(!strchr(text, '{'), "a placeholder is left: %s", text);
	size_t lines = 0;
	for (const char *line = text; *line; line = strchr(line, '\n') + 1, lines++)
		ck_assert_msg(strncmp(line, "kimb: would keep bbbbbbbbbbbbb (localhost/whoami/web:old): ", 59) == 0 ||
				      strncmp(line, "kimb: would remove 0 images", 27) == 0,
			      "unexpected line: %s", line);
	ck_assert_uint_eq(lines, REASON_COUNT + 1);
	ck_assert_ptr_nonnull(strstr(text, "in use by 3 container(s)"));
	ck_assert_ptr_nonnull(strstr(text, "kim would also remove ccccccccccccc (localhost/whoami/web:p1)"));
	ck_assert_ptr_nonnull(strstr(text, ": Deployment apps/web's pod template names it\n"));
	free(text);
}
END_TEST

/* An image a workload's pod template names is kept in use, and the JSON names the workload. */
START_TEST(test_json_names_the_workload_that_keeps_an_image)
{
	struct workload_name workload = {.image = "localhost/whoami/web:old", .kind = WORKLOAD_CRON_JOBS,
					 .namespace = "batch", .name = "nightly"};
	decide("bbbbbbbbbbbbb", FATE_KEPT, REASON_NAMED_BY_WORKLOAD)->workload = &workload;
	json_t *root = written(0);
	json_t *kept = json_array_get(json_object_get(json_array_get(json_object_get(root, "repositories"), 0), "kept"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(kept, "reason")), "named_by_workload");
	json_t *named = json_object_get(kept, "workload");
	ck_assert_str_eq(json_string_value(json_object_get(named, "kind")), "CronJob");
	ck_assert_str_eq(json_string_value(json_object_get(named, "namespace")), "batch");
	ck_assert_str_eq(json_string_value(json_object_get(named, "name")), "nightly");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "summary"), "kept_in_use")), 1);
	json_decref(root);
}
END_TEST

/* Without --dry-run, the images every run keeps are not named; the others are. */
START_TEST(test_a_run_names_only_what_the_user_can_act_on)
{
	decide("aaaaaaaaaaaaa", FATE_KEPT, REASON_NEW);
	decide("bbbbbbbbbbbbb", FATE_KEPT, REASON_IN_USE);
	struct decision *removed = decide("ccccccccccccc", FATE_REMOVED, REASON_INTERMEDIATE);
	removed->related = image("ddddddddddddd");
	char *text = told();
	ck_assert_str_eq(text, "kimb: kept bbbbbbbbbbbbb (localhost/whoami/web:old): in use by a container or pod\n"
			       "kimb: removed ccccccccccccc (an intermediate image of ddddddddddddd's build)\n"
			       "kimb: removed 1 image (812 B in image sizes, layers may be shared), kept 1 in use\n");
	free(text);
}
END_TEST

/* A failed call's stderr is told as the builder said it, before kimb's line about the image. */
START_TEST(test_a_failed_call_tells_what_the_builder_said)
{
	struct decision *failed = decide("bbbbbbbbbbbbb", FATE_FAILED, REASON_REPLACED);
	failed->error = strdup("podman exited with status 2");
	failed->said = strdup("Error: image is in use by a container");
	failed->failed_target = failed->image->id;
	char *text = told();
	ck_assert_str_eq(text, "Error: image is in use by a container\n"
			       "kimb: could not remove bbbbbbbbbbbbb (localhost/whoami/web:old): podman exited with status 2\n"
			       "kimb: removed 0 images, 1 not removed\n");
	free(text);
}
END_TEST

/* podman's internal names (<hex>-tmp) are left out of an image's names, in words and in JSON. */
START_TEST(test_internal_names_are_left_out)
{
	struct image *shared = image("ccccccccccccc");
	struct image_name *names = realloc(shared->names, (shared->name_count + 1) * sizeof *names);
	ck_assert_ptr_nonnull(names);
	shared->names = names;
	names[shared->name_count++] = (struct image_name){strdup("localhost/" TEST_ID("7") "-tmp"),
							 strdup("localhost/" TEST_ID("7") "-tmp"), strdup("latest")};
	char text[512];
	report_names(shared, text, sizeof text);
	ck_assert_ptr_null(strstr(text, "-tmp"));
	ck_assert_ptr_nonnull(strstr(text, "localhost/whoami/web:"));
	decide("ccccccccccccc", FATE_REMOVED, REASON_REPLACED);
	json_t *root = written(0);
	char *dumped = json_dumps(root, 0);
	ck_assert_ptr_null(strstr(dumped, "-tmp"));
	free(dumped);
	json_decref(root);
}
END_TEST

/* --quiet: only what could not be done is said, not what was done, nor the summary. */
START_TEST(test_quiet_says_only_what_failed)
{
	decide("bbbbbbbbbbbbb", FATE_KEPT, REASON_IN_USE);
	decide("ccccccccccccc", FATE_REMOVED, REASON_INTERMEDIATE)->related = image("ddddddddddddd");
	struct decision *failed = decide("eeeeeeeeeeeee", FATE_FAILED, REASON_REPLACED);
	failed->failed_target = failed->image->id;
	failed->error = strdup("kim exited with status 1");
	message_set_verbosity(VERBOSITY_QUIET);
	char *text = told();
	message_set_verbosity(VERBOSITY_NORMAL);
	ck_assert_str_eq(text, "kimb: could not remove eeeeeeeeeeeee (localhost/whoami/web:p3): kim exited with status 1\n");
	free(text);
}
END_TEST

/* A protected image is named by every run, with the tag and the glob that protect it; the JSON
 * holds them as protected_tag and pattern. */
START_TEST(test_a_protected_image_names_its_tag_and_glob)
{
	struct decision *kept = decide("bbbbbbbbbbbbb", FATE_KEPT, REASON_PROTECTED);
	kept->protected_name = &kept->image->names[0];
	kept->pattern = "o*";
	decide("ccccccccccccc", FATE_KEPT, REASON_KEEP_WITHIN);
	char *text = told();
	ck_assert_str_eq(text, "kimb: kept bbbbbbbbbbbbb (localhost/whoami/web:old): localhost/whoami/web:old matches "
			       "--protect=o*\n"
			       "kimb: removed 0 images\n");
	free(text);
	json_t *root = written(0);
	json_t *repo = json_array_get(json_object_get(root, "repositories"), 0);
	json_t *first = json_array_get(json_object_get(repo, "kept"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(first, "reason")), "protected");
	ck_assert_str_eq(json_string_value(json_object_get(first, "protected_tag")), "localhost/whoami/web:old");
	ck_assert_str_eq(json_string_value(json_object_get(first, "pattern")), "o*");
	json_t *second = json_array_get(json_object_get(repo, "kept"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(second, "reason")), "keep_within");
	ck_assert_ptr_null(json_object_get(second, "protected_tag"));
	json_decref(root);
}
END_TEST

Suite *report_suite(void)
{
	Suite *suite = suite_create("report");
	TCase *tc = tcase_create("json");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_json_sorts_images_by_fate_in_plan_order);
	tcase_add_test(tc, test_json_of_an_unknown_size_is_null_and_sums_to_null);
	tcase_add_test(tc, test_removed_images_size_stops_at_the_largest);
	tcase_add_test(tc, test_quiet_says_only_what_failed);
	tcase_add_test(tc, test_internal_names_are_left_out);
	tcase_add_test(tc, test_json_names_what_went_along);
	tcase_add_test(tc, test_every_reason_is_said_in_words);
	tcase_add_test(tc, test_json_names_the_workload_that_keeps_an_image);
	tcase_add_test(tc, test_a_run_names_only_what_the_user_can_act_on);
	tcase_add_test(tc, test_a_failed_call_tells_what_the_builder_said);
	tcase_add_test(tc, test_a_protected_image_names_its_tag_and_glob);
	suite_add_tcase(suite, tc);
	return suite;
}
