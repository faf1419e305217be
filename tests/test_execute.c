/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "array.h"
#include "execute.h"
#include "suites.h"
#include "xalloc.h"

/* Plans are built by hand, so that the execution is tested apart from the planner, and carried out
 * against a recorder in the builder's place: the session's executable is "sh" and its global flags
 * "-c SCRIPT recorder", so that a call "sh -c SCRIPT recorder image rm TARGET" logs "image rm
 * TARGET" as it starts and "ended TARGET" as it ends, and does what the test's rule for TARGET
 * says. A call is made only once the calls it waits for have ended: its start line comes after
 * their end lines. */

/* In ascending order: listing_find searches the listing by bisection. */
#define OLD_ID TEST_ID("1")
#define OTHER_ID TEST_ID("2")
#define THIRD_ID TEST_ID("3")
#define FOURTH_ID TEST_ID("4")
#define FIRST_INTERMEDIATE_ID TEST_ID("5")
#define SECOND_INTERMEDIATE_ID TEST_ID("6")
#define OTHER_INTERMEDIATE_ID TEST_ID("7")
#define UNLISTED_ID TEST_ID("f")

/* The log lines of a call that takes TARGET (kim's and docker's removal command), and of its end. */
#define CALL(target) "image rm " target
#define ENDED(target) "ended " target

#define MAX_IMAGES 8
#define MAX_DECISIONS 8
#define MAX_RULES 8

/* Far more than any call of the recorder takes; a call left waiting for a release that never
 * comes (an execution gone wrong) is stopped by it, before Check's own limit. */
#define CALL_LIMIT_SECONDS 20.0

static struct image images[MAX_IMAGES];
static struct listing listing;
static struct plan plan;

/* What the recorder does when a call takes TARGET, besides logging it. */
struct rule {
	const char *target;
	const char *output;      /* written on stdout, the builder's account of the call; or NULL */
	const char *said;        /* written on stderr, its warnings and errors; or NULL */
	int status;              /* the exit status */
	const char *signal_name; /* killed by this signal ("KILL") instead, when not NULL */
	bool waits;              /* holds until a call that releases comes */
	bool releases;
	/* Writes more on stdout than a pipe holds, and so ends only once kimb reads it: once kimb
	 * has started every call it would make beside this one. */
	bool floods;
};
static struct rule rules[MAX_RULES];
static size_t rule_count;

/* The lines of the log, once execute_plan has returned. */
static char **log_lines;
static size_t log_count;

/* The suite's directory (make_suite_directory), and each test's own in it, for the log and the FIFO
 * a waiting call holds on. */
static char *suite_directory, *directory, *log_path, *fifo_path;

static void begin_suite(void)
{
	suite_directory = make_suite_directory("execute-tests");
}

static void end_suite(void)
{
	remove_suite_directory(suite_directory);
}

static void setup(void)
{
	memset(images, 0, sizeof images);
	listing = (struct listing){.images = images, .count = 0};
	plan = (struct plan){.decisions = xcalloc(MAX_DECISIONS, sizeof *plan.decisions)};
	rule_count = 0;
	log_lines = NULL;
	log_count = 0;
	directory = make_temporary_directory(suite_directory, "test");
	ck_assert_ptr_nonnull(directory);
	log_path = xprintf("%s/log", directory);
	fifo_path = xprintf("%s/fifo", directory);
	ck_assert_int_eq(mkfifo(fifo_path, 0600), 0);
}

static void teardown(void)
{
	plan_free(&plan);
	for (size_t i = 0; i < log_count; i++)
		free(log_lines[i]);
	free(log_lines);
	ck_assert_int_eq(remove_tree(directory), 0);
	free(directory);
	free(log_path);
	free(fifo_path);
}

/* Lists the COUNT images IDS, in ascending order, their sizes unknown. */
static void add_images(char *const *ids, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		ck_assert_uint_lt(listing.count, MAX_IMAGES);
		if (listing.count)
			ck_assert_int_lt(strcmp(images[listing.count - 1].id, ids[i]), 0);
		images[listing.count++] = (struct image){.id = ids[i], .containers = -1, .size = -1};
	}
}

