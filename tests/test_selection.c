#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "selection.h"
#include "suites.h"

/* Listings are built by hand here, so that each rule is tested apart from the listing parser. */

#define MAX_IMAGES 8
#define MAX_NAMES 4

static struct image images[MAX_IMAGES];
static struct image_name names[MAX_IMAGES][MAX_NAMES];
static struct listing listing;
static struct prune_plan plan;
static enum selection_outcome outcome;

static const char R[] = "localhost/whoami/web";
static bool untag_before_remove;

static void setup(void)
{
	memset(images, 0, sizeof images);
	memset(names, 0, sizeof names);
	listing = (struct listing){.images = images, .count = 0};
	plan = (struct prune_plan){0};
	untag_before_remove = false;
}

static void teardown(void)
{
	prune_plan_free(&plan);
}

/* Adds an image; each NAME is "repository|shown|tag" with empty parts for NULL. */
static struct image *add_image(const char *id, ...)
{
	struct image *image = &images[listing.count];
	image->id = (char *)id;
	image->names = names[listing.count];
	listing.count++;
	va_list args;
	va_start(args, id);
	for (const char *spec; (spec = va_arg(args, const char *));) {
		static char storage[MAX_IMAGES * MAX_NAMES][3][128];
		char (*parts)[128] = storage[(image - images) * MAX_NAMES + image->name_count];
		const char *start = spec;
		for (int part = 0; part < 3; part++) {
			const char *end = strchr(start, '|');
			size_t length = end ? (size_t)(end - start) : strlen(start);
			memcpy(parts[part], start, length);
			parts[part][length] = '\0';
			start = end ? end + 1 : start + length;
		}
		struct image_name *name = &image->names[image->name_count++];
		name->repository = parts[0][0] ? parts[0] : NULL;
		name->shown = parts[1][0] ? parts[1] : NULL;
		name->tag = parts[2][0] ? parts[2] : NULL;
	}
	va_end(args);
	return image;
}

static void plan_for(const char *repository, const char *new_tag, size_t keep)
{
	struct selection_request request = {
		.repository = repository,
		.new_tag = new_tag,
		.keep = keep,
		.time_format = "%Y%m%d.%H%M%S",
		.untag_before_remove = untag_before_remove,
	};
	prune_plan_free(&plan);
	ck_assert_int_eq(selection_plan(&listing, &request, &plan, &outcome), 0);
}

static bool plan_has(enum prune_action_kind kind, const char *target)
{
	for (size_t i = 0; i < plan.count; i++)
		if (plan.actions[i].kind == kind && strcmp(plan.actions[i].target, target) == 0)
			return true;
	return false;
}

START_TEST(original_report_old_image_is_removed)
{
	add_image("11cb9ad2dda58", "localhost/whoami/web|localhost/whoami/web|latest",
		  "localhost/whoami/web|localhost/whoami/web|20210312.173051", NULL);
	add_image("813616d2279bb", "localhost/whoami/web|localhost/whoami/web|", NULL);
	plan_for(R, "20210312.173051", 0);
	ck_assert_int_eq(outcome, SELECTION_PLANNED);
	ck_assert_uint_eq(plan.count, 1);
	ck_assert(plan_has(ACTION_REMOVE, "813616d2279bb"));
}
END_TEST

START_TEST(the_new_image_is_never_removed)
{
	add_image("aaa", "localhost/whoami/web|localhost/whoami/web|new", NULL);
	add_image("bbb", "localhost/whoami/web|localhost/whoami/web|old", NULL);
	plan_for(R, "new", 0);
	ck_assert_uint_eq(plan.count, 1);
	ck_assert(plan_has(ACTION_REMOVE, "bbb"));
	ck_assert(!plan_has(ACTION_REMOVE, "aaa"));
}
END_TEST

START_TEST(the_image_latest_points_to_is_never_removed)
{
	/* Another build landed after ours and took latest. */
	add_image("aaa", "localhost/whoami/web|localhost/whoami/web|new", NULL);
	add_image("ccc", "localhost/whoami/web|localhost/whoami/web|latest", NULL);
	add_image("bbb", "localhost/whoami/web|localhost/whoami/web|old", NULL);
	plan_for(R, "new", 0);
	ck_assert_uint_eq(plan.count, 1);
	ck_assert(plan_has(ACTION_REMOVE, "bbb"));
}
END_TEST

