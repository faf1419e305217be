/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listing.h"
#include "listing_checks.h"
#include "suites.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define OTHER_HEX64 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

/* The cells of one row, ended by a NULL; the header is a row too. */
struct cells {
	const char *cell[6];
};

struct text {
	char *bytes;
	size_t length;
};

/* Lays ROWS out as Go's text/tabwriter does for kim (minimum width 20, padding 3, spaces, last column
 * unpadded), with the first column at least IMAGE_WIDTH wide, as when the listing held longer names. */
static struct text tabulate(const struct cells *rows, size_t row_count, size_t image_width)
{
	size_t columns = 0;
	while (rows[0].cell[columns])
		columns++;
	size_t width[6] = {0};
	for (size_t c = 0; c + 1 < columns; c++) {
		width[c] = c == 0 && image_width > 20 ? image_width : 20;
		for (size_t r = 0; r < row_count; r++)
			if (strlen(rows[r].cell[c]) + 3 > width[c])
				width[c] = strlen(rows[r].cell[c]) + 3;
	}

	struct text table = {NULL, 0};
	FILE *stream = open_memstream(&table.bytes, &table.length);
	ck_assert_ptr_nonnull(stream);
	for (size_t r = 0; r < row_count; r++) {
		for (size_t c = 0; c + 1 < columns; c++)
			ck_assert_int_ge(fprintf(stream, "%-*s", (int)width[c], rows[r].cell[c]), 0);
		ck_assert_int_ge(fprintf(stream, "%s\n", rows[r].cell[columns - 1]), 0);
	}
	ck_assert_int_eq(fclose(stream), 0);
	return table;
}

static int parse(const char *text, size_t length, struct listing *out, struct listing_error *err)
{
	return listing_check_read(listing_parse_kim_table, text, length, out, err);
}

static void parse_ok(const char *text, size_t length, struct listing *out)
{
	listing_check_read_ok(listing_parse_kim_table, text, length, out);
}

static void parse_table(const struct cells *rows, size_t row_count, struct listing *out)
{
	struct text table = tabulate(rows, row_count, 0);
	parse_ok(table.bytes, table.length, out);
	free(table.bytes);
}

static void assert_sorted_and_kim_like(const struct listing *listing)
{
	for (size_t i = 0; i < listing->count; i++) {
		ck_assert(!listing->images[i].has_created);
		ck_assert_ptr_null(listing->images[i].label);
		ck_assert_int_eq(listing->images[i].containers, -1);
		ck_assert_uint_gt(listing->images[i].name_count, 0);
		if (i > 0)
			ck_assert_str_lt(listing->images[i - 1].id, listing->images[i].id);
	}
}

/* Sizes as the builders print them; one too large for a long long (the fuzzer found 8.7e+93 in a
 * buildah listing) is a size kimb cannot read, not undefined behaviour. */
START_TEST(test_human_sizes)
{
	long long bytes = -1;

	ck_assert(listing_human_size("2.58MB", 6, &bytes));
	ck_assert_int_eq(bytes, 2580000);
	ck_assert(listing_human_size("10.3 KB", 7, &bytes));
	ck_assert_int_eq(bytes, 10300);
	ck_assert(listing_human_size("1e+03kB", 7, &bytes));
	ck_assert_int_eq(bytes, 1000000);
	ck_assert(listing_human_size("9000PB", 6, &bytes));
	ck_assert_int_eq(bytes, 9000000000000000000LL);
	bytes = -1;
	ck_assert(!listing_human_size("8.7e+78PB", 9, &bytes));
	ck_assert(!listing_human_size("9300PB", 6, &bytes));
	ck_assert(!listing_human_size("1e999B", 6, &bytes));
	ck_assert(!listing_human_size("3.53* KB", 8, &bytes));
	ck_assert_int_eq(bytes, -1);
}
END_TEST

/* podman's names for a build stage's image while the build runs: a 64-hex ID and -tmp, last. */
START_TEST(test_internal_names)
{
	ck_assert(listing_is_internal_name("localhost/" TEST_ID("a") "-tmp"));
	ck_assert(listing_is_internal_name("docker.io/library/" TEST_ID("0") "-tmp"));
	ck_assert(listing_is_internal_name(TEST_ID("f") "-tmp"));
	ck_assert(!listing_is_internal_name("localhost/" TEST_ID("a")));
	ck_assert(!listing_is_internal_name("localhost/" TEST_ID("A") "-tmp"));
	ck_assert(!listing_is_internal_name("localhost/abc-tmp"));
	ck_assert(!listing_is_internal_name("localhost/" TEST_ID("a") "-tmp/app"));
	ck_assert(!listing_is_internal_name("localhost/x" TEST_ID("a") "-tmp"));
	ck_assert(!listing_is_internal_name("localhost/whoami/web-tmp"));
}
END_TEST

