/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listing.h"
#include "listing_checks.h"
#include "suites.h"

#define WEB "localhost/whoami/web"
#define API "localhost/whoami/api"
#define JOB "localhost/whoami/job"

/* The images of the recorded outputs these tests read (tests/fixtures; its README says how they were
 * made): the store of 2026-11-26, where WEB:latest was built twice with podman (WEB_OLD, then
 * WEB_NEW), WEB_SHARED with two names, API:latest twice through podman's API service, JOB:latest
 * twice with buildah. */
#define WEB_OLD "edc63dfea5e300fac6dbc2641d67f5d4ed13defbd16ccc9a6bdb86a3c29c53aa"
#define WEB_NEW "9925b4e91d41d9dbf7cb12ce111778023b6dc37379065effa89edac6e3ca8963"
#define WEB_SHARED "f6745b2882f1b749cf5039c79f6524365c512be1b8718b7ed21357c47e43f98b"
#define API_OLD "9f61b4b18881fd0525318c1048d321255210a265dd889f9890873a751d48a473"
#define API_NEW "c74c2cffe7cf1b9e6785aeafcdd0711f1be56e1ef27c07286645884115024a0b"
#define JOB_OLD "36da470918b648699f111a361d0e4d2b1c0c69d8cb9aa63aae16e524757b1e4a"
#define JOB_NEW "e3eac1ec3a231dca7ded4631121f8f40b5ed4741528f17618122dc90f8856665"
#define UNLISTED "0000000000000000000000000000000000000000000000000000000000000000"

/* The images of nerdctl/images-two-platforms.jsonl. */
#define NERDCTL_NEW "628b49d96dcde97a430dd4f597705899e09a968f793491e4b704cae33a40dc02"
#define NERDCTL_OLD "512f26ada3c3d634ac3c6b12b7b33cb50bb0963c3f6d9924241619c84ec78ff2"
#define NERDCTL_CONFIG "122c597083bd438b7f6d72af75d025948899647711b806bdd2cd82fa69713db3"

/* The recorded outputs, read before each test. */
static char *podman_report, *podman_store, *buildah_report, *buildah_store, *docker_report, *docker_store,
	*docker_inspection, *buildah_inspection, *nerdctl_listing;

static void read_samples(void)
{
	podman_report = fixture_read("podman/images-two-builds.json", NULL);
	podman_store = fixture_read("podman/images-mixed-store.json", NULL);
	buildah_report = fixture_read("buildah/images-two-builds.json", NULL);
	buildah_store = fixture_read("buildah/images-mixed-store.json", NULL);
	docker_report = fixture_read("docker/podman-service-images-two-builds.jsonl", NULL);
	docker_store = fixture_read("docker/podman-service-images-store.jsonl", NULL);
	docker_inspection = fixture_read("docker/podman-service-inspect.json", NULL);
	buildah_inspection = fixture_read("buildah/inspect-job-old.json", NULL);
	nerdctl_listing = fixture_read("nerdctl/images-two-platforms.jsonl", NULL);
}

static void free_samples(void)
{
	free(podman_report);
	free(podman_store);
	free(buildah_report);
	free(buildah_store);
	free(docker_report);
	free(docker_store);
	free(docker_inspection);
	free(buildah_inspection);
	free(nerdctl_listing);
}

static void read_ok(listing_reader read, const char *text, struct listing *out)
{
	listing_check_read_ok(read, text, strlen(text), out);
}

typedef int (*listing_inspector)(const char *text, size_t length, struct listing *listing,
				 struct listing_error *err);

static int inspect(listing_inspector read, const char *text, struct listing *listing, struct listing_error *err)
{
	return read(text, strlen(text), listing, err);
}

static void assert_facts(const struct image *image, bool has_created, long long created, long long containers,
			 const char *label)
{
	ck_assert_int_eq(image->has_created, has_created);
	if (has_created)
		ck_assert_int_eq(image->created, created);
	ck_assert_int_eq(image->containers, containers);
	ck_assert_pstr_eq(image->label, label);
}

static void assert_sorted(const struct listing *listing)
{
	for (size_t i = 1; i < listing->count; i++)
		ck_assert_str_lt(listing->images[i - 1].id, listing->images[i].id);
}

START_TEST(test_podman_report_scenario)
{
	struct listing listing;
	read_ok(listing_parse_podman_json, podman_report, &listing);
	ck_assert_uint_eq(listing.count, 2);
	const struct image *new = &listing.images[0];
	ck_assert_str_eq(new->id, WEB_NEW);
	ck_assert_uint_eq(new->name_count, 1);
	assert_name(new, 0, WEB, WEB, "latest");
	assert_facts(new, true, 1795720176, 0, NULL);
	const struct image *old = &listing.images[1];
	ck_assert_str_eq(old->id, WEB_OLD);
	ck_assert_uint_eq(old->name_count, 1);
	assert_name(old, 0, WEB, WEB, NULL);
	assert_facts(old, true, 1795720175, 0, NULL);
	listing_free(&listing);
}
END_TEST

START_TEST(test_podman_store)
{
	struct listing listing;
	read_ok(listing_parse_podman_json, podman_store, &listing);
	ck_assert_uint_eq(listing.count, 7);
	assert_sorted(&listing);

	const struct image *shared = find_image(&listing, WEB_SHARED);
	ck_assert_uint_eq(shared->name_count, 2);
	assert_name(shared, 0, WEB, WEB, "20261126.190000");
	assert_name(shared, 1, "localhost/app", "localhost/app", "v1");
	assert_facts(shared, true, 1795720178, 0, "localhost/whoami/web,docker.io/library/app");

	const struct image *in_use = find_image(&listing, WEB_NEW);
	ck_assert_uint_eq(in_use->name_count, 1);
	assert_name(in_use, 0, WEB, WEB, "latest");
	assert_facts(in_use, true, 1795720176, 1, NULL);

	const struct image *old = find_image(&listing, WEB_OLD);
	ck_assert_uint_eq(old->name_count, 1);
	assert_name(old, 0, WEB, WEB, NULL);

	const struct image *api_old = find_image(&listing, API_OLD);
	ck_assert_uint_eq(api_old->name_count, 1);
	assert_name(api_old, 0, API, API, NULL);
	assert_facts(api_old, true, 1795720189, 0, API);
	assert_name(find_image(&listing, API_NEW), 0, API, API, "latest");

	const struct image *job_old = find_image(&listing, JOB_OLD);
	assert_name(job_old, 0, JOB, JOB, NULL);
	assert_facts(job_old, true, 1795720390, 0, JOB);
	assert_name(find_image(&listing, JOB_NEW), 0, JOB, JOB, "latest");
	listing_free(&listing);
}
END_TEST