START_TEST(other_repositories_are_never_touched)
{
	add_image("aaa", "localhost/whoami/web|localhost/whoami/web|new", NULL);
	add_image("b01", "localhost/whoami/web-admin|localhost/whoami/web-admin|old", NULL);
	add_image("b02", "localhost/whoami/webx|localhost/whoami/webx|old", NULL);
	add_image("b03", "localhost/whoami/web/sub|localhost/whoami/web/sub|old", NULL);
	add_image("b04", "localhost/whoami|localhost/whoami|old", NULL);
	add_image("b05", "docker.io/library/web|web|old", NULL);
	plan_for(R, "new", 0);
	ck_assert_int_eq(outcome, SELECTION_PLANNED);
	ck_assert_uint_eq(plan.count, 0);
}
END_TEST

START_TEST(images_without_a_name_are_never_removed)
{
	add_image("aaa", "localhost/whoami/web|localhost/whoami/web|new", NULL);
	add_image("bbb", "||", NULL);
	plan_for(R, "new", 0);
	ck_assert_uint_eq(plan.count, 0);
}
END_TEST

START_TEST(shared_image_loses_only_its_tags_of_the_repository)
{
	add_image("aaa", "localhost/whoami/web|localhost/whoami/web|new", NULL);
	add_image("bbb", "localhost/whoami/web|localhost/whoami/web|old", "localhost/whoami/web|localhost/whoami/web|v1",
		  "docker.io/library/api|api|stable", NULL);
	plan_for(R, "new", 0);
	ck_assert_uint_eq(plan.count, 2);
	ck_assert(plan_has(ACTION_UNTAG, "localhost/whoami/web:old"));
	ck_assert(plan_has(ACTION_UNTAG, "localhost/whoami/web:v1"));
	ck_assert(plan.actions[0].shared && plan.actions[1].shared);
	ck_assert(!plan_has(ACTION_REMOVE, "bbb"));
}
END_TEST

START_TEST(shared_image_with_only_a_lost_name_is_left_alone)
{
	add_image("aaa", "localhost/whoami/web|localhost/whoami/web|new", NULL);
	add_image("bbb", "localhost/whoami/web|localhost/whoami/web|", "docker.io/library/api|api|stable", NULL);
	plan_for(R, "new", 0);
	ck_assert_uint_eq(plan.count, 0);
}
END_TEST

START_TEST(repository_is_matched_normalized_and_untag_uses_the_listed_name)
{
	add_image("aaa", "docker.io/library/app|app|new", NULL);
	add_image("bbb", "docker.io/library/app|app|old", "docker.io/library/api|api|v1", NULL);
	add_image("ccc", "docker.io/library/app|app|", NULL);
	plan_for("docker.io/library/app", "new", 0);
	ck_assert_uint_eq(plan.count, 2);
	ck_assert(plan_has(ACTION_UNTAG, "app:old"));
	ck_assert(plan_has(ACTION_REMOVE, "ccc"));
}
END_TEST

START_TEST(build_without_its_new_image_in_the_listing_plans_nothing)
{
	add_image("bbb", "localhost/whoami/web|localhost/whoami/web|old", NULL);
	plan_for(R, "new", 0);
	ck_assert_int_eq(outcome, SELECTION_NO_NEW_IMAGE);
	ck_assert_uint_eq(plan.count, 0);
}
END_TEST

START_TEST(prune_keeps_latest_and_removes_the_rest)
{
	add_image("aaa", "localhost/whoami/web|localhost/whoami/web|latest",
		  "localhost/whoami/web|localhost/whoami/web|20210101.000000", NULL);
	add_image("bbb", "localhost/whoami/web|localhost/whoami/web|20200101.000000", NULL);
	add_image("ccc", "localhost/whoami/web|localhost/whoami/web|", NULL);
	plan_for(R, NULL, 0);
	ck_assert_int_eq(outcome, SELECTION_PLANNED);
	ck_assert_uint_eq(plan.count, 2);
	ck_assert(plan_has(ACTION_REMOVE, "bbb"));
	ck_assert(plan_has(ACTION_REMOVE, "ccc"));
}
END_TEST

START_TEST(prune_without_latest_removes_nothing)
{
	add_image("bbb", "localhost/whoami/web|localhost/whoami/web|20200101.000000", NULL);
	add_image("ccc", "localhost/whoami/web|localhost/whoami/web|", NULL);
	plan_for(R, NULL, 0);
	ck_assert_int_eq(outcome, SELECTION_NO_LATEST);
	ck_assert_uint_eq(plan.count, 0);
}
END_TEST

