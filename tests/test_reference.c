/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "suites.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIGEST64 "sha256:" HEX64

struct valid_case {
	const char *text;
	const char *name;
	const char *repository;
	const char *tag;
	const char *digest;
};

static const struct valid_case valid_cases[] = {
	{"myapp", "myapp", "docker.io/library/myapp", NULL, NULL},
	{"myapp:1.0", "myapp", "docker.io/library/myapp", "1.0", NULL},
	{"library/myapp", "library/myapp", "docker.io/library/myapp", NULL, NULL},
	{"docker.io/library/myapp", "docker.io/library/myapp", "docker.io/library/myapp", NULL, NULL},
	{"docker.io/myapp", "docker.io/myapp", "docker.io/library/myapp", NULL, NULL},
	{"index.docker.io/foo/bar", "index.docker.io/foo/bar", "docker.io/foo/bar", NULL, NULL},
	{"foo/bar", "foo/bar", "docker.io/foo/bar", NULL, NULL},
	{"foo/bar/baz", "foo/bar/baz", "docker.io/foo/bar/baz", NULL, NULL},
	{"localhost/whoami/web", "localhost/whoami/web", "localhost/whoami/web", NULL, NULL},
	{"localhost/whoami/web:latest", "localhost/whoami/web", "localhost/whoami/web", "latest", NULL},
	{"localhost/app", "localhost/app", "localhost/app", NULL, NULL},
	{"localhost:5000/team/app", "localhost:5000/team/app", "localhost:5000/team/app", NULL, NULL},
	{"localhost:5000/team/app:v2", "localhost:5000/team/app", "localhost:5000/team/app", "v2", NULL},
	{"localhost:5000/app", "localhost:5000/app", "localhost:5000/app", NULL, NULL},
	/* Without a '/', "localhost" is a Hub name and ":5000" its tag, as in Docker. */
	{"localhost", "localhost", "docker.io/library/localhost", NULL, NULL},
	{"localhost:5000", "localhost", "docker.io/library/localhost", "5000", NULL},
	{"example.com/app", "example.com/app", "example.com/app", NULL, NULL},
	{"example.com", "example.com", "docker.io/library/example.com", NULL, NULL},
	{"Example.COM/app", "Example.COM/app", "Example.COM/app", NULL, NULL},
	{"Registry/app", "Registry/app", "Registry/app", NULL, NULL},
	{"my-registry.example-1.com:443/a/b/c", "my-registry.example-1.com:443/a/b/c",
	 "my-registry.example-1.com:443/a/b/c", NULL, NULL},
	{"a-b.c/app", "a-b.c/app", "a-b.c/app", NULL, NULL},
	{"foo/a.b_c__d---e", "foo/a.b_c__d---e", "docker.io/foo/a.b_c__d---e", NULL, NULL},
	{"foo/a0.9b_8c__7d-6e", "foo/a0.9b_8c__7d-6e", "docker.io/foo/a0.9b_8c__7d-6e", NULL, NULL},
	{"0/1", "0/1", "docker.io/0/1", NULL, NULL},
	{"app:_", "app", "docker.io/library/app", "_", NULL},
	{"app:X", "app", "docker.io/library/app", "X", NULL},
	{"app:v1.0-rc_2.__--", "app", "docker.io/library/app", "v1.0-rc_2.__--", NULL},
	{"app:20240101.120000", "app", "docker.io/library/app", "20240101.120000", NULL},
	{"app@" DIGEST64, "app", "docker.io/library/app", NULL, DIGEST64},
	{"app:v1@" DIGEST64, "app", "docker.io/library/app", "v1", DIGEST64},
	{"localhost/whoami/web@" DIGEST64, "localhost/whoami/web", "localhost/whoami/web", NULL, DIGEST64},
	{"localhost:5000/app@" DIGEST64, "localhost:5000/app", "localhost:5000/app", NULL, DIGEST64},
	{"app@sha256+b64u.x-y_z:0123456789ABCDEF0123456789abcdef", "app", "docker.io/library/app", NULL,
	 "sha256+b64u.x-y_z:0123456789ABCDEF0123456789abcdef"},
	{"app@sha512:" HEX64 HEX64, "app", "docker.io/library/app", NULL, "sha512:" HEX64 HEX64},
	{"foo/" HEX64, "foo/" HEX64, "docker.io/foo/" HEX64, NULL, NULL},
	{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
	 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
	 "docker.io/library/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", NULL, NULL},
};