#define ADD_IMAGES(...) \
	add_images((char *const[]){__VA_ARGS__}, sizeof((char *const[]){__VA_ARGS__}) / sizeof(char *))

static struct image *image_of(const char *id)
{
	struct image *image = listing_find(&listing, id);
	ck_assert_ptr_nonnull(image);
	return image;
}

/* Adds a pending decision of REPOSITORY about image ID for REASON: it takes off the names NAMES
 * (separated by spaces; NULL for none) in order, then removes the image when REMOVE. */
static struct decision *decide(size_t repository, const char *id, enum reason reason, const char *names, bool remove)
{
	ck_assert_uint_lt(plan.count, MAX_DECISIONS);
	struct decision *decision = &plan.decisions[plan.count++];
	*decision = (struct decision){
		.repository = repository, .image = image_of(id), .reason = reason, .remove = remove, .fate = FATE_PENDING};
	for (const char *name = names; name && *name;) {
		size_t length = strcspn(name, " ");
		char *copy = xstrndup(name, length);
		array_append(&decision->untags, &decision->untag_count, sizeof copy, &copy);
		name += length + strspn(name + length, " ");
	}
	return decision;
}

/* The removal of a replaced image ID of REPOSITORY, after its names NAMES are taken off. */
static struct decision *decide_removal(size_t repository, const char *id, const char *names)
{
	return decide(repository, id, REASON_REPLACED, names, true);
}

/* The untagging of an image ID that REPOSITORY shares with another: only its names NAMES go. */
static struct decision *decide_untagging(size_t repository, const char *id, const char *names)
{
	return decide(repository, id, REASON_SHARED, names, false);
}

/* The removal of the intermediate image ID that the build of BUILT_ID left. */
static struct decision *decide_intermediate(size_t repository, const char *id, const char *built_id)
{
	struct decision *decision = decide(repository, id, REASON_INTERMEDIATE, NULL, true);
	decision->related = image_of(built_id);
	return decision;
}

static struct rule *rule_for(const char *target)
{
	ck_assert_uint_lt(rule_count, MAX_RULES);
	rules[rule_count] = (struct rule){.target = target};
	return &rules[rule_count++];
}

/* TEXT in single quotes, for the recorder's script: the texts of these tests hold none. */
static void put_quoted(FILE *script, const char *text)
{
	ck_assert_ptr_null(strchr(text, '\''));
	fprintf(script, "'%s'", text);
}

/* The recorder's script: its arguments are the builder's removal command, then the call's target. */
static char *recorder_script(void)
{
	char *text = NULL;
	size_t size = 0;
	FILE *script = open_memstream(&text, &size);
	ck_assert_ptr_nonnull(script);
	fputs("for target do :; done\nprintf '%s\\n' \"$*\" >>", script);
	put_quoted(script, log_path);
	fputs("\nstatus=0\ncase $target in\n", script);
	for (size_t i = 0; i < rule_count; i++) {
		const struct rule *rule = &rules[i];
		put_quoted(script, rule->target);
		fputs(")\n", script);
		if (rule->output) {
			fputs("\tprintf '%s' ", script);
			put_quoted(script, rule->output);
			fputs("\n", script);
		}
		if (rule->said) {
			fputs("\tprintf '%s' ", script);
			put_quoted(script, rule->said);
			fputs(" >&2\n", script);
		}
		if (rule->floods)
			fputs("\thead -c 4194304 /dev/zero\n", script);
		if (rule->waits || rule->releases) {
			fputs(rule->waits ? "\tread -r line <" : "\tprintf 'go\\n' >", script);
			put_quoted(script, fifo_path);
			fputs("\n", script);
		}
		if (rule->signal_name)
			fprintf(script, "\tkill -s %s $$\n", rule->signal_name);
		fprintf(script, "\tstatus=%d\n\t;;\n", rule->status);
	}
	fputs("esac\nprintf 'ended %s\\n' \"$target\" >>", script);
	put_quoted(script, log_path);
	fputs("\nexit \"$status\"\n", script);
	ck_assert_int_eq(fclose(script), 0);
	return text;
}

