/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "listing.h"
#include "suites.h"
#include "use.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define HEX_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

static struct image_use use;
static struct listing_error err;

static void setup(void)
{
	use = (struct image_use){0};
	err = (struct listing_error){0, ""};
}

static void teardown(void)
{
	use_free(&use);
}

typedef int use_reader_fn(const char *text, size_t length, struct image_use *use, struct listing_error *err);

static void read_ok(use_reader_fn *read, const char *text)
{
	ck_assert_msg(read(text, strlen(text), &use, &err) == 0, "rejected: %s (line %zu)", err.message, err.line);
}

/* STRINGS (COUNT of them) are exactly EXPECTED, NULL-terminated, in order. */
static void assert_strings(char *const *strings, size_t count, const char *const *expected)
{
	size_t expected_count = 0;
	while (expected[expected_count])
		expected_count++;
	ck_assert_uint_eq(count, expected_count);
	for (size_t i = 0; i < count; i++)
		ck_assert_str_eq(strings[i], expected[i]);
}

#define DIGESTS(...) assert_strings(use.digests, use.digest_count, (const char *const[]){__VA_ARGS__, NULL})
#define NO_DIGESTS() assert_strings(use.digests, use.digest_count, (const char *const[]){NULL})
#define REFERENCES(...) assert_strings(use.references, use.reference_count, (const char *const[]){__VA_ARGS__, NULL})
#define NO_REFERENCES() assert_strings(use.references, use.reference_count, (const char *const[]){NULL})
#define UNNAMED(...) assert_strings(use.unnamed, use.unnamed_count, (const char *const[]){__VA_ARGS__, NULL})
#define NO_UNNAMED() assert_strings(use.unnamed, use.unnamed_count, (const char *const[]){NULL})

/* The images of the lapp store's containers (buildah/containers-lapp.json). */
#define LAPP_V1 "231fcb61993f08f8168dbbaf1c95a4322d18fdeca18cdf76f3f63c3f0915e63c"
#define BASE "7c4273146441f711705e553bace9d4835aea6185ac0e7af2a6bfa363fbaa050e"

/* Reads the recorded output NAME (tests/fixtures) with READ. */
static void read_fixture_ok(use_reader_fn *read, const char *name)
{
	size_t length;
	char *text = fixture_read(name, &length);
	ck_assert_msg(read(text, length, &use, &err) == 0, "%s rejected: %s (line %zu)", name, err.message, err.line);
	free(text);
}

START_TEST(test_buildah_containers)
{
	read_fixture_ok(use_read_buildah_containers, "buildah/containers-lapp.json");
	DIGESTS(LAPP_V1, BASE);
	NO_REFERENCES();
	/* Which name each container was made from is not told. */
	UNNAMED(LAPP_V1, BASE);
	/* What is known already is not added twice. */
	read_fixture_ok(use_read_buildah_containers, "buildah/containers-lapp.json");
	read_ok(use_read_buildah_containers, "[]");
	DIGESTS(LAPP_V1, BASE);
	/* buildah 1.28 with no container at all. */
	read_fixture_ok(use_read_buildah_containers, "buildah/containers-none.json");
	DIGESTS(LAPP_V1, BASE);
}
END_TEST

/* buildah/containers.json: a working container of `buildah from scratch`, which has no image
 * (imageid ""), and a working container and two podman containers of one image. */
#define BUILT_FROM_SCRATCH "4dbbac784735cb5155212e35f72adc821ce53fd73401977231992c8f92238c69"

START_TEST(test_buildah_container_of_no_image)
{
	read_fixture_ok(use_read_buildah_containers, "buildah/containers.json");
	DIGESTS(BUILT_FROM_SCRATCH);
	NO_REFERENCES();
}
END_TEST

/* The two containers of docker/dockerd-containers.json, of one image. */
#define WEB2 "72e64249978c0f5602bb93825935658453e158d365e81b21880909a56d148e40"
#define WEB1 "c4158fd9d352623a4c164b58baba105cd36b2431c1e6513b14b8b342697a3d59"
#define OTHER_V1 "d9703495f5e1e4e753d6dd5e9178c8d3dfb55005ea8c86c183ee53351b33126f"