START_TEST(keep_keeps_the_most_recent_by_time_tags)
{
	add_image("new", "localhost/whoami/web|localhost/whoami/web|20240101.000000",
		  "localhost/whoami/web|localhost/whoami/web|latest", NULL);
	add_image("p1", "localhost/whoami/web|localhost/whoami/web|20230101.000000", NULL);
	add_image("p2", "localhost/whoami/web|localhost/whoami/web|20231231.235959", NULL);
	add_image("p3", "localhost/whoami/web|localhost/whoami/web|20221231.235959", NULL);
	plan_for(R, "20240101.000000", 2);
	ck_assert_uint_eq(plan.count, 1);
	ck_assert(plan_has(ACTION_REMOVE, "p3"));
}
END_TEST

START_TEST(keep_never_keeps_an_image_of_unknown_recency)
{
	add_image("new", "localhost/whoami/web|localhost/whoami/web|20240101.000000", NULL);
	add_image("p1", "localhost/whoami/web|localhost/whoami/web|20230101.000000", NULL);
	add_image("u1", "localhost/whoami/web|localhost/whoami/web|v2", NULL);
	add_image("u2", "localhost/whoami/web|localhost/whoami/web|", NULL);
	add_image("u3", "localhost/whoami/web|localhost/whoami/web|20230101.000000x", NULL);
	plan_for(R, "20240101.000000", 5);
	ck_assert_uint_eq(plan.count, 3);
	ck_assert(plan_has(ACTION_REMOVE, "u1"));
	ck_assert(plan_has(ACTION_REMOVE, "u2"));
	ck_assert(plan_has(ACTION_REMOVE, "u3"));
}
END_TEST

START_TEST(keep_reads_recency_from_any_time_tag_of_the_image)
{
	add_image("new", "localhost/whoami/web|localhost/whoami/web|20240101.000000", NULL);
	add_image("p1", "localhost/whoami/web|localhost/whoami/web|v1",
		  "localhost/whoami/web|localhost/whoami/web|20230601.000000", NULL);
	add_image("p2", "localhost/whoami/web|localhost/whoami/web|20230101.000000", NULL);
	plan_for(R, "20240101.000000", 1);
	ck_assert_uint_eq(plan.count, 1);
	ck_assert(plan_has(ACTION_REMOVE, "p2"));
}
END_TEST

START_TEST(keep_prefers_the_builders_creation_time)
{
	add_image("new", "localhost/whoami/web|localhost/whoami/web|latest", NULL);
	struct image *older = add_image("p1", "localhost/whoami/web|localhost/whoami/web|20290101.000000", NULL);
	struct image *newer = add_image("p2", "localhost/whoami/web|localhost/whoami/web|20200101.000000", NULL);
	older->has_created = true;
	older->created = 1000;
	newer->has_created = true;
	newer->created = 2000;
	plan_for(R, NULL, 1);
	ck_assert_uint_eq(plan.count, 1);
	ck_assert(plan_has(ACTION_REMOVE, "p1"));
}
END_TEST

START_TEST(keep_larger_than_the_prior_images_removes_nothing)
{
	add_image("new", "localhost/whoami/web|localhost/whoami/web|20240101.000000", NULL);
	add_image("p1", "localhost/whoami/web|localhost/whoami/web|20230101.000000", NULL);
	plan_for(R, "20240101.000000", 10);
	ck_assert_uint_eq(plan.count, 0);
}
END_TEST

START_TEST(lost_names_of_other_repositories_do_not_make_an_image_shared)
{
	/* A nameless image labelled by a build of two repositories belongs to both. */
	add_image("aaa", "localhost/whoami/web|localhost/whoami/web|new", NULL);
	add_image("bbb", "localhost/whoami/web|localhost/whoami/web|", "docker.io/library/api|api|", NULL);
	plan_for(R, "new", 0);
	ck_assert_uint_eq(plan.count, 1);
	ck_assert(plan_has(ACTION_REMOVE, "bbb"));
}
END_TEST

START_TEST(an_image_in_use_is_kept_untouched)
{
	add_image("aaa", "localhost/whoami/web|localhost/whoami/web|new", NULL);
	struct image *used = add_image("bbb", "localhost/whoami/web|localhost/whoami/web|old",
				       "localhost/whoami/web|localhost/whoami/web|v1", NULL);
	used->containers = 2;
	untag_before_remove = true;
	plan_for(R, "new", 0);
	ck_assert_uint_eq(plan.count, 1);
	ck_assert(plan_has(ACTION_KEEP_IN_USE, "bbb"));
}
END_TEST