START_TEST(test_original_report_listing)
{
	size_t length;
	char *report = fixture_read("kim/original-report.txt", &length);
	struct listing listing;
	parse_ok(report, length, &listing);
	free(report);
	ck_assert_uint_eq(listing.count, 2);
	assert_sorted_and_kim_like(&listing);
	ck_assert_str_eq(listing.images[0].id, "11cb9ad2dda58");
	ck_assert_uint_eq(listing.images[0].name_count, 1);
	assert_name(&listing.images[0], 0, "localhost/whoami/web", "localhost/whoami/web", "latest");
	ck_assert_str_eq(listing.images[1].id, "813616d2279bb");
	ck_assert_uint_eq(listing.images[1].name_count, 1);
	assert_name(&listing.images[1], 0, "localhost/whoami/web", "localhost/whoami/web", NULL);
	listing_free(&listing);
	ck_assert_ptr_null(listing.images);
	ck_assert_uint_eq(listing.count, 0);
}
END_TEST

START_TEST(test_report_with_elision_is_rejected)
{
	static const char report[] =
		"IMAGE                            TAG                 IMAGE ID            SIZE\n"
		"...\n"
		"localhost/whoami/web:latest      <none>              813616d2279bb       2.58MB\n";
	struct listing listing;
	struct listing_error err = {0, ""};
	ck_assert_int_eq(parse(report, strlen(report), &listing, &err), -1);
	ck_assert_uint_eq(err.line, 2);
}
END_TEST

START_TEST(test_facts_file_listing)
{
	size_t length;
	char *facts = fixture_read("kim/cli-facts.txt", &length);
	struct listing listing;
	parse_ok(facts, length, &listing);
	free(facts);
	ck_assert_uint_eq(listing.count, 2);
	assert_name(find_image(&listing, "11cb9ad2dda58"), 0, "localhost/whoami/web", "localhost/whoami/web",
		    "latest");
	assert_name(find_image(&listing, "813616d2279bb"), 0, "localhost/whoami/web", "localhost/whoami/web", NULL);
	listing_free(&listing);
}
END_TEST

START_TEST(test_every_row_form)
{
	static const struct cells rows[] = {
		{{"IMAGE", "TAG", "IMAGE ID", "SIZE"}},
		{{"nginx", "latest", "aaaaaaaaaaaa1", "142MB"}},
		{{"foo/bar", "v1", "aaaaaaaaaaaa2", "3.54kB"}},
		{{"localhost:5000/team/app", "<none>", "aaaaaaaaaaaa3", "812B"}},
		{{"localhost/whoami/web:latest", "<none>", "aaaaaaaaaaaa4", "2.58MB"}},
		{{"localhost/whoami/web@sha256:" HEX64, "<none>", "aaaaaaaaaaaa5", "1e+03kB"}},
		{{"<none>", "<none>", "aaaaaaaaaaaa6", "0B"}},
		{{"nginx:1.25", "<none>", "aaaaaaaaaaaa7", "1GB"}},
		{{"docker.io/library/redis", "7", "aaaaaaaaaaaa8", "1.1GB"}},
	};
	struct listing listing;
	parse_table(rows, sizeof rows / sizeof rows[0], &listing);
	ck_assert_uint_eq(listing.count, 8);
	assert_sorted_and_kim_like(&listing);
	assert_name(find_image(&listing, "aaaaaaaaaaaa1"), 0, "docker.io/library/nginx", "nginx", "latest");
	assert_name(find_image(&listing, "aaaaaaaaaaaa2"), 0, "docker.io/foo/bar", "foo/bar", "v1");
	assert_name(find_image(&listing, "aaaaaaaaaaaa3"), 0, "localhost:5000/team/app", "localhost:5000/team/app",
		    NULL);
	assert_name(find_image(&listing, "aaaaaaaaaaaa4"), 0, "localhost/whoami/web", "localhost/whoami/web", NULL);
	assert_name(find_image(&listing, "aaaaaaaaaaaa5"), 0, "localhost/whoami/web", "localhost/whoami/web", NULL);
	assert_name(find_image(&listing, "aaaaaaaaaaaa6"), 0, NULL, NULL, NULL);
	assert_name(find_image(&listing, "aaaaaaaaaaaa7"), 0, "docker.io/library/nginx", "nginx", NULL);
	assert_name(find_image(&listing, "aaaaaaaaaaaa8"), 0, "docker.io/library/redis", "docker.io/library/redis",
		    "7");
	listing_free(&listing);
}
END_TEST

START_TEST(test_no_trunc_ids)
{
	static const struct cells rows[] = {
		{{"IMAGE", "TAG", "IMAGE ID", "SIZE"}},
		{{"localhost/whoami/web", "latest", "sha256:" HEX64, "2.58MB"}},
		{{"localhost/whoami/web:latest", "<none>", "sha256:" OTHER_HEX64, "2.58MB"}},
		{{"localhost/whoami/web", "20240101.120000", "sha256:" HEX64, "2.58MB"}},
	};
	struct listing listing;
	parse_table(rows, sizeof rows / sizeof rows[0], &listing);
	ck_assert_uint_eq(listing.count, 2);
	assert_sorted_and_kim_like(&listing);
	ck_assert_str_eq(listing.images[0].id, HEX64);
	ck_assert_uint_eq(listing.images[0].name_count, 2);
	assert_name(&listing.images[0], 0, "localhost/whoami/web", "localhost/whoami/web", "latest");
	assert_name(&listing.images[0], 1, "localhost/whoami/web", "localhost/whoami/web", "20240101.120000");
	ck_assert_str_eq(listing.images[1].id, OTHER_HEX64);
	listing_free(&listing);
}
END_TEST

