/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builder.h"
#include "complete.h"
#include "status.h"
#include "suites.h"

static char printed[16384];

/* complete_print's status for WHAT on BUILDER (a name, or NULL), what it printed in PRINTED. */
static int print(enum completion what, const char *builder)
{
	FILE *file = tmpfile();
	ck_assert_ptr_nonnull(file);
	int saved = dup(STDOUT_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(fflush(stdout), 0);
	ck_assert_int_ge(dup2(fileno(file), STDOUT_FILENO), 0);
	int status = complete_print(what, builder ? builder_find(builder) : NULL, NULL);
	ck_assert_int_eq(fflush(stdout), 0);
	ck_assert_int_ge(dup2(saved, STDOUT_FILENO), 0);
	ck_assert_int_eq(close(saved), 0);
	rewind(file);
	size_t length = fread(printed, 1, sizeof printed - 1, file);
	ck_assert(!ferror(file));
	printed[length] = '\0';
	ck_assert_int_eq(fclose(file), 0);
	return status;
}

static void assert_line(const char *line)
{
	char needle[128];
	snprintf(needle, sizeof needle, "\n%s\n", line);
	size_t length = strlen(printed);
	char *framed = malloc(length + 2);
	ck_assert_ptr_nonnull(framed);
	framed[0] = '\n';
	memcpy(framed + 1, printed, length + 1);
	bool found = strstr(framed, needle) != NULL;
	free(framed);
	ck_assert_msg(found, "no line '%s' in:\n%s", line, printed);
}

static size_t line_count(void)
{
	size_t count = 0;
	for (const char *c = printed; *c; c++)
		count += *c == '\n';
	return count;
}

/* Every option of kimb's table, in its order (sorted), "=" telling the ones that take a value. */
START_TEST(test_options_are_kimbs_long_options)
{
	ck_assert_int_eq(print(COMPLETE_OPTIONS, NULL), STATUS_OK);
	ck_assert_str_eq(printed, "--builder=\n--call-timeout=\n--complete=\n--dry-run\n--help\n--jobs=\n--json\n--keep=\n"
				  "--keep-within=\n--lock-timeout=\n--missing-ok\n--no-prune\n--protect=\n--prune=\n--quiet\n"
				  "--scheme=\n--skip-workloads=\n--time-format=\n--verbose\n--version\n");
	bool takes_value;
	const char *name;
	size_t count = 0;
	for (; (name = options_kimb_option(count, &takes_value)); count++) {
		char line[64];
		snprintf(line, sizeof line, "--%s%s", name, takes_value ? "=" : "");
		assert_line(line);
	}
	ck_assert_uint_eq(line_count(), count);
}
END_TEST

START_TEST(test_builders_and_schemes_are_the_values_taken)
{
	ck_assert_int_eq(print(COMPLETE_BUILDERS, NULL), STATUS_OK);
	ck_assert_str_eq(printed, "auto\nkim\nnerdctl\npodman\ndocker\nbuildah\n");
	ck_assert_int_eq(print(COMPLETE_SCHEMES, NULL), STATUS_OK);
	ck_assert_str_eq(printed, "auto\ntime\ngit\ndescribe\ntree\n");
	ck_assert_int_eq(print(COMPLETE_WORKLOADS, NULL), STATUS_OK);
	ck_assert_str_eq(printed, "replicationcontrollers\nreplicasets\ndeployments\nstatefulsets\ndaemonsets\njobs\ncronjobs\n");
	ck_assert(!complete_needs_builder(COMPLETE_WORKLOADS));
}
END_TEST

/* Every spelling of every flag of every builder, once, "=" telling the flags that take a value. */
START_TEST(test_flags_are_the_builders_tables)
{
	for (const char *const *name = builder_names; *name; name++) {
		const struct builder *builder = builder_find(*name);
		for (int scope = 0; scope < 2; scope++) {
			const struct flag_spec *flags = scope ? builder->build_flags : builder->global_flags;
			ck_assert_int_eq(print(scope ? COMPLETE_BUILD_FLAGS : COMPLETE_GLOBAL_FLAGS, *name), STATUS_OK);
			size_t spellings = 0;
			for (const struct flag_spec *flag = flags; flag->long_name; flag++) {
				char line[96];
				snprintf(line, sizeof line, "--%s%s", flag->long_name, flag->takes_value ? "=" : "");
				assert_line(line);
				spellings++;
				if (!flag->short_name)
					continue;
				snprintf(line, sizeof line, "-%c%s", flag->short_name, flag->takes_value ? "=" : "");
				assert_line(line);
				spellings++;
			}
			ck_assert_uint_eq(line_count(), spellings);
		}
	}
	ck_assert_int_eq(print(COMPLETE_BUILD_FLAGS, "kim"), STATUS_OK);
	assert_line("--file=");
	assert_line("-f=");
	assert_line("--no-cache");
}
END_TEST

START_TEST(test_only_flags_and_repositories_need_a_builder)
{
	ck_assert(!complete_needs_builder(COMPLETE_OPTIONS));
	ck_assert(!complete_needs_builder(COMPLETE_BUILDERS));
	ck_assert(!complete_needs_builder(COMPLETE_SCHEMES));
	ck_assert(complete_needs_builder(COMPLETE_GLOBAL_FLAGS));
	ck_assert(complete_needs_builder(COMPLETE_BUILD_FLAGS));
	ck_assert(complete_needs_builder(COMPLETE_REPOSITORIES));
}
END_TEST

Suite *complete_suite(void)
{
	Suite *suite = suite_create("complete");
	TCase *tc = tcase_create("names");
	tcase_add_test(tc, test_options_are_kimbs_long_options);
	tcase_add_test(tc, test_builders_and_schemes_are_the_values_taken);
	tcase_add_test(tc, test_flags_are_the_builders_tables);
	tcase_add_test(tc, test_only_flags_and_repositories_need_a_builder);
	suite_add_tcase(suite, tc);
	return suite;
}
