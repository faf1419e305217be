/* SPDX-License-Identifier: Apache-2.0 */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "message.h"
#include "reference.h"
#include "workload.h"
#include "spelling.h"
#include "xalloc.h"

/* How the value of one of kimb's options is read, and where it goes. */
enum option_type {
	OPTION_SWITCH,     /* no value: sets the bool at DESTINATION, or SET does what it means */
	OPTION_COMMAND,    /* no value: COMMAND sets the command, which ends the parsing */
	OPTION_TEXT,       /* any text, at DESTINATION (const char *) */
	OPTION_NONEMPTY,   /* text that is not empty, at DESTINATION (const char *) */
	OPTION_WHOLE,      /* a whole number from MINIMUM to MAXIMUM, at DESTINATION (size_t) */
	OPTION_DURATION,   /* a duration (parse_duration), at DESTINATION (double) */
	OPTION_TIME_LIMIT, /* a duration above 0, at DESTINATION (double) */
	OPTION_CHOICE,     /* one of CHOICES, by name: CHOOSE records which */
	OPTION_WORKLOADS,  /* kinds of workloads, comma-separated (workload.h), at DESTINATION (workload_set) */
	OPTION_PATTERNS,   /* repeatable: each value a glob (fnmatch(3)) not empty, added to the
			      struct word_list at DESTINATION; its variable gives them comma-separated */
};

/* One of kimb's own options, which carries all there is to know of it, as git's parse-options.h
 * has it: its parser and destination, its variable, its place in --help. Long only, so that they
 * can never collide with a builder's one-letter flags (but for the word -h alone). */
struct kimb_option {
	const char *name; /* without "--" */
	enum option_type type;
	size_t destination; /* offsetof(struct options, ...) */
	size_t minimum;     /* OPTION_WHOLE */
	size_t maximum;
	const char *const *choices; /* OPTION_CHOICE: the names, NULL-terminated */
	const char *choice_noun;    /* what a name is, to say "unknown scheme 'x'" */
	void (*choose)(struct options *options, size_t choice);
	void (*command)(struct options *options); /* OPTION_COMMAND */
	void (*set)(struct options *options);     /* OPTION_SWITCH that sets more than a bool: the last given wins */
	char short_name; /* the word "-h" alone is --help; 0 for none */
	/* The variable that gives the default (ENV_NAME), or NULL: an option given wins over it. */
	const char *variable;
	bool build_only; /* no meaning for prune: refused there, and its variable ignored */
	bool prune_only; /* no meaning for a build: refused there */
	bool read_first; /* read while only --builder is looked for (options_builder_choice) */
	const char *placeholder; /* the value in --help: N in --jobs=N */
	const char *help;        /* --help's text, wrapped there */
};

/* The values of --complete, indexed by enum completion. */
static const char *const completion_names[] = {
	[COMPLETE_OPTIONS] = "options",
	[COMPLETE_BUILDERS] = "builders",
	[COMPLETE_SCHEMES] = "schemes",
	[COMPLETE_GLOBAL_FLAGS] = "global-flags",
	[COMPLETE_BUILD_FLAGS] = "build-flags",
	[COMPLETE_REPOSITORIES] = "repositories",
	[COMPLETE_WORKLOADS] = "workloads",
	NULL,
};

static void choose_scheme(struct options *options, size_t choice)
{
	options->scheme = (enum tag_scheme)choice;
}

/* The values of --prune, indexed by enum prune_mode. */
static const char *const prune_names[] = {
	[PRUNE_NOW] = "now",
	[PRUNE_BACKGROUND] = "background",
	[PRUNE_NEVER] = "never",
	NULL,
};

static void choose_prune(struct options *options, size_t choice)
{
	options->prune = (enum prune_mode)choice;
	options->no_prune = options->prune == PRUNE_NEVER;
}

static void choose_completion(struct options *options, size_t choice)
{
	options->command = COMMAND_COMPLETE;
	options->completion = (enum completion)choice;
}

static void set_quiet(struct options *options)
{
	options->verbosity = VERBOSITY_QUIET;
}

static void set_verbose(struct options *options)
{
	options->verbosity = VERBOSITY_VERBOSE;
}

static void command_help(struct options *options)
{
	options->command = COMMAND_HELP;
}

static void command_version(struct options *options)
{
	options->command = COMMAND_VERSION;
}

#define FIELD(name) offsetof(struct options, name)
#define NUMBER_TEXT(number) TEXT_OF(number)
#define TEXT_OF(text) #text

