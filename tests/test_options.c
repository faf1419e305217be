/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "options.h"
#include "suites.h"

static void set_environment(const char *first, ...)
{
	va_list args;
	va_start(args, first);
	size_t count = 0;
	for (const char *entry = first; entry && count < 7; entry = va_arg(args, const char *))
		test_environment[count++] = entry;
	test_environment[count] = NULL;
	va_end(args);
}

static struct options parsed;
/* The reason of the last parse or choice. */
static struct message why;

static int parse_words_for(const char *builder, char **words)
{
	int argc = 0;
	while (words[argc])
		argc++;
	message_free(&why);
	return options_parse(argc, words, builder_find(builder), test_snapshot(), &parsed, &why);
}

#define PARSE(...) parse_words_for("kim", (char *[]){"kimb", __VA_ARGS__, NULL})
#define PARSE_FOR(builder, ...) parse_words_for(builder, (char *[]){"kimb", __VA_ARGS__, NULL})

static void setup(void)
{
	test_environment[0] = NULL;
}

static void teardown(void)
{
	options_free(&parsed);
	message_free(&why);
}

static const char *chosen_builder(char **words)
{
	int argc = 0;
	while (words[argc])
		argc++;
	const char *choice = NULL;
	message_free(&why);
	if (options_builder_choice(argc, words, test_snapshot(), &choice, &why) < 0)
		return NULL;
	return choice;
}

#define CHOOSE(...) chosen_builder((char *[]){"kimb", __VA_ARGS__, NULL})

static void assert_words(const struct word_list *list, const char *const *expected)
{
	size_t count = 0;
	while (expected[count])
		count++;
	ck_assert_uint_eq(list->count, count);
	for (size_t i = 0; i < count; i++)
		ck_assert_str_eq(list->words[i], expected[i]);
}

#define ASSERT_WORDS(list, ...) assert_words(list, (const char *const[]){__VA_ARGS__, NULL})

static void assert_usage_error(int result, const char *expected_fragment)
{
	ck_assert_int_eq(result, -1);
	ck_assert_msg(why.text && strstr(why.text, expected_fragment), "'%s' does not say '%s'", why.text,
		      expected_fragment);
	ck_assert_ptr_null(strchr(why.text, '\n'));
}

START_TEST(minimal_build)
{
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
	ck_assert_int_eq(parsed.command, COMMAND_BUILD);
	ck_assert_str_eq(parsed.context, ".");
	ASSERT_WORDS(&parsed.build_args, "-t", "app");
	ck_assert_uint_eq(parsed.global_args.count, 0);
	ck_assert_uint_eq(parsed.target_count, 1);
	ck_assert_str_eq(parsed.targets[0].name, "app");
	ck_assert_str_eq(parsed.targets[0].repository, "docker.io/library/app");
	ck_assert(parsed.targets[0].latest_given);
	ck_assert_int_eq(parsed.scheme, SCHEME_AUTO);
	ck_assert_str_eq(parsed.time_format, "%Y%m%d.%H%M%S");
	ck_assert_uint_eq(parsed.keep, 0);
	ck_assert(!parsed.no_prune && !parsed.dry_run);
	ck_assert_str_eq(parsed.executable, "kim");
}
END_TEST

/* The --iidfile of a builder whose iidfile kimb reads is kept out of the build flags, in either
 * spelling, the last one winning: kimb passes its own. nerdctl's (which kimb does not read) passes. */
START_TEST(iidfile_is_taken_out_of_the_build_flags)
{
	ck_assert_int_eq(PARSE_FOR("docker", "--iidfile", "/dev/stdout", "-t", "app", "--iidfile=id", "."), 0);
	ASSERT_WORDS(&parsed.build_args, "-t", "app");
	ck_assert_str_eq(parsed.iidfile, "id");
	options_free(&parsed);
	ck_assert_int_eq(PARSE_FOR("podman", "-t", "app", "--iidfile", "/dev/stdout", "."), 0);
	ASSERT_WORDS(&parsed.build_args, "-t", "app");
	ck_assert_str_eq(parsed.iidfile, "/dev/stdout");
	options_free(&parsed);
	ck_assert_int_eq(PARSE_FOR("nerdctl", "-t", "app", "--iidfile", "id", "."), 0);
	ASSERT_WORDS(&parsed.build_args, "-t", "app", "--iidfile", "id");
	ck_assert_ptr_null(parsed.iidfile);
	options_free(&parsed);
	assert_usage_error(PARSE_FOR("buildah", "-t", "app", "--iidfile"), "--iidfile needs a value");
}
END_TEST

/* Every kim build flag that takes a value, in every spelling pflag accepts, reaches kim as given. */
START_TEST(every_value_flag_in_every_spelling)
{
	const struct flag_spec *flags = builder_find("kim")->build_flags;
	for (const struct flag_spec *flag = flags; flag->long_name; flag++) {
		if (!flag->takes_value)
			continue;
		char long_form[64], long_equals[64], short_form[8], short_attached[16], short_equals[16];
		snprintf(long_form, sizeof long_form, "--%s", flag->long_name);
		snprintf(long_equals, sizeof long_equals, "--%s=v:1", flag->long_name);
		ck_assert_int_eq(PARSE("-t", "app", long_form, "v:1", long_equals, "."), 0);
		ASSERT_WORDS(&parsed.build_args, "-t", "app", long_form, "v:1", long_equals);
		ck_assert_str_eq(parsed.context, ".");
		options_free(&parsed);
		if (!flag->short_name)
			continue;
		snprintf(short_form, sizeof short_form, "-%c", flag->short_name);
		snprintf(short_attached, sizeof short_attached, "-%cv:1", flag->short_name);
		snprintf(short_equals, sizeof short_equals, "-%c=v:1", flag->short_name);
		ck_assert_int_eq(PARSE("-t", "app", short_form, "v:1", short_attached, short_equals, "ctx"), 0);
		ASSERT_WORDS(&parsed.build_args, "-t", "app", short_form, "v:1", short_attached, short_equals);
		ck_assert_str_eq(parsed.context, "ctx");
		options_free(&parsed);
	}
}
END_TEST

START_TEST(every_boolean_flag)
{
	ck_assert_int_eq(PARSE("--no-cache", "--pull", "-q", "--quiet", "--squash", "--no-cache=false", "-t", "app", "."),
			 0);
	/* --quiet is kimb's own: the builder's quiet is reached with -q. */
	ASSERT_WORDS(&parsed.build_args, "--no-cache", "--pull", "-q", "--squash", "--no-cache=false", "-t", "app");
	ck_assert_int_eq(parsed.verbosity, VERBOSITY_QUIET);
}
END_TEST