START_TEST(test_digests_column)
{
	static const struct cells truncated[] = {
		{{"IMAGE", "TAG", "DIGEST", "IMAGE ID", "SIZE"}},
		{{"localhost/whoami/web", "latest", "1a7c8403393e0", "11cb9ad2dda58", "2.58MB"}},
		{{"localhost/whoami/web:latest", "<none>", "b26d82a973187", "813616d2279bb", "2.58MB"}},
		{{"<none>", "<none>", "<none>", "0395cbd1606c2", "2.58MB"}},
	};
	static const struct cells full[] = {
		{{"IMAGE", "TAG", "DIGEST", "IMAGE ID", "SIZE"}},
		{{"localhost/whoami/web", "latest", "sha256:" OTHER_HEX64, "sha256:" HEX64, "2.58MB"}},
		{{"<none>", "<none>", "<none>", "sha256:" OTHER_HEX64, "2.58MB"}},
	};
	struct listing listing;
	parse_table(truncated, sizeof truncated / sizeof truncated[0], &listing);
	ck_assert_uint_eq(listing.count, 3);
	assert_sorted_and_kim_like(&listing);
	assert_name(find_image(&listing, "11cb9ad2dda58"), 0, "localhost/whoami/web", "localhost/whoami/web",
		    "latest");
	assert_name(find_image(&listing, "813616d2279bb"), 0, "localhost/whoami/web", "localhost/whoami/web", NULL);
	assert_name(find_image(&listing, "0395cbd1606c2"), 0, NULL, NULL, NULL);
	listing_free(&listing);

	parse_table(full, sizeof full / sizeof full[0], &listing);
	ck_assert_uint_eq(listing.count, 2);
	assert_name(find_image(&listing, HEX64), 0, "localhost/whoami/web", "localhost/whoami/web", "latest");
	assert_name(find_image(&listing, OTHER_HEX64), 0, NULL, NULL, NULL);
	listing_free(&listing);
}
END_TEST

START_TEST(test_multi_tag_images_grouped_in_listing_order)
{
	static const struct cells rows[] = {
		{{"IMAGE", "TAG", "IMAGE ID", "SIZE"}},
		{{"localhost/whoami/web", "1615571791", "42e9ee99555c9", "2.58MB"}},
		{{"localhost/whoami/web", "1615571731", "0395cbd1606c2", "2.58MB"}},
		{{"localhost/other", "stable", "42e9ee99555c9", "2.58MB"}},
		{{"localhost/whoami/web", "latest", "42e9ee99555c9", "2.58MB"}},
		{{"localhost/whoami/web:old", "<none>", "0395cbd1606c2", "2.58MB"}},
	};
	struct listing listing;
	parse_table(rows, sizeof rows / sizeof rows[0], &listing);
	ck_assert_uint_eq(listing.count, 2);
	assert_sorted_and_kim_like(&listing);
	const struct image *old = &listing.images[0];
	ck_assert_str_eq(old->id, "0395cbd1606c2");
	ck_assert_uint_eq(old->name_count, 2);
	assert_name(old, 0, "localhost/whoami/web", "localhost/whoami/web", "1615571731");
	assert_name(old, 1, "localhost/whoami/web", "localhost/whoami/web", NULL);
	const struct image *new = &listing.images[1];
	ck_assert_str_eq(new->id, "42e9ee99555c9");
	ck_assert_uint_eq(new->name_count, 3);
	assert_name(new, 0, "localhost/whoami/web", "localhost/whoami/web", "1615571791");
	assert_name(new, 1, "localhost/other", "localhost/other", "stable");
	assert_name(new, 2, "localhost/whoami/web", "localhost/whoami/web", "latest");
	listing_free(&listing);
}
END_TEST

START_TEST(test_last_line_without_newline)
{
	size_t length;
	char *table = fixture_read("kim/cli-facts.txt", &length);
	ck_assert_int_eq(table[length - 1], '\n');
	struct listing listing;
	parse_ok(table, length - 1, &listing);
	free(table);
	ck_assert_uint_eq(listing.count, 2);
	assert_name(find_image(&listing, "813616d2279bb"), 0, "localhost/whoami/web", "localhost/whoami/web", NULL);
	listing_free(&listing);

	/* LENGTH, not a NUL, ends the text: a garbage row past it is not read. */
	static const char longer[] =
		"IMAGE                         TAG                 IMAGE ID            SIZE\n"
		"localhost/whoami/web          latest              11cb9ad2dda58       2.58MB\n"
		"garbage";
	parse_ok(longer, strlen(longer) - strlen("garbage"), &listing);
	ck_assert_uint_eq(listing.count, 1);
	listing_free(&listing);
}
END_TEST