START_TEST(test_buildah_report_scenario)
{
	struct listing listing;
	read_ok(listing_parse_buildah_json, buildah_report, &listing);
	ck_assert_uint_eq(listing.count, 2);
	const struct image *old = &listing.images[0];
	ck_assert_str_eq(old->id, JOB_OLD);
	ck_assert_uint_eq(old->name_count, 1);
	assert_name(old, 0, NULL, NULL, NULL);
	assert_facts(old, true, 1795720390, -1, NULL);
	const struct image *new = &listing.images[1];
	ck_assert_str_eq(new->id, JOB_NEW);
	ck_assert_uint_eq(new->name_count, 1);
	assert_name(new, 0, JOB, JOB, "latest");
	assert_facts(new, true, 1795720390, -1, NULL);
	listing_free(&listing);
}
END_TEST

START_TEST(test_buildah_store)
{
	struct listing listing;
	read_ok(listing_parse_buildah_json, buildah_store, &listing);
	ck_assert_uint_eq(listing.count, 7);
	assert_sorted(&listing);
	const struct image *shared = find_image(&listing, WEB_SHARED);
	ck_assert_uint_eq(shared->name_count, 2);
	assert_name(shared, 0, WEB, WEB, "20261126.190000");
	assert_name(shared, 1, "localhost/app", "localhost/app", "v1");
	assert_facts(shared, true, 1795720178, -1, NULL);
	/* buildah shows no name for any image that lost its own, built by whichever builder. */
	static const char *const nameless[] = {WEB_OLD, API_OLD, JOB_OLD};
	for (size_t i = 0; i < sizeof nameless / sizeof nameless[0]; i++) {
		const struct image *image = find_image(&listing, nameless[i]);
		ck_assert_uint_eq(image->name_count, 1);
		assert_name(image, 0, NULL, NULL, NULL);
	}
	assert_name(find_image(&listing, WEB_NEW), 0, WEB, WEB, "latest");
	listing_free(&listing);
}
END_TEST

START_TEST(test_docker_report_scenario)
{
	struct listing listing;
	read_ok(listing_parse_json_lines, docker_report, &listing);
	ck_assert_uint_eq(listing.count, 2);
	const struct image *old = &listing.images[0];
	ck_assert_str_eq(old->id, API_OLD);
	ck_assert_uint_eq(old->name_count, 1);
	assert_name(old, 0, NULL, NULL, NULL);
	assert_facts(old, true, 1795720189, 0, NULL);
	const struct image *new = &listing.images[1];
	ck_assert_str_eq(new->id, API_NEW);
	ck_assert_uint_eq(new->name_count, 1);
	assert_name(new, 0, API, API, "latest");
	assert_facts(new, true, 1795720189, 0, NULL);
	listing_free(&listing);
}
END_TEST

START_TEST(test_docker_store)
{
	struct listing listing;
	read_ok(listing_parse_json_lines, docker_store, &listing);
	ck_assert_uint_eq(listing.count, 7);
	assert_sorted(&listing);
	/* Two lines of WEB_SHARED, its names in the order of the lines. */
	const struct image *shared = find_image(&listing, WEB_SHARED);
	ck_assert_uint_eq(shared->name_count, 2);
	assert_name(shared, 0, "localhost/app", "localhost/app", "v1");
	assert_name(shared, 1, WEB, WEB, "20261126.190000");
	assert_facts(shared, true, 1795720178, 0, NULL);
	assert_facts(find_image(&listing, WEB_NEW), true, 1795720176, 1, NULL);
	assert_name(find_image(&listing, WEB_OLD), 0, NULL, NULL, NULL);
	assert_name(find_image(&listing, JOB_OLD), 0, NULL, NULL, NULL);
	assert_name(find_image(&listing, JOB_NEW), 0, JOB, JOB, "latest");
	listing_free(&listing);
}
END_TEST

START_TEST(test_nerdctl_listing)
{
	struct listing listing;
	read_ok(listing_parse_json_lines, nerdctl_listing, &listing);
	ck_assert_uint_eq(listing.count, 2);
	const struct image *old = find_image(&listing, NERDCTL_OLD);
	ck_assert_uint_eq(old->name_count, 1);
	assert_name(old, 0, NULL, NULL, NULL);
	assert_facts(old, true, 1795720180, -1, NULL);
	/* One line per platform: one image, its name once. */
	const struct image *new = find_image(&listing, NERDCTL_NEW);
	ck_assert_uint_eq(new->name_count, 1);
	assert_name(new, 0, API, API, "latest");
	assert_facts(new, true, 1795720189, -1, NULL);
	listing_free(&listing);
}
END_TEST

/* nerdctl's inspection names the image by its config digest: asked alone, its answer is the
 * asked image's; an answer of another size is refused. */
START_TEST(test_nerdctl_inspection_is_matched_by_position)
{
	struct listing listing;
	read_ok(listing_parse_json_lines, nerdctl_listing, &listing);
	struct image *old = find_image(&listing, NERDCTL_OLD);
	struct listing asked = {old, 1};
	struct listing_error err = {0, ""};
	static const char answer[] = "[{\"Id\": \"sha256:" NERDCTL_CONFIG "\", \"RepoTags\": [], \"Config\": "
				     "{\"Labels\": {\"kimb.repositories\": \"" API "\"}}}]\n\n";
	ck_assert_msg(inspect(listing_read_nerdctl_inspection, answer, &asked, &err) == 0, "%s", err.message);
	ck_assert_str_eq(old->label, API);
	ck_assert_ptr_null(find_image(&listing, NERDCTL_NEW)->label);

	free(old->label);
	old->label = NULL;
	ck_assert_int_eq(inspect(listing_read_nerdctl_inspection, "[]", &asked, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "0 images inspected, 1 asked"));
	char twice[2 * sizeof answer];
	snprintf(twice, sizeof twice, "[%.*s, %.*s]", (int)strlen(answer) - 4, answer + 1, (int)strlen(answer) - 4,
		 answer + 1);
	ck_assert_int_eq(inspect(listing_read_nerdctl_inspection, twice, &asked, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "2 images inspected, 1 asked"));
	ck_assert_ptr_null(old->label);
	listing_free(&listing);
}
END_TEST