START_TEST(global_flags_are_kept_apart_in_every_spelling)
{
	ck_assert_int_eq(PARSE("-n", "ns", "-t", "app", "--kubeconfig=/k", "-xctx", ".", "--debug", "--debug-level",
			       "3", "--namespace", "other", "-k=/k2", "--context=c"),
			 0);
	ASSERT_WORDS(&parsed.global_args, "-n", "ns", "--kubeconfig=/k", "-xctx", "--debug", "--debug-level", "3",
		     "--namespace", "other", "-k=/k2", "--context=c");
	ASSERT_WORDS(&parsed.build_args, "-t", "app");
	ck_assert_str_eq(parsed.context, ".");
}
END_TEST

START_TEST(combined_short_flags_pass_as_given_unless_mixed)
{
	ck_assert_int_eq(PARSE("-qtapp", "-qnns", "."), 0);
	ASSERT_WORDS(&parsed.build_args, "-qtapp", "-q");
	ASSERT_WORDS(&parsed.global_args, "-nns");
	ck_assert_uint_eq(parsed.target_count, 1);
	ck_assert_str_eq(parsed.targets[0].name, "app");
}
END_TEST

START_TEST(combined_short_flag_takes_next_argument)
{
	ck_assert_int_eq(PARSE("-qt", "app:v1", "-qn", "ns", "."), 0);
	ASSERT_WORDS(&parsed.build_args, "-qt", "app:v1", "-q");
	ASSERT_WORDS(&parsed.global_args, "-n", "ns");
	ck_assert(!parsed.targets[0].latest_given);
}
END_TEST

START_TEST(double_dash_ends_flags)
{
	ck_assert_int_eq(PARSE("-t", "app", "--", "-weird dir"), 0);
	ck_assert_str_eq(parsed.context, "-weird dir");
	ASSERT_WORDS(&parsed.build_args, "-t", "app");
}
END_TEST

START_TEST(a_value_may_look_like_a_flag)
{
	ck_assert_int_eq(PARSE("--build-arg", "--scheme=x", "-f", "-", "-t", "app", "."), 0);
	ASSERT_WORDS(&parsed.build_args, "--build-arg", "--scheme=x", "-f", "-", "-t", "app");
	ck_assert_int_eq(parsed.scheme, SCHEME_AUTO);
}
END_TEST

START_TEST(dash_alone_is_a_path)
{
	ck_assert_int_eq(PARSE("-t", "app", "-"), 0);
	ck_assert_str_eq(parsed.context, "-");
}
END_TEST

START_TEST(targets_are_distinct_normalized_repositories_in_order)
{
	ck_assert_int_eq(PARSE("-t", "app:v1", "-t", "localhost/x", "-t", "docker.io/library/app", "-t",
			       "library/app:v2", "."),
			 0);
	ck_assert_uint_eq(parsed.target_count, 2);
	ck_assert_str_eq(parsed.targets[0].name, "app");
	ck_assert_str_eq(parsed.targets[0].repository, "docker.io/library/app");
	ck_assert(parsed.targets[0].latest_given);
	ck_assert_str_eq(parsed.targets[1].name, "localhost/x");
	ck_assert_str_eq(parsed.targets[1].repository, "localhost/x");
	ck_assert(parsed.targets[1].latest_given);
}
END_TEST

START_TEST(explicit_latest_counts_as_given)
{
	ck_assert_int_eq(PARSE("-t", "app:v1", "-t", "app:latest", "-t", "b:v2", "."), 0);
	ck_assert(parsed.targets[0].latest_given);
	ck_assert(!parsed.targets[1].latest_given);
}
END_TEST

START_TEST(kimb_options_in_both_spellings_anywhere)
{
	ck_assert_int_eq(PARSE("-t", "app", "--scheme", "time", ".", "--time-format=%s", "--keep", "3", "--no-prune",
			       "--json"),
			 0);
	ck_assert_int_eq(parsed.scheme, SCHEME_TIME);
	ck_assert_str_eq(parsed.time_format, "%s");
	ck_assert_uint_eq(parsed.keep, 3);
	ck_assert(parsed.no_prune && parsed.json);
	ASSERT_WORDS(&parsed.build_args, "-t", "app");
}
END_TEST

/* --quiet and --verbose: the last one given wins; neither, the default. */
START_TEST(the_last_of_quiet_and_verbose_wins)
{
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
	ck_assert_int_eq(parsed.verbosity, VERBOSITY_NORMAL);
	options_free(&parsed);
	ck_assert_int_eq(PARSE("--verbose", "-t", "app", "--quiet", "."), 0);
	ck_assert_int_eq(parsed.verbosity, VERBOSITY_QUIET);
	options_free(&parsed);
	ck_assert_int_eq(PARSE("--quiet", "-t", "app", ".", "--verbose"), 0);
	ck_assert_int_eq(parsed.verbosity, VERBOSITY_VERBOSE);
	ASSERT_WORDS(&parsed.build_args, "-t", "app");
	options_free(&parsed);
	ck_assert_int_eq(PARSE("-q", "-t", "app", "."), 0);
	ck_assert_int_eq(parsed.verbosity, VERBOSITY_NORMAL);
	ASSERT_WORDS(&parsed.build_args, "-q", "-t", "app");
}
END_TEST

START_TEST(environment_fills_in_and_options_win)
{
	set_environment("KIMB_SCHEME=git", "KIMB_KEEP=4", "KIMB_KIM=/opt/kim", NULL);
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
	ck_assert_int_eq(parsed.scheme, SCHEME_GIT);
	ck_assert_uint_eq(parsed.keep, 4);
	ck_assert_str_eq(parsed.executable, "/opt/kim");
	options_free(&parsed);

	set_environment("KIMB_SCHEME=bogus", "KIMB_KEEP=x", NULL);
	ck_assert_int_eq(PARSE("-t", "app", "--scheme=time", "--keep=1", "."), 0);
	ck_assert_int_eq(parsed.scheme, SCHEME_TIME);
	ck_assert_uint_eq(parsed.keep, 1);
}
END_TEST

/* --no-prune on the command line wins over KIMB_PRUNE, as every option wins over its variable. */
START_TEST(no_prune_wins_over_kimb_prune)
{
	set_environment("KIMB_PRUNE=background", NULL);
	ck_assert_int_eq(PARSE("--no-prune", "-t", "app", "."), 0);
	ck_assert(parsed.no_prune);
	ck_assert_int_ne(parsed.prune, PRUNE_BACKGROUND);
	options_free(&parsed);

	set_environment("KIMB_PRUNE=now", NULL);
	ck_assert_int_eq(PARSE("-t", "app", "--no-prune", "."), 0);
	ck_assert(parsed.no_prune);
	options_free(&parsed);

	set_environment("KIMB_PRUNE=background", NULL);
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
	ck_assert(!parsed.no_prune);
	ck_assert_int_eq(parsed.prune, PRUNE_BACKGROUND);
}
END_TEST

