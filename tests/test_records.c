/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "listing.h"
#include "records.h"
#include "suites.h"

#define ID_A TEST_ID("a")
#define ID_B TEST_ID("b")
#define ID_C TEST_ID("c")
#define ID_D TEST_ID("d")
#define ID_E TEST_ID("e")

static const char R[] = "docker.io/library/app";
static const char STORE[] = "docker\n-H\nunix:///run/x.sock\n";

static char state[] = "/tmp/kimb-test-provenance-XXXXXX";
static struct message why;
static struct record record;

static void setup(void)
{
	strcpy(state + strlen(state) - 6, "XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(state));
	record = (struct record){0};
}

static void teardown(void)
{
	record_free(&record);
	message_free(&why);
	ck_assert_int_eq(remove_tree(state), 0);
}

static void assert_state_directory(const char *expected)
{
	char *directory = records_state_directory(test_snapshot());
	if (!expected) {
		ck_assert_ptr_null(directory);
		return;
	}
	ck_assert_ptr_nonnull(directory);
	ck_assert_str_eq(directory, expected);
	free(directory);
}

START_TEST(test_state_directory)
{
	test_environment[0] = "HOME=/home/u";
	test_environment[1] = NULL;
	assert_state_directory("/home/u/.local/state/kimb");
	test_environment[1] = "XDG_STATE_HOME=/x/state";
	test_environment[2] = NULL;
	assert_state_directory("/x/state/kimb");
	test_environment[2] = "KIMB_STATE_DIR=/k";
	test_environment[3] = NULL;
	assert_state_directory("/k");
	/* Relative or empty values are no place: the next one counts. */
	test_environment[0] = "HOME=relative";
	test_environment[1] = "XDG_STATE_HOME=";
	test_environment[2] = "KIMB_STATE_DIR=also/relative";
	assert_state_directory(NULL);
	test_environment[0] = NULL;
	assert_state_directory(NULL);
}
END_TEST

START_TEST(test_store_key)
{
	static const char *const words[] = {"-H", "unix:///a"};
	static const char *const variables[] = {"DOCKER_HOST", "DOCKER_CONTEXT", NULL};

	test_environment[0] = "DOCKER_HOST=tcp://h:2375";
	test_environment[1] = NULL;
	char *key = records_store_key("docker", words, 2, variables, test_snapshot());
	ck_assert_ptr_nonnull(key);
	ck_assert_str_eq(key, "docker\n-H\nunix:///a\nDOCKER_HOST\ntcp://h:2375\nDOCKER_CONTEXT\n\n");
	free(key);
	test_environment[0] = NULL;
	key = records_store_key("docker", words, 0, variables, test_snapshot());
	ck_assert_ptr_nonnull(key);
	ck_assert_str_eq(key, "docker\nDOCKER_HOST\n\nDOCKER_CONTEXT\n\n");
	free(key);
}
END_TEST

static void load(const char *store, const char *repository)
{
	record_free(&record);
	message_free(&why);
	record_load(state, store, repository, &record, &why);
}

static void save(void)
{
	ck_assert_msg(record_save(&record, &why) == 0, "%s", why.text);
	ck_assert(!record.changed);
}

START_TEST(test_record_round_trip)
{
	char *chain[] = {ID_C, ID_D};

	load(STORE, R);
	ck_assert_ptr_null(why.text);
	ck_assert_uint_eq(record.count, 0);
	record_add(&record, ID_A, chain, 2, -1);
	record_add(&record, ID_B, NULL, 0, -1);
	record_add(&record, ID_A, NULL, 0, -1);
	ck_assert_uint_eq(record.count, 2);
	save();

	load(STORE, R);
	ck_assert_ptr_null(why.text);
	ck_assert_uint_eq(record.count, 2);
	const struct built_image *a = record_find(&record, ID_A);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->intermediate_count, 2);
	ck_assert_str_eq(a->intermediates[0], ID_C);
	ck_assert_str_eq(a->intermediates[1], ID_D);
	ck_assert_ptr_nonnull(record_find(&record, ID_B));
	ck_assert_ptr_null(record_find(&record, ID_C));

	/* The file is the user's alone. */
	struct stat status;
	ck_assert_int_eq(stat(record.path, &status), 0);
	ck_assert_int_eq(status.st_mode & 0077, 0);

	/* Another store, or another repository, has a record of its own. */
	load("podman\n", R);
	ck_assert_uint_eq(record.count, 0);
	load(STORE, "docker.io/library/other");
	ck_assert_uint_eq(record.count, 0);
}
END_TEST

