/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder.h"
#include "suites.h"

/* The builders kimb documents, in auto's order. */
static const char *const expected_names[] = {"kim", "nerdctl", "podman", "docker", "buildah"};
enum { BUILDER_COUNT = sizeof expected_names / sizeof expected_names[0] };

static const struct builder *builder_at(size_t index)
{
	const struct builder *builder = builder_find(expected_names[index]);
	ck_assert_msg(builder, "no builder %s", expected_names[index]);
	return builder;
}

START_TEST(test_find_unknown_names)
{
	static const char *const unknown[] = {"auto", "", "Kim", "PODMAN", "podman ", "kimb", "buildx", "docker-buildx",
					      "nerdctl.exe", "/usr/bin/podman"};

	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		ck_assert_msg(!builder_find(unknown[i]), "found a builder named '%s'", unknown[i]);
}
END_TEST

/* What one field of an entry needs of another, checked for every builder. */
START_TEST(test_entries_are_consistent)
{
	for (const char *const *name = builder_names; *name; name++) {
		const struct builder *builder = builder_find(*name);

		ck_assert_ptr_nonnull(builder->build_command);
		ck_assert_ptr_nonnull(builder->list_command);
		ck_assert_ptr_nonnull(builder->parse_listing);
		ck_assert_ptr_nonnull(builder->remove_command);
		ck_assert_ptr_nonnull(builder->store_environment);
		/* A builder that forgets old names needs the label on its builds and the inspection that reads it. */
		if (builder->label_flag) {
			const struct flag_spec *label = builder_flag_by_long(builder->build_flags, builder->label_flag,
									     strlen(builder->label_flag));
			ck_assert_msg(label && label->takes_value, "%s: --%s is no build flag with a value", *name,
				      builder->label_flag);
		}
		ck_assert_msg(!builder->label_flag || (builder->inspect_command && builder->read_inspection),
			      "%s labels but cannot inspect", *name);
		ck_assert_msg(!builder->inspect_command || builder->inspect_batch > 0, "%s", *name);
		if (builder->iidfile_flag) {
			const struct flag_spec *iidfile = builder_flag_by_long(builder->build_flags, builder->iidfile_flag,
									       strlen(builder->iidfile_flag));
			ck_assert_msg(iidfile && iidfile->takes_value, "%s: --%s is no build flag with a value", *name,
				      builder->iidfile_flag);
		}
		ck_assert_msg(!builder->containers_command == !builder->read_containers, "%s", *name);
		ck_assert_msg(!builder->container_ids_command || builder->containers_command, "%s", *name);
		/* Without --no-prune the builder's own pruning would remove images kimb never selected;
		 * kim's images have no parents to prune. */
		bool no_prune = false;
		for (const char *const *word = builder->remove_command; *word; word++)
			no_prune |= strcmp(*word, "--no-prune") == 0;
		ck_assert_msg(no_prune || builder->removal_takes_untagged_parents || strcmp(*name, "kim") == 0 ||
				      builder->label_flag,
			      "%s", *name);
		ck_assert_msg(!builder->pods_namespace || (builder->namespace.flags && builder->namespace.environment),
			      "%s", *name);
		/* A setting read from the configuration file needs a file to read, found as the builder does. */
		ck_assert_msg(!(builder->namespace.config_key || builder->address.config_key) ||
				      (builder->config_variable && builder->config_path && builder->config_user_path),
			      "%s", *name);
	}
}
END_TEST

static const char flag_name_characters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";

static size_t assert_well_formed(const struct flag_spec *specs, const char *what)
{
	size_t count = 0;

	ck_assert_msg(specs, "%s: no flag list", what);
	for (; specs->long_name; specs++, count++) {
		const char *name = specs->long_name;

		ck_assert_msg(*name && *name != '-' && strspn(name, flag_name_characters) == strlen(name),
			      "%s: bad flag name '%s'", what, name);
		ck_assert_msg(strcmp(name, "help") != 0 && strcmp(name, "version") != 0, "%s: --%s listed", what, name);
		ck_assert_msg(!specs->short_name || isalnum((unsigned char)specs->short_name),
			      "%s: --%s: bad short name", what, name);
	}
	ck_assert_msg(specs->short_name == 0 && !specs->takes_value, "%s: the list does not end with {NULL, 0, false}",
		      what);
	return count;
}

START_TEST(test_flag_lists_end_properly)
{
	const struct builder *builder = builder_at((size_t)_i);

	ck_assert_uint_gt(assert_well_formed(builder->global_flags, builder->name), 0);
	ck_assert_uint_gt(assert_well_formed(builder->build_flags, builder->name), 0);
}
END_TEST

