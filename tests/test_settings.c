/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "options.h"
#include "settings.h"
#include "suites.h"

/* nerdctl's namespace and address, found as nerdctl v2.0.5 finds them: flag, variable,
 * nerdctl.toml (which NERDCTL_TOML names, else root's or the user's), default. */

static char *directory;
static char path[512];
static struct message why;
static struct settings settings;
static struct options options;
static const struct builder *nerdctl;

static void setup(void)
{
	memset(test_environment, 0, sizeof test_environment);
	directory = make_temporary_directory("/tmp", "settings");
	ck_assert_ptr_nonnull(directory);
	snprintf(path, sizeof path, "%s/nerdctl.toml", directory);
	nerdctl = builder_find("nerdctl");
	settings = (struct settings){0};
	options = (struct options){0};
}

static void teardown(void)
{
	settings_free(&settings);
	options_free(&options);
	message_free(&why);
	ck_assert_int_eq(remove_tree(directory), 0);
	free(directory);
}

static void write_file(const char *file, const char *text)
{
	FILE *out = fopen(file, "w");
	ck_assert_ptr_nonnull(out);
	fputs(text, out);
	ck_assert_int_eq(fclose(out), 0);
}

/* The command line kimb WORDS... for nerdctl. */
static void parse(char **words)
{
	int count = 0;
	while (words[count])
		count++;
	options_free(&options);
	ck_assert_int_eq(options_parse(count, words, nerdctl, test_snapshot(), &options, &why), 0);
}

/* SETTING's value for the command line parse read. */
static const char *value_of(const struct builder_setting *setting, bool *from_config)
{
	return settings_value(&settings, setting, options_flag_value(&options, setting->flags), &options.environment,
			      from_config);
}

static const char *namespace_of(bool *from_config)
{
	return value_of(&nerdctl->namespace, from_config);
}

START_TEST(flag_then_variable_then_file)
{
	char variable[600];
	snprintf(variable, sizeof variable, "NERDCTL_TOML=%s", path);
	test_environment[0] = variable;
	write_file(path, "namespace = \"k8s.io\"\naddress = 'unix:///run/k3s/containerd/containerd.sock'\n");
	ck_assert_int_eq(settings_load(nerdctl, test_snapshot(), true, &settings, &why), 0);
	ck_assert_str_eq(settings.config_path, path);
	bool from_config;

	parse((char *[]){"kimb", "-t", "app", ".", NULL});
	ck_assert_str_eq(namespace_of(&from_config), "k8s.io");
	ck_assert(from_config);
	ck_assert_str_eq(value_of(&nerdctl->address, &from_config),
			 "unix:///run/k3s/containerd/containerd.sock");
	ck_assert(from_config);

	/* An empty variable does not count, as kimb has always read it. */
	test_environment[1] = "CONTAINERD_NAMESPACE=";
	parse((char *[]){"kimb", "-t", "app", ".", NULL});
	ck_assert_str_eq(namespace_of(&from_config), "k8s.io");
	test_environment[1] = "CONTAINERD_NAMESPACE=default";
	parse((char *[]){"kimb", "-t", "app", ".", NULL});
	ck_assert_str_eq(namespace_of(&from_config), "default");
	ck_assert(!from_config);

	parse((char *[]){"kimb", "-n", "builds", "-H", "unix:///x.sock", "-t", "app", ".", NULL});
	ck_assert_str_eq(namespace_of(&from_config), "builds");
	ck_assert(!from_config);
	ck_assert_str_eq(value_of(&nerdctl->address, &from_config),
			 "unix:///x.sock");
	ck_assert(!from_config);
}
END_TEST