/* nerdctl dates each name of an image apart (containerd keeps a moved name's first date): the
 * image is as recent as its latest name. */
START_TEST(test_rows_of_one_image_may_differ_in_creation_time)
{
	static const char lines[] =
		"{\"CreatedAt\":\"2026-11-27 04:09:40 +0900 JST\",\"ID\":\"sha256:" NERDCTL_NEW "\","
		"\"Repository\":\"localhost/whoami/api\",\"Tag\":\"latest\"}\n"
		"{\"CreatedAt\":\"2026-11-27 04:09:49 +0900 JST\",\"ID\":\"sha256:" NERDCTL_NEW "\","
		"\"Repository\":\"localhost/whoami/api\",\"Tag\":\"second\"}\n"
		"{\"CreatedAt\":\"2026-11-27 04:09:45 +0900 JST\",\"ID\":\"sha256:" NERDCTL_NEW "\","
		"\"Repository\":\"localhost/whoami/api\",\"Tag\":\"first\"}\n";
	struct listing listing;
	read_ok(listing_parse_json_lines, lines, &listing);
	ck_assert_uint_eq(listing.count, 1);
	ck_assert_uint_eq(listing.images[0].name_count, 3);
	ck_assert(listing.images[0].has_created);
	ck_assert_int_eq(listing.images[0].created, 1795720189);
	listing_free(&listing);
}
END_TEST

/* Found by fuzz_inspection: an image whose rows disagree, rejected after a repeated name had been
 * dropped and a later one moved, freed that name twice. */
START_TEST(test_rows_rejected_after_deduplication_are_freed_once)
{
	static const char text[] = "[{\"Id\": \"" API_OLD "\", \"Names\": [\"x\", \"x\", \"y\"]},"
				   " {\"Id\": \"" API_OLD "\", \"Names\": [\"z\"], \"Containers\": 1}]";
	struct listing listing;
	struct listing_error err = {0, ""};
	ck_assert_int_eq(listing_parse_podman_json(text, strlen(text), &listing, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "listed twice with different details"));
	ck_assert_uint_eq(listing.count, 0);
}
END_TEST

START_TEST(test_empty_listings)
{
	static const struct {
		listing_reader read;
		const char *text;
	} empty[] = {
		{listing_parse_podman_json, "[]\n"},
		{listing_parse_podman_json, "[ ]"},
		{listing_parse_buildah_json, "[]\n"},
		{listing_parse_json_lines, ""},
	};
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		struct listing listing = {(struct image *)&listing, 99};
		read_ok(empty[i].read, empty[i].text, &listing);
		ck_assert_uint_eq(listing.count, 0);
		ck_assert_ptr_null(listing.images);
		listing_free(&listing);
	}
}
END_TEST

/* A listing of one image with one name, and what is read of it. */
struct accepted_case {
	listing_reader read;
	const char *text;
	const char *id;
	const char *repository, *shown, *tag;
	bool has_created;
	long long created;
	long long containers;
	const char *label;
};

#define PODMAN_IMAGE(fields) "[{\"Id\": \"" WEB_OLD "\"" fields "}]"
#define BUILDAH_IMAGE(fields) "[{\"id\": \"sha256:" JOB_OLD "\"" fields "}]"
#define DOCKER_LINE(fields) "{\"ID\": \"sha256:" API_OLD "\"" fields "}\n"
#define NONE_NAME ", \"Repository\": \"<none>\", \"Tag\": \"<none>\""

static const struct accepted_case accepted_cases[] = {
	{listing_parse_podman_json, PODMAN_IMAGE(""), WEB_OLD, NULL, NULL, NULL, false, 0, -1, NULL},
	{listing_parse_podman_json,
	 PODMAN_IMAGE(", \"Names\": null, \"History\": null, \"Created\": null, \"Containers\": null, "
		      "\"Labels\": null"),
	 WEB_OLD, NULL, NULL, NULL, false, 0, -1, NULL},
	{listing_parse_podman_json,
	 "[{\"Id\": \"sha256:" WEB_OLD "\", \"Names\": [], \"History\": [\"localhost/whoami/web:old\", "
	 "\"localhost/whoami/web:latest\"], \"Created\": 5, \"Containers\": 2, \"Labels\": {}}]",
	 WEB_OLD, WEB, WEB, NULL, true, 5, 2, NULL},
	/* History is not read while Names has names. */
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Names\": [\"app\"], \"History\": [\"Bad Name\"]"), WEB_OLD,
	 "docker.io/library/app", "app", NULL, false, 0, -1, NULL},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Names\": [\"" WEB "@sha256:" JOB_OLD "\"], \"Created\": -1"),
	 WEB_OLD, WEB, WEB, NULL, true, -1, -1, NULL},
	{listing_parse_podman_json,
	 PODMAN_IMAGE(", \"Labels\": {\"other\": \"x\", \"kimb.repositories\": \"a,b\"}, \"Dangling\": true, "
		      "\"Size\": 1.5, \"Extra\": [null, {}]"),
	 WEB_OLD, NULL, NULL, NULL, false, 0, -1, "a,b"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Labels\": {\"kimb.repositories\": \"\"}"), WEB_OLD, NULL, NULL,
	 NULL, false, 0, -1, ""},
	{listing_parse_buildah_json, BUILDAH_IMAGE(""), JOB_OLD, NULL, NULL, NULL, false, 0, -1, NULL},
	{listing_parse_buildah_json, BUILDAH_IMAGE(", \"names\": null, \"created\": null"), JOB_OLD, NULL, NULL, NULL,
	 false, 0, -1, NULL},
	/* buildah has no containers, labels or history to read: keys of those names are not its. */
	{listing_parse_buildah_json,
	 "[{\"id\": \"" JOB_OLD "\", \"names\": [\"" JOB ":latest\"], \"created\": 1795720390, \"Containers\": 3, "
	 "\"Labels\": {\"kimb.repositories\": \"x\"}}]",
	 JOB_OLD, JOB, JOB, "latest", true, 1795720390, -1, NULL},
	{listing_parse_buildah_json, BUILDAH_IMAGE(", \"names\": [], \"history\": [\"" JOB ":latest\"]"), JOB_OLD, NULL,
	 NULL, NULL, false, 0, -1, NULL},
	{listing_parse_json_lines, DOCKER_LINE(NONE_NAME), API_OLD, NULL, NULL, NULL, false, 0, -1, NULL},
	{listing_parse_json_lines, DOCKER_LINE(", \"Repository\": \"" API "\", \"Tag\": \"<none>\""), API_OLD, API, API,
	 NULL, false, 0, -1, NULL},
	{listing_parse_json_lines, "{\"ID\": \"" API_OLD "\", \"Repository\": \"nginx\", \"Tag\": \"1.25\"}", API_OLD,
	 "docker.io/library/nginx", "nginx", "1.25", false, 0, -1, NULL},
	{listing_parse_json_lines, DOCKER_LINE(NONE_NAME ", \"Containers\": \"N/A\", \"CreatedAt\": null"), API_OLD,
	 NULL, NULL, NULL, false, 0, -1, NULL},
	{listing_parse_json_lines,
	 DOCKER_LINE(NONE_NAME ", \"Containers\": \"3\", \"CreatedAt\": \"2026-11-26 19:09:49 +0000 UTC\""), API_OLD,
	 NULL, NULL, NULL, true, 1795720189, 3, NULL},
	/* kim's way of showing a lost name is read the same way here. */
	{listing_parse_json_lines, DOCKER_LINE(", \"Repository\": \"" WEB ":latest\", \"Tag\": \"<none>\""), API_OLD,
	 WEB, WEB, NULL, false, 0, -1, NULL},
};