/* Reads the log into LOG_LINES; no log at all is no call. */
static void read_log(void)
{
	FILE *file = fopen(log_path, "r");
	if (!file) {
		ck_assert_int_eq(errno, ENOENT);
		return;
	}
	char *line = NULL;
	size_t size = 0;
	ssize_t length;
	while ((length = getline(&line, &size, file)) > 0) {
		ck_assert_int_eq(line[length - 1], '\n');
		char *copy = xstrndup(line, (size_t)length - 1);
		array_append(&log_lines, &log_count, sizeof copy, &copy);
	}
	free(line);
	ck_assert_int_eq(fclose(file), 0);
}

/* Carries the plan out with the commands of BUILDER_NAME (its removal command, its IDs), JOBS calls
 * at once, for real or with --dry-run; then reads the log. */
static void execute(const char *builder_name, size_t jobs, bool dry_run)
{
	char *script = recorder_script();
	const char *recorder[] = {"-c", script, "recorder"};
	struct options options = {
		.executable = "sh",
		.global_args = {recorder, sizeof recorder / sizeof *recorder},
		.jobs = jobs,
		.dry_run = dry_run,
		.call_timeout = CALL_LIMIT_SECONDS,
	};
	struct session session = {.builder = builder_find(builder_name), .options = &options};
	ck_assert_ptr_nonnull(session.builder);
	execute_plan(&session, &plan, &listing);
	free(script);
	read_log();
}

/* The index of LINE in the log, where it must be exactly once. */
static size_t line_index(const char *line)
{
	size_t found = log_count;
	for (size_t i = 0; i < log_count; i++)
		if (strcmp(log_lines[i], line) == 0) {
			ck_assert_msg(found == log_count, "\"%s\" is logged twice", line);
			found = i;
		}
	ck_assert_msg(found < log_count, "\"%s\" is not logged", line);
	return found;
}

/* Each of the COUNT LINES is logged once, each after the one before it. */
static void assert_in_order(const char *const *lines, size_t count)
{
	for (size_t i = 1; i < count; i++)
		ck_assert_msg(line_index(lines[i - 1]) < line_index(lines[i]), "\"%s\" is logged before \"%s\"",
			      lines[i], lines[i - 1]);
}

#define ASSERT_IN_ORDER(...) \
	do { \
		const char *const lines_[] = {__VA_ARGS__}; \
		assert_in_order(lines_, sizeof lines_ / sizeof *lines_); \
	} while (0)

/* The calls made, as each logged its start, are exactly the COUNT CALLS, in order. */
static void assert_calls(const char *const *calls, size_t count)
{
	size_t made = 0;
	for (size_t i = 0; i < log_count; i++) {
		if (strncmp(log_lines[i], ENDED(""), strlen(ENDED(""))) == 0)
			continue;
		ck_assert_msg(made < count, "unexpected call \"%s\"", log_lines[i]);
		ck_assert_str_eq(log_lines[i], calls[made]);
		made++;
	}
	ck_assert_msg(made == count, "%zu calls made, %zu expected", made, count);
}

#define ASSERT_CALLS(...) \
	do { \
		const char *const calls_[] = {__VA_ARGS__}; \
		assert_calls(calls_, sizeof calls_ / sizeof *calls_); \
	} while (0)

static void assert_removed(const struct decision *decision)
{
	ck_assert_int_eq(decision->fate, FATE_REMOVED);
	ck_assert_uint_eq(decision->untagged_count, decision->untag_count);
	ck_assert_ptr_null(decision->error);
}

static void assert_untagged(const struct decision *decision)
{
	ck_assert_int_eq(decision->fate, FATE_UNTAGGED);
	ck_assert_uint_eq(decision->untagged_count, decision->untag_count);
	ck_assert_ptr_null(decision->error);
}

/* DECISION kept its image for REASON, untouched. */
static void assert_kept(const struct decision *decision, enum reason reason)
{
	ck_assert_int_eq(decision->fate, FATE_KEPT);
	ck_assert_int_eq(decision->reason, reason);
	ck_assert_uint_eq(decision->untagged_count, 0);
	ck_assert_ptr_null(decision->error);
}