START_TEST(test_docker_containers)
{
	read_fixture_ok(use_read_docker_containers, "docker/dockerd-containers.json");
	DIGESTS(OTHER_V1);
	NO_REFERENCES();
	UNNAMED(OTHER_V1);
}
END_TEST

START_TEST(test_container_ids)
{
	size_t length;
	char *text = fixture_read("docker/dockerd-container-ids.txt", &length);
	char **ids;
	size_t count;
	ck_assert_int_eq(use_read_container_ids(text, length, &ids, &count, &err), 0);
	ck_assert_uint_eq(count, 2);
	ck_assert_str_eq(ids[0], WEB2);
	ck_assert_str_eq(ids[1], WEB1);
	free(ids);
	free(text);
	char none[] = "";
	ck_assert_int_eq(use_read_container_ids(none, 0, &ids, &count, &err), 0);
	ck_assert_uint_eq(count, 0);
	free(ids);
	char garbage[] = HEX_A "\nCONTAINER ID\n";
	ck_assert_int_eq(use_read_container_ids(garbage, strlen(garbage), &ids, &count, &err), -1);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_ptr_null(ids);
}
END_TEST

START_TEST(test_nerdctl_containers)
{
	read_ok(use_read_nerdctl_containers,
		"{\"Command\":\"\\\"true\\\"\",\"CreatedAt\":\"2026-12-01 16:19:27 +0000 UTC\",\"ID\":\"01fe27eaf849\","
		"\"Image\":\"docker.io/library/app:v1\",\"Platform\":\"linux/amd64\",\"Names\":\"c1\"}\n"
		"{\"ID\":\"02\",\"Image\":\"localhost/web\"}\n"
		"{\"ID\":\"03\",\"Image\":\"app@sha256:" HEX_D "\"}\n"
		"{\"ID\":\"04\",\"Image\":\"sha256:" HEX_B "\"}\n");
	REFERENCES("docker.io/library/app:v1", "localhost/web:latest");
	DIGESTS(HEX_D, HEX_B);
	/* A container made from an ID or a digest names no tag of the image. */
	NO_UNNAMED();
	ck_assert(use_names_tag(&use, "docker.io/library/app", "v1"));
	ck_assert(!use_names_tag(&use, "docker.io/library/app", "v2"));
}
END_TEST

/* Each recorded listing of pods (tests/fixtures/kubectl) and what it holds: the image IDs of its
 * containers' statuses, and the images their specs name, whatever the pod's phase and the kind of
 * container (a pending pod's image may not be pulled yet: its imageID is empty). */
static const struct {
	const char *fixture;
	const char *digests[3];
	const char *references[4];
} pod_listings[] = {
	{"kubectl/no-pods.json", {NULL}, {NULL}},
	{"kubectl/deployment.json",
	 {"9d2637982d75730ffae0acc86d33d196adba379cc846d689564f9f62f263fe59", NULL},
	 {"localhost/whoami/web:20261201.154037", NULL}},
	{"kubectl/apps-running-and-pending.json",
	 {"87910151a353a4710c723fa0d51f1963a64a9fe985607719f41df2710a66ae27", NULL},
	 {"localhost/whoami/web:p1", "docker.io/library/redis:7.4", "localhost/whoami/web:v9", NULL}},
	{"kubectl/init-and-ephemeral.json",
	 {"8659a963999aab29097bd9d19bcdd3771e64430de7529a266c79a46864f4dffd",
	  "222f8026523f552677937d0caa6bb2696b541b0a3ddc0f268e277dbcded2a279", NULL},
	 {"localhost/whoami/web:20261201.154037", "docker.io/library/busybox:1.36.1", "docker.io/library/alpine:3.20",
	  NULL}},
};