/* Reads the record's file whole. Malloc'd. */
static char *record_text(void)
{
	FILE *file = fopen(record.path, "r");
	ck_assert_ptr_nonnull(file);
	char *text = calloc(1, 65536);
	ck_assert_ptr_nonnull(text);
	size_t length = fread(text, 1, 65535, file);
	ck_assert_int_eq(fclose(file), 0);
	text[length] = '\0';
	return text;
}

/* Version 2 holds the time of each build ("-" unknown); version 1, which held none, is still read,
 * its times unknown. */
START_TEST(test_record_keeps_build_times)
{
	char *chain[] = {ID_C};
	load(STORE, R);
	record_add(&record, ID_A, chain, 1, 1764900000);
	record_add(&record, ID_B, NULL, 0, -1);
	record_add(&record, ID_A, NULL, 0, 1764999999);
	save();
	char *text = record_text();
	ck_assert_msg(strncmp(text, "kimb-record 2\n", 14) == 0, "%s", text);
	ck_assert_msg(strstr(text, "\n1764900000 " ID_A " " ID_C "\n"), "%s", text);
	ck_assert_msg(strstr(text, "\n- " ID_B "\n"), "%s", text);

	load(STORE, R);
	ck_assert_ptr_null(why.text);
	ck_assert_uint_eq(record.count, 2);
	ck_assert_int_eq(record_find(&record, ID_A)->built, 1764900000);
	ck_assert_uint_eq(record_find(&record, ID_A)->intermediate_count, 1);
	ck_assert_int_eq(record_find(&record, ID_B)->built, -1);

	/* The same record as version 1 wrote it. */
	char *header_end = strstr(text, "\n1764900000 ");
	ck_assert_ptr_nonnull(header_end);
	header_end[1] = '\0';
	text[12] = '1';
	FILE *file = fopen(record.path, "w");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_ge(fprintf(file, "%s%s %s\n%s\n", text, ID_A, ID_C, ID_B), 0);
	ck_assert_int_eq(fclose(file), 0);
	free(text);
	load(STORE, R);
	ck_assert_ptr_null(why.text);
	ck_assert_uint_eq(record.count, 2);
	ck_assert_int_eq(record_find(&record, ID_A)->built, -1);
	ck_assert_str_eq(record_find(&record, ID_A)->intermediates[0], ID_C);
	ck_assert_int_eq(record_find(&record, ID_B)->built, -1);

	/* Lines of version 1 under the header of version 2 are no record kimb wrote. */
	text = record_text();
	text[12] = '2';
	file = fopen(record.path, "w");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_ge(fputs(text, file), 0);
	ck_assert_int_eq(fclose(file), 0);
	free(text);
	load(STORE, R);
	ck_assert_uint_eq(record.count, 0);
	ck_assert_ptr_nonnull(why.text);
}
END_TEST