START_TEST(empty_environment_values_are_unset)
{
	set_environment("KIMB_SCHEME=", "KIMB_KEEP=", "KIMB_KIM=", NULL);
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
	ck_assert_int_eq(parsed.scheme, SCHEME_AUTO);
	ck_assert_str_eq(parsed.executable, "kim");
}
END_TEST

START_TEST(bad_environment_values_are_usage_errors)
{
	set_environment("KIMB_KEEP=x", NULL);
	assert_usage_error(PARSE("-t", "app", "."), "KIMB_KEEP");
	set_environment("KIMB_SCHEME=svn", NULL);
	assert_usage_error(PARSE("-t", "app", "."), "KIMB_SCHEME");
}
END_TEST

/* --skip-workloads takes kinds by name or by kubectl's resource, comma-separated; KIMB_SKIP_WORKLOADS
 * gives its default, and an empty value skips none. */
START_TEST(skip_workloads_takes_kinds)
{
	ck_assert_int_eq(PARSE("--skip-workloads=cronjobs,replicasets.apps", "-t", "app", "."), 0);
	ck_assert_uint_eq(parsed.skip_workloads, (1u << WORKLOAD_CRON_JOBS) | (1u << WORKLOAD_REPLICA_SETS));
	options_free(&parsed);
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
	ck_assert_uint_eq(parsed.skip_workloads, 0);
	options_free(&parsed);
	set_environment("KIMB_SKIP_WORKLOADS=jobs", NULL);
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
	ck_assert_uint_eq(parsed.skip_workloads, 1u << WORKLOAD_JOBS);
	options_free(&parsed);
	ck_assert_int_eq(PARSE("--skip-workloads=", "-t", "app", "."), 0);
	ck_assert_uint_eq(parsed.skip_workloads, 0);
	options_free(&parsed);
	assert_usage_error(PARSE("--skip-workloads=pods", "-t", "app", "."),
			   "--skip-workloads: unknown kind 'pods' (replicationcontrollers, replicasets, deployments, "
			   "statefulsets, daemonsets, jobs, cronjobs)");
	set_environment("KIMB_SKIP_WORKLOADS=cronjob", NULL);
	assert_usage_error(PARSE("-t", "app", "."), "KIMB_SKIP_WORKLOADS: unknown kind 'cronjob'");
}
END_TEST

/* Issue 15, 17: a relative directory would be another one in every working directory (two runs
 * would not share their locks; a run would not find its record): refused, as other invalid
 * settings are, for prune too. A relative XDG_STATE_HOME is ignored, as the XDG spec says. */
START_TEST(relative_directories_are_usage_errors)
{
	set_environment("KIMB_STATE_DIR=state", NULL);
	assert_usage_error(PARSE("-t", "app", "."), "KIMB_STATE_DIR: 'state' is not an absolute path");
	set_environment("KIMB_LOCK_DIR=./locks", NULL);
	assert_usage_error(PARSE("prune", "app"), "KIMB_LOCK_DIR: './locks' is not an absolute path");
	set_environment("KIMB_STATE_DIR=/var/lib/kimb", "KIMB_LOCK_DIR=/run/kimb-locks", "XDG_STATE_HOME=state", NULL);
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
	options_free(&parsed);
	set_environment("KIMB_STATE_DIR=", "KIMB_LOCK_DIR=", NULL);
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
}
END_TEST

START_TEST(usage_errors)
{
	assert_usage_error(PARSE("-t", "app"), "no PATH");
	assert_usage_error(PARSE("-t", "app", "a", "b"), "more than one PATH");
	assert_usage_error(PARSE("."), "no -t/--tag");
	assert_usage_error(PARSE("-t", "app", "--bogus", "."), "unknown option --bogus for kim build: if kim knows it, write --bogus=VALUE");
	assert_usage_error(PARSE("-t", "app", "-Z", "."), "unknown option: -Z");
	assert_usage_error(PARSE("-t", "app", "-qZ", "."), "unknown option: -Z");
	assert_usage_error(PARSE("-t", "app", "--keep=-1", "."), "--keep");
	assert_usage_error(PARSE("-t", "app", "--keep=x", "."), "--keep");
	assert_usage_error(PARSE("-t", "app", "--keep=", "."), "--keep");
	assert_usage_error(PARSE("-t", "app", "--keep=1.5", "."), "--keep");
	assert_usage_error(PARSE("-t", "app", "--keep=99999999999999999999999", "."), "--keep");
	assert_usage_error(PARSE("-t", "app", "--scheme=bogus", "."), "unknown scheme");
	assert_usage_error(PARSE("-t", "app", "--time-format=", "."), "--time-format");
	assert_usage_error(PARSE("-t", "app", ".", "--keep"), "--keep needs a value");
	assert_usage_error(PARSE(".", "-t"), "-t needs a value");
	assert_usage_error(PARSE(".", "--tag"), "--tag needs a value");
	assert_usage_error(PARSE("-t", "app", "--no-prune=1", "."), "takes no value");
	assert_usage_error(PARSE("-t", "web/App", "."), "invalid reference 'web/App'");
	assert_usage_error(PARSE("-t", "app:bad:tag", "."), "invalid reference");
	assert_usage_error(PARSE("-t", "app@sha256:0123456789012345678901234567890123456789012345678901234567890123",
				 "."),
			   "digest");
}
END_TEST

/* Found by fuzz_options: a reason quoting a word with a newline stayed two lines. */
START_TEST(reasons_quoting_words_stay_one_line)
{
	assert_usage_error(PARSE("--bu\nx", "-t", "app", "."), "unknown option --bu?x");
	assert_usage_error(PARSE("-t", "a\tb\r\n", "."), "invalid reference 'a?b?" "?'");
}
END_TEST

START_TEST(prune_takes_repositories)
{
	ck_assert_int_eq(PARSE("prune", "-n", "ns", "app", "--keep=2", "--dry-run", "localhost:5000/x"), 0);
	ck_assert_int_eq(parsed.command, COMMAND_PRUNE);
	ASSERT_WORDS(&parsed.global_args, "-n", "ns");
	ck_assert_uint_eq(parsed.target_count, 2);
	ck_assert_str_eq(parsed.targets[1].repository, "localhost:5000/x");
	ck_assert_uint_eq(parsed.keep, 2);
	ck_assert(parsed.dry_run);
	ck_assert_ptr_null(parsed.context);
}
END_TEST

