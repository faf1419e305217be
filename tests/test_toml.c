/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suites.h"
#include "toml.h"

static struct toml_table table;
static struct message why;

static void teardown(void)
{
	toml_free(&table);
	message_free(&why);
}

/* Parses TEXT into the table and WHY, which hold nothing of an earlier parse. */
static int parse(const char *text)
{
	toml_free(&table);
	message_free(&why);
	return toml_parse(text, strlen(text), &table, &why);
}

/* Reads the file PATH into the table and WHY, which hold nothing of an earlier read. */
static int read_file(const char *path)
{
	toml_free(&table);
	message_free(&why);
	return toml_read_file(path, &table, &why);
}

/* TEXT is refused, with a reason that begins with WHERE ("line 2: "). */
static void assert_refused(const char *text, const char *where)
{
	ck_assert_int_eq(parse(text), -1);
	ck_assert_msg(strncmp(why.text, where, strlen(where)) == 0, "%s: \"%s\" does not begin with \"%s\"", text, why.text,
		      where);
	ck_assert_uint_eq(table.count, 0);
}

static const char *string_of(const char *key)
{
	const struct toml_pair *pair = toml_find(&table, key);
	ck_assert_ptr_nonnull(pair);
	ck_assert_int_eq(pair->type, TOML_STRING);
	return pair->string;
}

/* nerdctl's own example of /etc/nerdctl/nerdctl.toml (docs/config.md), a k3s node. */
START_TEST(nerdctls_example_is_read)
{
	ck_assert_int_eq(parse("# This is an example of /etc/nerdctl/nerdctl.toml .\n"
			       "# Unrelated to the daemon's /etc/containerd/config.toml .\n"
			       "\n"
			       "debug          = false\n"
			       "debug_full     = false\n"
			       "address        = \"unix:///run/k3s/containerd/containerd.sock\"\n"
			       "namespace      = \"k8s.io\"\n"
			       "snapshotter    = \"stargz\"\n"
			       "cgroup_manager = \"cgroupfs\"\n"
			       "hosts_dir      = [\"/etc/containerd/certs.d\", \"/etc/docker/certs.d\"]\n"
			       "experimental   = true\n"),
			 0);
	ck_assert_uint_eq(table.count, 8);
	ck_assert_str_eq(string_of("namespace"), "k8s.io");
	ck_assert_str_eq(string_of("address"), "unix:///run/k3s/containerd/containerd.sock");
	ck_assert_int_eq(toml_find(&table, "debug")->type, TOML_BOOLEAN);
	ck_assert_int_eq(toml_find(&table, "hosts_dir")->type, TOML_ARRAY);
	ck_assert_ptr_null(toml_find(&table, "data_root"));
	ck_assert_uint_eq(toml_find(&table, "namespace")->line, 7);
}
END_TEST

START_TEST(strings_comments_and_blanks)
{
	ck_assert_int_eq(parse("\t a = 'C:\\no\\escapes' # a comment\r\n"
			       "b=\"tab\\there \\\"quoted\\\" \\\\ \\u00e9\\U0001F600\"\n"
			       "c = -1_000\n"
			       "d = [ 1, \"x\", true, ]\n"
			       "e = []\n"
			       "f = \"\"\n"
			       "   # indented comment\n"
			       "g = 'no newline at the end'"),
			 0);
	ck_assert_str_eq(string_of("a"), "C:\\no\\escapes");
	ck_assert_str_eq(string_of("b"), "tab\there \"quoted\" \\ \xc3\xa9\xf0\x9f\x98\x80");
	ck_assert_int_eq(toml_find(&table, "c")->type, TOML_INTEGER);
	ck_assert_int_eq(toml_find(&table, "d")->type, TOML_ARRAY);
	ck_assert_str_eq(string_of("f"), "");
	ck_assert_str_eq(string_of("g"), "no newline at the end");
}
END_TEST

/* A table header ends the top level: its keys are not the top level's, and are not read. */
START_TEST(a_table_ends_the_top_level)
{
	ck_assert_int_eq(parse("namespace = \"default\"\n[x]\nnamespace = \"k8s.io\"\nanything at all\n"), 0);
	ck_assert_uint_eq(table.count, 1);
	ck_assert_str_eq(string_of("namespace"), "default");
	ck_assert_int_eq(parse("  [[servers]]\nnamespace = \"k8s.io\"\n"), 0);
	ck_assert_uint_eq(table.count, 0);
}
END_TEST

START_TEST(a_key_given_twice_is_refused)
{
	assert_refused("namespace = \"k8s.io\"\nnamespace = \"default\"\n", "line 2: namespace is given a second time");
}
END_TEST