START_TEST(test_pods)
{
	read_fixture_ok(use_read_pods, pod_listings[_i].fixture);
	assert_strings(use.digests, use.digest_count, pod_listings[_i].digests);
	assert_strings(use.references, use.reference_count, pod_listings[_i].references);
	/* A pod names the image it runs in its spec. */
	NO_UNNAMED();
}
END_TEST

/* A pod whose image is no valid reference (the API server takes it; kubelet refuses it with
 * InvalidImageName) runs no image: it is counted, the first named, and the others are read. */
START_TEST(test_pods_naming_invalid_references_keep_no_image)
{
	read_fixture_ok(use_read_pods, "kubectl/invalid-image-name.json");
	DIGESTS("9d2637982d75730ffae0acc86d33d196adba379cc846d689564f9f62f263fe59");
	REFERENCES("localhost/whoami/web:20261201.154037");
	ck_assert_uint_eq(use.invalid_count, 1);
	ck_assert_str_eq(use.first_invalid, "default/broken-6f7c9d8b5-q8w4z: \"localhost/Whoami/Web:v1\"");
	read_ok(use_read_pods, "{\"items\": [{\"metadata\": {\"namespace\": \"ns\", \"name\": \"p\"}, \"spec\": "
			       "{\"containers\": [{\"image\": \"bad name\"}, {\"image\": \"UPPER\"}]}}]}");
	ck_assert_uint_eq(use.invalid_count, 3);
	ck_assert_str_eq(use.first_invalid, "default/broken-6f7c9d8b5-q8w4z: \"localhost/Whoami/Web:v1\"");
}
END_TEST

/* On a cluster whose runtime is docker, an imageID is a docker-pullable:// or docker:// URL. */
START_TEST(test_pods_on_docker)
{
	read_ok(use_read_pods, "{\"items\": [{\"spec\": {\"containers\": [{\"image\": \"nginx\"}]}, \"status\": "
			       "{\"containerStatuses\": [{\"imageID\": \"docker-pullable://nginx@sha256:" HEX_C "\"}, "
			       "{\"imageID\": \"docker://sha256:" HEX_D "\"}]}}]}");
	DIGESTS(HEX_C, HEX_D);
	REFERENCES("docker.io/library/nginx:latest");
}
END_TEST

/* kubectl/workloads.json: a pod, and the pod templates of two ReplicaSets (one old, scaled to 0), two
 * Deployments (one scaled to 0), a StatefulSet, a DaemonSet with an init container, a Job and a
 * CronJob. */
static const struct {
	const char *image;
	const char *kind;
	const char *namespace;
	const char *name;
} workload_images[] = {
	{"localhost/whoami/web:20261201.160200", "ReplicaSet", "apps", "web-5d8f7c9b6"},
	{"localhost/whoami/web:20261201.154037", "ReplicaSet", "apps", "web-7d9c8b5f4"},
	{"localhost/whoami/api:20261201.154102", "Deployment", "apps", "api"},
	{"docker.io/library/redis:7.4", "StatefulSet", "apps", "cache"},
	{"docker.io/fluent/fluent-bit:3.1", "DaemonSet", "kube-system", "logs"},
	{"docker.io/library/busybox:1.36.1", "DaemonSet", "kube-system", "logs"},
	{"localhost/whoami/job:20261201.154500", "Job", "apps", "migrate"},
	{"localhost/whoami/report:20261201.155000", "CronJob", "batch", "nightly"},
};

START_TEST(test_workloads)
{
	read_fixture_ok(use_read_pods, "kubectl/workloads.json");
	DIGESTS("2f1c0b7a9e8d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170615f4e3");
	REFERENCES("localhost/whoami/web:20261201.160200");
	ck_assert_uint_eq(use.workload_name_count, sizeof workload_images / sizeof workload_images[0]);
	for (size_t i = 0; i < use.workload_name_count; i++) {
		const struct workload_name *named = &use.workload_names[i];
		ck_assert_str_eq(named->image, workload_images[i].image);
		ck_assert(!named->digest);
		ck_assert_str_eq(workload_kinds[named->kind].kind, workload_images[i].kind);
		ck_assert_str_eq(named->namespace, workload_images[i].namespace);
		ck_assert_str_eq(named->name, workload_images[i].name);
	}
	ck_assert_uint_eq(use.invalid_count, 0);
}
END_TEST