/* Globals and build flags are read from one command line, so one spelling must name one flag. */
START_TEST(test_no_flag_spelled_twice)
{
	const struct builder *builder = builder_at((size_t)_i);
	const struct flag_spec *lists[] = {builder->global_flags, builder->build_flags};

	for (size_t a = 0; a < 2; a++) {
		for (const struct flag_spec *one = lists[a]; one->long_name; one++) {
			for (size_t b = a; b < 2; b++) {
				const struct flag_spec *other = a == b ? one + 1 : lists[b];

				for (; other->long_name; other++) {
					ck_assert_msg(strcmp(one->long_name, other->long_name) != 0, "%s: --%s twice",
						      builder->name, one->long_name);
					ck_assert_msg(!one->short_name || one->short_name != other->short_name,
						      "%s: -%c twice", builder->name, one->short_name);
				}
			}
		}
	}
}
END_TEST

START_TEST(test_flag_lookup)
{
	const struct builder *podman = builder_find("podman");

	ck_assert_ptr_null(builder_flag_by_long(podman->build_flags, "ta", 2));
	ck_assert_ptr_null(builder_flag_by_long(podman->build_flags, "tagx", 4));
	ck_assert_str_eq(builder_flag_by_long(podman->build_flags, "tag=x", 3)->long_name, "tag");
	ck_assert_ptr_null(builder_flag_by_short(podman->build_flags, 0));
	ck_assert_ptr_null(builder_flag_by_short(podman->build_flags, 'Z'));
	ck_assert_str_eq(builder_flag_by_short(podman->global_flags, 'r')->long_name, "remote");
}
END_TEST

/* An image ID as each builder takes it: kim only bare (kim-cli-facts); docker as sha256:ID, which
 * podman's Docker-compatible API takes also for an image that is gone. */
START_TEST(test_id_words)
{
	static const char id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	static const struct {
		const char *builder;
		const char *prefix;
	} forms[] = {{"kim", ""}, {"nerdctl", ""}, {"podman", ""}, {"docker", "sha256:"}, {"buildah", ""}};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		char *word = builder_id_word(builder_find(forms[i].builder), id);
		char expected[80];
		snprintf(expected, sizeof expected, "%s%s", forms[i].prefix, id);
		ck_assert_str_eq(word, expected);
		free(word);
	}
}
END_TEST

/* ---- Executables and auto ---- */

struct variable {
	const char *name;
	const char *value;
};

/* The environment a test gives the functions under test, ended by {NULL, NULL}. */
static const struct variable *environment;

