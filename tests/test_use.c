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

/* As buildah 1.28.2 prints `buildah containers --all --json`: a working container and podman's. */
static const char buildah_containers[] =
	"[\n"
	"    {\n"
	"        \"id\": \"2a424a365e770381ea80c9b505e05dbeacf6adcd597078c8777961ffebca2010\",\n"
	"        \"builder\": true,\n"
	"        \"imageid\": \"" HEX_A "\",\n"
	"        \"imagename\": \"localhost/lapp:latest\",\n"
	"        \"containername\": \"lapp-working-container\"\n"
	"    },\n"
	"    {\n"
	"        \"id\": \"b0b85c511a59e9a826dba6c2cd7b22c6b1685a9c10b5ac1eb32a6c100e4c9aed\",\n"
	"        \"builder\": false,\n"
	"        \"imageid\": \"" HEX_B "\",\n"
	"        \"imagename\": \"localhost/base:latest\",\n"
	"        \"containername\": \"pc\"\n"
	"    },\n"
	"    {\n"
	"        \"id\": \"c0b85c511a59e9a826dba6c2cd7b22c6b1685a9c10b5ac1eb32a6c100e4c9aed\",\n"
	"        \"builder\": false,\n"
	"        \"imageid\": \"" HEX_A "\",\n"
	"        \"imagename\": \"localhost/lapp:latest\",\n"
	"        \"containername\": \"again\"\n"
	"    }\n"
	"]\n";

START_TEST(test_buildah_containers)
{
	read_ok(use_read_buildah_containers, buildah_containers);
	DIGESTS(HEX_A, HEX_B);
	NO_REFERENCES();
	read_ok(use_read_buildah_containers, "[]");
	DIGESTS(HEX_A, HEX_B);
	/* buildah 1.28 with no container at all. */
	read_ok(use_read_buildah_containers, "null\n");
	DIGESTS(HEX_A, HEX_B);
}
END_TEST

START_TEST(test_docker_containers)
{
	read_ok(use_read_docker_containers,
		"[\n    {\n        \"Id\": \"01fe27eaf8490096928e134f85bb968130ec10c1fe8de99cf91a0dd666def8ba\",\n"
		"        \"Image\": \"sha256:" HEX_C "\",\n        \"Config\": {\"Image\": \"lapp\"}\n    }\n]\n");
	DIGESTS(HEX_C);
	NO_REFERENCES();
}
END_TEST

START_TEST(test_container_ids)
{
	char text[] = HEX_A "\n" HEX_B "\n";
	char **ids;
	size_t count;
	ck_assert_int_eq(use_read_container_ids(text, strlen(text), &ids, &count, &err), 0);
	ck_assert_uint_eq(count, 2);
	ck_assert_str_eq(ids[0], HEX_A);
	ck_assert_str_eq(ids[1], HEX_B);
	free(ids);
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
}
END_TEST

/* Pods as kubectl get pods --all-namespaces -o json prints them (trimmed to what is read). */
static const char pods[] =
	"{\n"
	"    \"apiVersion\": \"v1\",\n"
	"    \"items\": [\n"
	"        {\n"
	"            \"metadata\": {\"name\": \"web\", \"namespace\": \"default\"},\n"
	"            \"spec\": {\n"
	"                \"containers\": [{\"image\": \"localhost/whoami/web:20261201.154037\", \"name\": \"app\"}],\n"
	"                \"initContainers\": [{\"image\": \"busybox\", \"name\": \"setup\"}]\n"
	"            },\n"
	"            \"status\": {\n"
	"                \"phase\": \"Running\",\n"
	"                \"containerStatuses\": [{\"image\": \"localhost/whoami/web:latest\", \"imageID\": \"sha256:" HEX_A "\"}],\n"
	"                \"initContainerStatuses\": [{\"imageID\": \"docker.io/library/busybox@sha256:" HEX_B "\"}]\n"
	"            }\n"
	"        },\n"
	"        {\n"
	"            \"metadata\": {\"name\": \"debug\", \"namespace\": \"kube-system\"},\n"
	"            \"spec\": {\"containers\": [{\"image\": \"nginx\"}], \"ephemeralContainers\": [{\"image\": \"alpine:3\"}]},\n"
	"            \"status\": {\n"
	"                \"containerStatuses\": [{\"imageID\": \"docker-pullable://nginx@sha256:" HEX_C "\"}],\n"
	"                \"ephemeralContainerStatuses\": [{\"imageID\": \"\"}]\n"
	"            }\n"
	"        },\n"
	"        {\n"
	"            \"metadata\": {\"name\": \"pending\"},\n"
	"            \"spec\": {\"containers\": [{\"image\": \"localhost/whoami/web:old\"}]},\n"
	"            \"status\": {\"phase\": \"Pending\"}\n"
	"        }\n"
	"    ],\n"
	"    \"kind\": \"List\",\n"
	"    \"metadata\": {\"resourceVersion\": \"\"}\n"
	"}\n";

START_TEST(test_pods)
{
	read_ok(use_read_pods, pods);
	DIGESTS(HEX_A, HEX_B, HEX_C);
	REFERENCES("localhost/whoami/web:20261201.154037", "docker.io/library/busybox:latest",
		   "docker.io/library/nginx:latest", "docker.io/library/alpine:3", "localhost/whoami/web:old");
}
END_TEST

START_TEST(test_no_pods)
{
	read_ok(use_read_pods, "{\"apiVersion\": \"v1\", \"items\": [], \"kind\": \"List\"}");
	NO_DIGESTS();
	NO_REFERENCES();
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
	{use_read_nerdctl_containers, "{\"Image\": \"Bad Name\"}\n", "invalid Image"},
	{use_read_nerdctl_containers, "{\"ID\": \"x\"}\n", "no \"Image\""},
	{use_read_nerdctl_containers, "not json\n", "invalid JSON"},
	{use_read_pods, "", "empty output"},
	{use_read_pods, "[]", "not a JSON object"},
	{use_read_pods, "{\"kind\": \"List\"}", "no \"items\""},
	{use_read_pods, "{\"items\": [{}]}", "pod 1: no \"spec\""},
	{use_read_pods, "{\"items\": [{\"spec\": {\"containers\": [{\"name\": \"x\"}]}}]}", "no \"image\""},
	{use_read_pods,
	 "{\"items\": [{\"spec\": {}, \"status\": {\"containerStatuses\": [{\"imageID\": \"sha256:short\"}]}}]}",
	 "invalid imageID"},
	{use_read_pods,
	 "{\"items\": [{\"spec\": {}, \"status\": {\"containerStatuses\": [{\"imageID\": \"app@md5:" HEX_A "\"}]}}]}",
	 "invalid imageID"},
	{use_read_pods, "{\"items\": [{\"spec\": {\"containers\": [{\"image\": \"bad name\"}]}}]}", "invalid image"},
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
	tcase_add_test(tc, test_docker_containers);
	tcase_add_test(tc, test_container_ids);
	tcase_add_test(tc, test_nerdctl_containers);
	tcase_add_test(tc, test_pods);
	tcase_add_test(tc, test_no_pods);
	tcase_add_loop_test(tc, test_rejected, 0, sizeof rejected_cases / sizeof rejected_cases[0]);
	tcase_add_test(tc, test_half_read_listing_adds_nothing);
	tcase_add_test(tc, test_covers);
	suite_add_tcase(suite, tc);
	return suite;
}