START_TEST(prune_ignores_scheme_from_environment)
{
	set_environment("KIMB_SCHEME=bogus", NULL);
	ck_assert_int_eq(PARSE("prune", "app"), 0);
}
END_TEST

START_TEST(prune_usage_errors)
{
	assert_usage_error(PARSE("prune"), "at least one REPOSITORY");
	assert_usage_error(PARSE("prune", "-t", "app", "app"), "prune takes no build flag: -t");
	assert_usage_error(PARSE("prune", "--file=x", "app"), "prune takes no build flag: --file");
	assert_usage_error(PARSE("prune", "app:v1"), "not tags");
	assert_usage_error(PARSE("prune", "--no-prune", "app"), "--no-prune");
	assert_usage_error(PARSE("prune", "--scheme=git", "app"), "--scheme");
}
END_TEST

/* A subcommand comes before the build's own words: after a build flag, "prune" is PATH. */
START_TEST(prune_is_only_the_first_word)
{
	ck_assert_int_eq(PARSE("-t", "app", "prune"), 0);
	ck_assert_int_eq(parsed.command, COMMAND_BUILD);
	ck_assert_str_eq(parsed.context, "prune");
}
END_TEST

/* Issue 8: kimb's options and the builder's global flags may come before prune, as before a
 * subcommand in kim, docker and git. */
START_TEST(options_and_global_flags_before_prune)
{
	ck_assert_int_eq(PARSE("--keep=1", "-n", "ns", "prune", "app"), 0);
	ck_assert_int_eq(parsed.command, COMMAND_PRUNE);
	ck_assert_uint_eq(parsed.keep, 1);
	ASSERT_WORDS(&parsed.global_args, "-n", "ns");
	ck_assert_uint_eq(parsed.target_count, 1);
	ck_assert_str_eq(parsed.targets[0].name, "app");
	options_free(&parsed);
	assert_usage_error(PARSE("--scheme=git", "prune", "app"), "--scheme has no meaning for prune");
	assert_usage_error(PARSE("--no-prune", "prune", "app"), "--no-prune has no meaning for prune");
	/* Issue 19: prune's alone */
	ck_assert_int_eq(PARSE("--missing-ok", "prune", "app"), 0);
	ck_assert(parsed.missing_ok);
	options_free(&parsed);
	ck_assert_int_eq(PARSE("prune", "app"), 0);
	ck_assert(!parsed.missing_ok);
	options_free(&parsed);
	assert_usage_error(PARSE("--missing-ok", "-t", "app", "."), "--missing-ok has meaning for prune only");
	set_environment("KIMB_BUILDER=bogus", NULL);
	ck_assert_str_eq(CHOOSE("--builder=podman", "prune", "app"), "podman");
}
END_TEST

/* Issue 8: the drop-in replaces "kim build" word for word. */
START_TEST(build_spelled_as_kim_spells_it)
{
	ck_assert_int_eq(PARSE("build", "-t", "app", "."), 0);
	ck_assert_int_eq(parsed.command, COMMAND_BUILD);
	ck_assert_str_eq(parsed.context, ".");
	options_free(&parsed);
	ck_assert_int_eq(PARSE("-n", "ns", "image", "build", "-t", "app", "ctx"), 0);
	ck_assert_str_eq(parsed.context, "ctx");
	ASSERT_WORDS(&parsed.global_args, "-n", "ns");
	ASSERT_WORDS(&parsed.build_args, "-t", "app");
	options_free(&parsed);
	/* A directory named build is still PATH after the command, or after a build flag. */
	ck_assert_int_eq(PARSE("build", "-t", "app", "build"), 0);
	ck_assert_str_eq(parsed.context, "build");
	options_free(&parsed);
	ck_assert_int_eq(PARSE("-t", "app", "build"), 0);
	ck_assert_str_eq(parsed.context, "build");
	options_free(&parsed);
	assert_usage_error(PARSE("build"), "no PATH given");
	assert_usage_error(PARSE("image", "ls"), "kimb knows 'image build' only");
	assert_usage_error(PARSE("image"), "'image' needs 'build' after it");
}
END_TEST

/* Issue 8: a long flag kimb does not know reaches the build when its value is attached; written
 * with its value apart, it gets a line that says how to write it. */
START_TEST(unknown_long_flags_pass_on_with_their_value_attached)
{
	ck_assert_int_eq(PARSE("-t", "app", "--newer-flag=x y", "."), 0);
	ASSERT_WORDS(&parsed.build_args, "-t", "app", "--newer-flag=x y");
	ck_assert_str_eq(parsed.context, ".");
	options_free(&parsed);
	assert_usage_error(PARSE("-t", "app", "--newer-flag", "x", "."), "write --newer-flag=VALUE");
	assert_usage_error(PARSE("prune", "--newer-flag=x", "app"), "unknown option for prune: --newer-flag");
	assert_usage_error(PARSE("-t", "app", "-Z", "."), "unknown option: -Z");
}
END_TEST

/* Issue 19: a long option the builder's tables do not know, a typo of one of kimb's, is a usage
 * error that names kimb's, even with its value attached (--kep=2 went to the build). */