/* A workload names an image by digest as a pod does; one that is no valid reference keeps none. */
START_TEST(test_workload_digests_and_invalid_images)
{
	read_ok(use_read_pods, "{\"items\": [{\"kind\": \"Deployment\", \"metadata\": {\"namespace\": \"ns\", \"name\": "
			       "\"d\"}, \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"image\": \"app@sha256:" HEX_A
			       "\"}, {\"image\": \"Bad\"}]}}}}]}");
	NO_DIGESTS();
	ck_assert_uint_eq(use.workload_name_count, 1);
	ck_assert_str_eq(use.workload_names[0].image, HEX_A);
	ck_assert(use.workload_names[0].digest);
	ck_assert_uint_eq(use.invalid_count, 1);
	ck_assert_str_eq(use.first_invalid, "Deployment ns/d: \"Bad\"");
}
END_TEST

/* The image a workload names is covered; which workload keeps it is told only when no pod or
 * container uses it too. */
START_TEST(test_workload_naming)
{
	struct image_name names[] = {{(char *)"localhost/whoami/web", (char *)"localhost/whoami/web",
				      (char *)"20261201.154037"}};
	struct image old = {.id = (char *)HEX_B, .names = names, .name_count = 1};
	struct image_name running_names[] = {{(char *)"localhost/whoami/web", (char *)"localhost/whoami/web",
					      (char *)"20261201.160200"}};
	struct image running = {.id = (char *)HEX_C, .names = running_names, .name_count = 1};
	read_fixture_ok(use_read_pods, "kubectl/workloads.json");
	ck_assert(use_covers(&use, &old));
	const struct workload_name *named = use_workload_naming(&use, &old);
	ck_assert_ptr_nonnull(named);
	ck_assert_str_eq(named->name, "web-7d9c8b5f4");
	ck_assert(use_covers(&use, &running));
	ck_assert_ptr_null(use_workload_naming(&use, &running));
}
END_TEST

struct rejected {
	use_reader_fn *read;
	const char *text;
	const char *message;
};

static const struct rejected rejected_cases[] = {
	{use_read_buildah_containers, "", "empty output"},
	{use_read_buildah_containers, "{}", "not a JSON array"},
	{use_read_buildah_containers, "[{\"imageid\": \"short\"}]", "invalid image ID"},
	{use_read_buildah_containers, "[{}]", "container 1: no \"imageid\""},
	{use_read_buildah_containers, "[1]", "container 1: not an object"},
	{use_read_docker_containers, "[{\"Image\": 5}]", "\"Image\" is not a string"},
	/* Only buildah has containers of no image. */
	{use_read_docker_containers, "[{\"Image\": \"\"}]", "invalid image ID \"\""},
	{use_read_nerdctl_containers, "{\"Image\": \"Bad Name\"}\n", "invalid Image"},
	{use_read_nerdctl_containers, "{\"ID\": \"x\"}\n", "no \"Image\""},
	{use_read_nerdctl_containers, "not json\n", "invalid JSON"},
	{use_read_pods, "", "empty output"},
	{use_read_pods, "[]", "not a JSON object"},
	{use_read_pods, "{\"kind\": \"List\"}", "no \"items\""},
	{use_read_pods, "{\"items\": [{}]}", "item 1: no \"spec\""},
	{use_read_pods, "{\"items\": [{\"kind\": \"Service\"}]}", "item 1: unknown kind \"Service\""},
	{use_read_pods, "{\"items\": [{\"kind\": \"Deployment\", \"spec\": {}}]}", "no \"template\""},
	{use_read_pods, "{\"items\": [{\"kind\": \"CronJob\", \"spec\": {\"template\": {\"spec\": {}}}}]}",
	 "no \"jobTemplate\""},
	{use_read_pods, "{\"items\": [{\"spec\": {\"containers\": [{\"name\": \"x\"}]}}]}", "no \"image\""},
	{use_read_pods,
	 "{\"items\": [{\"spec\": {}, \"status\": {\"containerStatuses\": [{\"imageID\": \"sha256:short\"}]}}]}",
	 "invalid imageID"},
	{use_read_pods,
	 "{\"items\": [{\"spec\": {}, \"status\": {\"containerStatuses\": [{\"imageID\": \"app@md5:" HEX_A "\"}]}}]}",
	 "invalid imageID"},
};