START_TEST(an_image_loses_its_tags_before_it_is_removed)
{
	ADD_IMAGES(OLD_ID);
	struct decision *old = decide_removal(0, OLD_ID, "localhost/app:one localhost/app:two");
	execute("kim", 1, false);
	ASSERT_CALLS(CALL("localhost/app:one"), CALL("localhost/app:two"), CALL(OLD_ID));
	assert_removed(old);
	ck_assert_uint_eq(old->untagged_count, 2);
}
END_TEST

/* A kept image gets no call: the fate decides, whatever else the decision holds. */
START_TEST(a_kept_image_gets_no_call)
{
	ADD_IMAGES(OLD_ID, OTHER_ID);
	struct decision *kept = decide(0, OLD_ID, REASON_IN_USE_BY_CONTAINERS, "localhost/app:used", true);
	kept->fate = FATE_KEPT;
	struct decision *removed = decide_removal(0, OTHER_ID, NULL);
	execute("kim", 1, false);
	ASSERT_CALLS(CALL(OTHER_ID));
	assert_kept(kept, REASON_IN_USE_BY_CONTAINERS);
	assert_removed(removed);
}
END_TEST

/* --dry-run makes no call at all, and says of each image what its calls would have done. */
START_TEST(a_dry_run_makes_no_call_and_pretends)
{
	ADD_IMAGES(OLD_ID, OTHER_ID, THIRD_ID, FIRST_INTERMEDIATE_ID);
	struct decision *removed = decide_removal(0, OLD_ID, "localhost/app:one localhost/app:two");
	struct decision *shared = decide_untagging(0, OTHER_ID, "localhost/app:shared");
	struct decision *kept = decide(0, THIRD_ID, REASON_IN_USE, NULL, false);
	kept->fate = FATE_KEPT;
	struct decision *intermediate = decide_intermediate(0, FIRST_INTERMEDIATE_ID, OLD_ID);
	size_t started = process_started();
	execute("kim", 4, true);
	ck_assert_uint_eq(process_started(), started);
	ck_assert_uint_eq(log_count, 0);
	assert_removed(removed);
	ck_assert_uint_eq(removed->untagged_count, 2);
	assert_untagged(shared);
	assert_kept(kept, REASON_IN_USE);
	assert_removed(intermediate);
}
END_TEST

/* A refused call ends its image's calls, and says how it failed and what it was about; the other
 * images' calls all run. */
START_TEST(a_refused_call_stops_only_its_image)
{
	ADD_IMAGES(OLD_ID, OTHER_ID, THIRD_ID, FOURTH_ID);
	struct decision *untag_refused = decide_removal(0, OLD_ID, "localhost/app:one localhost/app:two");
	struct decision *removal_refused = decide_removal(0, OTHER_ID, "localhost/app:other");
	struct decision *killed = decide_removal(0, THIRD_ID, NULL);
	struct decision *shared = decide_untagging(0, FOURTH_ID, "localhost/app:shared");
	rule_for("localhost/app:one")->status = 5;
	rule_for(OTHER_ID)->status = 3;
	rule_for(THIRD_ID)->signal_name = "KILL";
	execute("kim", 1, false);
	ASSERT_CALLS(CALL("localhost/app:one"), CALL("localhost/app:other"), CALL(OTHER_ID), CALL(THIRD_ID),
		     CALL("localhost/app:shared"));

	ck_assert_int_eq(untag_refused->fate, FATE_FAILED);
	ck_assert_str_eq(untag_refused->error, "sh exited with status 5");
	ck_assert(untag_refused->failed_untagging);
	ck_assert_ptr_eq(untag_refused->failed_target, untag_refused->untags[0]);
	ck_assert_uint_eq(untag_refused->untagged_count, 0);

	ck_assert_int_eq(removal_refused->fate, FATE_FAILED);
	ck_assert_str_eq(removal_refused->error, "sh exited with status 3");
	ck_assert(!removal_refused->failed_untagging);
	ck_assert_str_eq(removal_refused->failed_target, OTHER_ID);
	ck_assert_uint_eq(removal_refused->untagged_count, 1);

	ck_assert_int_eq(killed->fate, FATE_FAILED);
	ck_assert_str_eq(killed->error, "sh was killed by SIGKILL");
	ck_assert_str_eq(killed->failed_target, THIRD_ID);

	assert_untagged(shared);
}
END_TEST