START_TEST(typos_of_kimb_options_are_caught)
{
	assert_usage_error(PARSE("--dryrun", "-t", "app", "."), "unknown option --dryrun: did you mean --dry-run?");
	assert_usage_error(PARSE("--kep=2", "-t", "app", "."), "unknown option --kep: did you mean --keep?");
	assert_usage_error(PARSE("-t", "app", ".", "--shceme=time"), "did you mean --scheme?");
	assert_usage_error(PARSE("--lock-timout=5", "-t", "app", "."), "did you mean --lock-timeout?");
	assert_usage_error(PARSE_FOR("podman", "--jbos=3", "-t", "app", "."), "did you mean --jobs?");
	assert_usage_error(PARSE("prune", "--dryrun", "app"), "unknown option for prune: --dryrun; did you mean --dry-run?");
	assert_usage_error(PARSE("prune", "--kep=1", "app"), "unknown option for prune: --kep; did you mean --keep?");
	/* refused anyway: the builder's flags are guessed too */
	assert_usage_error(PARSE_FOR("podman", "-t", "app", "--pul", "."),
			   "unknown option --pul for podman build: did you mean --pull? if podman knows it, write --pul=VALUE");
	assert_usage_error(PARSE_FOR("podman", "prune", "--roott=x", "app"), "unknown option for prune: --roott; did you mean --root?");
	/* a flag far from every option passes on, with its value attached */
	ck_assert_int_eq(PARSE_FOR("podman", "-t", "app", "--platfrom=linux/amd64", "."), 0);
	ASSERT_WORDS(&parsed.build_args, "-t", "app", "--platfrom=linux/amd64");
	options_free(&parsed);
	/* what the builder's tables know goes on as before */
	ck_assert_int_eq(PARSE_FOR("podman", "-t", "app", "--pull=never", "."), 0);
	options_free(&parsed);
	ck_assert_int_eq(PARSE("-t", "app", "--newer-flag=x", "."), 0);
	options_free(&parsed);
	/* written with one dash, where the builder refuses the cluster */
	assert_usage_error(PARSE("-dryrun", "-t", "app", "."), "unknown option: -d in -dryrun; did you mean --dry-run?");
	assert_usage_error(PARSE("-t", "app", "-jbos=2", "."), "unknown option: -j in -jbos; did you mean --jobs?");
	assert_usage_error(PARSE_FOR("podman", "-keep=2", "-t", "app", "."), "in -keep; did you mean --keep?");
	assert_usage_error(PARSE("-t", "app", "-Z", "."), "unknown option: -Z");
	ck_assert_ptr_null(strstr(why.text, "did you mean"));
}
END_TEST

START_TEST(dry_run_with_no_prune_is_a_usage_error)
{
	assert_usage_error(PARSE("--dry-run", "--no-prune", "-t", "app", "."), "--dry-run and --no-prune contradict");
}
END_TEST

START_TEST(help_and_version_win)
{
	ck_assert_int_eq(PARSE("--help"), 0);
	ck_assert_int_eq(parsed.command, COMMAND_HELP);
	options_free(&parsed);
	ck_assert_int_eq(PARSE("-t", "app", "--version", "--bogus"), 0);
	ck_assert_int_eq(parsed.command, COMMAND_VERSION);
	options_free(&parsed);
	ck_assert_int_eq(PARSE("-h"), 0);
	ck_assert_int_eq(parsed.command, COMMAND_HELP);
}
END_TEST


START_TEST(builder_choice_defaults_to_auto)
{
	ck_assert_str_eq(CHOOSE("-t", "app", "."), "auto");
}
END_TEST

START_TEST(builder_choice_from_option_or_environment)
{
	set_environment("KIMB_BUILDER=podman", NULL);
	ck_assert_str_eq(CHOOSE("-t", "app", "."), "podman");
	ck_assert_str_eq(CHOOSE("--builder=docker", "-t", "app", "."), "docker");
	ck_assert_str_eq(CHOOSE("-t", "app", "--builder", "buildah", "."), "buildah");
	ck_assert_str_eq(CHOOSE("--builder=kim", "--builder=nerdctl", "."), "nerdctl");
	ck_assert_str_eq(CHOOSE("--", "--builder=docker"), "podman");
	set_environment("KIMB_BUILDER=", NULL);
	ck_assert_str_eq(CHOOSE("."), "auto");
}
END_TEST

/* Issue 6, 9: --builder in the value of a builder flag is that flag's value, read with the flags
 * of the builder that is named where an option stands. */
START_TEST(builder_choice_is_never_read_inside_a_value)
{
	ck_assert_str_eq(CHOOSE("--builder=kim", "-t", "app", "--build-arg", "--builder=docker", "ctx"), "kim");
	ck_assert_str_eq(CHOOSE("--builder=kim", "--label", "--builder", "docker", "ctx"), "kim");
	ck_assert_str_eq(CHOOSE("--builder=podman", "--build-arg=--builder=docker", "ctx"), "podman");
	ck_assert_str_eq(CHOOSE("--time-format", "--builder=docker", "--builder=buildah", "ctx"), "buildah");
	/* podman's --file takes a value; kim's --squash does not: which word is a value is the builder's. */
	ck_assert_str_eq(CHOOSE("--builder=podman", "--squash-all", "--builder=buildah", "ctx"), "buildah");
	set_environment("KIMB_BUILDER=kim", NULL);
	ck_assert_str_eq(CHOOSE("-t", "app", "--build-arg", "--builder=docker", "ctx"), "kim");
	ck_assert_str_eq(CHOOSE("prune", "--builder", "podman", "app"), "podman");
}
END_TEST

START_TEST(unknown_builder_is_a_usage_error)
{
	ck_assert_ptr_null(CHOOSE("--builder=moby", "."));
	ck_assert_ptr_nonnull(strstr(why.text, "--builder: unknown builder 'moby' (auto, kim, nerdctl, podman, docker, buildah)"));
	set_environment("KIMB_BUILDER=Podman", NULL);
	ck_assert_ptr_null(CHOOSE("."));
	ck_assert_ptr_nonnull(strstr(why.text, "KIMB_BUILDER: unknown builder 'Podman'"));
	/* Found by fuzz_options: the value quoted as it was, newline and all. */
	set_environment(NULL);
	ck_assert_ptr_null(CHOOSE("--builder=po\ndman", "."));
	ck_assert_ptr_nonnull(strstr(why.text, "--builder: unknown builder 'po?dman'"));
	/* Issue 8: --help and --version need no builder. */
	set_environment("KIMB_BUILDER=bogus", NULL);
	ck_assert_str_eq(CHOOSE("--help"), "auto");
	ck_assert_str_eq(CHOOSE("-h"), "auto");
	ck_assert_str_eq(CHOOSE("--builder=moby", "--version"), "auto");
}
END_TEST

START_TEST(builder_option_is_consumed_by_the_parser)
{
	ck_assert_int_eq(PARSE("--builder", "kim", "-t", "app", "--builder=auto", "."), 0);
	ASSERT_WORDS(&parsed.build_args, "-t", "app");
	ck_assert_str_eq(parsed.context, ".");
}
END_TEST

/* Every builder flag given is recorded with its value, globals marked, in the given order: the
 * store a run reaches is named by them, however they are spelled. */