START_TEST(test_header_only)
{
	static const char *const headers[] = {
		"IMAGE               TAG                 IMAGE ID            SIZE\n",
		"IMAGE               TAG                 IMAGE ID            SIZE",
		"IMAGE               TAG                 DIGEST              IMAGE ID            SIZE\n",
		"IMAGE                            TAG                 IMAGE ID            SIZE\n",
	};
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		struct listing listing = {(struct image *)&listing, 99};
		parse_ok(headers[i], strlen(headers[i]), &listing);
		ck_assert_uint_eq(listing.count, 0);
		ck_assert_ptr_null(listing.images);
		listing_free(&listing);
	}
}
END_TEST

struct malformed_case {
	const char *text;
	size_t line;
	const char *message; /* a part of the expected message */
};

#define HEADER "IMAGE               TAG                 IMAGE ID            SIZE\n"
#define DIGEST_HEADER "IMAGE               TAG                 DIGEST              IMAGE ID            SIZE\n"
#define GOOD_ROW "app                 latest              0123456789abc       2.58MB\n"

static const struct malformed_case malformed_cases[] = {
	{"", 1, "empty listing"},
	{"\n", 1, "blank line"},
	{"IMAGES              TAG                 IMAGE ID            SIZE\n", 1, "not the header"},
	{"image               tag                 image id            size\n", 1, "not the header"},
	{"IMAGE               TAG                 IMAGE  ID           SIZE\n", 1, "not the header"},
	{"IMAGE               TAG                 IMAGE ID            SIZE \n", 1, "not the header"},
	{" IMAGE              TAG                 IMAGE ID            SIZE\n", 1, "not the header"},
	{"IMAGE               TAG                 IMAGE ID\n", 1, "not the header"},
	{"IMAGE               TAG                 IMAGE ID            SIZE      CREATED\n", 1, "not the header"},
	{"IMAGE               DIGEST              TAG                 IMAGE ID            SIZE\n", 1, "not the header"},
	{"IMAGETAG IMAGE ID SIZE\n", 1, "not the header"},
	{"IMAGE               TAG                 IMAGE ID            SIZE\r\n", 1, "control character 0x0d"},
	{HEADER GOOD_ROW "\n", 3, "blank line"},
	{HEADER "\n" GOOD_ROW, 2, "blank line"},
	{HEADER GOOD_ROW "...\n", 3, "1 cells where the header has 4"},
	{HEADER "   \n", 2, "0 cells where the header has 4"},
	{HEADER GOOD_ROW "app                  latest             0123456789abc       2.58MB\n", 3,
	 "TAG cell starts at column 22, not at column 21"},
	{HEADER " app                latest              0123456789abc       2.58MB\n", 2,
	 "IMAGE cell starts at column 2, not at column 1"},
	{HEADER "app                 latest              0123456789abc      2.58MB\n", 2,
	 "SIZE cell starts at column 60, not at column 61"},
	{HEADER "app                 latest              0123456789abc       2.58MB   extra\n", 2,
	 "5 cells where the header has 4"},
	{HEADER "app                 latest              0123456789abc\n", 2, "3 cells where the header has 4"},
	{HEADER "app                 latest              0123456789abc       \n", 2, "3 cells where the header has 4"},
	{HEADER "app                 latest              0123456789abc       2.58MB \n", 2, "spaces after the last"},
	{HEADER "app                 latest              0123456789abc       2.58MB\r\n", 2, "control character 0x0d"},
	{HEADER "app                 latest              0123456789abc\t2.58MB\n", 2, "control character 0x09"},
	{HEADER GOOD_ROW "app                 latest              0123456789ab        2.58MB\n", 3, "invalid IMAGE ID"},
	{HEADER "app                 latest              0123456789abcd      2.58MB\n", 2, "invalid IMAGE ID"},
	{HEADER "app                 latest              0123456789ABC       2.58MB\n", 2, "invalid IMAGE ID"},
	{HEADER "app                 latest              0123456789abg       2.58MB\n", 2, "invalid IMAGE ID"},
	{HEADER "app                 latest              <none>              2.58MB\n", 2, "invalid IMAGE ID"},
	{HEADER GOOD_ROW "app                 latest              0123456789abc       2.58 MB\n", 3, "5 cells"},
	{HEADER "app                 latest              0123456789abc       2.58mb\n", 2, "invalid SIZE \"2.58mb\""},
	{HEADER "app                 latest              0123456789abc       2.58\n", 2, "invalid SIZE"},
	{HEADER "<none>              latest              0123456789abc       2.58MB\n", 2, "IMAGE <none> with a TAG"},
	{HEADER "MyApp               latest              0123456789abc       2.58MB\n", 2,
	 "invalid IMAGE \"MyApp\": repository name must be lower-case"},
	{HEADER "app-                latest              0123456789abc       2.58MB\n", 2,
	 "invalid IMAGE \"app-\": invalid repository name"},
	{HEADER "app:                <none>              0123456789abc       2.58MB\n", 2,
	 "invalid IMAGE \"app:\": invalid tag"},
	{HEADER "<none>:<none>       <none>              0123456789abc       2.58MB\n", 2, "invalid IMAGE"},
	{HEADER "errorName           errorRepoTag        0123456789abc       2.58MB\n", 2, "invalid IMAGE"},
	{HEADER "app                 -latest             0123456789abc       2.58MB\n", 2, "invalid TAG \"-latest\""},
	{HEADER "app:old             latest              0123456789abc       2.58MB\n", 2,
	 "names a tag or digest, yet TAG is not <none>"},
	{DIGEST_HEADER "app                 latest              sha256:xyz          0123456789abc       2.58MB\n", 2,
	 "invalid DIGEST"},
	{DIGEST_HEADER "app                 latest              1a7c8403393e        0123456789abc       2.58MB\n", 2,
	 "invalid DIGEST"},
	{DIGEST_HEADER "app                 latest              0123456789abc       2.58MB\n", 2,
	 "4 cells where the header has 5"},
	{HEADER "app                 latest              0123456789abc       2.58MB       0123456789abc\n", 2,
	 "5 cells"},
};