/* A refused call stops the calls of its own decision only: the untagging of the same image by the
 * other repository, next in the image's chain, still runs; and the failure is told once, by the
 * decision whose call failed. */
START_TEST(a_refused_untagging_of_a_shared_image_leaves_the_other_repository_its_own)
{
	ADD_IMAGES(OLD_ID);
	struct decision *refused = decide_untagging(0, OLD_ID, "localhost/one:old localhost/one:older");
	struct decision *other = decide_untagging(1, OLD_ID, "localhost/two:old");
	rule_for("localhost/one:old")->status = 1;
	execute("kim", 2, false);
	ASSERT_CALLS(CALL("localhost/one:old"), CALL("localhost/two:old"));
	ck_assert_int_eq(refused->fate, FATE_FAILED);
	ck_assert_str_eq(refused->error, "sh exited with status 1");
	ck_assert(refused->failed_untagging);
	ck_assert_ptr_eq(refused->failed_target, refused->untags[0]);
	ck_assert_uint_eq(refused->untagged_count, 0);
	assert_untagged(other);
}
END_TEST

/* The intermediate images go after every other image of the plan (also the second repository's,
 * though the first's intermediates come before them in the plan), one at a time, in the plan's
 * order (child first). The first floods its output, so that kimb has started every call it would
 * start beside it before that call can end. */
START_TEST(intermediates_go_last_one_at_a_time_after_the_image_whose_build_left_them)
{
	ADD_IMAGES(OLD_ID, OTHER_ID, FIRST_INTERMEDIATE_ID, SECOND_INTERMEDIATE_ID, OTHER_INTERMEDIATE_ID);
	struct decision *old = decide_removal(0, OLD_ID, NULL);
	struct decision *child = decide_intermediate(0, FIRST_INTERMEDIATE_ID, OLD_ID);
	struct decision *parent = decide_intermediate(0, SECOND_INTERMEDIATE_ID, OLD_ID);
	struct decision *other = decide_removal(1, OTHER_ID, "localhost/two:old");
	struct decision *other_intermediate = decide_intermediate(1, OTHER_INTERMEDIATE_ID, OTHER_ID);
	rule_for(FIRST_INTERMEDIATE_ID)->floods = true;
	execute("kim", 4, false);
	ASSERT_IN_ORDER(ENDED(OLD_ID), CALL(FIRST_INTERMEDIATE_ID));
	ASSERT_IN_ORDER(CALL("localhost/two:old"), ENDED("localhost/two:old"), CALL(OTHER_ID), ENDED(OTHER_ID),
			CALL(FIRST_INTERMEDIATE_ID), ENDED(FIRST_INTERMEDIATE_ID), CALL(SECOND_INTERMEDIATE_ID),
			ENDED(SECOND_INTERMEDIATE_ID), CALL(OTHER_INTERMEDIATE_ID), ENDED(OTHER_INTERMEDIATE_ID));
	ck_assert_uint_eq(log_count, 12);
	assert_removed(old);
	assert_removed(child);
	assert_removed(parent);
	assert_removed(other);
	assert_removed(other_intermediate);
}
END_TEST

/* A refused removal keeps the intermediate images its build left, which are not even tried: the
 * image is still built on them. The other image's go. */