static const char *lookup(const char *name)
{
	for (const struct variable *v = environment; v && v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v->value;
	return NULL;
}

/* The snapshot of the environment a test gives. */
static const struct environment *snapshot(void)
{
	static struct environment taken;
	env_read(&taken, lookup);
	return &taken;
}

static const char *named_itself(const char *name)
{
	return name;
}

/* Every variable a builder's entry names is one the snapshot holds: one it did not would read as
 * unset. */
START_TEST(test_variables_are_in_the_snapshot)
{
	struct environment every;
	env_read(&every, named_itself);
	for (const char *const *name = builder_names; *name; name++) {
		const struct builder *builder = builder_find(*name);
		const char *const single[] = {builder->executable_env, builder->config_variable,
					      builder->namespace.environment, builder->address.environment};
		for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
			ck_assert_msg(!single[i] || env_named(&every, single[i]), "%s: %s", *name, single[i]);
		for (const char *const *variable = builder->store_environment; *variable; variable++)
			ck_assert_msg(env_named(&every, *variable), "%s: %s", *name, *variable);
	}
	ck_assert_ptr_null(env_named(&every, "KIMB_MOBY"));
}
END_TEST

/* Each builder runs its name on PATH, or what its variable KIMB_<NAME> names when set and not empty. */
START_TEST(test_executable)
{
	for (size_t i = 0; i < BUILDER_COUNT; i++) {
		const struct builder *builder = builder_at(i);
		char variable[32] = "KIMB_", executable[64];

		for (const char *c = expected_names[i]; *c; c++)
			variable[strlen(variable)] = (char)toupper((unsigned char)*c);
		snprintf(executable, sizeof executable, "/opt/%s/bin/%s", expected_names[i], expected_names[i]);
		const struct variable set[] = {{variable, executable}, {NULL, NULL}};
		const struct variable empty[] = {{variable, ""}, {NULL, NULL}};

		environment = set;
		ck_assert_str_eq(builder_executable(builder, snapshot()), executable);
		environment = empty;
		ck_assert_str_eq(builder_executable(builder, snapshot()), expected_names[i]);
		environment = NULL;
		ck_assert_str_eq(builder_executable(builder, snapshot()), expected_names[i]);
	}
	/* One builder's variable is not another's. */
	const struct variable podman_set[] = {{"KIMB_PODMAN", "/opt/podman"}, {NULL, NULL}};
	environment = podman_set;
	ck_assert_str_eq(builder_executable(builder_find("docker"), snapshot()), "docker");
	environment = NULL;
}
END_TEST

/* A directory per PATH entry:
 *   not-runnable/  nerdctl (a file without execute permission), podman/ (a directory)
 *   runnable/      docker, buildah (executable stubs)
 *   later/         kim (an executable stub)
 *   elsewhere/     my-nerdctl (an executable stub)
 *   all/           kim, nerdctl, podman, docker, buildah (executable stubs) */
static char base[] = "/tmp/kimb-test-builder-XXXXXX";
static char not_runnable[PATH_MAX], runnable[PATH_MAX], later[PATH_MAX], elsewhere[PATH_MAX], my_nerdctl[PATH_MAX],
	all[PATH_MAX];
static const char *const created_files[] = {"not-runnable/nerdctl", "runnable/docker", "runnable/buildah", "later/kim",
					    "elsewhere/my-nerdctl", "all/kim", "all/nerdctl", "all/podman", "all/docker",
					    "all/buildah"};
static const char *const created_directories[] = {"not-runnable/podman", "not-runnable", "runnable", "later",
						  "elsewhere", "all"};

static void path_in_base(char *out, const char *relative)
{
	ck_assert_int_lt(snprintf(out, PATH_MAX, "%s/%s", base, relative), PATH_MAX);
}

static void make_file(const char *relative, mode_t mode)
{
	char path[PATH_MAX];

	path_in_base(path, relative);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void make_directories(void)
{
	strcpy(base + strlen(base) - 6, "XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	for (size_t i = sizeof created_directories / sizeof created_directories[0]; i-- > 0;) {
		char path[PATH_MAX];

		path_in_base(path, created_directories[i]);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	make_file("not-runnable/nerdctl", 0644);
	make_file("runnable/docker", 0755);
	make_file("runnable/buildah", 0755);
	make_file("later/kim", 0755);
	make_file("elsewhere/my-nerdctl", 0755);
	for (size_t i = 0; i < BUILDER_COUNT; i++) {
		char relative[32];

		snprintf(relative, sizeof relative, "all/%s", expected_names[i]);
		make_file(relative, 0755);
	}
	path_in_base(not_runnable, "not-runnable");
	path_in_base(runnable, "runnable");
	path_in_base(later, "later");
	path_in_base(elsewhere, "elsewhere");
	path_in_base(my_nerdctl, "elsewhere/my-nerdctl");
	path_in_base(all, "all");
}

static void remove_directories(void)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof created_files / sizeof created_files[0]; i++) {
		path_in_base(path, created_files[i]);
		ck_assert_int_eq(unlink(path), 0);
	}
	for (size_t i = 0; i < sizeof created_directories / sizeof created_directories[0]; i++) {
		path_in_base(path, created_directories[i]);
		ck_assert_int_eq(rmdir(path), 0);
	}
	ck_assert_int_eq(rmdir(base), 0);
}

/* The builder auto takes with PATH and, where not NULL, OVERRIDE set to VALUE. */
static const char *detect(const char *path, const char *override, const char *value)
{
	const struct variable variables[] = {{"PATH", path}, {override, value}, {NULL, NULL}};

	environment = variables;
	const struct builder *builder = builder_detect(snapshot());
	environment = NULL;
	return builder ? builder->name : "none";
}

static const char *join_path(char *out, const char *first, const char *second, const char *third)
{
	ck_assert_int_lt(snprintf(out, 4 * PATH_MAX, "%s:%s%s%s", first, second, third ? ":" : "", third ? third : ""),
			 4 * PATH_MAX);
	return out;
}

/* auto's order, as documented: kim, then nerdctl, podman, docker, buildah. Each is taken from a
 * PATH that holds it and all those after it. */
START_TEST(test_detect_takes_the_documented_order)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < BUILDER_COUNT; i++) {
		ck_assert_str_eq(detect(all, NULL, NULL), expected_names[i]);
		ck_assert_int_lt(snprintf(path, sizeof path, "%s/%s", all, expected_names[i]), PATH_MAX);
		ck_assert_int_eq(chmod(path, 0644), 0);
	}
	ck_assert_str_eq(detect(all, NULL, NULL), "none");
	for (size_t i = 0; i < BUILDER_COUNT; i++) {
		ck_assert_int_lt(snprintf(path, sizeof path, "%s/%s", all, expected_names[i]), PATH_MAX);
		ck_assert_int_eq(chmod(path, 0755), 0);
	}
}
END_TEST