START_TEST(test_malformed_listing)
{
	const struct malformed_case *c = &malformed_cases[_i];
	struct listing listing = {(struct image *)&listing, 99};
	struct listing_error err = {0, ""};

	ck_assert_msg(parse(c->text, strlen(c->text), &listing, &err) == -1, "accepted: %s", c->text);
	ck_assert_uint_eq(err.line, c->line);
	ck_assert_msg(strstr(err.message, c->message), "message \"%s\" lacks \"%s\"", err.message, c->message);
	ck_assert_ptr_null(strchr(err.message, '\n'));
	ck_assert_ptr_null(listing.images);
	ck_assert_uint_eq(listing.count, 0);
}
END_TEST

START_TEST(test_nul_byte_rejected)
{
	static const char table[] = HEADER "app\0                latest              0123456789abc       2.58MB\n";
	struct listing listing;
	struct listing_error err = {0, ""};
	ck_assert_int_eq(parse(table, sizeof table - 1, &listing, &err), -1);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_ptr_nonnull(strstr(err.message, "control character 0x00 at column 4"));
}
END_TEST

#define SHORT_ROW {{"app", "latest", "0123456789abc", "2.58MB"}}
#define FULL_ROW {{"app", "latest", "sha256:" HEX64, "2.58MB"}}
#define SHORT_DIGEST_ROW {{"app", "latest", "1a7c8403393e0", "0123456789abc", "2.58MB"}}
#define FULL_DIGEST_ROW {{"app", "latest", "sha256:" OTHER_HEX64, "sha256:" HEX64, "2.58MB"}}

/* Cells too wide for the literal tables above: laid out by tabulate, the bad row is line 3. */
struct tabulated_case {
	struct cells good;
	struct cells bad;
	const char *message;
};

static const struct tabulated_case tabulated_cases[] = {
	{SHORT_ROW, {{"app", "v1", "sha256:0123456789abc", "2.58MB"}}, "invalid IMAGE ID"},
	{SHORT_ROW, {{"app", "v1", HEX64, "2.58MB"}}, "invalid IMAGE ID"},
	{FULL_ROW, {{"app", "v1", "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
		     "2.58MB"}}, "invalid IMAGE ID"},
	{FULL_ROW, {{"app", "v1", "sha512:" HEX64, "2.58MB"}}, "invalid IMAGE ID"},
	{FULL_ROW, {{"app", "v1", "sha256:" HEX64 "0", "2.58MB"}}, "invalid IMAGE ID"},
	{FULL_ROW, {{"app", "v1", "sha256:" OTHER_HEX64 "sha256:", "2.58MB"}}, "invalid IMAGE ID"},
	{SHORT_ROW, {{"app", "v1", "sha256:" HEX64, "2.58MB"}}, "is not truncated, unlike the IDs above it"},
	{FULL_ROW, {{"app", "v1", "0123456789abc", "2.58MB"}}, "is truncated, unlike the IDs above it"},
	{SHORT_ROW, {{"app@sha256:" HEX64, "latest", "0123456789abc", "2.58MB"}},
	 "names a tag or digest, yet TAG is not <none>"},
	{SHORT_ROW, {{"app:v1@sha256:" HEX64, "latest", "0123456789abc", "2.58MB"}},
	 "names a tag or digest, yet TAG is not <none>"},
	{SHORT_ROW, {{"app@sha256:0123", "<none>", "0123456789abc", "2.58MB"}}, "invalid digest"},
	{SHORT_DIGEST_ROW, {{"app", "v1", "sha256:" OTHER_HEX64, "0123456789abc", "2.58MB"}},
	 "DIGEST \"sha256:" OTHER_HEX64 "\" is not truncated"},
	{SHORT_DIGEST_ROW, {{"app", "v1", "sha256:xyz", "0123456789abc", "2.58MB"}}, "invalid DIGEST"},
	{SHORT_DIGEST_ROW, {{"app", "v1", "1a7c8403393e", "0123456789abc", "2.58MB"}}, "invalid DIGEST"},
	{SHORT_DIGEST_ROW, {{"app", "v1", "1A7C8403393E0", "0123456789abc", "2.58MB"}}, "invalid DIGEST"},
	{FULL_DIGEST_ROW, {{"app", "v1", OTHER_HEX64, "sha256:" HEX64, "2.58MB"}}, "invalid DIGEST"},
	{FULL_DIGEST_ROW, {{"app", "v1", "1a7c8403393e0", "sha256:" HEX64, "2.58MB"}},
	 "DIGEST \"1a7c8403393e0\" is truncated"},
	{FULL_DIGEST_ROW, {{"app", "v1", "<none>", "<none>", "2.58MB"}}, "invalid IMAGE ID"},
};