START_TEST(the_file_nerdctl_reads)
{
	/* NERDCTL_TOML set empty: no file, whatever the defaults hold. */
	test_environment[0] = "NERDCTL_TOML=";
	ck_assert_int_eq(settings_load(nerdctl, test_snapshot(), true, &settings, &why), 0);
	ck_assert_ptr_null(settings.config_path);
	settings_free(&settings);

	/* Another user's: under $XDG_CONFIG_HOME, else ~/.config; none without either. */
	char config_home[600], home[600], expected[700];
	snprintf(config_home, sizeof config_home, "XDG_CONFIG_HOME=%s", directory);
	snprintf(home, sizeof home, "HOME=%s", directory);
	test_environment[0] = config_home;
	ck_assert_int_eq(settings_load(nerdctl, test_snapshot(), false, &settings, &why), 0);
	snprintf(expected, sizeof expected, "%s/nerdctl/nerdctl.toml", directory);
	ck_assert_str_eq(settings.config_path, expected);
	settings_free(&settings);
	test_environment[0] = home;
	ck_assert_int_eq(settings_load(nerdctl, test_snapshot(), false, &settings, &why), 0);
	snprintf(expected, sizeof expected, "%s/.config/nerdctl/nerdctl.toml", directory);
	ck_assert_str_eq(settings.config_path, expected);
	settings_free(&settings);
	test_environment[0] = NULL;
	ck_assert_int_eq(settings_load(nerdctl, test_snapshot(), false, &settings, &why), 0);
	ck_assert_ptr_null(settings.config_path);
	settings_free(&settings);

	/* Root's. */
	ck_assert_int_eq(settings_load(nerdctl, test_snapshot(), true, &settings, &why), 0);
	ck_assert_str_eq(settings.config_path, "/etc/nerdctl/nerdctl.toml");
	settings_free(&settings);

	/* kim has none. */
	ck_assert_int_eq(settings_load(builder_find("kim"), test_snapshot(), true, &settings, &why), 0);
	ck_assert_ptr_null(settings.config_path);
}
END_TEST

/* A file kimb cannot read, or whose namespace or address is no string, is refused, named. */
START_TEST(a_file_kimb_cannot_read_is_refused)
{
	char variable[600], expected[1024];
	snprintf(variable, sizeof variable, "NERDCTL_TOML=%s", path);
	test_environment[0] = variable;
	write_file(path, "debug = true\nnamespace = [\"k8s.io\"]\n");
	ck_assert_int_eq(settings_load(nerdctl, test_snapshot(), true, &settings, &why), -1);
	snprintf(expected, sizeof expected, "%s: line 2: namespace is not a string", path);
	ck_assert_str_eq(why.text, expected);
	ck_assert_uint_eq(settings.config.count, 0);
	ck_assert_ptr_null(settings.config_path); /* nothing left to free: main does not free a failed load */
	message_free(&why);

	write_file(path, "namespace = \"k8s.io\"\nnamespace = \"default\"\n");
	ck_assert_int_eq(settings_load(nerdctl, test_snapshot(), true, &settings, &why), -1);
	snprintf(expected, sizeof expected, "%s: line 2: namespace is given a second time", path);
	ck_assert_str_eq(why.text, expected);
	ck_assert_uint_eq(settings.config.count, 0);
	ck_assert_ptr_null(settings.config_path);
}
END_TEST

/* A reason longer than the buffers it was once formatted into (512 bytes for the file's reason,
 * PATH_MAX + 768 for main's line) is said whole: a key of 1000 characters given twice, in a file
 * whose path is about PATH_MAX - 100 characters long. */
START_TEST(a_long_reason_is_said_whole)
{
	char deep[PATH_MAX], key[1001], text[2100], variable[PATH_MAX + 16];
	const size_t name_length = 200;
	size_t length = (size_t)snprintf(deep, sizeof deep, "%s", directory);
	while (length + 1 + name_length + sizeof "/nerdctl.toml" < PATH_MAX - 100) {
		deep[length++] = '/';
		memset(deep + length, 'd', name_length);
		length += name_length;
		deep[length] = '\0';
		ck_assert_int_eq(mkdir(deep, 0700), 0);
	}
	snprintf(deep + length, sizeof deep - length, "/nerdctl.toml");
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	snprintf(text, sizeof text, "%s = 1\n%s = 2\n", key, key);
	write_file(deep, text);
	snprintf(variable, sizeof variable, "NERDCTL_TOML=%s", deep);
	test_environment[0] = variable;

	ck_assert_int_eq(settings_load(nerdctl, test_snapshot(), true, &settings, &why), -1);
	size_t expected_size = strlen(deep) + strlen(key) + 64;
	char *expected = malloc(expected_size);
	ck_assert_ptr_nonnull(expected);
	snprintf(expected, expected_size, "%s: line 2: %s is given a second time", deep, key);
	ck_assert_uint_gt(strlen(expected), PATH_MAX + 768);
	ck_assert_str_eq(why.text, expected);
	ck_assert_uint_eq(why.length, strlen(expected));
	free(expected);
}
END_TEST

Suite *settings_suite(void)
{
	Suite *suite = suite_create("settings");
	TCase *tc = tcase_create("nerdctl");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, flag_then_variable_then_file);
	tcase_add_test(tc, the_file_nerdctl_reads);
	tcase_add_test(tc, a_file_kimb_cannot_read_is_refused);
	tcase_add_test(tc, a_long_reason_is_said_whole);
	suite_add_tcase(suite, tc);
	return suite;
}