START_TEST(test_record_forgets_what_is_gone)
{
	load(STORE, R);
	record_add(&record, ID_A, NULL, 0, -1);
	record_add(&record, ID_B, NULL, 0, -1);
	record_add(&record, ID_C, NULL, 0, -1);
	save();
	record_forget(&record, ID_B);
	ck_assert(record.changed);
	ck_assert_ptr_null(record_find(&record, ID_B));

	/* A listing that shows only C: A is forgotten too. */
	struct image images[] = {{.id = ID_C}};
	struct listing listing = {images, 1};
	record_keep_listed(&record, &listing);
	ck_assert_uint_eq(record.count, 1);
	ck_assert_ptr_nonnull(record_find(&record, ID_C));
	save();

	/* An empty record leaves no file. */
	char *path = strdup(record.path);
	ck_assert_ptr_nonnull(path);
	record_forget(&record, ID_C);
	save();
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
	free(path);
}
END_TEST

/* Writes TEXT over the record's file, with MODE. */
static void overwrite(const char *text, mode_t mode)
{
	load(STORE, R);
	record_add(&record, ID_A, NULL, 0, -1);
	save();
	FILE *file = fopen(record.path, "w");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_ge(fputs(text, file), 0);
	ck_assert_int_eq(fclose(file), 0);
	ck_assert_int_eq(chmod(record.path, mode), 0);
}

static void assert_ignored(const char *says)
{
	load(STORE, R);
	ck_assert_uint_eq(record.count, 0);
	ck_assert_msg(strstr(why.text, "ignoring the record") && strstr(why.text, says), "\"%s\" does not say \"%s\"",
		      why.text, says);
	ck_assert_ptr_null(strchr(why.text, '\n'));
}

/* A record that others may have written, or that is not what kimb writes, is not trusted at all. */
START_TEST(test_untrusted_records_are_ignored)
{
	overwrite("kimb-record 1\n", 0600);
	assert_ignored("not a record kimb wrote");

	load(STORE, R);
	record_add(&record, ID_A, NULL, 0, -1);
	save();
	ck_assert_int_eq(chmod(record.path, 0622), 0);
	assert_ignored("only you may write");

	ck_assert_int_eq(chmod(record.path, 0600), 0);
	FILE *file = fopen(record.path, "a");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_ge(fputs("not an id\n", file), 0);
	ck_assert_int_eq(fclose(file), 0);
	assert_ignored("not a record kimb wrote");

	overwrite("", 0600);
	assert_ignored("not a record kimb wrote");
}
END_TEST

/* Without a state directory nothing is read or written, and nothing fails. */
START_TEST(test_no_state_directory)
{
	record_load(NULL, STORE, R, &record, &why);
	ck_assert_ptr_null(why.text);
	record_add(&record, ID_A, NULL, 0, -1);
	ck_assert_int_eq(record_save(&record, &why), 0);
}
END_TEST

START_TEST(test_state_directory_is_made_for_the_user_alone)
{
	char nested[PATH_MAX];
	snprintf(nested, sizeof nested, "%s/deeper/kimb", state);
	record_load(nested, STORE, R, &record, &why);
	record_add(&record, ID_A, NULL, 0, -1);
	save();
	struct stat status;
	ck_assert_int_eq(stat(nested, &status), 0);
	ck_assert_int_eq(status.st_mode & 0777, 0700);
}
END_TEST

/* --- the records of a run ---------------------------------------------------------------------- */

static const char OTHER[] = "localhost/other";
static struct records records;

/* Loads the records of R and OTHER from the state directory. */
static void load_run(void)
{
	char variable[PATH_MAX + 32];
	snprintf(variable, sizeof variable, "KIMB_STATE_DIR=%s", state);
	test_environment[0] = variable;
	test_environment[1] = NULL;
	records_free(&records);
	records_load(test_snapshot(), STORE, (const char *const[]){R, OTHER}, 2, &records);
	test_environment[0] = NULL;
}

/* The listing right after a build of A for R:2026 on B, an untagged step on C, the tagged base. */
static struct listing built_listing(void)
{
	struct listing listing = test_listing(3);
	struct image *images = listing.images;
	images[0] = (struct image){.id = strdup(ID_A), .names = test_names(R, "2026"), .name_count = 1,
				   .parent_known = true, .parent = strdup(ID_B)};
	images[1] = (struct image){.id = strdup(ID_B), .parent_known = true, .parent = strdup(ID_C)};
	images[2] = (struct image){.id = strdup(ID_C), .names = test_names("localhost/base", "v1"), .name_count = 1,
				   .parent_known = true};
	return listing;
}