START_TEST(test_detect_first_in_order_wins)
{
	char path[4 * PATH_MAX];

	/* nerdctl cannot be executed and podman is a directory: docker is the first that runs. */
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, NULL), NULL, NULL), "docker");
	/* kim comes first in auto's order, wherever it stands in PATH. */
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, later), NULL, NULL), "kim");
	ck_assert_str_eq(detect(join_path(path, not_runnable, elsewhere, NULL), NULL, NULL), "none");
	ck_assert_str_eq(detect(not_runnable, NULL, NULL), "none");
}
END_TEST

START_TEST(test_detect_override_wins_over_path)
{
	char path[4 * PATH_MAX];
	char missing[PATH_MAX];

	path_in_base(missing, "elsewhere/kim");
	/* An override takes its builder, found or not: a wrong one is reported, never replaced. */
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, NULL), "KIMB_NERDCTL", my_nerdctl), "nerdctl");
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, later), "KIMB_KIM", missing), "kim");
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, NULL), "KIMB_NERDCTL", not_runnable), "nerdctl");
	ck_assert_str_eq(detect(join_path(path, not_runnable, elsewhere, NULL), "KIMB_BUILDAH", "my-nerdctl"),
			 "buildah");
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, NULL), "KIMB_DOCKER", "my-nerdctl"), "docker");
	/* but a builder found earlier in auto's order still comes first */
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, later), "KIMB_BUILDAH", missing), "kim");
	/* An empty override means the builder's own name. */
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, NULL), "KIMB_DOCKER", ""), "docker");
}
END_TEST

/* An empty PATH entry (leading, trailing or in between) means the current directory. */
START_TEST(test_detect_empty_entry_is_current_directory)
{
	char path[4 * PATH_MAX];
	int saved = open(".", O_RDONLY | O_DIRECTORY);

	ck_assert_int_ne(saved, -1);
	ck_assert_int_eq(chdir(runnable), 0);
	ck_assert_str_eq(detect(not_runnable, NULL, NULL), "none");
	ck_assert_str_eq(detect(join_path(path, not_runnable, "", NULL), NULL, NULL), "docker");
	ck_assert_str_eq(detect(join_path(path, "", not_runnable, NULL), NULL, NULL), "docker");
	ck_assert_str_eq(detect(join_path(path, not_runnable, "", elsewhere), NULL, NULL), "docker");
	ck_assert_str_eq(detect("", NULL, NULL), "docker");
	ck_assert_int_eq(fchdir(saved), 0);
	ck_assert_int_eq(close(saved), 0);
}
END_TEST

/* Without PATH, the search path execvp falls back on. */
START_TEST(test_detect_without_path)
{
	size_t size = confstr(_CS_PATH, NULL, 0);
	char *default_path = malloc(size);
	const struct variable unset[] = {{NULL, NULL}};

	ck_assert_ptr_nonnull(default_path);
	ck_assert_uint_eq(confstr(_CS_PATH, default_path, size), size);
	const char *expected = detect(default_path, NULL, NULL);
	environment = unset;
	const struct builder *builder = builder_detect(snapshot());
	environment = NULL;
	ck_assert_str_eq(builder ? builder->name : "none", expected);
	free(default_path);
}
END_TEST

Suite *builder_suite(void)
{
	Suite *suite = suite_create("builder");

	TCase *table = tcase_create("table");
	tcase_add_test(table, test_find_unknown_names);
	tcase_add_test(table, test_entries_are_consistent);
	tcase_add_loop_test(table, test_flag_lists_end_properly, 0, BUILDER_COUNT);
	tcase_add_loop_test(table, test_no_flag_spelled_twice, 0, BUILDER_COUNT);
	tcase_add_test(table, test_flag_lookup);
	tcase_add_test(table, test_variables_are_in_the_snapshot);
	tcase_add_test(table, test_id_words);
	suite_add_tcase(suite, table);

	TCase *detection = tcase_create("detection");
	tcase_add_unchecked_fixture(detection, make_directories, remove_directories);
	tcase_add_test(detection, test_executable);
	tcase_add_test(detection, test_detect_takes_the_documented_order);
	tcase_add_test(detection, test_detect_first_in_order_wins);
	tcase_add_test(detection, test_detect_override_wins_over_path);
	tcase_add_test(detection, test_detect_empty_entry_is_current_directory);
	tcase_add_test(detection, test_detect_without_path);
	suite_add_tcase(suite, detection);

	return suite;
}