START_TEST(test_accepted_fields)
{
	const struct accepted_case *c = &accepted_cases[_i];
	struct listing listing;
	read_ok(c->read, c->text, &listing);
	ck_assert_uint_eq(listing.count, 1);
	const struct image *image = &listing.images[0];
	ck_assert_str_eq(image->id, c->id);
	ck_assert_uint_eq(image->name_count, 1);
	assert_name(image, 0, c->repository, c->shown, c->tag);
	assert_facts(image, c->has_created, c->created, c->containers, c->label);
	listing_free(&listing);
}
END_TEST

struct rejected_case {
	listing_reader read;
	const char *text;
	size_t line;
	const char *message; /* a part of the expected message */
};

#define PODMAN_LINES "[\n  {\n    \"Id\": x\n  }\n]\n"
#define DOCKER_GOOD DOCKER_LINE(NONE_NAME)

static const struct rejected_case rejected_cases[] = {
	{listing_parse_podman_json, "", 1, "empty output"},
	{listing_parse_podman_json, "garbage", 1, "invalid JSON"},
	{listing_parse_podman_json, "{}", 0, "not a JSON array"},
	{listing_parse_podman_json, "\"[]\"", 1, "invalid JSON"},
	{listing_parse_podman_json, "[", 1, "invalid JSON"},
	{listing_parse_podman_json, "[] []", 1, "invalid JSON"},
	{listing_parse_podman_json, PODMAN_LINES, 3, "invalid JSON at column"},
	{listing_parse_podman_json, "[1]", 0, "image 1: not an object"},
	{listing_parse_podman_json, "[{}]", 0, "image 1: no \"Id\""},
	{listing_parse_podman_json, "[{\"Id\": null}]", 0, "no \"Id\""},
	{listing_parse_podman_json, "[{\"Id\": 7}]", 0, "\"Id\" is not a string"},
	{listing_parse_podman_json, "[{\"Id\": \"edc63dfea5e3\"}]", 0, "invalid Id \"edc63dfea5e3\""},
	{listing_parse_podman_json, "[{\"Id\": \"EDC63DFEA5E300FAC6DBC2641D67F5D4ED13DEFBD16CCC9A6BDB86A3C29C53AA\"}]",
	 0, "invalid Id"},
	{listing_parse_podman_json, "[{\"Id\": \"sha512:" WEB_OLD "\"}]", 0, "invalid Id"},
	{listing_parse_podman_json, "[{\"Id\": \"" WEB_OLD "0\"}]", 0, "invalid Id"},
	{listing_parse_podman_json, "[{\"Id\": \"sha256:sha256:" WEB_OLD "\"}]", 0, "invalid Id"},
	{listing_parse_podman_json, "[{\"Id\": \"" WEB_OLD "\\u0000\"}]", 1, "invalid JSON"},
	{listing_parse_podman_json, "[{\"Id\": \"" WEB_OLD "\", \"Id\": \"" WEB_OLD "\"}]", 1, "duplicate"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Names\": \"" WEB ":latest\""), 0, "\"Names\" is not an array"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Names\": [1]"), 0, "\"Names\" entry 1 is not a string"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Names\": [\"" WEB ":latest\", \"Web:latest\"]"), 0,
	 "image 1: invalid Names entry \"Web:latest\": repository name must be lower-case"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Names\": [\"" WEB ":-latest\"]"), 0, "invalid Names entry"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Names\": [\"\\n\"]"), 0, "invalid Names entry \"?\""},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"History\": {}"), 0, "\"History\" is not an array"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"History\": [\"Bad Name\"]"), 0, "invalid History entry"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Created\": \"1795720175\""), 0, "\"Created\" is not an integer"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Created\": 1.5"), 0, "\"Created\" is not an integer"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Created\": true"), 0, "\"Created\" is not an integer"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Containers\": \"0\""), 0, "\"Containers\" is not an integer"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Containers\": -1"), 0, "negative \"Containers\""},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Labels\": []"), 0, "\"Labels\" is not an object"},
	{listing_parse_podman_json, PODMAN_IMAGE(", \"Labels\": {\"kimb.repositories\": 1}"), 0,
	 "\"kimb.repositories\" is not a string"},
	{listing_parse_podman_json, "[{\"Id\": \"" WEB_OLD "\"}, {\"Id\": 1}]", 0, "image 2: \"Id\" is not a string"},
	{listing_parse_podman_json,
	 "[{\"Id\": \"" WEB_OLD "\", \"Created\": 1}, {\"Id\": \"" WEB_OLD "\"}]", 0,
	 "image " WEB_OLD " is listed twice with different details"},
	{listing_parse_podman_json,
	 "[{\"Id\": \"" WEB_OLD "\"}, {\"Id\": \"" WEB_OLD "\", \"Labels\": {\"kimb.repositories\": \"x\"}}]", 0,
	 "listed twice with different details"},
	{listing_parse_buildah_json, "", 1, "empty output"},
	{listing_parse_buildah_json, "garbage\n", 1, "invalid JSON"},
	{listing_parse_buildah_json, "{}\n", 0, "not a JSON array"},
	{listing_parse_buildah_json, "[{\"names\": []}]", 0, "image 1: no \"id\""},
	{listing_parse_buildah_json, "[{\"id\": \"sha256:36da470918b6\"}]", 0, "invalid id \"sha256:36da470918b6\""},
	{listing_parse_buildah_json, BUILDAH_IMAGE(", \"names\": \"" JOB "\""), 0, "\"names\" is not an array"},
	{listing_parse_buildah_json, BUILDAH_IMAGE(", \"names\": [\"" JOB ":latest\", null]"), 0,
	 "\"names\" entry 2 is not a string"},
	{listing_parse_buildah_json, BUILDAH_IMAGE(", \"names\": [\"Job\"]"), 0, "invalid names entry \"Job\""},
	{listing_parse_buildah_json, BUILDAH_IMAGE(", \"created\": \"8 seconds ago\""), 0,
	 "\"created\" is not an integer"},
	{listing_parse_json_lines, "\n", 1, "blank line"},
	{listing_parse_json_lines, DOCKER_GOOD "\n" DOCKER_GOOD, 2, "blank line"},
	{listing_parse_json_lines, "garbage\n", 1, "invalid JSON"},
	{listing_parse_json_lines, DOCKER_GOOD "{\n", 2, "invalid JSON"},
	{listing_parse_json_lines, DOCKER_GOOD "{} {}\n", 2, "invalid JSON"},
	{listing_parse_json_lines, "[]\n", 1, "not a JSON object"},
	{listing_parse_json_lines, "{}\n", 1, "no \"ID\""},
	{listing_parse_json_lines, DOCKER_LINE(", \"Tag\": \"latest\""), 1, "no \"Repository\""},
	{listing_parse_json_lines, DOCKER_LINE(", \"Repository\": \"" API "\""), 1, "no \"Tag\""},
	{listing_parse_json_lines, DOCKER_LINE(", \"Repository\": \"" API "\", \"Tag\": null"), 1, "no \"Tag\""},
	{listing_parse_json_lines, DOCKER_LINE(", \"Repository\": \"" API "\", \"Tag\": 1"), 1,
	 "\"Tag\" is not a string"},
	{listing_parse_json_lines, DOCKER_LINE(", \"Repository\": [], \"Tag\": \"latest\""), 1,
	 "\"Repository\" is not a string"},
	{listing_parse_json_lines, DOCKER_LINE(", \"Repository\": \"<none>\", \"Tag\": \"v1\""), 1,
	 "Repository <none> with a Tag"},
	{listing_parse_json_lines, DOCKER_LINE(", \"Repository\": \"Web\", \"Tag\": \"v1\""), 1,
	 "invalid Repository \"Web\""},
	{listing_parse_json_lines, DOCKER_LINE(", \"Repository\": \"" API "\", \"Tag\": \"-x\""), 1,
	 "invalid Tag \"-x\""},
	{listing_parse_json_lines, DOCKER_LINE(", \"Repository\": \"" WEB ":old\", \"Tag\": \"latest\""), 1,
	 "names a tag or digest, yet Tag is not <none>"},
	{listing_parse_json_lines, "{\"ID\": \"sha256:9f61b4b18881\"" NONE_NAME "}", 1, "invalid ID"},
	{listing_parse_json_lines, DOCKER_GOOD "{\"ID\": \"\"" NONE_NAME "}", 2, "invalid ID \"\""},
	{listing_parse_json_lines, DOCKER_LINE(NONE_NAME ", \"CreatedAt\": 1795720189"), 1,
	 "\"CreatedAt\" is not a string"},
	{listing_parse_json_lines, DOCKER_LINE(NONE_NAME ", \"Containers\": 0"), 1, "\"Containers\" is not a string"},
	{listing_parse_json_lines, DOCKER_LINE(NONE_NAME ", \"ID\": \"sha256:" API_OLD "\""), 1, "duplicate"},
	{listing_parse_json_lines, DOCKER_GOOD DOCKER_LINE(NONE_NAME ", \"Containers\": \"2\""), 0,
	 "listed twice with different details"},
};