/* A build is recorded for every repository of the run, with its intermediates, and read back. */
START_TEST(test_a_build_is_recorded_for_every_repository)
{
	struct listing listing = built_listing();
	load_run();
	ck_assert_str_eq(records.state_directory, state);
	ck_assert_uint_eq(records.count, 2);
	records_add_build(&records, "2026", ID_A, &listing, 1000);
	records_save(&records);
	load_run();
	for (size_t i = 0; i < records.count; i++) {
		const struct built_image *built = record_find(&records.of[i], ID_A);
		ck_assert_ptr_nonnull(built);
		ck_assert_uint_eq(built->intermediate_count, 1);
		ck_assert_str_eq(built->intermediates[0], ID_B);
	}
	ck_assert_str_eq(records.of[1].repository, OTHER);

	/* Forgotten in one repository's record, the image stays in the other's. */
	records_forget(&records, 1, ID_A);
	records_forget(&records, 2, ID_A); /* no such repository: nothing */
	records_save(&records);
	load_run();
	ck_assert_ptr_nonnull(record_find(&records.of[0], ID_A));
	ck_assert_ptr_null(record_find(&records.of[1], ID_A));
	listing_free(&listing);
}
END_TEST

/* Where the builder did not say which image it built, the unique tag in the listing does; where
 * neither does, nothing is recorded. */
START_TEST(test_the_listing_names_the_build_the_builder_did_not)
{
	struct listing listing = built_listing();
	load_run();
	records_add_build(&records, "2026", NULL, &listing, 1000);
	ck_assert_ptr_nonnull(record_find(&records.of[0], ID_A));
	ck_assert_ptr_nonnull(record_find(&records.of[1], ID_A));
	records_free(&records);

	load_run();
	records_add_build(&records, "1999", NULL, &listing, 1000);
	records_add_build(&records, "2026", NULL, NULL, 1000);
	ck_assert_uint_eq(records.of[0].count, 0);
	ck_assert_uint_eq(records.of[1].count, 0);
	/* Without the listing, the image alone, with no intermediates. */
	records_add_build(&records, "2026", ID_A, NULL, 1000);
	ck_assert_uint_eq(record_find(&records.of[0], ID_A)->intermediate_count, 0);
	listing_free(&listing);
}
END_TEST

/* Where the builder keeps no records of images, none is added or written; the tags kimb issued
 * are, for every builder. */
START_TEST(test_issued_tags_are_recorded_for_each_repository)
{
	load_run();
	records_add_tag(&records, "2026");
	records_add_tag(&records, NULL);
	records_save(&records);
	load_run();
	ck_assert_uint_eq(records.of[1].tag_count, 1);
	ck_assert_int_eq(record_tag_index(&records.of[0], "2026"), 0);
}
END_TEST

/* Issued tags are read back in the order they were issued, forgotten when taken off or when no
 * image carries them under the repository; a record of tags alone is a record. */