/* What kimb does not read is refused whole, never read in part: a value is never guessed. */
START_TEST(what_kimb_does_not_read_is_refused)
{
	static const struct {
		const char *text;
		const char *where;
	} cases[] = {
		{"namespace = \"k8s.io\n", "line 1: a string that does not end"},
		{"namespace = k8s.io\n", "line 1: a value kimb does not read"},
		{"namespace\n", "line 1: not a line KEY = VALUE"},
		{"namespace =\n", "line 1: a key without a value"},
		{"= \"x\"\n", "line 1: not a line KEY = VALUE"},
		{"\"namespace\" = \"k8s.io\"\n", "line 1: a quoted key"},
		{"containerd.namespace = \"k8s.io\"\n", "line 1: a dotted key"},
		{"ok = 1\nnamespace = \"\"\"k8s.io\"\"\"\n", "line 2: a multi-line string"},
		{"namespace = '''k8s.io'''\n", "line 1: a multi-line string"},
		{"hosts_dir = [\n  \"/etc/containerd/certs.d\",\n]\n", "line 1: an array that goes on past its line"},
		{"a = [1 2]\n", "line 1: an array whose values"},
		{"a = [[1], [2]]\n", "line 1: a value kimb does not read"},
		{"a = {b = 1}\n", "line 1: a value kimb does not read"},
		{"a = 1.5\n", "line 1: a value kimb does not read"},
		{"a = 0x1f\n", "line 1: a value kimb does not read"},
		{"a = 012\n", "line 1: a value kimb does not read"},
		{"a = 1__0\n", "line 1: a value kimb does not read"},
		{"a = 1979-05-27\n", "line 1: a value kimb does not read"},
		{"a = inf\n", "line 1: a value kimb does not read"},
		{"a = trueish\n", "line 1: a value kimb does not read"},
		{"a = \"x\" \"y\"\n", "line 1: unexpected '\"' after the value"},
		{"a = \"bad \\q escape\"\n", "line 1: an unknown escape \\q"},
		{"a = \"\\ud800\"\n", "line 1: an escape of no Unicode character"},
		{"a = \"\\u12\"\n", "line 1: a \\u or \\U escape needs 4 hex digits"},
		{"a = \"bell \a\"\n", "line 1: a control character in a string"},
		{"a = 1 # bell \a\n", "line 1: a control character in a comment"},
		{"a = 1\rb = 2\n", "line 1: a value kimb does not read"},
		{"a = \"x\"\rb = 2\n", "line 1: unexpected"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_refused(cases[i].text, cases[i].where);
}
END_TEST

START_TEST(a_nul_byte_is_refused)
{
	static const char text[] = "a = 1\nnamespace = \"k8s\0.io\"\n";
	ck_assert_int_eq(toml_parse(text, sizeof text - 1, &table, &why), -1);
	ck_assert_str_eq(why.text, "line 2: a NUL byte");
}
END_TEST

START_TEST(files)
{
	char *directory = make_temporary_directory("/tmp", "toml");
	ck_assert_ptr_nonnull(directory);
	char path[512];
	snprintf(path, sizeof path, "%s/nerdctl.toml", directory);

	/* No file is no configuration. */
	ck_assert_int_eq(read_file(path), 1);
	ck_assert_uint_eq(table.count, 0);

	FILE *file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	fputs("namespace = \"k8s.io\"\n", file);
	ck_assert_int_eq(fclose(file), 0);
	ck_assert_int_eq(read_file(path), 0);
	ck_assert_str_eq(string_of("namespace"), "k8s.io");
	toml_free(&table);

	/* A directory, a file too large, files that cannot be opened (for root too). */
	ck_assert_int_eq(read_file(directory), -1);
	ck_assert_str_eq(why.text, "not a regular file");
	ck_assert_int_eq(truncate(path, TOML_SIZE_LIMIT + 1), 0);
	ck_assert_int_eq(read_file(path), -1);
	ck_assert_str_eq(why.text, "larger than 1048576 bytes");
	char below[600];
	snprintf(below, sizeof below, "%s/x", path);
	ck_assert_int_eq(read_file(below), -1);
	ck_assert_str_eq(why.text, "Not a directory");
	snprintf(path, sizeof path, "%s/loop.toml", directory);
	ck_assert_int_eq(symlink(path, path), 0);
	ck_assert_int_eq(read_file(path), -1);
	ck_assert_str_eq(why.text, "Too many levels of symbolic links");
	ck_assert_int_eq(remove_tree(directory), 0);
	free(directory);
}
END_TEST

Suite *toml_suite(void)
{
	Suite *suite = suite_create("toml");
	TCase *tc = tcase_create("top level");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, nerdctls_example_is_read);
	tcase_add_test(tc, strings_comments_and_blanks);
	tcase_add_test(tc, a_table_ends_the_top_level);
	tcase_add_test(tc, a_key_given_twice_is_refused);
	tcase_add_test(tc, what_kimb_does_not_read_is_refused);
	tcase_add_test(tc, a_nul_byte_is_refused);
	tcase_add_test(tc, files);
	suite_add_tcase(suite, tc);
	return suite;
}
