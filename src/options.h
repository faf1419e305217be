/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_OPTIONS_H
#define KIMB_OPTIONS_H

/* kimb's command line: its own long options (one table: their parsers, destinations, variables and
 * --help), the builder's global and build flags (kept exactly as the user spelled them, to be passed
 * on), the repositories to tag and prune, and the build context; and the environment kimb reads,
 * taken once. The variables of kimb's options (KIMB_SCHEME, KIMB_KEEP, ...) and the builder's
 * executable variable fill in what the command line leaves out; KIMB_LOCK_DIR and KIMB_STATE_DIR
 * must be absolute when set. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "builder.h"
#include "env.h"
#include "message.h"
#include "tagscheme.h"
#include "workload.h"

enum kimb_command { COMMAND_BUILD, COMMAND_PRUNE, COMMAND_HELP, COMMAND_VERSION, COMMAND_COMPLETE };

/* What --complete=WHAT prints for the shell completions (complete.h). */
enum completion {
	COMPLETE_OPTIONS,
	COMPLETE_BUILDERS,
	COMPLETE_SCHEMES,
	COMPLETE_GLOBAL_FLAGS,
	COMPLETE_BUILD_FLAGS,
	COMPLETE_REPOSITORIES,
	COMPLETE_WORKLOADS,
};

/* Builder calls that may remove images at once: a default that overlaps a cluster's round trips
 * without crowding it, and a limit well below the runner's. */
#define OPTIONS_JOBS_DEFAULT 4
#define OPTIONS_JOBS_MAX 32

/* How long a listing, an inspection, kubectl or a removal may take before it is stopped: far more
 * than any of them takes on a working cluster or store, so that only a hang reaches it. */
#define OPTIONS_CALL_TIMEOUT_DEFAULT (5 * 60.0)

struct word_list {
	const char **words; /* point into argv, or into strings the options own */
	size_t count;
};

/* A repository named by -t/--tag (build) or as an argument (prune), once per normalized name. */
struct target {
	const char *name;   /* as the user first wrote it, tag cut off: "app" */
	char *repository;   /* normalized: "docker.io/library/app" */
	bool latest_given;  /* build: the user asked for NAME:latest (or NAME without a tag) */
};

/* The value a builder flag was given on the command line ("true" for a boolean given bare). */
struct flag_value {
	const struct flag_spec *flag;
	const char *value;
	bool global;
};

/* --prune: when the images a build replaced are removed. */
enum prune_mode {
	PRUNE_NOW,        /* before kimb exits (the default) */
	PRUNE_BACKGROUND, /* by a detached child, once the build is done (background.h) */
	PRUNE_NEVER,      /* --no-prune */
};

struct options {
	enum kimb_command command;
	enum tag_scheme scheme;
	const char *time_format;
	size_t keep;
	double keep_within;           /* seconds: a prior image younger than this stays; 0: none does */
	struct word_list protect;     /* globs: a tag matching one stays, and so does its image */
	double lock_timeout;          /* seconds to wait for another run's locks; < 0: as long as it takes */
	double call_timeout;          /* seconds each call but the build may take, > 0 */
	size_t jobs;                  /* removals at once, 1 to OPTIONS_JOBS_MAX */
	bool no_prune;
	enum prune_mode prune;        /* no_prune is set for PRUNE_NEVER */
	bool dry_run;
	bool missing_ok;              /* prune: a repository with no image and no record is no failure */
	bool json;                    /* the report as one JSON document on stdout */
	workload_set skip_workloads;  /* the kinds of workloads whose pod templates are not read */
	enum verbosity verbosity;     /* the last of --quiet and --verbose given */
	enum completion completion;   /* COMMAND_COMPLETE: what to print */
	const char *builder_choice;   /* the last --builder given, or else KIMB_BUILDER; NULL for neither */
	const char *executable;       /* the builder to run: its environment variable, else its name */
	struct word_list global_args; /* builder global flags with their values */
	struct word_list build_args;  /* build flags with their values, tags included, in the given order */
	const char *context;          /* build: the one PATH */
	const char *iidfile;          /* build: the builder's --iidfile as the user gave it, kept out of
				       * build_args: kimb passes its own and writes this one */
	struct target *targets;       /* in the order first named */
	size_t target_count;
	char **owned;                 /* words made by splitting mixed short-flag clusters */
	size_t owned_count;
	struct flag_value *flag_values; /* every builder flag given, in the given order */
	size_t flag_value_count;
	struct environment environment; /* every variable kimb reads, as it was when kimb started */
};

/* The builder that --builder (the last one given where an option stands: never in the value of a
 * builder flag, nor after "--") or else KIMB_BUILDER asks for, read before options_parse, which
 * needs that builder's flags. Which words are values depends on the builder's flags: the command
 * line is read with those of the builder the environment (or auto) gives, then with those of the
 * builder it names, until both agree. Returns 0 with *CHOICE set to "auto" or a known builder's
 * name, or -1 with a one-line reason added to WHY. */
int options_builder_choice(int argc, char *const argv[], const struct environment *environment, const char **choice,
			   struct message *why);

/* Parses ARGV for BUILDER, with ENVIRONMENT (env_read's snapshot, kept in OUT). --help, --version
 * and --complete end the parsing: the words after them are not read, and --complete requires
 * nothing of the words before it. Returns 0 with OUT filled (release with options_free; it points
 * into ARGV and where ENVIRONMENT does), or -1 with a one-line reason added to WHY and OUT released. */
int options_parse(int argc, char *const argv[], const struct builder *builder, const struct environment *environment,
		  struct options *out, struct message *why);

/* The Ith of kimb's own long options in their table's order (sorted), without "--", with
 * *TAKES_VALUE set; NULL past the last. */
const char *options_kimb_option(size_t i, bool *takes_value);

/* Writes --help's list of kimb's options to OUT: a heading that names their variables, then each
 * option with its value and what it does, within 80 columns. Returns 0, or -1 when a write failed. */
int options_write_help(FILE *out);

/* The value last given to a builder flag spelled any of LONG_NAMES (NULL-terminated), or NULL. */
const char *options_flag_value(const struct options *options, const char *const *long_names);

void options_free(struct options *options);

#endif