START_TEST(flag_values_are_recorded_in_every_spelling)
{
	ck_assert_int_eq(PARSE_FOR("nerdctl", "-n", "k8s.io", "--namespace=x", "--debug", "-t", "app", "-qf", "F", "."), 0);
	ck_assert_uint_eq(parsed.flag_value_count, 6);
	ck_assert_str_eq(parsed.flag_values[0].flag->long_name, "n");
	ck_assert_str_eq(parsed.flag_values[0].value, "k8s.io");
	ck_assert(parsed.flag_values[0].global);
	ck_assert_str_eq(parsed.flag_values[1].value, "x");
	ck_assert_str_eq(parsed.flag_values[2].flag->long_name, "debug");
	ck_assert_str_eq(parsed.flag_values[2].value, "true");
	ck_assert(!parsed.flag_values[3].global);
	ck_assert_str_eq(parsed.flag_values[4].flag->long_name, "quiet");
	ck_assert_str_eq(parsed.flag_values[5].value, "F");
	static const char *const namespace[] = {"namespace", "n", NULL};
	ck_assert_str_eq(options_flag_value(&parsed, namespace), "x");
	ck_assert_str_eq(builder_global_flag_name(builder_find("nerdctl"), "n"), "namespace");
	ck_assert_str_eq(builder_global_flag_name(builder_find("nerdctl"), "H"), "address");
	ck_assert_str_eq(builder_global_flag_name(builder_find("podman"), "root"), "root");
}
END_TEST

/* -t and --tag name the repositories to tag, in every spelling, whichever the builder. */
START_TEST(tags_name_targets_for_every_builder)
{
	const char *const builders[] = {"kim", "nerdctl", "podman", "docker", "buildah"};
	for (size_t i = 0; i < sizeof builders / sizeof builders[0]; i++) {
		ck_assert_int_eq(PARSE_FOR(builders[i], "-t", "a", "--tag", "b", "-tc", "--tag=d", "-t=e", "."), 0);
		ASSERT_WORDS(&parsed.build_args, "-t", "a", "--tag", "b", "-tc", "--tag=d", "-t=e");
		ck_assert_uint_eq(parsed.target_count, 5);
		for (size_t t = 0; t < 5; t++) {
			const char expected[] = {(char)('a' + t), '\0'};
			ck_assert_str_eq(parsed.targets[t].name, expected);
		}
		options_free(&parsed);
	}
}
END_TEST

/* podman and buildah put a short name under localhost/, as their own listings show it. */
START_TEST(short_names_are_qualified_as_the_builder_does)
{
	const char *const builders[] = {"podman", "buildah"};
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(PARSE_FOR(builders[i], "-t", "app", "-t", "library/lib", "-t", "docker.io/hub",
					   "-t", "quay.io/x/y:v1", "-t", "localhost/app:v2", "."),
				 0);
		ck_assert_uint_eq(parsed.target_count, 4);
		ck_assert_str_eq(parsed.targets[0].repository, "localhost/app");
		ck_assert_str_eq(parsed.targets[0].name, "app");
		ck_assert_str_eq(parsed.targets[1].repository, "localhost/library/lib");
		ck_assert_str_eq(parsed.targets[2].repository, "docker.io/library/hub");
		ck_assert_str_eq(parsed.targets[3].repository, "quay.io/x/y");
		options_free(&parsed);
	}
	const char *const docker_like[] = {"docker", "nerdctl", "kim"};
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(PARSE_FOR(docker_like[i], "-t", "app", "."), 0);
		ck_assert_str_eq(parsed.targets[0].repository, "docker.io/library/app");
		options_free(&parsed);
	}
}
END_TEST

/* --complete ends the parsing as --help does: the words before it count (the builder, the global
 * flags), those after it are not read, and nothing is required of a build or a prune. */
START_TEST(complete_needs_nothing_and_ends_the_parsing)
{
	static const struct {
		char *value;
		enum completion completion;
	} values[] = {
		{"options", COMPLETE_OPTIONS},         {"builders", COMPLETE_BUILDERS},
		{"schemes", COMPLETE_SCHEMES},         {"global-flags", COMPLETE_GLOBAL_FLAGS},
		{"build-flags", COMPLETE_BUILD_FLAGS}, {"repositories", COMPLETE_REPOSITORIES},
		{"workloads", COMPLETE_WORKLOADS},
	};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		ck_assert_int_eq(PARSE("--complete", values[i].value), 0);
		ck_assert_int_eq(parsed.command, COMMAND_COMPLETE);
		ck_assert_int_eq(parsed.completion, values[i].completion);
		options_free(&parsed);
	}
	set_environment("KIMB_KIM=/opt/kim", "KIMB_KEEP=bogus", NULL);
	ck_assert_int_eq(PARSE("-n", "ns", "--kubeconfig=k", "prune", "a", "--complete=repositories", "--bogus", "-Z"), 0);
	ck_assert_int_eq(parsed.command, COMMAND_COMPLETE);
	ASSERT_WORDS(&parsed.global_args, "-n", "ns", "--kubeconfig=k");
	ck_assert_str_eq(parsed.executable, "/opt/kim");
	options_free(&parsed);
	ck_assert_int_eq(PARSE("image", "--complete=build-flags"), 0);
	options_free(&parsed);
	ck_assert_int_eq(PARSE("-t", "app", "--complete=build-flags", "more", "paths"), 0);
	ck_assert_int_eq(parsed.completion, COMPLETE_BUILD_FLAGS);
	options_free(&parsed);
	/* A word before it must still parse. */
	assert_usage_error(PARSE("-Z", "--complete=options"), "-Z");
	assert_usage_error(PARSE("--complete=bogus"), "--complete: unknown value 'bogus'");
	assert_usage_error(PARSE("--complete"), "--complete needs a value");
}
END_TEST

START_TEST(complete_reads_the_builder_before_it_only)
{
	ck_assert_str_eq(CHOOSE("--builder=podman", "--complete=build-flags", "--builder=docker"), "podman");
	set_environment("KIMB_BUILDER=buildah", NULL);
	ck_assert_str_eq(CHOOSE("--complete=build-flags", "--builder=docker"), "buildah");
	set_environment("KIMB_BUILDER=bogus", NULL);
	ck_assert_ptr_null(CHOOSE("--complete=options"));
}
END_TEST

START_TEST(kimb_options_are_listed)
{
	bool takes_value = false;
	size_t count = 0;
	const char *name;
	for (; (name = options_kimb_option(count, &takes_value)); count++)
		if (strcmp(name, "json") == 0)
			ck_assert(!takes_value);
		else if (strcmp(name, "complete") == 0)
			ck_assert(takes_value);
	ck_assert_uint_eq(count, 20);
	ck_assert_str_eq(options_kimb_option(0, &takes_value), "builder");
	ck_assert(takes_value);
}
END_TEST

/* The options keep the snapshot of the environment they were parsed with, for the code that reads
 * a variable later. */