START_TEST(test_rejected)
{
	const struct rejected_case *c = &rejected_cases[_i];
	struct listing listing = {(struct image *)&listing, 99};
	struct listing_error err = {0, ""};
	ck_assert_msg(listing_check_read(c->read, c->text, strlen(c->text), &listing, &err) == -1, "accepted: %s",
		      c->text);
	ck_assert_uint_eq(err.line, c->line);
	ck_assert_msg(strstr(err.message, c->message), "message \"%s\" lacks \"%s\"", err.message, c->message);
	ck_assert_ptr_null(strchr(err.message, '\n'));
	ck_assert_ptr_null(listing.images);
	ck_assert_uint_eq(listing.count, 0);
}
END_TEST

/* Go's time.Time.String() of whole seconds, as docker and nerdctl print CreatedAt. */
static const struct {
	const char *text;
	long long seconds;
} created_at_cases[] = {
	{"2026-11-26 19:13:10 +0000 UTC", 1795720390},
	/* The same instant as the docker 28.2.2 client printed it with TZ=America/Phoenix and Asia/Kolkata. */
	{"2026-11-26 12:13:10 -0700 MST", 1795720390},
	{"2026-11-27 00:43:10 +0530 IST", 1795720390},
	{"2026-11-27 00:43:10 +0530 +0530", 1795720390},
	{"2021-08-07 02:19:45 +0900 JST", 1628270385},
	{"1970-01-01 00:00:00 +0000 UTC", 0},
	{"1969-12-31 23:59:59 +0000 UTC", -1},
	{"2000-02-29 12:00:00 +0000 UTC", 951825600},
	{"2024-03-01 00:00:00 +0000 UTC", 1709251200},
	{"1900-03-01 00:00:00 +0000 UTC", -2203891200},
	{"1600-02-29 00:00:00 +0000 UTC", -11670998400},
	{"2100-03-01 00:00:00 -1200 -12", 4107585600},
	{"0001-01-01 00:00:00 +0000 UTC", -62135596800},
	/* Year 0, a leap year in Go's proleptic Gregorian calendar. */
	{"0000-01-01 00:00:00 +0000 UTC", -62167219200},
	{"0000-03-01 00:00:00 +0000 UTC", -62162035200},
	{"9999-12-31 23:59:59 +0000 UTC", 253402300799},
};