START_TEST(test_malformed_cell)
{
	const struct tabulated_case *c = &tabulated_cases[_i];
	struct cells rows[3] = {{{"IMAGE", "TAG", "IMAGE ID", "SIZE"}}, c->good, c->bad};
	if (c->good.cell[4])
		rows[0] = (struct cells){{"IMAGE", "TAG", "DIGEST", "IMAGE ID", "SIZE"}};
	struct text table = tabulate(rows, 3, 0);
	struct listing listing = {(struct image *)&listing, 99};
	struct listing_error err = {0, ""};

	ck_assert_msg(parse(table.bytes, table.length, &listing, &err) == -1, "accepted: %s", table.bytes);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_msg(strstr(err.message, c->message), "message \"%s\" lacks \"%s\"", err.message, c->message);
	ck_assert_ptr_null(listing.images);
	ck_assert_uint_eq(listing.count, 0);
	free(table.bytes);
}
END_TEST

static const char *const valid_sizes[] = {"0B", "1B", "812B", "999B", "1kB", "1.5kB", "3.54kB", "10.2MB", "10MB",
					  "100GB", "999TB", "1e+03kB", "1e+03MB", "9.22EB", "1PB", "1ZB", "1YB",
					  "2.58MB"};
static const char *const invalid_sizes[] = {"B", "kB", "2.58", "2.58mb", "2.58KB", "2.58Kb", "2.580MB", "2.50MB",
					    "02MB", "00B", "1000kB", "1.234MB", "12.34MB", "123.4MB", "2.MB", ".5MB",
					    "0.5kB", "-1B", "+1B", "1e+03", "1e+04kB", "1e3kB", "1E+03kB", "2.58MiB",
					    "2.58XB", "1,5MB", "MB2"};

static int parse_size(const char *size, struct listing_error *err)
{
	const struct cells rows[] = {
		{{"IMAGE", "TAG", "IMAGE ID", "SIZE"}},
		{{"app", "latest", "0123456789abc", size}},
	};
	struct text table = tabulate(rows, 2, 0);
	struct listing listing;
	int status = parse(table.bytes, table.length, &listing, err);
	free(table.bytes);
	if (status == 0)
		listing_free(&listing);
	return status;
}

START_TEST(test_sizes)
{
	struct listing_error err = {0, ""};
	for (size_t i = 0; i < sizeof valid_sizes / sizeof valid_sizes[0]; i++)
		ck_assert_msg(parse_size(valid_sizes[i], &err) == 0, "%s: %s", valid_sizes[i], err.message);
	for (size_t i = 0; i < sizeof invalid_sizes / sizeof invalid_sizes[0]; i++) {
		ck_assert_msg(parse_size(invalid_sizes[i], &err) == -1, "accepted size %s", invalid_sizes[i]);
		ck_assert_uint_eq(err.line, 2);
		ck_assert_ptr_nonnull(strstr(err.message, "invalid SIZE"));
	}
}
END_TEST

static char *long_name(const char *prefix, size_t length)
{
	char *name = malloc(length + 1);
	ck_assert_ptr_nonnull(name);
	size_t prefix_length = strlen(prefix);
	memcpy(name, prefix, prefix_length);
	memset(name + prefix_length, 'a', length - prefix_length);
	name[length] = '\0';
	return name;
}

START_TEST(test_four_kib_lines)
{
	/* Columns as wide as a listing with longer names would make them: every line exceeds 4 KiB. */
	char *longest = long_name("localhost/", 255);
	const struct cells rows[] = {
		{{"IMAGE", "TAG", "IMAGE ID", "SIZE"}},
		{{longest, "latest", "0123456789abc", "2.58MB"}},
		{{"app", "<none>", "fedcba9876543", "812B"}},
	};
	struct text table = tabulate(rows, 3, 4200);
	ck_assert_uint_gt(table.length, 3 * 4200);
	struct listing listing;
	parse_ok(table.bytes, table.length, &listing);
	ck_assert_uint_eq(listing.count, 2);
	assert_name(find_image(&listing, "0123456789abc"), 0, longest, longest, "latest");
	assert_name(find_image(&listing, "fedcba9876543"), 0, "docker.io/library/app", "app", NULL);
	listing_free(&listing);
	free(table.bytes);
	free(longest);
}
END_TEST

START_TEST(test_four_kib_name_rejected)
{
	char *name = long_name("localhost/", 4096);
	const struct cells rows[] = {
		{{"IMAGE", "TAG", "IMAGE ID", "SIZE"}},
		{{"app", "latest", "0123456789abc", "2.58MB"}},
		{{name, "latest", "fedcba9876543", "2.58MB"}},
	};
	struct text table = tabulate(rows, 3, 0);
	struct listing listing;
	struct listing_error err = {0, ""};
	ck_assert_int_eq(parse(table.bytes, table.length, &listing, &err), -1);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_ptr_nonnull(strstr(err.message, "name longer than 255 characters"));
	ck_assert_ptr_nonnull(strstr(err.message, "...\""));
	free(table.bytes);
	free(name);
}
END_TEST