START_TEST(an_intermediate_stays_when_the_image_whose_build_left_it_could_not_be_removed)
{
	ADD_IMAGES(OLD_ID, OTHER_ID, FIRST_INTERMEDIATE_ID, OTHER_INTERMEDIATE_ID);
	struct decision *refused = decide_removal(0, OLD_ID, NULL);
	struct decision *kept = decide_intermediate(0, FIRST_INTERMEDIATE_ID, OLD_ID);
	struct decision *other = decide_removal(0, OTHER_ID, NULL);
	struct decision *other_intermediate = decide_intermediate(0, OTHER_INTERMEDIATE_ID, OTHER_ID);
	rule_for(OLD_ID)->status = 1;
	execute("kim", 1, false);
	ASSERT_CALLS(CALL(OLD_ID), CALL(OTHER_ID), CALL(OTHER_INTERMEDIATE_ID));
	ck_assert_int_eq(refused->fate, FATE_FAILED);
	assert_kept(kept, REASON_CHILD_STAYS);
	ck_assert_ptr_eq(kept->related, image_of(OLD_ID));
	assert_removed(other);
	assert_removed(other_intermediate);
}
END_TEST

/* With --jobs 2, the first untagging of one image holds until the removal of another, the next
 * chain, releases it: the calls did run side by side, and yet each of the held image's calls
 * started only once the one before it had ended. */
START_TEST(with_several_jobs_each_image_keeps_the_order_of_its_calls)
{
	ADD_IMAGES(OLD_ID, OTHER_ID, THIRD_ID);
	struct decision *held = decide_removal(0, OLD_ID, "localhost/app:one localhost/app:two");
	struct decision *releasing = decide_removal(0, OTHER_ID, NULL);
	struct decision *third = decide_removal(0, THIRD_ID, "localhost/app:three");
	rule_for("localhost/app:one")->waits = true;
	rule_for(OTHER_ID)->releases = true;
	execute("kim", 2, false);
	ASSERT_IN_ORDER(CALL(OTHER_ID), ENDED("localhost/app:one"));
	ASSERT_IN_ORDER(CALL("localhost/app:one"), ENDED("localhost/app:one"), CALL("localhost/app:two"),
			ENDED("localhost/app:two"), CALL(OLD_ID));
	ASSERT_IN_ORDER(CALL("localhost/app:three"), ENDED("localhost/app:three"), CALL(THIRD_ID));
	ck_assert_uint_eq(log_count, 12);
	assert_removed(held);
	assert_removed(releasing);
	assert_removed(third);
}
END_TEST

/* A shared image gives up each repository's tags in turn, by one chain of calls: two calls about
 * one image never run side by side, whatever --jobs allows. The first untagging holds until the
 * removal of another image releases it; a second chain for the image, were there one, would have
 * run its untagging meanwhile. */
START_TEST(an_image_of_several_repositories_gets_one_chain_of_calls)
{
	ADD_IMAGES(OLD_ID, OTHER_ID);
	struct decision *first = decide_untagging(0, OLD_ID, "localhost/one:old");
	struct decision *second = decide_untagging(1, OLD_ID, "localhost/two:old");
	struct decision *other = decide_removal(1, OTHER_ID, NULL);
	rule_for("localhost/one:old")->waits = true;
	rule_for(OTHER_ID)->releases = true;
	execute("kim", 2, false);
	ASSERT_IN_ORDER(CALL(OTHER_ID), ENDED("localhost/one:old"), CALL("localhost/two:old"));
	ck_assert_uint_eq(log_count, 6);
	assert_untagged(first);
	assert_untagged(second);
	ck_assert_uint_eq(first->untagged_count, 1);
	assert_removed(other);
}
END_TEST

/* What a removal took along, as docker and buildah name it: "Deleted: sha256:ID" or a bare ID, a
 * line each; the image itself, the other lines and the IDs of no listed image (dockerd's layers)
 * are none of it. */
static const char taken_along[] = "Untagged: localhost/app:old\n"
				  "Deleted: sha256:" OLD_ID "\n"
				  "Deleted: sha256:" OTHER_ID "\n"
				  "Deleted: sha256:" UNLISTED_ID "\n" THIRD_ID "\n";

START_TEST(what_the_builder_took_along_lands_in_the_decision)
{
	ADD_IMAGES(OLD_ID, OTHER_ID, THIRD_ID);
	image_of(OTHER_ID)->size = 1234;
	struct decision *removed = decide_removal(0, OLD_ID, NULL);
	rule_for("sha256:" OLD_ID)->output = taken_along;
	execute("docker", 1, false);
	ASSERT_CALLS(CALL("sha256:" OLD_ID));
	assert_removed(removed);
	ck_assert_uint_eq(removed->along_count, 2);
	ck_assert_str_eq(removed->along[0].id, OTHER_ID);
	ck_assert_int_eq(removed->along[0].size, 1234);
	ck_assert_str_eq(removed->along[1].id, THIRD_ID);
	ck_assert_int_eq(removed->along[1].size, -1);
}
END_TEST