START_TEST(test_created_at)
{
	char line[256];
	snprintf(line, sizeof line, DOCKER_LINE(NONE_NAME ", \"CreatedAt\": \"%s\""), created_at_cases[_i].text);
	struct listing listing;
	read_ok(listing_parse_json_lines, line, &listing);
	ck_assert_uint_eq(listing.count, 1);
	assert_facts(&listing.images[0], true, created_at_cases[_i].seconds, -1, NULL);
	listing_free(&listing);
}
END_TEST

static const char *const invalid_created_at[] = {
	"",
	"2026-11-26T19:13:10Z",
	"2026-11-26 19:13:10 +0000",
	"2026-11-26 19:13:10 +0000 ",
	"2026-11-26 19:13:10 UTC",
	"2026-11-26 19:13:10 0000 UTC",
	"2026-11-26 19:13:10 +000 UTC",
	"2026-11-26 19:13:10.5 +0000 UTC",
	"2026-11-26 19:13:10 +0000 UTC m=+0.000000001",
	"2026-11-26 19:13:10  +0000 UTC",
	"26-11-26 19:13:10 +0000 UTC",
	"2026-1-26 19:13:10 +0000 UTC",
	"2026/11/26 19:13:10 +0000 UTC",
	"2026-00-26 19:13:10 +0000 UTC",
	"2026-13-26 19:13:10 +0000 UTC",
	"2026-11-00 19:13:10 +0000 UTC",
	"2026-11-31 19:13:10 +0000 UTC",
	"2026-02-29 19:13:10 +0000 UTC",
	"1900-02-29 19:13:10 +0000 UTC",
	"2026-11-26 24:00:00 +0000 UTC",
	"2026-11-26 19:60:10 +0000 UTC",
	"2026-11-26 19:13:60 +0000 UTC",
	"2026-11-26 19:13:10 +2400 UTC",
	"2026-11-26 19:13:10 +0060 UTC",
	"2026-11-26 19:13:10 +0000 U.C",
	"3 minutes ago",
};

START_TEST(test_invalid_created_at)
{
	char line[256];
	snprintf(line, sizeof line, DOCKER_LINE(NONE_NAME ", \"CreatedAt\": \"%s\""), invalid_created_at[_i]);
	struct listing listing;
	struct listing_error err = {0, ""};
	ck_assert_msg(listing_check_read(listing_parse_json_lines, line, strlen(line), &listing, &err) == -1,
		      "accepted: %s", line);
	ck_assert_uint_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.message, "invalid CreatedAt"));
}
END_TEST

static const char *const invalid_containers[] = {"", "x", "-1", "+1", " 1", "1 ", "1e3", "0x1", "n/a",
						 "99999999999999999999"};

START_TEST(test_invalid_containers)
{
	char line[256];
	snprintf(line, sizeof line, DOCKER_LINE(NONE_NAME ", \"Containers\": \"%s\""), invalid_containers[_i]);
	struct listing listing;
	struct listing_error err = {0, ""};
	ck_assert_msg(listing_check_read(listing_parse_json_lines, line, strlen(line), &listing, &err) == -1,
		      "accepted: %s", line);
	ck_assert_uint_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.message, "invalid Containers"));
}
END_TEST

START_TEST(test_lines_grouped_in_listing_order)
{
	static const char lines[] =
		"{\"ID\": \"" API_NEW "\", \"Repository\": \"" API "\", \"Tag\": \"v2\", \"Containers\": \"N/A\"}\n"
		"{\"ID\": \"" API_OLD "\", \"Repository\": \"" API "\", \"Tag\": \"v1\", \"Containers\": \"N/A\"}\n"
		"{\"ID\": \"sha256:" API_NEW "\", \"Repository\": \"localhost/other\", \"Tag\": \"stable\"}\n"
		"{\"ID\": \"" API_NEW "\", \"Repository\": \"" API "\", \"Tag\": \"latest\"}\n"
		"{\"ID\": \"" API_OLD "\", \"Repository\": \"" API "\", \"Tag\": \"<none>\"}\n"
		"{\"ID\": \"" API_NEW "\", \"Repository\": \"docker.io/library/app\", \"Tag\": \"v2\"}\n"
		"{\"ID\": \"" API_NEW "\", \"Repository\": \"app\", \"Tag\": \"v2\"}";
	struct listing listing;
	read_ok(listing_parse_json_lines, lines, &listing);
	ck_assert_uint_eq(listing.count, 2);
	const struct image *old = &listing.images[0];
	ck_assert_str_eq(old->id, API_OLD);
	ck_assert_uint_eq(old->name_count, 2);
	assert_name(old, 0, API, API, "v1");
	assert_name(old, 1, API, API, NULL);
	const struct image *new = &listing.images[1];
	ck_assert_str_eq(new->id, API_NEW);
	/* "app:v2" names the repository and tag of "docker.io/library/app:v2": listed once. */
	ck_assert_uint_eq(new->name_count, 4);
	assert_name(new, 0, API, API, "v2");
	assert_name(new, 1, "localhost/other", "localhost/other", "stable");
	assert_name(new, 2, API, API, "latest");
	assert_name(new, 3, "docker.io/library/app", "docker.io/library/app", "v2");
	listing_free(&listing);
}
END_TEST

static void assert_no_labels(const struct listing *listing)
{
	for (size_t i = 0; i < listing->count; i++)
		ck_assert_ptr_null(listing->images[i].label);
}

START_TEST(test_docker_inspection)
{
	struct listing listing;
	read_ok(listing_parse_json_lines, docker_store, &listing);
	struct listing_error err = {0, ""};
	ck_assert_msg(inspect(listing_read_docker_inspection, docker_inspection, &listing, &err) == 0, "%s",
		      err.message);
	ck_assert_str_eq(find_image(&listing, API_OLD)->label, API);
	ck_assert_ptr_null(find_image(&listing, WEB_OLD)->label);
	ck_assert_ptr_null(find_image(&listing, API_NEW)->label);
	/* Inspected or not, and what the inspection says of the parent. */
	for (size_t i = 0; i < listing.count; i++) {
		const struct image *image = &listing.images[i];
		ck_assert_msg(image->inspected == image->parent_known, "%s", image->id);
		ck_assert_ptr_null(image->parent);
	}
	ck_assert(find_image(&listing, API_OLD)->inspected);
	listing_free(&listing);
}
END_TEST