/* A listing that cannot be read adds nothing, not even what came before the bad part. */
START_TEST(test_rejected)
{
	const struct rejected *c = &rejected_cases[_i];
	read_ok(use_read_docker_containers, "[{\"Image\": \"sha256:" HEX_D "\"}]");
	ck_assert_int_eq(c->read(c->text, strlen(c->text), &use, &err), -1);
	ck_assert_msg(strstr(err.message, c->message), "\"%s\" lacks \"%s\"", err.message, c->message);
	DIGESTS(HEX_D);
	NO_REFERENCES();
}
END_TEST

START_TEST(test_half_read_listing_adds_nothing)
{
	static const char text[] = "[{\"imageid\": \"" HEX_A "\"}, {\"imageid\": \"bad\"}]";
	ck_assert_int_eq(use_read_buildah_containers(text, strlen(text), &use, &err), -1);
	NO_DIGESTS();
}
END_TEST

START_TEST(test_covers)
{
	struct image_name names[] = {{(char *)"localhost/whoami/web", (char *)"localhost/whoami/web", (char *)"v1"},
				     {(char *)"localhost/other", (char *)"localhost/other", NULL}};
	char *digests[] = {(char *)HEX_C};
	struct image image = {.id = (char *)HEX_B, .names = names, .name_count = 2, .digests = digests, .digest_count = 1};

	ck_assert(!use_covers(&use, &image));
	read_ok(use_read_pods, "{\"items\": [{\"spec\": {\"containers\": [{\"image\": \"localhost/other\"}]}}]}");
	/* A name the image lost says nothing of what a pod would run. */
	ck_assert(!use_covers(&use, &image));
	read_ok(use_read_pods, "{\"items\": [{\"spec\": {\"containers\": [{\"image\": \"localhost/whoami/web:v1\"}]}}]}");
	ck_assert(use_covers(&use, &image));
	use_free(&use);
	read_ok(use_read_buildah_containers, "[{\"imageid\": \"" HEX_B "\"}]");
	ck_assert(use_covers(&use, &image));
	use_free(&use);
	read_ok(use_read_pods, "{\"items\": [{\"spec\": {}, \"status\": {\"containerStatuses\": "
			       "[{\"imageID\": \"localhost/whoami/web@sha256:" HEX_C "\"}]}}]}");
	ck_assert(use_covers(&use, &image));
}
END_TEST

Suite *use_suite(void)
{
	Suite *suite = suite_create("use");
	TCase *tc = tcase_create("readers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_buildah_containers);
	tcase_add_test(tc, test_buildah_container_of_no_image);
	tcase_add_test(tc, test_docker_containers);
	tcase_add_test(tc, test_container_ids);
	tcase_add_test(tc, test_nerdctl_containers);
	tcase_add_loop_test(tc, test_pods, 0, sizeof pod_listings / sizeof pod_listings[0]);
	tcase_add_test(tc, test_pods_on_docker);
	tcase_add_test(tc, test_pods_naming_invalid_references_keep_no_image);
	tcase_add_test(tc, test_workloads);
	tcase_add_test(tc, test_workload_digests_and_invalid_images);
	tcase_add_test(tc, test_workload_naming);
	tcase_add_loop_test(tc, test_rejected, 0, sizeof rejected_cases / sizeof rejected_cases[0]);
	tcase_add_test(tc, test_half_read_listing_adds_nothing);
	tcase_add_test(tc, test_covers);
	suite_add_tcase(suite, tc);
	return suite;
}