#define BIG_ROWS 100000
#define BIG_IMAGES 50000
#define BIG_REPOSITORIES 7

/* Distinct 13-digit IDs in no particular order: an odd multiplier permutes numbers modulo 2^52. */
static void big_id(size_t image, char *id)
{
	unsigned long long mixed = ((unsigned long long)image * 2654435761ULL) & 0xfffffffffffffULL;
	snprintf(id, 14, "%013llx", mixed);
}

/* Row R lists image R % BIG_IMAGES, so the two rows of an image lie 50,000 lines apart. */
START_TEST(test_hundred_thousand_rows)
{
	static char images[BIG_ROWS][32], tags[BIG_ROWS][32], ids[BIG_ROWS][14];
	struct cells *rows = malloc((BIG_ROWS + 1) * sizeof *rows);
	ck_assert_ptr_nonnull(rows);
	rows[0] = (struct cells){{"IMAGE", "TAG", "IMAGE ID", "SIZE"}};
	for (size_t r = 0; r < BIG_ROWS; r++) {
		size_t image = r % BIG_IMAGES;
		bool first = r < BIG_IMAGES;
		snprintf(images[r], sizeof images[r], "localhost/app%zu%s", image % BIG_REPOSITORIES,
			 first ? "" : ":old");
		snprintf(tags[r], sizeof tags[r], first ? "t%zu" : "<none>", r);
		big_id(image, ids[r]);
		rows[r + 1] = (struct cells){{images[r], tags[r], ids[r], "2.58MB"}};
	}
	struct text table = tabulate(rows, BIG_ROWS + 1, 0);
	free(rows);

	struct listing listing;
	parse_ok(table.bytes, table.length, &listing);
	free(table.bytes);
	ck_assert_uint_eq(listing.count, BIG_IMAGES);
	assert_sorted_and_kim_like(&listing);
	static const size_t samples[] = {0, 1, 12345, 31337, BIG_IMAGES - 1};
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		size_t image = samples[i];
		char id[14], repository[32], tag[32];
		big_id(image, id);
		snprintf(repository, sizeof repository, "localhost/app%zu", image % BIG_REPOSITORIES);
		snprintf(tag, sizeof tag, "t%zu", image);
		const struct image *found = find_image(&listing, id);
		ck_assert_uint_eq(found->name_count, 2);
		assert_name(found, 0, repository, repository, tag);
		assert_name(found, 1, repository, repository, NULL);
	}
	listing_free(&listing);
}
END_TEST

#define THIRD_HEX64 "00000000000000000000000000000000000000000000000000000000000000aa"

/* A build's tags moved onto an early listing (taken under the build): the old latest keeps its
 * name as one it lost, or only its other tags; the new image is added, with the tags alone; a tag
 * already on the image stays as it is; no reference with a tag moves nothing. */
START_TEST(test_move_tag_as_the_build_did)
{
	static const struct cells rows[] = {
		{{"IMAGE", "TAG", "IMAGE ID", "SIZE"}},
		{{"localhost/whoami/web", "latest", "sha256:" HEX64, "2.58MB"}},
	};
	struct listing listing;
	parse_table(rows, sizeof rows / sizeof rows[0], &listing);
	ck_assert_int_eq(listing_move_tag(&listing, "localhost/whoami/web:new", THIRD_HEX64), 0);
	ck_assert_int_eq(listing_move_tag(&listing, "localhost/whoami/web:latest", THIRD_HEX64), 0);
	ck_assert_uint_eq(listing.count, 2);
	assert_sorted_and_kim_like(&listing);
	const struct image *added = find_image(&listing, THIRD_HEX64);
	ck_assert_uint_eq(added->name_count, 2);
	ck_assert_int_eq(added->size, -1);
	assert_name(added, 0, "localhost/whoami/web", "localhost/whoami/web", "new");
	assert_name(added, 1, "localhost/whoami/web", "localhost/whoami/web", "latest");
	const struct image *old = find_image(&listing, HEX64);
	ck_assert_uint_eq(old->name_count, 1);
	assert_name(old, 0, "localhost/whoami/web", "localhost/whoami/web", NULL);
	ck_assert_ptr_eq(listing_find_tagged(&listing, "localhost/whoami/web", "latest"), added);
	/* Moved again onto the image that has it: nothing changes. */
	ck_assert_int_eq(listing_move_tag(&listing, "localhost/whoami/web:latest", THIRD_HEX64), 0);
	ck_assert_uint_eq(find_image(&listing, THIRD_HEX64)->name_count, 2);
	ck_assert_int_eq(listing_move_tag(&listing, "localhost/whoami/web", THIRD_HEX64), -1);
	ck_assert_int_eq(listing_move_tag(&listing, "Not A Reference:x", THIRD_HEX64), -1);
	listing_free(&listing);

	/* An old latest with another tag keeps that one only; a listed image whose ID the build gave
	 * back (an identical rebuild) gains the tag beside the name it had lost. */
	static const struct cells tagged[] = {
		{{"IMAGE", "TAG", "IMAGE ID", "SIZE"}},
		{{"localhost/whoami/web", "old", "sha256:" OTHER_HEX64, "2.58MB"}},
		{{"localhost/whoami/web", "latest", "sha256:" OTHER_HEX64, "2.58MB"}},
		{{"localhost/whoami/web:latest", "<none>", "sha256:" HEX64, "2.58MB"}},
	};
	parse_table(tagged, sizeof tagged / sizeof tagged[0], &listing);
	ck_assert_int_eq(listing_move_tag(&listing, "localhost/whoami/web:latest", HEX64), 0);
	ck_assert_uint_eq(listing.count, 2);
	old = find_image(&listing, OTHER_HEX64);
	ck_assert_uint_eq(old->name_count, 1);
	assert_name(old, 0, "localhost/whoami/web", "localhost/whoami/web", "old");
	const struct image *back = find_image(&listing, HEX64);
	ck_assert_uint_eq(back->name_count, 2);
	assert_name(back, 0, "localhost/whoami/web", "localhost/whoami/web", NULL);
	assert_name(back, 1, "localhost/whoami/web", "localhost/whoami/web", "latest");
	listing_free(&listing);
}
END_TEST