START_TEST(test_buildah_inspection)
{
	struct listing listing;
	read_ok(listing_parse_buildah_json, buildah_report, &listing);
	struct listing_error err = {0, ""};
	ck_assert_msg(inspect(listing_read_buildah_inspection, buildah_inspection, &listing, &err) == 0, "%s",
		      err.message);
	ck_assert_str_eq(find_image(&listing, JOB_OLD)->label, JOB);
	ck_assert_ptr_null(find_image(&listing, JOB_NEW)->label);
	const struct image *old = find_image(&listing, JOB_OLD);
	ck_assert(old->inspected);
	ck_assert(!old->parent_known);
	listing_free(&listing);
}
END_TEST

/* podman's inspection of a buildah store (podman 4.3.1's `image inspect`, trimmed, of images buildah
 * 1.28.2 built): the base as buildah's own inspection tells it, the manifest's annotations; written
 * empty (FROM scratch), the base is known to be none; without the annotation, it is not known. */
START_TEST(test_podman_inspection_of_buildah_images)
{
	struct listing listing;
	read_ok(listing_parse_json_lines, docker_store, &listing);
	static const char text[] =
		"[{\"Id\": \"" API_OLD "\", \"Config\": {\"Labels\": {\"io.buildah.version\": \"1.28.2\", "
		"\"kimb.repositories\": \"localhost/x,localhost/y\"}}, \"Annotations\": "
		"{\"org.opencontainers.image.base.digest\": \"sha256:" WEB_OLD "\", "
		"\"org.opencontainers.image.base.name\": \"localhost/base:latest\"}},\n"
		" {\"Id\": \"" WEB_OLD "\", \"Config\": {\"Labels\": {\"io.buildah.version\": \"1.28.2\"}}, "
		"\"Annotations\": {\"org.opencontainers.image.base.digest\": \"\", "
		"\"org.opencontainers.image.base.name\": \"\"}}]";
	struct listing_error err = {0, ""};
	ck_assert_msg(inspect(listing_read_podman_inspection, text, &listing, &err) == 0, "%s", err.message);
	const struct image *built = find_image(&listing, API_OLD), *base = find_image(&listing, WEB_OLD);
	ck_assert(built->inspected && base->inspected);
	ck_assert_str_eq(built->label, "localhost/x,localhost/y");
	ck_assert(built->base_known);
	ck_assert_str_eq(built->base_digest, WEB_OLD);
	ck_assert(base->base_known);
	ck_assert_ptr_null(base->base_digest);
	ck_assert(!built->parent_known);
	listing_free(&listing);
	read_ok(listing_parse_json_lines, docker_store, &listing);
	ck_assert_int_eq(inspect(listing_read_podman_inspection, "[{\"Id\": \"" API_OLD "\"}]", &listing, &err), 0);
	ck_assert(find_image(&listing, API_OLD)->inspected);
	ck_assert(!find_image(&listing, API_OLD)->base_known);
	listing_free(&listing);
}
END_TEST

/* An inspection that parses, and the label it leaves on the image it names. */
struct inspection_case {
	listing_inspector read;
	const char *text;
	const char *id;
	const char *label;
};

static const struct inspection_case inspection_cases[] = {
	{listing_read_docker_inspection, "[]", NULL, NULL},
	{listing_read_docker_inspection, "[{\"Id\": \"" API_OLD "\"}]", API_OLD, NULL},
	{listing_read_docker_inspection, "[{\"Id\": \"sha256:" API_OLD "\", \"Config\": null}]", API_OLD, NULL},
	{listing_read_docker_inspection, "[{\"Id\": \"sha256:" API_OLD "\", \"Config\": {\"Labels\": null}}]", API_OLD,
	 NULL},
	{listing_read_docker_inspection,
	 "[{\"Id\": \"" API_OLD "\", \"Config\": {\"Labels\": {\"kimb.repositories\": null}}}]", API_OLD, NULL},
	{listing_read_docker_inspection,
	 "[{\"Id\": \"sha256:" API_OLD "\", \"Config\": {\"Labels\": {\"kimb.repositories\": \"a\"}}}, "
	 "{\"Id\": \"sha256:" WEB_OLD "\", \"Config\": {}}]",
	 API_OLD, "a"},
	{listing_read_buildah_inspection, "{\"FromImageID\": \"" API_OLD "\"}", API_OLD, NULL},
	{listing_read_buildah_inspection, "{\"FromImageID\": \"sha256:" API_OLD "\", \"OCIv1\": {\"config\": null}}",
	 API_OLD, NULL},
	{listing_read_buildah_inspection,
	 "{\"FromImageID\": \"" API_OLD "\", \"OCIv1\": {\"config\": {\"Labels\": {\"kimb.repositories\": \"b\"}}}, "
	 "\"Docker\": {\"config\": {\"Labels\": {\"kimb.repositories\": \"c\"}}}}",
	 API_OLD, "b"},
	{listing_read_podman_inspection, "[]", NULL, NULL},
	{listing_read_podman_inspection, "[{\"Id\": \"" API_OLD "\", \"Config\": {}, \"Annotations\": null}]", API_OLD, NULL},
	{listing_read_podman_inspection,
	 "[{\"Id\": \"" API_OLD "\", \"Config\": {\"Labels\": {\"kimb.repositories\": \"d,e\"}}, \"Labels\": {}}]", API_OLD,
	 "d,e"},
};

START_TEST(test_inspection_fields)
{
	const struct inspection_case *c = &inspection_cases[_i];
	struct listing listing;
	read_ok(listing_parse_json_lines, docker_store, &listing);
	/* An inspection says what the label is now, also that there is none. */
	struct image *api_old = &listing.images[find_image(&listing, API_OLD) - listing.images];
	api_old->label = strdup("stale");
	ck_assert_ptr_nonnull(api_old->label);

	struct listing_error err = {0, ""};
	ck_assert_msg(inspect(c->read, c->text, &listing, &err) == 0, "%s: %s", c->text, err.message);
	ck_assert_pstr_eq(api_old->label, c->id ? c->label : "stale");
	ck_assert_ptr_null(find_image(&listing, WEB_OLD)->label);
	listing_free(&listing);
}
END_TEST

struct rejected_inspection {
	listing_inspector read;
	const char *text;
	size_t line;
	const char *message;
};

