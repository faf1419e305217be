#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static struct report report;
static struct repository_report *repository;

static void setup(void)
{
	struct listing_error error;
	ck_assert_int_eq(listing_parse_kim_table(table, strlen(table), &listing, &error), 0);
	report = (struct report){.builder = "kim", .repository_count = 1};
	report.repositories = calloc(1, sizeof *report.repositories);
	ck_assert_ptr_nonnull(report.repositories);
	repository = &report.repositories[0];
	repository->repository = "localhost/whoami/web";
	repository->reference = "localhost/whoami/web:new";
	repository->planned = true;
}

static void teardown(void)
{
	report_free(&report);
	listing_free(&listing);
}

static struct image *image(const char *id)
{
	struct image *found = listing_find(&listing, id);
	ck_assert_ptr_nonnull(found);
	return found;
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
	report_add_image(repository, image("ddddddddddddd"), FATE_REMOVED, REASON_REPLACED);
	struct image_report *failed = report_add_image(repository, image("eeeeeeeeeeeee"), FATE_FAILED, REASON_REPLACED);
	failed->error = strdup("kim exited with status 1");
	failed->failed_target = "eeeeeeeeeeeee";
	struct image_report *shared = report_add_image(repository, image("bbbbbbbbbbbbb"), FATE_UNTAGGED, REASON_SHARED);
	report_untagged(shared, "localhost/whoami/web:old");
	report_add_image(repository, image("ccccccccccccc"), FATE_REMOVED, REASON_REPLACED);
	report_add_image(repository, image("aaaaaaaaaaaaa"), FATE_KEPT, REASON_NEW);
	report_add_image(repository, image("ccccccccccccc"), FATE_PENDING, REASON_REPLACED);

	json_t *root = written(4);
	ck_assert_str_eq(json_string_value(json_object_get(root, "builder")), "kim");
	ck_assert_int_eq(json_integer_value(json_object_get(root, "exit_status")), 4);
	json_t *repo = json_array_get(json_object_get(root, "repositories"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(repo, "reference")), "localhost/whoami/web:new");
	ck_assert(json_is_null(json_object_get(repo, "latest")));
	json_t *removed = json_object_get(repo, "removed");
	ck_assert_uint_eq(json_array_size(removed), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(removed, 0), "id")), "ddddddddddddd");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(removed, 0), "size_bytes")), 12000);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(removed, 1), "id")), "ccccccccccccc");
	ck_assert_int_eq(json_integer_value(json_object_get(repo, "reclaimed_bytes")), 12812);
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
	ck_assert(report_has_failures(&report));
	json_decref(root);
}
END_TEST

START_TEST(test_json_of_an_unknown_size_is_null_and_reclaims_nothing)
{
	struct image *unsized = image("bbbbbbbbbbbbb");
	unsized->size = -1;
	report_add_image(repository, unsized, FATE_REMOVED, REASON_REPLACED);
	json_t *root = written(0);
	json_t *repo = json_array_get(json_object_get(root, "repositories"), 0);
	ck_assert(json_is_null(json_object_get(json_array_get(json_object_get(repo, "removed"), 0), "size_bytes")));
	ck_assert_int_eq(json_integer_value(json_object_get(repo, "reclaimed_bytes")), 0);
	ck_assert(!report_has_failures(&report));
	json_decref(root);
}
END_TEST

/* Sizes a listing claims may sum beyond any long long: the total stops at LLONG_MAX. */
START_TEST(test_reclaimed_bytes_stop_at_the_largest)
{
	struct image *huge = image("bbbbbbbbbbbbb");
	struct image *also_huge = image("ccccccccccccc");
	huge->size = LLONG_MAX - 10;
	also_huge->size = LLONG_MAX - 10;
	report_add_image(repository, huge, FATE_REMOVED, REASON_REPLACED);
	report_add_image(repository, also_huge, FATE_REMOVED, REASON_REPLACED);
	json_t *root = written(0);
	json_t *repo = json_array_get(json_object_get(root, "repositories"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(repo, "reclaimed_bytes")), LLONG_MAX);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "summary"), "reclaimed_bytes")),
			 LLONG_MAX);
	json_decref(root);
}
END_TEST

START_TEST(test_json_names_what_went_along)
{
	struct image_report *entry = report_add_image(repository, image("bbbbbbbbbbbbb"), FATE_REMOVED, REASON_REPLACED);
	report_removed_along(entry, "ccccccccccccc", &listing);
	report_removed_along(entry, "fffffffffffff", &listing);
	json_t *root = written(0);
	json_t *removed = json_object_get(json_array_get(json_object_get(root, "repositories"), 0), "removed");
	ck_assert_uint_eq(json_array_size(removed), 3);
	json_t *along = json_array_get(removed, 1);
	ck_assert_str_eq(json_string_value(json_object_get(along, "reason")), "removed_along");
	ck_assert_str_eq(json_string_value(json_object_get(along, "with")), "bbbbbbbbbbbbb");
	ck_assert_int_eq(json_integer_value(json_object_get(along, "size_bytes")), 812);
	ck_assert(json_is_null(json_object_get(json_array_get(removed, 2), "size_bytes")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "summary"), "removed")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "summary"), "reclaimed_bytes")),
			 1500000812LL);
	json_decref(root);
}
END_TEST

Suite *report_suite(void)
{
	Suite *suite = suite_create("report");
	TCase *tc = tcase_create("json");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_json_sorts_images_by_fate_in_plan_order);
	tcase_add_test(tc, test_json_of_an_unknown_size_is_null_and_reclaims_nothing);
	tcase_add_test(tc, test_reclaimed_bytes_stop_at_the_largest);
	tcase_add_test(tc, test_json_names_what_went_along);
	suite_add_tcase(suite, tc);
	return suite;
}