START_TEST(test_issued_tags_round_trip)
{
	load(STORE, R);
	record_add_tag(&record, "20261201.100000");
	record_add_tag(&record, "v1");
	record_add_tag(&record, "20261201.110000");
	record_add_tag(&record, "v1");
	ck_assert_uint_eq(record.tag_count, 3);
	save();
	load(STORE, R);
	ck_assert_ptr_null(why.text);
	ck_assert_uint_eq(record.tag_count, 3);
	ck_assert_int_eq(record_tag_index(&record, "20261201.100000"), 0);
	ck_assert_int_eq(record_tag_index(&record, "v1"), 1);
	ck_assert_int_eq(record_tag_index(&record, "20261201.110000"), 2);
	ck_assert_int_eq(record_tag_index(&record, "latest"), -1);
	ck_assert(!record.changed);

	record_forget_tag(&record, "v1");
	ck_assert_int_eq(record_tag_index(&record, "20261201.110000"), 1);
	struct listing listing = test_listing(1);
	listing.images[0] = (struct image){.id = strdup(ID_A), .names = test_names(R, "20261201.110000"),
					   .name_count = 1};
	record_keep_listed(&record, &listing);
	ck_assert_uint_eq(record.tag_count, 1);
	ck_assert_str_eq(record.tags[0], "20261201.110000");
	save();
	listing_free(&listing);
	listing = test_listing(0);
	record_keep_listed(&record, &listing);
	ck_assert_uint_eq(record.tag_count, 0);
	save();
	ck_assert_int_eq(access(record.path, F_OK), -1);
	listing_free(&listing);
}
END_TEST

/* A tag line that is no tag is not a record kimb wrote. */
START_TEST(test_a_record_with_a_bad_tag_line_is_ignored)
{
	load(STORE, R);
	record_add_tag(&record, "v1");
	save();
	FILE *file = fopen(record.path, "a");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_ge(fputs("tag no/tag\n", file), 0);
	ck_assert_int_eq(fclose(file), 0);
	load(STORE, R);
	ck_assert_ptr_nonnull(why.text);
	ck_assert_uint_eq(record.tag_count, 0);
}
END_TEST

/* Images gone from the listing are forgotten in every record; a nameless one kimb built gets back
 * the name of the first repository it was built for (once named, it is nameless no more: one plan
 * decides for it). */
START_TEST(test_a_run_attributes_and_forgets_by_the_listing)
{
	struct listing listing = test_listing(1);
	listing.images[0] = (struct image){.id = strdup(ID_A)};
	load_run();
	records_add_build(&records, "2026", ID_A, NULL, 1000);
	records_add_build(&records, "2027", ID_B, NULL, 1000);
	records_attribute(&records, &listing, false);
	ck_assert_uint_eq(listing.images[0].name_count, 1);
	ck_assert_str_eq(listing.images[0].names[0].repository, R);
	ck_assert_ptr_null(listing.images[0].names[0].tag);

	records_keep_listed(&records, &listing);
	for (size_t i = 0; i < records.count; i++) {
		ck_assert_ptr_nonnull(record_find(&records.of[i], ID_A));
		ck_assert_ptr_null(record_find(&records.of[i], ID_B));
	}
	listing_free(&listing);
}
END_TEST

static void teardown_run(void)
{
	records_free(&records);
	teardown();
}

Suite *records_suite(void)
{
	Suite *suite = suite_create("records");
	TCase *tc = tcase_create("record");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_state_directory);
	tcase_add_test(tc, test_store_key);
	tcase_add_test(tc, test_record_round_trip);
	tcase_add_test(tc, test_record_keeps_build_times);
	tcase_add_test(tc, test_record_forgets_what_is_gone);
	tcase_add_test(tc, test_issued_tags_round_trip);
	tcase_add_test(tc, test_a_record_with_a_bad_tag_line_is_ignored);
	tcase_add_test(tc, test_untrusted_records_are_ignored);
	tcase_add_test(tc, test_no_state_directory);
	tcase_add_test(tc, test_state_directory_is_made_for_the_user_alone);
	suite_add_tcase(suite, tc);
	TCase *run = tcase_create("run");
	tcase_add_checked_fixture(run, setup, teardown_run);
	tcase_add_test(run, test_a_build_is_recorded_for_every_repository);
	tcase_add_test(run, test_the_listing_names_the_build_the_builder_did_not);
	tcase_add_test(run, test_issued_tags_are_recorded_for_each_repository);
	tcase_add_test(run, test_a_run_attributes_and_forgets_by_the_listing);
	suite_add_tcase(suite, run);
	return suite;
}