/* Sorted by name, as find_kimb_option's binary search needs; --help lists them in this order. */
static const struct kimb_option kimb_options[] = {
	{.name = "builder",
	 .type = OPTION_TEXT,
	 .destination = FIELD(builder_choice),
	 .variable = ENV_NAME(KIMB_BUILDER),
	 .read_first = true,
	 .placeholder = "NAME",
	 .help = "auto (default), kim, nerdctl, podman, docker or buildah; auto takes the first of them on PATH"},
	{.name = "call-timeout",
	 .type = OPTION_TIME_LIMIT,
	 .destination = FIELD(call_timeout),
	 .variable = ENV_NAME(KIMB_CALL_TIMEOUT),
	 .placeholder = "D",
	 .help = "stop any call but the build after D (default 5m): a listing stopped removes nothing, a removal "
		 "stopped failed"},
	{.name = "complete",
	 .type = OPTION_CHOICE,
	 .choices = completion_names,
	 .choice_noun = "value",
	 .choose = choose_completion,
	 .read_first = true,
	 .placeholder = "WHAT",
	 .help = "for shell completions: print options, builders, schemes, global-flags, build-flags, repositories or "
		 "workloads (see kimb(1))"},
	{.name = "dry-run",
	 .type = OPTION_SWITCH,
	 .destination = FIELD(dry_run),
	 .help = "say what would be removed and kept; change nothing (a build is not run)"},
	{.name = "help",
	 .type = OPTION_COMMAND,
	 .command = command_help,
	 .short_name = 'h',
	 .read_first = true,
	 .help = "print this help"},
	{.name = "jobs",
	 .type = OPTION_WHOLE,
	 .destination = FIELD(jobs),
	 .minimum = 1,
	 .maximum = OPTIONS_JOBS_MAX,
	 .variable = ENV_NAME(KIMB_JOBS),
	 .placeholder = "N",
	 .help = "up to N removals at once (1 to " NUMBER_TEXT(OPTIONS_JOBS_MAX) ", default " NUMBER_TEXT(
		 OPTIONS_JOBS_DEFAULT) ")"},
	{.name = "json",
	 .type = OPTION_SWITCH,
	 .destination = FIELD(json),
	 .help = "the report as one JSON document on stdout"},
	{.name = "keep",
	 .type = OPTION_WHOLE,
	 .destination = FIELD(keep),
	 .maximum = SIZE_MAX,
	 .variable = ENV_NAME(KIMB_KEEP),
	 .placeholder = "N",
	 .help = "keep the N most recent prior images of each repository (default 0), by creation time (not on kim) "
		 "or time tags"},
	{.name = "keep-within",
	 .type = OPTION_DURATION,
	 .destination = FIELD(keep_within),
	 .variable = ENV_NAME(KIMB_KEEP_WITHIN),
	 .placeholder = "D",
	 .help = "keep every prior image younger than D (as --lock-timeout), by creation time, on kim the time kimb "
		 "built it or its time tag; an image of unknown age is kept"},
	{.name = "lock-timeout",
	 .type = OPTION_DURATION,
	 .destination = FIELD(lock_timeout),
	 .variable = ENV_NAME(KIMB_LOCK_TIMEOUT),
	 .placeholder = "D",
	 .help = "wait at most D (seconds, or with s, m, h, d) for another kimb on a repository (default: as long as "
		 "it takes)"},
	{.name = "missing-ok", .type = OPTION_SWITCH, .destination = FIELD(missing_ok), .prune_only = true,
	 .help = "prune: a REPOSITORY with no image and no record of kimb's is no failure (else status 7)"},
	{.name = "no-prune", .type = OPTION_SWITCH, .destination = FIELD(no_prune), .build_only = true,
	 .help = "build and tag only"},
	{.name = "protect",
	 .type = OPTION_PATTERNS,
	 .destination = FIELD(protect),
	 .variable = ENV_NAME(KIMB_PROTECT),
	 .placeholder = "GLOB",
	 .help = "never remove or untag a tag matching GLOB (v*, release-*), nor its image; repeatable (the "
		 "variable: comma-separated)"},
	{.name = "prune",
	 .type = OPTION_CHOICE,
	 .choices = prune_names,
	 .choice_noun = "value",
	 .choose = choose_prune,
	 .variable = ENV_NAME(KIMB_PRUNE),
	 .build_only = true,
	 .placeholder = "WHEN",
	 .help = "after the build: now (default), remove what it replaced before exiting; background, exit once "
		 "the build is done and prune in a detached child (its log in the state directory, a failure told "
		 "by the next run); never, as --no-prune"},
	{.name = "quiet", .type = OPTION_SWITCH, .set = set_quiet,
	 .help = "say only errors and warnings on stderr (the builder's own quiet flag is -q)"},
	{.name = "scheme",
	 .type = OPTION_CHOICE,
	 .choices = tagscheme_names,
	 .choice_noun = "scheme",
	 .choose = choose_scheme,
	 .variable = ENV_NAME(KIMB_SCHEME),
	 .build_only = true,
	 .placeholder = "SCHEME",
	 .help = "the unique tag: git, the commit of PATH's work tree (with -dirty. and a hash of the changes in "
		 "what the build reads), or outside one the CI's (GITHUB_SHA, CI_COMMIT_SHA, ...); describe, git "
		 "describe --tags --long --always; tree, the git tree of PATH at HEAD, the same for the same "
		 "content; time, the UTC time; auto (default), git where there is a commit, else time"},
	{.name = "skip-workloads",
	 .type = OPTION_WORKLOADS,
	 .destination = FIELD(skip_workloads),
	 .variable = ENV_NAME(KIMB_SKIP_WORKLOADS),
	 .placeholder = "KINDS",
	 .help = "where pods use images (kim; nerdctl in k8s.io), read no pod templates of these kinds of workloads "
		 "(comma-separated: replicationcontrollers, replicasets, deployments, statefulsets, daemonsets, jobs, "
		 "cronjobs): for a cluster that forbids listing them; their images are then not kept"},
	{.name = "time-format",
	 .type = OPTION_NONEMPTY,
	 .destination = FIELD(time_format),
	 .placeholder = "FMT",
	 .help = "strftime format of time tags (default " TAGSCHEME_DEFAULT_TIME_FORMAT "); it must tell every "
		 "second apart: %Y, %m and %d (or %j), %H, %M and %S (or %s), nothing padded with spaces"},
	{.name = "verbose", .type = OPTION_SWITCH, .set = set_verbose,
	 .help = "also print each call kimb makes, shell-quoted, before it runs, and after it its status and time"},
	{.name = "version", .type = OPTION_COMMAND, .command = command_version, .read_first = true,
	 .help = "print kimb's version"},
};