START_TEST(the_environment_is_kept)
{
	set_environment("PATH=/opt/bin", "TMPDIR=", "GITHUB_SHA=abcdef0", NULL);
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
	ck_assert_str_eq(env_get(&parsed.environment, ENV_PATH), "/opt/bin");
	ck_assert_str_eq(env_get(&parsed.environment, ENV_TMPDIR), "");
	ck_assert_ptr_null(env_nonempty(&parsed.environment, ENV_TMPDIR));
	ck_assert_str_eq(env_nonempty(&parsed.environment, ENV_GITHUB_SHA), "abcdef0");
	ck_assert_ptr_null(env_get(&parsed.environment, ENV_HOME));
	ck_assert_str_eq(env_named(&parsed.environment, "PATH"), "/opt/bin");
	ck_assert_str_eq(env_name(ENV_XDG_STATE_HOME), "XDG_STATE_HOME");
}
END_TEST

START_TEST(every_scheme_by_its_name_only)
{
	static const struct {
		char *name;
		enum tag_scheme scheme;
	} schemes[] = {{"auto", SCHEME_AUTO}, {"time", SCHEME_TIME}, {"git", SCHEME_GIT}, {"describe", SCHEME_DESCRIBE}, {"tree", SCHEME_TREE}};
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		ck_assert_int_eq(PARSE("--scheme", schemes[i].name, "-t", "app", "."), 0);
		ck_assert_int_eq(parsed.scheme, schemes[i].scheme);
		options_free(&parsed);
	}
	static char *const unknown[] = {"", "Auto", "GIT", "times", "gi", "git ", "date"};
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		assert_usage_error(PARSE("--scheme", unknown[i], "-t", "app", "."),
				   "--scheme: unknown scheme '");
	ck_assert_str_eq(why.text, "--scheme: unknown scheme 'date' (auto, time, git, describe or tree)");
}
END_TEST

START_TEST(jobs_and_timeouts_from_options_or_environment)
{
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
	ck_assert_uint_eq(parsed.jobs, OPTIONS_JOBS_DEFAULT);
	ck_assert(parsed.lock_timeout < 0);
	ck_assert(parsed.call_timeout == OPTIONS_CALL_TIMEOUT_DEFAULT);
	options_free(&parsed);
	ck_assert_int_eq(PARSE("--jobs=32", "--lock-timeout=1.5m", "--call-timeout", "2h", "-t", "app", "."), 0);
	ck_assert_uint_eq(parsed.jobs, 32);
	ck_assert(parsed.lock_timeout == 90);
	ck_assert(parsed.call_timeout == 7200);
	options_free(&parsed);
	set_environment("KIMB_JOBS=1", "KIMB_LOCK_TIMEOUT=0", "KIMB_CALL_TIMEOUT=1d", NULL);
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
	ck_assert_uint_eq(parsed.jobs, 1);
	ck_assert(parsed.lock_timeout == 0);
	ck_assert(parsed.call_timeout == 86400);
	options_free(&parsed);
	set_environment("KIMB_JOBS=x", "KIMB_LOCK_TIMEOUT=x", "KIMB_CALL_TIMEOUT=0", NULL);
	ck_assert_int_eq(PARSE("--jobs=2", "--lock-timeout=3s", "--call-timeout=4", "-t", "app", "."), 0);
	ck_assert_uint_eq(parsed.jobs, 2);
	ck_assert(parsed.lock_timeout == 3);
	ck_assert(parsed.call_timeout == 4);
}
END_TEST

/* --keep-within takes a duration; --protect repeats, and its variable gives globs comma-separated,
 * which a --protect given replaces. Both mean something for prune too. */
START_TEST(keep_within_and_protect)
{
	ck_assert_int_eq(PARSE("-t", "app", "."), 0);
	ck_assert(parsed.keep_within == 0);
	ck_assert_uint_eq(parsed.protect.count, 0);
	options_free(&parsed);
	ck_assert_int_eq(PARSE("--keep-within=2h", "--protect", "v*", "-t", "app", "--protect=release-*", "."), 0);
	ck_assert(parsed.keep_within == 7200);
	ck_assert_uint_eq(parsed.protect.count, 2);
	ck_assert_str_eq(parsed.protect.words[0], "v*");
	ck_assert_str_eq(parsed.protect.words[1], "release-*");
	options_free(&parsed);
	set_environment("KIMB_KEEP_WITHIN=1d", "KIMB_PROTECT=v*,stable", NULL);
	ck_assert_int_eq(PARSE("prune", "app"), 0);
	ck_assert(parsed.keep_within == 86400);
	ck_assert_uint_eq(parsed.protect.count, 2);
	ck_assert_str_eq(parsed.protect.words[0], "v*");
	ck_assert_str_eq(parsed.protect.words[1], "stable");
	options_free(&parsed);
	ck_assert_int_eq(PARSE("--protect=x", "--keep-within=30", "prune", "app"), 0);
	ck_assert(parsed.keep_within == 30);
	ck_assert_uint_eq(parsed.protect.count, 1);
	ck_assert_str_eq(parsed.protect.words[0], "x");
	options_free(&parsed);
	set_environment("KIMB_PROTECT=v*,,x", NULL);
	assert_usage_error(PARSE("-t", "app", "."), "KIMB_PROTECT: 'v*,,x' holds an empty pattern");
	set_environment(NULL, NULL);
	assert_usage_error(PARSE("--protect=", "-t", "app", "."), "--protect: '' holds an empty pattern");
	assert_usage_error(PARSE("--keep-within=soon", "-t", "app", "."), "--keep-within: 'soon' is not a duration");
}
END_TEST

START_TEST(bad_jobs_and_timeouts_are_usage_errors)
{
	assert_usage_error(PARSE("--jobs=0", "-t", "app", "."), "--jobs: '0' is not a whole number from 1 to 32");
	assert_usage_error(PARSE("--jobs=33", "-t", "app", "."), "--jobs: '33' is not a whole number from 1 to 32");
	assert_usage_error(PARSE("--keep=-1", "-t", "app", "."), "--keep: '-1' is not a whole number >= 0");
	assert_usage_error(PARSE("--lock-timeout=1y", "-t", "app", "."),
			   "--lock-timeout: '1y' is not a duration (seconds, or a number and s, m, h or d, up to a year)");
	assert_usage_error(PARSE("--lock-timeout=367d", "-t", "app", "."), "--lock-timeout: '367d' is not a duration");
	assert_usage_error(PARSE("--call-timeout=0s", "-t", "app", "."),
			   "--call-timeout: '0s' is no time at all: give a duration above 0");
	assert_usage_error(PARSE("--call-timeout=.", "-t", "app", "."), "--call-timeout: '.' is not a duration");
	set_environment("KIMB_JOBS=99", NULL);
	assert_usage_error(PARSE("-t", "app", "."), "KIMB_JOBS: '99' is not a whole number from 1 to 32");
	set_environment("KIMB_CALL_TIMEOUT=0", NULL);
	assert_usage_error(PARSE("-t", "app", "."), "KIMB_CALL_TIMEOUT: '0' is no time at all");
	set_environment("KIMB_LOCK_TIMEOUT=soon", NULL);
	assert_usage_error(PARSE("prune", "app"), "KIMB_LOCK_TIMEOUT: 'soon' is not a duration");
}
END_TEST