/* The new image's ID in kim's build output: the last export line, in either progress form, or the
 * lone ID of -q; none in a RUN step's output, in a line whose ID is cut short, or in a console's. */
START_TEST(test_kim_build_id)
{
	static const char plain[] = " => [internal] load build definition from Dockerfile\n"
				    " => => exporting config sha256:" OTHER_HEX64 "\n"
				    " => exporting to image\n"
				    " => => exporting layers\n"
				    " => => exporting config sha256:" HEX64 " 0.0s\n"
				    " => => naming to localhost/whoami/web:latest\n";
	const char *id = listing_kim_build_id(plain, sizeof plain - 1);
	ck_assert_ptr_nonnull(id);
	ck_assert_int_eq(strncmp(id, HEX64, 64), 0);
	static const char numbered[] = "#8 exporting layers done\n#8 exporting config sha256:" HEX64 " done\n";
	id = listing_kim_build_id(numbered, sizeof numbered - 1);
	ck_assert_ptr_nonnull(id);
	ck_assert_int_eq(strncmp(id, HEX64, 64), 0);
	static const char quiet[] = "sha256:" HEX64 "\n";
	id = listing_kim_build_id(quiet, sizeof quiet - 1);
	ck_assert_ptr_nonnull(id);
	ck_assert_int_eq(strncmp(id, HEX64, 64), 0);
	static const char *const none[] = {
		"",
		"#5 0.312 exporting config sha256:" HEX64 "\n",
		" => => exporting config sha256:" HEX64 "0\n",
		" => => exporting config sha256:0123456789abc\n",
		"echo => => exporting config sha256:" HEX64 "\n",
		"step\nsha256:" HEX64 "\n",
		" => => exporting config sha256:" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n",
	};
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
		ck_assert_msg(listing_kim_build_id(none[i], strlen(none[i])) == NULL, "an ID read from case %zu", i);
}
END_TEST

Suite *listing_suite(void)
{
	Suite *suite = suite_create("listing");
	TCase *forms = tcase_create("forms");
	tcase_add_test(forms, test_human_sizes);
	tcase_add_test(forms, test_internal_names);
	tcase_add_test(forms, test_original_report_listing);
	tcase_add_test(forms, test_report_with_elision_is_rejected);
	tcase_add_test(forms, test_facts_file_listing);
	tcase_add_test(forms, test_every_row_form);
	tcase_add_test(forms, test_no_trunc_ids);
	tcase_add_test(forms, test_digests_column);
	tcase_add_test(forms, test_multi_tag_images_grouped_in_listing_order);
	tcase_add_test(forms, test_last_line_without_newline);
	tcase_add_test(forms, test_header_only);
	tcase_add_test(forms, test_sizes);
	tcase_add_test(forms, test_move_tag_as_the_build_did);
	tcase_add_test(forms, test_kim_build_id);
	suite_add_tcase(suite, forms);

	TCase *malformed = tcase_create("malformed");
	tcase_add_loop_test(malformed, test_malformed_listing, 0, sizeof malformed_cases / sizeof malformed_cases[0]);
	tcase_add_loop_test(malformed, test_malformed_cell, 0, sizeof tabulated_cases / sizeof tabulated_cases[0]);
	tcase_add_test(malformed, test_nul_byte_rejected);
	suite_add_tcase(suite, malformed);

	TCase *limits = tcase_create("limits");
	tcase_add_test(limits, test_four_kib_lines);
	tcase_add_test(limits, test_four_kib_name_rejected);
	suite_add_tcase(suite, limits);

	TCase *scale = tcase_create("scale");
	/* Under valgrind 100,000 rows take 20 s: make check runs it under the sanitizers only. */
	tcase_set_tags(scale, UNIT_EXPENSIVE_TAG);
	tcase_set_timeout(scale, 120);
	tcase_add_test(scale, test_hundred_thousand_rows);
	suite_add_tcase(suite, scale);
	return suite;
}