START_TEST(untag_all_but_one_name_before_removing_where_the_builder_needs_it)
{
	add_image("aaa", "localhost/whoami/web|localhost/whoami/web|new", NULL);
	add_image("bbb", "localhost/whoami/web|localhost/whoami/web|a", "localhost/whoami/web|localhost/whoami/web|b",
		  "localhost/whoami/web|localhost/whoami/web|c", NULL);
	add_image("ccc", "localhost/whoami/web|localhost/whoami/web|d", NULL);
	untag_before_remove = true;
	plan_for(R, "new", 0);
	ck_assert_uint_eq(plan.count, 4);
	ck_assert(plan_has(ACTION_UNTAG, "localhost/whoami/web:a"));
	ck_assert(plan_has(ACTION_UNTAG, "localhost/whoami/web:b"));
	ck_assert(plan_has(ACTION_REMOVE, "bbb"));
	ck_assert(plan_has(ACTION_REMOVE, "ccc"));
	/* the untags come before the removal they prepare, and leave the image unshared */
	ck_assert_int_eq(plan.actions[0].kind, ACTION_UNTAG);
	ck_assert(!plan.actions[0].shared);
	ck_assert_int_eq(plan.actions[2].kind, ACTION_REMOVE);
}
END_TEST

START_TEST(kim_removes_a_many_named_image_in_one_call)
{
	add_image("aaa", "localhost/whoami/web|localhost/whoami/web|new", NULL);
	add_image("bbb", "localhost/whoami/web|localhost/whoami/web|a", "localhost/whoami/web|localhost/whoami/web|b",
		  NULL);
	plan_for(R, "new", 0);
	ck_assert_uint_eq(plan.count, 1);
	ck_assert(plan_has(ACTION_REMOVE, "bbb"));
}
END_TEST

START_TEST(a_nameless_record_counts_as_one_left)
{
	/* nerdctl in k3s's namespace: every image also has a nameless record of its own. */
	add_image("aaa", "localhost/whoami/web|localhost/whoami/web|new", NULL);
	add_image("bbb", "localhost/whoami/web|localhost/whoami/web|old", "||", NULL);
	untag_before_remove = true;
	plan_for(R, "new", 0);
	ck_assert_uint_eq(plan.count, 2);
	ck_assert_int_eq(plan.actions[0].kind, ACTION_UNTAG);
	ck_assert_str_eq(plan.actions[0].target, "localhost/whoami/web:old");
	ck_assert_int_eq(plan.actions[1].kind, ACTION_REMOVE);
	ck_assert_str_eq(plan.actions[1].target, "bbb");
}
END_TEST

Suite *selection_suite(void)
{
	Suite *suite = suite_create("selection");
	TCase *tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, original_report_old_image_is_removed);
	tcase_add_test(tc, the_new_image_is_never_removed);
	tcase_add_test(tc, the_image_latest_points_to_is_never_removed);
	tcase_add_test(tc, other_repositories_are_never_touched);
	tcase_add_test(tc, images_without_a_name_are_never_removed);
	tcase_add_test(tc, shared_image_loses_only_its_tags_of_the_repository);
	tcase_add_test(tc, shared_image_with_only_a_lost_name_is_left_alone);
	tcase_add_test(tc, repository_is_matched_normalized_and_untag_uses_the_listed_name);
	tcase_add_test(tc, build_without_its_new_image_in_the_listing_plans_nothing);
	tcase_add_test(tc, prune_keeps_latest_and_removes_the_rest);
	tcase_add_test(tc, prune_without_latest_removes_nothing);
	tcase_add_test(tc, keep_keeps_the_most_recent_by_time_tags);
	tcase_add_test(tc, keep_never_keeps_an_image_of_unknown_recency);
	tcase_add_test(tc, keep_reads_recency_from_any_time_tag_of_the_image);
	tcase_add_test(tc, keep_prefers_the_builders_creation_time);
	tcase_add_test(tc, keep_larger_than_the_prior_images_removes_nothing);
	tcase_add_test(tc, lost_names_of_other_repositories_do_not_make_an_image_shared);
	tcase_add_test(tc, an_image_in_use_is_kept_untouched);
	tcase_add_test(tc, untag_all_but_one_name_before_removing_where_the_builder_needs_it);
	tcase_add_test(tc, kim_removes_a_many_named_image_in_one_call);
	tcase_add_test(tc, a_nameless_record_counts_as_one_left);
	suite_add_tcase(suite, tc);
	return suite;
}