static const struct rejected_inspection rejected_inspections[] = {
	{listing_read_docker_inspection, "", 1, "empty output"},
	{listing_read_docker_inspection, "garbage", 1, "invalid JSON"},
	{listing_read_docker_inspection, "[\n{\"Id\": 1,}]", 2, "invalid JSON"},
	{listing_read_docker_inspection, "{}", 0, "not a JSON array"},
	{listing_read_docker_inspection, "[1]", 0, "inspected image 1: not an object"},
	{listing_read_docker_inspection, "[{}]", 0, "inspected image 1: no \"Id\""},
	{listing_read_docker_inspection, "[{\"Id\": \"sha256:9f61b4b18881\"}]", 0, "invalid Id"},
	{listing_read_docker_inspection, "[{\"Id\": \"sha256:" UNLISTED "\"}]", 0,
	 "image " UNLISTED " is not in the listing"},
	{listing_read_docker_inspection,
	 "[{\"Id\": \"" API_OLD "\", \"Config\": {\"Labels\": {\"kimb.repositories\": \"a\"}}}, {\"Id\": \"" UNLISTED
	 "\"}]",
	 0, "inspected image 2: image " UNLISTED " is not in the listing"},
	{listing_read_docker_inspection, "[{\"Id\": \"" API_OLD "\", \"Config\": \"x\"}]", 0,
	 "\"Config\" is not an object"},
	{listing_read_docker_inspection, "[{\"Id\": \"" API_OLD "\", \"Config\": {\"Labels\": []}}]", 0,
	 "\"Labels\" is not an object"},
	{listing_read_docker_inspection,
	 "[{\"Id\": \"" API_OLD "\", \"Config\": {\"Labels\": {\"kimb.repositories\": [\"a\"]}}}]", 0,
	 "\"kimb.repositories\" is not a string"},
	{listing_read_podman_inspection, "{}", 0, "not a JSON array"},
	{listing_read_podman_inspection, "[{\"Id\": \"" API_OLD "\", \"Annotations\": []}]", 0,
	 "\"Annotations\" is not an object"},
	{listing_read_podman_inspection, "[{\"Id\": \"" UNLISTED "\"}]", 0, "is not in the listing"},
	{listing_read_buildah_inspection, "", 1, "empty output"},
	{listing_read_buildah_inspection, "[]", 0, "not a JSON object"},
	{listing_read_buildah_inspection, "{} {}", 1, "invalid JSON"},
	{listing_read_buildah_inspection, "{}", 0, "inspected image 1: no \"FromImageID\""},
	{listing_read_buildah_inspection, "{\"FromImageID\": \"" UNLISTED "\"}", 0, "is not in the listing"},
	{listing_read_buildah_inspection, "{\"FromImageID\": \"" API_OLD "\", \"OCIv1\": \"x\"}", 0,
	 "\"OCIv1\" is not an object"},
	{listing_read_buildah_inspection, "{\"FromImageID\": \"" API_OLD "\", \"OCIv1\": {\"config\": []}}", 0,
	 "\"config\" is not an object"},
};

START_TEST(test_rejected_inspection)
{
	const struct rejected_inspection *c = &rejected_inspections[_i];
	struct listing listing;
	read_ok(listing_parse_json_lines, docker_store, &listing);
	struct listing_error err = {0, ""};
	ck_assert_msg(inspect(c->read, c->text, &listing, &err) == -1, "accepted: %s", c->text);
	ck_assert_uint_eq(err.line, c->line);
	ck_assert_msg(strstr(err.message, c->message), "message \"%s\" lacks \"%s\"", err.message, c->message);
	/* Read whole or not at all: no label was set, not even by the objects before the bad one. */
	assert_no_labels(&listing);
	listing_free(&listing);
}
END_TEST

START_TEST(test_inspection_of_empty_listing)
{
	struct listing listing = {NULL, 0};
	struct listing_error err = {0, ""};
	ck_assert_int_eq(inspect(listing_read_docker_inspection, "[]", &listing, &err), 0);
	ck_assert_int_eq(inspect(listing_read_docker_inspection, docker_inspection, &listing, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "image " API_OLD " is not in the listing"));
	ck_assert_int_eq(inspect(listing_read_buildah_inspection, buildah_inspection, &listing, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "image " JOB_OLD " is not in the listing"));
}
END_TEST

Suite *listing_json_suite(void)
{
	Suite *suite = suite_create("listing_json");
	TCase *real = tcase_create("real samples");
	tcase_add_checked_fixture(real, read_samples, free_samples);
	tcase_add_test(real, test_podman_report_scenario);
	tcase_add_test(real, test_podman_store);
	tcase_add_test(real, test_buildah_report_scenario);
	tcase_add_test(real, test_buildah_store);
	tcase_add_test(real, test_docker_report_scenario);
	tcase_add_test(real, test_docker_store);
	tcase_add_test(real, test_nerdctl_listing);
	tcase_add_test(real, test_rows_of_one_image_may_differ_in_creation_time);
	tcase_add_test(real, test_nerdctl_inspection_is_matched_by_position);
	tcase_add_test(real, test_docker_inspection);
	tcase_add_test(real, test_buildah_inspection);
	tcase_add_test(real, test_podman_inspection_of_buildah_images);
	suite_add_tcase(suite, real);

	TCase *fields = tcase_create("fields");
	tcase_add_test(fields, test_empty_listings);
	tcase_add_test(fields, test_rows_rejected_after_deduplication_are_freed_once);
	tcase_add_loop_test(fields, test_accepted_fields, 0, sizeof accepted_cases / sizeof accepted_cases[0]);
	tcase_add_loop_test(fields, test_rejected, 0, sizeof rejected_cases / sizeof rejected_cases[0]);
	tcase_add_loop_test(fields, test_created_at, 0, sizeof created_at_cases / sizeof created_at_cases[0]);
	tcase_add_loop_test(fields, test_invalid_created_at, 0,
			    sizeof invalid_created_at / sizeof invalid_created_at[0]);
	tcase_add_loop_test(fields, test_invalid_containers, 0,
			    sizeof invalid_containers / sizeof invalid_containers[0]);
	tcase_add_test(fields, test_lines_grouped_in_listing_order);
	suite_add_tcase(suite, fields);

	TCase *labels = tcase_create("labels");
	tcase_add_checked_fixture(labels, read_samples, free_samples);
	tcase_add_loop_test(labels, test_inspection_fields, 0, sizeof inspection_cases / sizeof inspection_cases[0]);
	tcase_add_loop_test(labels, test_rejected_inspection, 0,
			    sizeof rejected_inspections / sizeof rejected_inspections[0]);
	tcase_add_test(labels, test_inspection_of_empty_listing);
	suite_add_tcase(suite, labels);
	return suite;
}