/* The table is sorted, as the lookup by name needs: an option out of order would not be found. */
START_TEST(kimb_options_are_sorted_and_found)
{
	bool takes_value;
	const char *previous = NULL, *name;
	for (size_t i = 0; (name = options_kimb_option(i, &takes_value)); previous = name, i++) {
		ck_assert_msg(!previous || strcmp(previous, name) < 0, "--%s comes after --%s", name, previous);
		/* One not found would pass on to the build, its value attached. */
		char word[64];
		snprintf(word, sizeof word, "--%s=x", name);
		if (PARSE(word, "-t", "app", ".") == 0)
			for (size_t j = 0; j < parsed.build_args.count; j++)
				ck_assert_str_ne(parsed.build_args.words[j], word);
		else
			ck_assert_msg(!strstr(why.text, "unknown option"), "--%s is not found: %s", name, why.text);
		options_free(&parsed);
	}
}
END_TEST

/* --help lists every option of the table with its value, and every variable that gives one a
 * default, within 80 columns. */
START_TEST(kimb_options_are_all_in_help)
{
	char *help = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&help, &size);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(options_write_help(out), 0);
	ck_assert_int_eq(fclose(out), 0);
	bool takes_value;
	const char *name;
	for (size_t i = 0; (name = options_kimb_option(i, &takes_value)); i++) {
		char spelling[64];
		snprintf(spelling, sizeof spelling, " --%s%s", name, takes_value ? "=" : " ");
		ck_assert_msg(strstr(help, spelling), "--help does not list --%s:\n%s", name, help);
	}
	ck_assert_ptr_nonnull(strstr(help, "\n  -h, --help "));
	static const char *const variables[] = {"KIMB_BUILDER",      "KIMB_CALL_TIMEOUT", "KIMB_JOBS",
						"KIMB_KEEP",         "KIMB_LOCK_TIMEOUT", "KIMB_SCHEME"};
	for (size_t i = 0; i < sizeof variables / sizeof variables[0]; i++)
		ck_assert_msg(strstr(help, variables[i]), "--help does not name %s", variables[i]);
	for (const char *line = help; *line; line += strcspn(line, "\n") + 1) {
		ck_assert_msg(strcspn(line, "\n") <= 80, "wider than 80 columns: %.*s", (int)strcspn(line, "\n"), line);
		ck_assert_msg(line[strcspn(line, "\n")] == '\n', "the last line has no newline");
	}
	free(help);
}
END_TEST

Suite *options_suite(void)
{
	Suite *suite = suite_create("options");
	TCase *tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, minimal_build);
	tcase_add_test(tc, skip_workloads_takes_kinds);
	tcase_add_test(tc, iidfile_is_taken_out_of_the_build_flags);
	tcase_add_test(tc, every_value_flag_in_every_spelling);
	tcase_add_test(tc, every_boolean_flag);
	tcase_add_test(tc, global_flags_are_kept_apart_in_every_spelling);
	tcase_add_test(tc, combined_short_flags_pass_as_given_unless_mixed);
	tcase_add_test(tc, combined_short_flag_takes_next_argument);
	tcase_add_test(tc, double_dash_ends_flags);
	tcase_add_test(tc, a_value_may_look_like_a_flag);
	tcase_add_test(tc, dash_alone_is_a_path);
	tcase_add_test(tc, targets_are_distinct_normalized_repositories_in_order);
	tcase_add_test(tc, explicit_latest_counts_as_given);
	tcase_add_test(tc, kimb_options_in_both_spellings_anywhere);
	tcase_add_test(tc, the_last_of_quiet_and_verbose_wins);
	tcase_add_test(tc, environment_fills_in_and_options_win);
	tcase_add_test(tc, no_prune_wins_over_kimb_prune);
	tcase_add_test(tc, empty_environment_values_are_unset);
	tcase_add_test(tc, bad_environment_values_are_usage_errors);
	tcase_add_test(tc, relative_directories_are_usage_errors);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, reasons_quoting_words_stay_one_line);
	tcase_add_test(tc, prune_takes_repositories);
	tcase_add_test(tc, prune_ignores_scheme_from_environment);
	tcase_add_test(tc, prune_usage_errors);
	tcase_add_test(tc, prune_is_only_the_first_word);
	tcase_add_test(tc, options_and_global_flags_before_prune);
	tcase_add_test(tc, build_spelled_as_kim_spells_it);
	tcase_add_test(tc, unknown_long_flags_pass_on_with_their_value_attached);
	tcase_add_test(tc, typos_of_kimb_options_are_caught);
	tcase_add_test(tc, dry_run_with_no_prune_is_a_usage_error);
	tcase_add_test(tc, help_and_version_win);
	tcase_add_test(tc, builder_choice_defaults_to_auto);
	tcase_add_test(tc, builder_choice_from_option_or_environment);
	tcase_add_test(tc, builder_choice_is_never_read_inside_a_value);
	tcase_add_test(tc, unknown_builder_is_a_usage_error);
	tcase_add_test(tc, builder_option_is_consumed_by_the_parser);
	tcase_add_test(tc, tags_name_targets_for_every_builder);
	tcase_add_test(tc, short_names_are_qualified_as_the_builder_does);
	tcase_add_test(tc, flag_values_are_recorded_in_every_spelling);
	tcase_add_test(tc, complete_needs_nothing_and_ends_the_parsing);
	tcase_add_test(tc, complete_reads_the_builder_before_it_only);
	tcase_add_test(tc, kimb_options_are_listed);
	tcase_add_test(tc, the_environment_is_kept);
	tcase_add_test(tc, every_scheme_by_its_name_only);
	tcase_add_test(tc, jobs_and_timeouts_from_options_or_environment);
	tcase_add_test(tc, bad_jobs_and_timeouts_are_usage_errors);
	tcase_add_test(tc, keep_within_and_protect);
	tcase_add_test(tc, kimb_options_are_sorted_and_found);
	tcase_add_test(tc, kimb_options_are_all_in_help);
	suite_add_tcase(suite, tc);
	return suite;
}