#define KIMB_OPTION_COUNT (sizeof kimb_options / sizeof kimb_options[0])

struct parser {
	int argc;
	char *const *argv;
	int next;
	const struct builder *builder;
	struct options *out;
	struct message *why;
	bool given[KIMB_OPTION_COUNT]; /* which of kimb_options the command line gave */
	/* Only reading where --builder stands: unknown flags are taken for booleans, no value is
	 * checked and nothing is required. */
	bool lenient;
	/* Until the first word that is neither kimb's option nor a global flag, a subcommand may
	 * come: prune, or one of the builder's spellings of build. */
	bool command_open;
	bool image_given;   /* "image" came, "build" must follow */
	const char **named; /* build: the -t values; prune: the REPOSITORY arguments */
	size_t named_count;
};

/* Words quoted from the command line may hold any character; the reason WHY gained from its
 * length SAID on stays one line. */
static void keep_one_line(struct message *why, size_t said)
{
	for (size_t i = said; i < why->length; i++)
		if ((unsigned char)why->text[i] < 0x20 || why->text[i] == 0x7f)
			why->text[i] = '?';
}

__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *format, ...)
{
	size_t said = p->why->length;
	va_list args;
	va_start(args, format);
	message_vadd(p->why, format, args);
	va_end(args);
	keep_one_line(p->why, said);
	return -1;
}

static void push_word(struct word_list *list, const char *word)
{
	array_append(&list->words, &list->count, sizeof word, &word);
}

static void push_named(struct parser *p, const char *name)
{
	array_append(&p->named, &p->named_count, sizeof name, &name);
}

/* Keeps a word the parser made, so that options_free can release it. */
static const char *own_word(struct parser *p, char *word)
{
	array_append(&p->out->owned, &p->out->owned_count, sizeof word, &word);
	return word;
}

static int parse_whole_number(const char *text, size_t *out)
{
	if (!*text)
		return -1;
	for (const char *c = text; *c; c++)
		if (*c < '0' || *c > '9')
			return -1;
	errno = 0;
	unsigned long long value = strtoull(text, NULL, 10);
	if (errno == ERANGE || value > SIZE_MAX)
		return -1;
	*out = (size_t)value;
	return 0;
}

/* A duration as timeout(1) writes it: a non-negative decimal number of seconds, or of minutes,
 * hours or days with the suffix m, h or d (s for seconds too). */