/* What the builder writes on stderr does not reach kimb's: a call that succeeds is not told of
 * (podman warns "Failed to determine parent of image" once a call, so --jobs would multiply it);
 * one that fails keeps it in its decision, which the report tells. */
START_TEST(the_builders_stderr_is_kept_for_the_failed_calls_only)
{
	ADD_IMAGES(OLD_ID, OTHER_ID, THIRD_ID);
	struct decision *removed = decide_removal(0, OLD_ID, "localhost/app:old");
	struct decision *refused = decide_removal(0, OTHER_ID, NULL);
	struct decision *silent = decide_removal(0, THIRD_ID, NULL);
	rule_for("localhost/app:old")->said = "WARN[0000] Failed to determine parent of image: a warning\n";
	rule_for(OLD_ID)->said = "WARN[0000] Failed to determine parent of image: another\n";
	struct rule *refusal = rule_for(OTHER_ID);
	refusal->said = "Error: image is in use by a container\n";
	refusal->status = 2;
	rule_for(THIRD_ID)->status = 1;
	struct redirection capture;
	redirect_to_temporary_file(&capture, STDERR_FILENO);
	execute("kim", 3, false);
	char *told = restore_and_read(&capture);
	ck_assert_str_eq(told, "");
	free(told);
	assert_removed(removed);
	ck_assert_ptr_null(removed->said);
	ck_assert_int_eq(refused->fate, FATE_FAILED);
	ck_assert_str_eq(refused->said, "Error: image is in use by a container\n");
	ck_assert_str_eq(refused->error, "sh exited with status 2");
	ck_assert_int_eq(silent->fate, FATE_FAILED);
	ck_assert_ptr_null(silent->said);
}
END_TEST

/* Where the builder removes no parents along, nothing was taken along, whatever its output says. */
START_TEST(nothing_is_taken_along_where_the_builder_removes_no_parents)
{
	ADD_IMAGES(OLD_ID, OTHER_ID, THIRD_ID);
	struct decision *removed = decide_removal(0, OLD_ID, NULL);
	rule_for(OLD_ID)->output = taken_along;
	execute("kim", 1, false);
	ASSERT_CALLS(CALL(OLD_ID));
	assert_removed(removed);
	ck_assert_uint_eq(removed->along_count, 0);
}
END_TEST

Suite *execute_suite(void)
{
	Suite *suite = suite_create("execute");
	TCase *tc = tcase_create("execute");
	tcase_add_unchecked_fixture(tc, begin_suite, end_suite);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30); /* room for a loaded machine and valgrind */
	tcase_add_test(tc, an_image_loses_its_tags_before_it_is_removed);
	tcase_add_test(tc, a_kept_image_gets_no_call);
	tcase_add_test(tc, a_dry_run_makes_no_call_and_pretends);
	tcase_add_test(tc, a_refused_call_stops_only_its_image);
	tcase_add_test(tc, a_refused_untagging_of_a_shared_image_leaves_the_other_repository_its_own);
	tcase_add_test(tc, intermediates_go_last_one_at_a_time_after_the_image_whose_build_left_them);
	tcase_add_test(tc, an_intermediate_stays_when_the_image_whose_build_left_it_could_not_be_removed);
	tcase_add_test(tc, with_several_jobs_each_image_keeps_the_order_of_its_calls);
	tcase_add_test(tc, an_image_of_several_repositories_gets_one_chain_of_calls);
	tcase_add_test(tc, what_the_builder_took_along_lands_in_the_decision);
	tcase_add_test(tc, nothing_is_taken_along_where_the_builder_removes_no_parents);
	tcase_add_test(tc, the_builders_stderr_is_kept_for_the_failed_calls_only);
	suite_add_tcase(suite, tc);
	return suite;
}