START_TEST(test_valid_references)
{
	const struct valid_case *c = &valid_cases[_i];
	struct reference ref;
	const char *why = NULL;

	ck_assert_msg(reference_parse(c->text, &ref, &why) == 0, "%s refused: %s", c->text, why);
	ck_assert_str_eq(ref.name, c->name);
	ck_assert_str_eq(ref.repository, c->repository);
	ck_assert_pstr_eq(ref.tag, c->tag);
	ck_assert_pstr_eq(ref.digest, c->digest);
	reference_free(&ref);
	ck_assert_ptr_null(ref.name);
	ck_assert_ptr_null(ref.repository);
}
END_TEST

struct invalid_case {
	const char *text;
	const char *why;
};

static const struct invalid_case invalid_cases[] = {
	{"", "empty reference"},
	{"MyApp", "repository name must be lower-case"},
	{"myApp:latest", "repository name must be lower-case"},
	{"foo/Bar", "repository name must be lower-case"},
	{"Foo/Bar", "repository name must be lower-case"},
	{"localhost/Whoami/web", "repository name must be lower-case"},
	{"app:", "invalid tag"},
	{"app:-tag", "invalid tag"},
	{"app:.tag", "invalid tag"},
	{"app:ta/g", "invalid registry domain"},
	{"app:t@g", "invalid digest"},
	{"app:tä", "invalid tag"},
	{"app:ta g", "invalid tag"},
	{"localhost:5000/app:", "invalid tag"},
	{":tag", "missing repository name"},
	{"@" DIGEST64, "missing repository name"},
	{"app@", "invalid digest"},
	{"app@sha256", "invalid digest"},
	{"app@sha256:", "invalid digest"},
	{"app@:" HEX64, "invalid digest"},
	{"app@sha256:abc", "invalid digest"},
	{"app@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "invalid digest"},
	{"app@" DIGEST64 "0", "invalid digest"},
	{"app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", "invalid digest"},
	{"app@md5:0123456789abcdef0123456789abcde", "invalid digest"},
	{"app@md5:0123456789abcdef0123456789abcdeg", "invalid digest"},
	{"app@1sha:0123456789abcdef0123456789abcdef", "invalid digest"},
	{"app@sha-:0123456789abcdef0123456789abcdef", "invalid digest"},
	{"app@sha--256:0123456789abcdef0123456789abcdef", "invalid digest"},
	{"app@" DIGEST64 "@" DIGEST64, "invalid digest"},
	{"app#" DIGEST64, "invalid repository name"},
	{"/app", "invalid repository name"},
	{"app/", "invalid repository name"},
	{"foo//bar", "invalid repository name"},
	{"localhost/", "invalid repository name"},
	{"-app", "invalid repository name"},
	{"app-", "invalid repository name"},
	{"app.", "invalid repository name"},
	{".app", "invalid repository name"},
	{"_app", "invalid repository name"},
	{"app_", "invalid repository name"},
	{"foo/a..b", "invalid repository name"},
	{"foo/a___b", "invalid repository name"},
	{"foo/a.-b", "invalid repository name"},
	{"foo/a-.b", "invalid repository name"},
	{"foo/a_-b", "invalid repository name"},
	{"app name", "invalid repository name"},
	{"app\t", "invalid repository name"},
	{"a:b:c", "invalid repository name"},
	{"a.b_c/app", "invalid registry domain"},
	{"localhost:/app", "invalid registry domain"},
	{"-host.com/app", "invalid registry domain"},
	{"host-.com/app", "invalid registry domain"},
	{"host..com/app", "invalid registry domain"},
	{".host.com/app", "invalid registry domain"},
	{"host.com./app", "invalid registry domain"},
	{"host.com:80a/app", "invalid registry domain"},
	{"host.com:80:81/app", "invalid registry domain"},
	{":5000/app", "invalid registry domain"},
	{"[::1]:5000/app", "invalid registry domain"},
	{HEX64, "repository name must not be 64 hexadecimal digits"},
	{HEX64 ":latest", "repository name must not be 64 hexadecimal digits"},
	{HEX64 "@" DIGEST64, "repository name must not be 64 hexadecimal digits"},
};

START_TEST(test_invalid_references)
{
	const struct invalid_case *c = &invalid_cases[_i];
	struct reference sentinel = {(char *)"name", (char *)"repository", (char *)"tag", (char *)"digest", true};
	struct reference ref = sentinel;
	const char *why = NULL;

	ck_assert_msg(reference_parse(c->text, &ref, &why) == -1, "%s accepted", c->text);
	ck_assert_str_eq(why, c->why);
	/* Field by field: the struct has padding, which memcmp would compare too. */
	ck_assert_msg(ref.name == sentinel.name && ref.repository == sentinel.repository && ref.tag == sentinel.tag &&
			      ref.digest == sentinel.digest && ref.domain_given == sentinel.domain_given,
		      "%s touched OUT", c->text);
}
END_TEST

static char *repeated(char c, size_t count)
{
	char *text = malloc(count + 1);
	ck_assert_ptr_nonnull(text);
	memset(text, c, count);
	text[count] = '\0';
	return text;
}

/* PREFIX followed by 'a's up to LENGTH characters, then SUFFIX. */
static char *padded_name(const char *prefix, size_t length, const char *suffix)
{
	char *text = malloc(length + strlen(suffix) + 1);
	ck_assert_ptr_nonnull(text);
	size_t prefix_length = strlen(prefix);
	memcpy(text, prefix, prefix_length);
	memset(text + prefix_length, 'a', length - prefix_length);
	strcpy(text + length, suffix);
	return text;
}

static void assert_parses(const char *text)
{
	struct reference ref;
	const char *why = NULL;
	ck_assert_msg(reference_parse(text, &ref, &why) == 0, "refused (%s): %.40s...", why, text);
	reference_free(&ref);
}

static void assert_refused(const char *text, const char *expected_why)
{
	struct reference ref;
	const char *why = NULL;
	ck_assert_msg(reference_parse(text, &ref, &why) == -1, "accepted: %.40s...", text);
	ck_assert_str_eq(why, expected_why);
}

START_TEST(test_name_length_limit)
{
	static const char too_long[] = "name longer than 255 characters";
	struct {
		const char *prefix;
		size_t length;
		bool valid;
	} cases[] = {
		{"localhost/", 255, true},
		{"localhost/", 256, false},
		{"localhost:5000/team/", 255, true},
		{"localhost:5000/team/", 256, false},
		/* Familiar names are measured normalized: "docker.io/library/" is 18 characters. */
		{"", 237, true},
		{"", 238, false},
		{"foo/", 245, true},
		{"foo/", 246, false},
		{"localhost/", 4096, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *plain = padded_name(cases[i].prefix, cases[i].length, "");
		char *tagged = padded_name(cases[i].prefix, cases[i].length, ":latest@" DIGEST64);
		if (cases[i].valid) {
			assert_parses(plain);
			assert_parses(tagged);
		} else {
			assert_refused(plain, too_long);
			assert_refused(tagged, too_long);
		}
		free(plain);
		free(tagged);
	}

	/* The tag and digest do not count: a 255-character name with a 128-character tag is valid. */
	char *name = padded_name("localhost/", 255, ":");
	char *tag = repeated('t', 128);
	char *text = malloc(strlen(name) + strlen(tag) + 1);
	ck_assert_ptr_nonnull(text);
	strcat(strcpy(text, name), tag);
	struct reference ref;
	const char *why = NULL;
	ck_assert_int_eq(reference_parse(text, &ref, &why), 0);
	ck_assert_uint_eq(strlen(ref.name), 255);
	ck_assert_str_eq(ref.tag, tag);
	reference_free(&ref);
	free(text);
	free(tag);
	free(name);
}
END_TEST

START_TEST(test_tag_length_limit)
{
	char *tag128 = repeated('v', 128);
	char *tag129 = repeated('v', 129);
	ck_assert(reference_tag_is_valid(tag128));
	ck_assert(!reference_tag_is_valid(tag129));

	char *text128 = padded_name("app:", 4, tag128);
	char *text129 = padded_name("app:", 4, tag129);
	assert_parses(text128);
	assert_refused(text129, "invalid tag");

	free(text129);
	free(text128);
	free(tag129);
	free(tag128);
}
END_TEST

START_TEST(test_tag_grammar)
{
	static const char *const valid[] = {"latest", "_", "0", "X", "v1.0-rc_2", "20240101.120000", "a..b", "a--",
					    "abc1234-dirty", "_.-"};
	static const char *const invalid[] = {"", ".", "-", ".a", "-a", "a:b", "a/b", "a b", "a@b", "a+b", "é",
					      "a\n"};
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
		ck_assert_msg(reference_tag_is_valid(valid[i]), "refused tag %s", valid[i]);
	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
		ck_assert_msg(!reference_tag_is_valid(invalid[i]), "accepted tag %s", invalid[i]);
}
END_TEST

static char *repository_of(const char *text)
{
	struct reference ref;
	const char *why = NULL;
	ck_assert_msg(reference_parse(text, &ref, &why) == 0, "%s refused: %s", text, why);
	char *repository = ref.repository;
	ref.repository = NULL;
	reference_free(&ref);
	return repository;
}

START_TEST(test_normalization_equalities)
{
	static const char *const same[] = {"myapp", "docker.io/library/myapp", "library/myapp", "docker.io/myapp",
					   "index.docker.io/library/myapp", "index.docker.io/myapp", "myapp:latest",
					   "library/myapp@" DIGEST64, "docker.io/library/myapp:v1@" DIGEST64};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		char *repository = repository_of(same[i]);
		ck_assert_str_eq(repository, "docker.io/library/myapp");
		free(repository);
	}

	static const char *const same_registry[] = {"localhost/whoami/web", "localhost/whoami/web:latest",
						    "localhost/whoami/web:20240101.120000",
						    "localhost/whoami/web@" DIGEST64};
	for (size_t i = 0; i < sizeof same_registry / sizeof same_registry[0]; i++) {
		char *repository = repository_of(same_registry[i]);
		ck_assert_str_eq(repository, "localhost/whoami/web");
		free(repository);
	}
}
END_TEST

START_TEST(test_domain_given)
{
	static const struct {
		const char *text;
		bool domain_given;
	} cases[] = {
		{"app", false},		 {"library/app:v1", false},   {"foo/bar", false},
		{"docker.io/app", true}, {"localhost/app", true},     {"localhost:5000/app", true},
		{"quay.io/x/y", true},	 {"Registry/app", true},      {"index.docker.io/app", true},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct reference ref;
		const char *why = NULL;
		ck_assert_msg(reference_parse(cases[i].text, &ref, &why) == 0, "%s refused: %s", cases[i].text, why);
		ck_assert_msg(ref.domain_given == cases[i].domain_given, "%s", cases[i].text);
		reference_free(&ref);
	}
}
END_TEST

START_TEST(test_prefix_sharing_names_are_distinct)
{
	static const char *const names[] = {"localhost/whoami/web", "localhost/whoami/web-admin",
					    "localhost/whoami/webx", "localhost/whoami/web/sub", "localhost/whoami",
					    "localhost/whoami/we", "myapp", "myapp-admin", "myappx", "myapp/sub",
					    "foo/myapp", "localhost/myapp", "localhost:5000/myapp"};
	size_t count = sizeof names / sizeof names[0];
	char *repositories[sizeof names / sizeof names[0]];
	for (size_t i = 0; i < count; i++)
		repositories[i] = repository_of(names[i]);
	for (size_t i = 0; i < count; i++)
		for (size_t j = i + 1; j < count; j++)
			ck_assert_msg(strcmp(repositories[i], repositories[j]) != 0, "%s and %s collide", names[i],
				      names[j]);
	for (size_t i = 0; i < count; i++)
		free(repositories[i]);
}
END_TEST

Suite *reference_suite(void)
{
	Suite *suite = suite_create("reference");
	TCase *grammar = tcase_create("grammar");
	tcase_add_loop_test(grammar, test_valid_references, 0, sizeof valid_cases / sizeof valid_cases[0]);
	tcase_add_loop_test(grammar, test_invalid_references, 0, sizeof invalid_cases / sizeof invalid_cases[0]);
	tcase_add_test(grammar, test_name_length_limit);
	tcase_add_test(grammar, test_tag_length_limit);
	tcase_add_test(grammar, test_tag_grammar);
	suite_add_tcase(suite, grammar);

	TCase *normalization = tcase_create("normalization");
	tcase_add_test(normalization, test_normalization_equalities);
	tcase_add_test(normalization, test_domain_given);
	tcase_add_test(normalization, test_prefix_sharing_names_are_distinct);
	suite_add_tcase(suite, normalization);
	return suite;
}