static int parse_duration(const char *text, double *seconds)
{
	static const struct {
		char suffix;
		double seconds;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	const char *end = text + strspn(text, "0123456789");
	size_t digits = (size_t)(end - text);
	if (*end == '.') {
		size_t fraction = strspn(end + 1, "0123456789");
		digits += fraction;
		end += 1 + fraction;
	}
	double unit = 1;
	if (*end) {
		size_t i = 0;
		while (i < sizeof units / sizeof units[0] && units[i].suffix != *end)
			i++;
		if (i == sizeof units / sizeof units[0] || end[1])
			return -1;
		unit = units[i].seconds;
	}
	if (digits == 0)
		return -1;
	double value = strtod(text, NULL) * unit;
	/* Beyond a year kimb might as well wait forever: refused, so that no time_t overflows. */
	if (value > 366 * 86400.0)
		return -1;
	*seconds = value;
	return 0;
}

/* Adds the globs of VALUE, which SOURCE gave, to LIST: VALUE whole from the command line, split at
 * commas from a variable. */
static int add_patterns(struct parser *p, struct word_list *list, const char *value, const char *source)
{
	bool from_variable = source[0] != '-';
	for (const char *start = value;;) {
		size_t length = from_variable ? strcspn(start, ",") : strlen(start);
		if (length == 0)
			return fail(p, "%s: '%s' holds an empty pattern; give globs such as v* or release-*", source,
				    value);
		push_word(list, from_variable ? own_word(p, xstrndup(start, length)) : start);
		if (start[length] == '\0')
			return 0;
		start += length + 1;
	}
}

/* Adds "a, b or c" to TEXT: CHOICES (NULL-terminated, at least one) in a sentence. */
static void add_choices(struct message *text, const char *const *choices)
{
	for (size_t i = 0; choices[i]; i++)
		message_add(text, "%s%s", i == 0 ? "" : choices[i + 1] ? ", " : " or ", choices[i]);
}

/* OPTION, which takes no value, given. */
static void apply_switch(struct parser *p, const struct kimb_option *option)
{
	if (option->type == OPTION_COMMAND)
		option->command(p->out);
	else if (option->set)
		option->set(p->out);
	else
		*(bool *)((char *)p->out + option->destination) = true;
}

/* Gives OPTION, which takes a value, the VALUE that SOURCE (the option as written, or its variable)
 * gave it. */
static int apply_value(struct parser *p, const struct kimb_option *option, const char *value, const char *source)
{
	void *field = (char *)p->out + option->destination;
	switch (option->type) {
	case OPTION_SWITCH:
	case OPTION_COMMAND:
		break;
	case OPTION_NONEMPTY:
		if (!*value)
			return fail(p, "%s is empty", source);
		/* fall through */
	case OPTION_TEXT:
		*(const char **)field = value;
		return 0;
	case OPTION_WHOLE: {
		size_t number;
		if (parse_whole_number(value, &number) == 0 && number >= option->minimum && number <= option->maximum) {
			*(size_t *)field = number;
			return 0;
		}
		if (option->maximum == SIZE_MAX)
			return fail(p, "%s: '%s' is not a whole number >= %zu", source, value, option->minimum);
		return fail(p, "%s: '%s' is not a whole number from %zu to %zu", source, value, option->minimum,
			    option->maximum);
	}
	case OPTION_DURATION:
	case OPTION_TIME_LIMIT: {
		double seconds;
		if (parse_duration(value, &seconds) < 0)
			return fail(p, "%s: '%s' is not a duration (seconds, or a number and s, m, h or d, up to a year)",
				    source, value);
		/* A call that may never end needs a limit above 0: 0 would stop every call at once. */
		if (option->type == OPTION_TIME_LIMIT && !(seconds > 0))
			return fail(p, "%s: '%s' is no time at all: give a duration above 0", source, value);
		*(double *)field = seconds;
		return 0;
	}
	case OPTION_WORKLOADS:
		return workload_parse_set(value, (workload_set *)field, source, p->why);
	case OPTION_CHOICE: {
		for (size_t i = 0; option->choices[i]; i++)
			if (strcmp(value, option->choices[i]) == 0) {
				option->choose(p->out, i);
				return 0;
			}
		struct message choices = {0};
		add_choices(&choices, option->choices);
		int result = fail(p, "%s: unknown %s '%s' (%s)", source, option->choice_noun, value, choices.text);
		message_free(&choices);
		return result;
	}
	case OPTION_PATTERNS:
		return add_patterns(p, field, value, source);
	}
	return fail(p, "internal error: option --%s takes no value", option->name);
}

static bool takes_value(const struct kimb_option *option)
{
	return option->type != OPTION_SWITCH && option->type != OPTION_COMMAND;
}

/* Whether COMMAND ends the parsing: the words after it are not read. */
static bool ends_parsing(enum kimb_command command)
{
	return command == COMMAND_HELP || command == COMMAND_VERSION || command == COMMAND_COMPLETE;
}

static const char *take_next_argument(struct parser *p)
{
	return p->next < p->argc ? p->argv[p->next++] : NULL;
}

/* OPTION, given on the command line with INLINE_VALUE after its '=' (or NULL); a value it takes
 * may be the next word instead. */
static int apply_kimb_option(struct parser *p, const struct kimb_option *option, const char *inline_value)
{
	const char *value = inline_value;
	if (!takes_value(option)) {
		if (value)
			return fail(p, "--%s takes no value", option->name);
	} else if (!value && !(value = take_next_argument(p)))
		return fail(p, "--%s needs a value", option->name);
	/* While only --builder is looked for, the options that need no builder are heard too (--help,
	 * --version, --complete), so that they work whatever KIMB_BUILDER says; no other value is read. */
	if (p->lenient && !option->read_first)
		return 0;
	p->given[option - kimb_options] = true;
	if (!value) {
		apply_switch(p, option);
		return 0;
	}
	char source[64];
	snprintf(source, sizeof source, "--%s", option->name);
	return apply_value(p, option, value, source);
}

struct option_name {
	const char *name;
	size_t length;
};

static int compare_option_name(const void *key, const void *element)
{
	const struct option_name *wanted = key;
	const char *name = ((const struct kimb_option *)element)->name;
	int order = strncmp(wanted->name, name, wanted->length);
	return order ? order : name[wanted->length] ? -1 : 0;
}

/* The option spelled --NAME, NAME being LENGTH bytes (not terminated: "--keep=3"), or NULL. */
static const struct kimb_option *find_kimb_option(const char *name, size_t length)
{
	const struct option_name key = {name, length};
	return bsearch(&key, kimb_options, KIMB_OPTION_COUNT, sizeof kimb_options[0], compare_option_name);
}

/* The option the word -C alone stands for (-h), or NULL. */
static const struct kimb_option *find_short_option(char short_name)
{
	for (size_t i = 0; i < KIMB_OPTION_COUNT; i++)
		if (kimb_options[i].short_name == short_name)
			return &kimb_options[i];
	return NULL;
}

/* What an unknown flag is taken for: a switch while only looking for --builder; a long one is
 * passed on to the build when its value is attached. */
static const struct flag_spec unknown_flag = {"", 0, false};

/* Finds a builder flag and the list its words go to; build flags are refused outside a build. */
static const struct flag_spec *find_builder_flag(struct parser *p, const char *long_name, size_t length,
						 char short_name, struct word_list **list)
{
	const struct builder *b = p->builder;
	const struct flag_spec *flag = long_name ? builder_flag_by_long(b->global_flags, long_name, length)
						 : builder_flag_by_short(b->global_flags, short_name);
	*list = &p->out->global_args;
	if (flag)
		return flag;
	flag = long_name ? builder_flag_by_long(b->build_flags, long_name, length)
			 : builder_flag_by_short(b->build_flags, short_name);
	*list = &p->out->build_args;
	if (flag && !p->lenient && p->out->command == COMMAND_PRUNE) {
		if (long_name)
			fail(p, "prune takes no build flag: --%.*s", (int)length, long_name);
		else
			fail(p, "prune takes no build flag: -%c", short_name);
		return NULL;
	}
	if (!flag && !p->lenient && !long_name) {
		fail(p, "unknown option: -%c", short_name);
		return NULL;
	}
	return flag ? flag : &unknown_flag;
}

static bool is_tag_flag(const struct parser *p, const struct flag_spec *flag)
{
	return strcmp(flag->long_name, p->builder->tag_flag) == 0;
}

/* The builder's --iidfile, where kimb reads the new image's ID from it: kimb always passes a file
 * of its own (a stream the user names could not be read back) and writes the user's afterwards. */
static bool is_iidfile_flag(const struct parser *p, const struct flag_spec *flag, const struct word_list *list)
{
	return list == &p->out->build_args && p->builder->iidfile_flag &&
	       strcmp(flag->long_name, p->builder->iidfile_flag) == 0;
}

/* Keeps VALUE as the last one given to FLAG (a global flag when LIST is the global arguments), and
 * a tag's among the repositories named. */
static void take_value(struct parser *p, const struct flag_spec *flag, const struct word_list *list, const char *value)
{
	struct flag_value given = {flag, value, list == &p->out->global_args};
	if (p->lenient)
		return;
	array_append(&p->out->flag_values, &p->out->flag_value_count, sizeof given, &given);
	if (is_tag_flag(p, flag))
		push_named(p, value);
}

/* Offers GUESS the long names of SPECS. */
static void offer_flags(struct spelling_guess *guess, const struct flag_spec *specs)
{
	for (const struct flag_spec *flag = specs; flag->long_name; flag++)
		spelling_offer(guess, flag->long_name, strlen(flag->long_name));
}

/* A long flag kimb does not know reaches the build as written when its value is attached: the
 * value cannot then be mistaken for PATH, and the builder judges the flag; unless it is a typo of
 * one of kimb's options (--kep=2), which the builder would refuse or, worse, take for another.
 * The builder's tables were looked in first: what they know is never taken for a typo. */
static int pass_unknown_long(struct parser *p, const char *arg, const char *name, size_t length, const char *value)
{
	struct spelling_guess guess = spelling_guess_of(name, length);
	for (size_t i = 0; i < KIMB_OPTION_COUNT; i++)
		spelling_offer(&guess, kimb_options[i].name, strlen(kimb_options[i].name));
	bool kimb_typo = guess.best != NULL;
	/* Where the flag is refused anyway, the builder's flags are worth a guess too. */
	if (!kimb_typo && (!value || p->out->command == COMMAND_PRUNE)) {
		offer_flags(&guess, p->builder->global_flags);
		if (p->out->command != COMMAND_PRUNE)
			offer_flags(&guess, p->builder->build_flags);
	}
	char meant[128] = "";
	if (guess.best)
		snprintf(meant, sizeof meant, "did you mean --%.*s?", (int)guess.best_length, guess.best);
	if (p->out->command == COMMAND_PRUNE)
		return fail(p, "unknown option for prune: --%.*s%s%s", (int)length, name, *meant ? "; " : "", meant);
	if (kimb_typo)
		return fail(p, "unknown option --%.*s: %s", (int)length, name, meant);
	if (!value)
		return fail(p, "unknown option --%.*s for %s build: %s%sif %s knows it, write --%.*s=VALUE "
			       "(--%.*s=true for a switch) to pass it on",
			    (int)length, name, p->builder->name, meant, *meant ? " " : "", p->builder->name, (int)length,
			    name, (int)length, name);
	push_word(&p->out->build_args, arg);
	return 0;
}

static int parse_long(struct parser *p, const char *arg)
{
	const char *name = arg + 2;
	const char *equals = strchr(name, '=');
	size_t length = equals ? (size_t)(equals - name) : strlen(name);
	const char *value = equals ? equals + 1 : NULL;

	const struct kimb_option *own = find_kimb_option(name, length);
	if (own)
		return apply_kimb_option(p, own, value);

	struct word_list *list;
	const struct flag_spec *flag = find_builder_flag(p, name, length, 0, &list);
	if (!flag)
		return -1;
	if (flag == &unknown_flag && !p->lenient)
		return pass_unknown_long(p, arg, name, length, value);
	if (is_iidfile_flag(p, flag, list)) {
		if (!value && !(value = take_next_argument(p)))
			return fail(p, "--%s needs a value", flag->long_name);
		p->out->iidfile = value;
		return 0;
	}
	push_word(list, arg);
	/* A boolean keeps any "=true"/"=false" as given: the builder reads it. */
	if (!flag->takes_value) {
		take_value(p, flag, list, value ? value : "true");
		return 0;
	}
	if (!value) {
		if (!(value = take_next_argument(p)))
			return fail(p, "--%s needs a value", flag->long_name);
		push_word(list, value);
	}
	take_value(p, flag, list, value);
	return 0;
}

/* Re-spells one flag of a cluster like "-qnns" as a word of its own ("-q", "-nns"). */
static const char *single_flag_word(struct parser *p, char short_name, const char *attached_value)
{
	return own_word(p, xprintf("-%c%s", short_name, attached_value ? attached_value : ""));
}

/* Where the cluster ARG was refused, says which of kimb's options it may have been meant for, written
 * with one dash ("-dryrun", "-keep=2"). */
static void suggest_for_cluster(struct parser *p, const char *arg)
{
	const char *name = arg + 1;
	size_t length = strcspn(name, "="), said = p->why->length;
	const struct kimb_option *own = find_kimb_option(name, length);
	struct spelling_guess guess = spelling_guess_of(name, length);
	for (size_t i = 0; !own && i < KIMB_OPTION_COUNT; i++)
		spelling_offer(&guess, kimb_options[i].name, strlen(kimb_options[i].name));
	if (own)
		message_add(p->why, " in %.*s; did you mean --%s?", (int)(length + 1), arg, own->name);
	else if (guess.best)
		message_add(p->why, " in %.*s; did you mean --%.*s?", (int)(length + 1), arg, (int)guess.best_length,
			    guess.best);
	keep_one_line(p->why, said);
}

/* Short flags follow pflag: booleans may be combined ("-aq"), and the first flag that takes a value
 * takes the rest of the word (after an optional '='), or else the next argument. A cluster passes on
 * as written, unless it mixes global and build flags: those go on every call, so it is split. */
static int parse_short_cluster(struct parser *p, const char *arg)
{
	struct word_list *cluster_list = NULL;
	bool mixed = false;
	const char *end = arg + 1;
	const struct flag_spec *flag = NULL;
	for (; *end; end++) {
		struct word_list *list;
		if (!(flag = find_builder_flag(p, NULL, 0, *end, &list))) {
			if (!p->lenient)
				suggest_for_cluster(p, arg);
			return -1;
		}
		mixed |= cluster_list && list != cluster_list;
		cluster_list = list;
		if (flag->takes_value)
			break;
		take_value(p, flag, list, "true");
	}
	struct word_list *list = cluster_list;
	if (!mixed)
		push_word(list, arg);
	for (const char *c = arg + 1; mixed && *c; c++) {
		flag = find_builder_flag(p, NULL, 0, *c, &list);
		push_word(list, single_flag_word(p, *c, flag->takes_value && c[1] ? c + 1 : NULL));
		if (flag->takes_value)
			break;
	}
	if (!flag->takes_value)
		return 0;
	const char *value = end[1] == '=' ? end + 2 : end[1] ? end + 1 : NULL;
	if (!value) {
		if (!(value = take_next_argument(p)))
			return fail(p, "-%c needs a value", *end);
		push_word(list, value);
	}
	take_value(p, flag, list, value);
	return 0;
}

static int parse_positional(struct parser *p, const char *arg)
{
	if (p->out->command == COMMAND_PRUNE) {
		push_named(p, arg);
		return 0;
	}
	if (p->out->context)
		return fail(p, "more than one PATH: '%s' and '%s'", p->out->context, arg);
	p->out->context = arg;
	return 0;
}

/* Whether ARG, the first word that is no option, names the command: prune, or build as kim spells
 * it (build, image build), since kimb replaces "kim build" word for word. Returns 1 when it does, 0 when ARG
 * is PATH, -1 when it is "image" followed by another word. */
static int take_command_word(struct parser *p, const char *arg)
{
	bool build = strcmp(arg, "build") == 0;
	if (p->image_given) {
		p->image_given = false;
		p->command_open = false;
		return build ? 1
			     : fail(p, "'image %s': kimb knows 'image build' only (to build a directory named image, "
				       "write ./image)",
				    arg);
	}
	if (strcmp(arg, "image") == 0) {
		p->image_given = true;
		return 1;
	}
	p->command_open = false;
	if (strcmp(arg, "prune") == 0)
		p->out->command = COMMAND_PRUNE;
	return build || p->out->command == COMMAND_PRUNE;
}

static int parse_arguments(struct parser *p)
{
	bool flags_ended = false;
	while (p->next < p->argc && !ends_parsing(p->out->command)) {
		const char *arg = p->argv[p->next++];
		size_t build_words = p->out->build_args.count;
		const struct kimb_option *short_option = NULL;
		int result = 0;
		if (flags_ended || arg[0] != '-' || arg[1] == '\0') {
			if (p->command_open && !flags_ended)
				result = take_command_word(p, arg);
			result = result < 0 ? -1 : result == 1 ? 0 : parse_positional(p, arg);
		} else if (strcmp(arg, "--") == 0)
			flags_ended = true, result = 0;
		else if (arg[1] != '-' && !arg[2] && (short_option = find_short_option(arg[1])))
			result = apply_kimb_option(p, short_option, NULL);
		else if (arg[1] == '-')
			result = parse_long(p, arg);
		else
			result = parse_short_cluster(p, arg);
		if (result < 0)
			return -1;
		/* A build flag means the build's own words have begun: no subcommand follows. */
		if (p->out->build_args.count != build_words)
			p->command_open = false;
	}
	if (p->image_given && p->out->command != COMMAND_COMPLETE)
		return fail(p, "'image' needs 'build' after it (to build a directory named image, write ./image)");
	return 0;
}

static void add_target(struct parser *p, const struct reference *ref, const char *name)
{
	bool latest = !ref->tag || strcmp(ref->tag, "latest") == 0;
	struct target target = {.name = name, .repository = builder_repository(p->builder, ref), .latest_given = latest};
	for (size_t i = 0; i < p->out->target_count; i++) {
		struct target *known = &p->out->targets[i];
		if (strcmp(known->repository, target.repository) == 0) {
			known->latest_given |= latest;
			free(target.repository);
			return;
		}
	}
	array_append(&p->out->targets, &p->out->target_count, sizeof target, &target);
}

/* Each target's name is a copy without the tag, since argv holds it with the tag. */
static int resolve_targets(struct parser *p)
{
	bool prune = p->out->command == COMMAND_PRUNE;
	for (size_t i = 0; i < p->named_count; i++) {
		struct reference ref;
		const char *why;
		if (reference_parse(p->named[i], &ref, &why) < 0)
			return fail(p, "invalid reference '%s': %s", p->named[i], why);
		int result = 0;
		if (ref.digest)
			result = fail(p, "'%s': %s", p->named[i],
				      prune ? "prune takes repositories, not digests" : "a tag cannot carry a digest");
		else if (prune && ref.tag)
			result = fail(p, "'%s': prune takes repositories, not tags", p->named[i]);
		if (result == 0)
			add_target(p, &ref, own_word(p, xstrdup(ref.name)));
		reference_free(&ref);
		if (result < 0)
			return -1;
	}
	return 0;
}

/* A directory named in the environment VARIABLE must be absolute: a relative one would be another
 * directory in every working directory, where runs would not share their locks or find their
 * record of builds. Empty is unset. */
static int check_absolute_directory(struct parser *p, enum env_variable variable)
{
	const char *value = env_nonempty(&p->out->environment, variable);
	if (value && *value != '/')
		return fail(p, "%s: '%s' is not an absolute path; name the directory from /", env_name(variable), value);
	return 0;
}

/* The variables give the options the command line left out; an empty one is unset. */
static int apply_environment(struct parser *p)
{
	if (check_absolute_directory(p, ENV_KIMB_LOCK_DIR) < 0 || check_absolute_directory(p, ENV_KIMB_STATE_DIR) < 0)
		return -1;
	for (size_t i = 0; i < KIMB_OPTION_COUNT; i++) {
		const struct kimb_option *option = &kimb_options[i];
		if (!option->variable || p->given[i] || (option->build_only && p->out->command != COMMAND_BUILD))
			continue;
		/* --no-prune is --prune=never given on the command line: KIMB_PRUNE must not undo it. */
		if (option->choose == choose_prune && p->out->no_prune)
			continue;
		const char *value = env_named(&p->out->environment, option->variable);
		if (value && *value && apply_value(p, option, value, option->variable) < 0)
			return -1;
	}
	return 0;
}

static int check_required(struct parser *p)
{
	if (p->out->command == COMMAND_PRUNE) {
		for (size_t i = 0; i < KIMB_OPTION_COUNT; i++)
			if (p->given[i] && kimb_options[i].build_only)
				return fail(p, "--%s has no meaning for prune", kimb_options[i].name);
		return p->named_count ? 0 : fail(p, "prune needs at least one REPOSITORY");
	}
	for (size_t i = 0; i < KIMB_OPTION_COUNT; i++)
		if (p->given[i] && kimb_options[i].prune_only)
			return fail(p, "--%s has meaning for prune only", kimb_options[i].name);
	if (p->out->dry_run && p->out->no_prune)
		return fail(p, "--dry-run and --no-prune contradict each other: --dry-run shows what a build would "
			       "remove, --no-prune removes nothing and shows nothing");
	if (!p->out->context)
		return fail(p, "no PATH given: name the build context, as for %s build", p->builder->name);
	if (!p->named_count)
		return fail(p, "no -t/--tag given: kimb needs a repository to tag and prune");
	return 0;
}

static bool is_builder_choice(const char *name)
{
	return strcmp(name, "auto") == 0 || builder_find(name);
}

static void unknown_builder(const char *source, const char *chosen, struct message *why)
{
	size_t said = why->length;
	message_add(why, "%s: unknown builder '%s' (auto", source, chosen);
	for (size_t i = 0; builder_names[i]; i++)
		message_add(why, ", %s", builder_names[i]);
	message_add(why, ")");
	keep_one_line(why, said);
}

/* The builder CHOICE ("auto" or a name) runs: auto's, or the first one when auto finds none, for
 * its flags only. */
static const struct builder *builder_of(const char *choice, const struct environment *environment)
{
	const struct builder *builder =
		strcmp(choice, "auto") == 0 ? builder_detect(environment) : builder_find(choice);
	return builder ? builder : builder_find(builder_names[0]);
}

/* The last --builder that ARGV gives where an option stands, read with BUILDER's flags, or NULL. */
static const char *builder_option(int argc, char *const argv[], const struct builder *builder, bool *informational)
{
	struct options scratch = {.command = COMMAND_BUILD};
	struct message unheeded = {0};
	struct parser p = {
		.argc = argc, .argv = argv, .next = 1, .builder = builder, .out = &scratch, .why = &unheeded,
		.lenient = true, .command_open = true,
	};
	/* Only a missing value can fail here: whatever --builder came before it stands, and
	 * options_parse says what is missing. */
	(void)parse_arguments(&p);
	*informational = scratch.command == COMMAND_HELP || scratch.command == COMMAND_VERSION;
	const char *given = scratch.builder_choice;
	free(p.named);
	message_free(&unheeded);
	options_free(&scratch);
	return given;
}

int options_builder_choice(int argc, char *const argv[], const struct environment *environment, const char **choice,
			   struct message *why)
{
	const char *from_environment = env_nonempty(environment, ENV_KIMB_BUILDER);
	const char *fallback = from_environment ? from_environment : "auto";
	/* Which words are flag values depends on the builder, which --builder names: read with the
	 * flags of the builder the environment gives, then of the one named, until both agree. Each
	 * builder is tried once at most. --help and --version need no builder: a wrong one does not
	 * stop them. */
	const struct builder *reading = builder_of(is_builder_choice(fallback) ? fallback : "auto", environment);
	size_t builder_count = 0;
	while (builder_names[builder_count])
		builder_count++;
	for (size_t tries = 0; tries <= builder_count; tries++) {
		bool informational;
		const char *given = builder_option(argc, argv, reading, &informational);
		const char *chosen = given ? given : fallback;
		if (!is_builder_choice(chosen)) {
			if (informational) {
				*choice = "auto";
				return 0;
			}
			unknown_builder(given ? "--builder" : env_name(ENV_KIMB_BUILDER), chosen, why);
			return -1;
		}
		const struct builder *named = builder_of(chosen, environment);
		if (named == reading) {
			*choice = chosen;
			return 0;
		}
		reading = named;
	}
	message_add(why, "cannot tell which --builder is meant: with the flags of one builder the command line names "
			 "another; write --builder=NAME first");
	return -1;
}

int options_parse(int argc, char *const argv[], const struct builder *builder, const struct environment *environment,
		  struct options *out, struct message *why)
{
	*out = (struct options){
		.command = COMMAND_BUILD,
		.scheme = SCHEME_AUTO,
		.time_format = TAGSCHEME_DEFAULT_TIME_FORMAT,
		.lock_timeout = -1,
		.call_timeout = OPTIONS_CALL_TIMEOUT_DEFAULT,
		.jobs = OPTIONS_JOBS_DEFAULT,
		.environment = *environment,
	};
	struct parser p = {
		.argc = argc, .argv = argv, .next = 1, .builder = builder, .out = out, .why = why, .command_open = true,
	};
	int result = parse_arguments(&p);
	if (result == 0 && !ends_parsing(out->command)) {
		result = check_required(&p);
		if (result == 0)
			result = apply_environment(&p);
		if (result == 0)
			result = resolve_targets(&p);
	}
	if (result == 0)
		out->executable = builder_executable(builder, environment);
	free(p.named);
	if (result < 0)
		options_free(out);
	return result;
}

const char *options_kimb_option(size_t i, bool *takes)
{
	if (i >= KIMB_OPTION_COUNT)
		return NULL;
	*takes = takes_value(&kimb_options[i]);
	return kimb_options[i].name;
}

/* --help's list of options: the column where their texts begin, and the width no line passes. */
#define HELP_TEXT_COLUMN 21
#define HELP_WIDTH 80

/* Writes words to OUT, each on the line being written when it fits, else on the next one, which
 * begins at column INDENT. */
struct help_writer {
	FILE *out;
	size_t column;
	size_t indent;
	bool failed;
};

static void help_write(struct help_writer *w, const char *text, size_t length)
{
	w->failed |= fwrite(text, 1, length, w->out) != length;
	w->column += length;
}

static void help_pad(struct help_writer *w, size_t column)
{
	while (w->column < column)
		help_write(w, " ", 1);
}

static void help_end_line(struct help_writer *w)
{
	help_write(w, "\n", 1);
	w->column = 0;
}

static void help_word(struct help_writer *w, const char *word, size_t length)
{
	bool first = w->column <= w->indent;
	if (!first && w->column + 1 + length > HELP_WIDTH) {
		help_end_line(w);
		first = true;
	}
	help_pad(w, w->indent);
	if (!first)
		help_write(w, " ", 1);
	help_write(w, word, length);
}

static void help_words(struct help_writer *w, const char *text)
{
	const char *word = text;
	while (*(word += strspn(word, " "))) {
		size_t length = strcspn(word, " ");
		help_word(w, word, length);
		word += length;
	}
}

/* "Options (environment: KIMB_X, KIMB_Y; options win):" */
static void help_heading(struct help_writer *w)
{
	help_words(w, "Options (environment:");
	size_t count = 0, listed = 0;
	for (size_t i = 0; i < KIMB_OPTION_COUNT; i++)
		count += kimb_options[i].variable != NULL;
	for (size_t i = 0; i < KIMB_OPTION_COUNT; i++)
		if (kimb_options[i].variable) {
			char word[64];
			snprintf(word, sizeof word, "%s%s", kimb_options[i].variable, ++listed < count ? "," : ";");
			help_word(w, word, strlen(word));
		}
	help_words(w, "options win):");
	help_end_line(w);
}

int options_write_help(FILE *out)
{
	struct help_writer w = {.out = out};
	help_heading(&w);
	for (size_t i = 0; i < KIMB_OPTION_COUNT; i++) {
		const struct kimb_option *option = &kimb_options[i];
		char short_spelling[8] = "", label[64];
		if (option->short_name)
			snprintf(short_spelling, sizeof short_spelling, "-%c, ", option->short_name);
		snprintf(label, sizeof label, "  %s--%s%s%s", short_spelling, option->name, option->placeholder ? "=" : "",
			 option->placeholder ? option->placeholder : "");
		w.indent = 0;
		help_word(&w, label, strlen(label));
		if (w.column + 2 > HELP_TEXT_COLUMN)
			help_end_line(&w);
		w.indent = HELP_TEXT_COLUMN;
		help_words(&w, option->help);
		help_end_line(&w);
	}
	return w.failed ? -1 : 0;
}

const char *options_flag_value(const struct options *options, const char *const *long_names)
{
	for (size_t i = options->flag_value_count; i-- > 0;)
		for (const char *const *name = long_names; *name; name++)
			if (strcmp(options->flag_values[i].flag->long_name, *name) == 0)
				return options->flag_values[i].value;
	return NULL;
}

void options_free(struct options *options)
{
	free(options->global_args.words);
	free(options->build_args.words);
	for (size_t i = 0; i < options->target_count; i++)
		free(options->targets[i].repository);
	free(options->targets);
	for (size_t i = 0; i < options->owned_count; i++)
		free(options->owned[i]);
	free(options->owned);
	free(options->flag_values);
	free(options->protect.words);
	*options = (struct options){0};
}
