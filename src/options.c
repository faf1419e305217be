#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "reference.h"
#include "xalloc.h"

enum kimb_option {
	OPT_BUILDER,
	OPT_SCHEME,
	OPT_TIME_FORMAT,
	OPT_KEEP,
	OPT_LOCK_TIMEOUT,
	OPT_CALL_TIMEOUT,
	OPT_JOBS,
	OPT_NO_PRUNE,
	OPT_JSON,
	OPT_DRY_RUN,
	OPT_HELP,
	OPT_VERSION,
	OPT_COMPLETE,
};

struct kimb_option_spec {
	const char *name;
	enum kimb_option option;
	bool takes_value;
};

/* Long only, so that they can never collide with a builder's one-letter flags. */
static const struct kimb_option_spec kimb_options[] = {
	{"builder", OPT_BUILDER, true},
	{"scheme", OPT_SCHEME, true},
	{"time-format", OPT_TIME_FORMAT, true},
	{"keep", OPT_KEEP, true},
	{"lock-timeout", OPT_LOCK_TIMEOUT, true},
	{"call-timeout", OPT_CALL_TIMEOUT, true},
	{"jobs", OPT_JOBS, true},
	{"no-prune", OPT_NO_PRUNE, false},
	{"json", OPT_JSON, false},
	{"dry-run", OPT_DRY_RUN, false},
	{"help", OPT_HELP, false},
	{"version", OPT_VERSION, false},
	{"complete", OPT_COMPLETE, true},
};

/* The values of --complete, indexed by enum completion. */
static const char *const completion_names[] = {
	[COMPLETE_OPTIONS] = "options",
	[COMPLETE_BUILDERS] = "builders",
	[COMPLETE_SCHEMES] = "schemes",
	[COMPLETE_GLOBAL_FLAGS] = "global-flags",
	[COMPLETE_BUILD_FLAGS] = "build-flags",
	[COMPLETE_REPOSITORIES] = "repositories",
};

struct parser {
	int argc;
	char *const *argv;
	int next;
	const struct builder *builder;
	struct options *out;
	char *why;
	size_t why_size;
	bool scheme_given;
	bool keep_given;
	bool jobs_given;
	bool lock_timeout_given;
	bool call_timeout_given;
	/* Only reading where --builder stands: unknown flags are taken for booleans, no value is
	 * checked and nothing is required. */
	bool lenient;
	/* Until the first word that is neither kimb's option nor a global flag, a subcommand may
	 * come: prune, or one of the builder's spellings of build. */
	bool command_open;
	bool image_given;   /* "image" came, "build" must follow */
	bool no_prune_given;
	const char *builder_choice; /* the last --builder value */
	const char **named; /* build: the -t values; prune: the REPOSITORY arguments */
	size_t named_count;
};

/* Words quoted from the command line may hold any character; a reason stays one line. */
static void keep_one_line(char *why)
{
	for (char *c = why; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(p->why, p->why_size, format, args);
	va_end(args);
	keep_one_line(p->why);
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

static int set_scheme(struct parser *p, const char *value, const char *source)
{
	if (tagscheme_from_name(value, &p->out->scheme) < 0)
		return fail(p, "%s: unknown scheme '%s' (auto, time, git or describe)", source, value);
	return 0;
}

static int set_keep(struct parser *p, const char *value, const char *source)
{
	if (parse_whole_number(value, &p->out->keep) < 0)
		return fail(p, "%s: '%s' is not a whole number >= 0", source, value);
	return 0;
}

static int set_jobs(struct parser *p, const char *value, const char *source)
{
	if (parse_whole_number(value, &p->out->jobs) < 0 || p->out->jobs < 1 || p->out->jobs > OPTIONS_JOBS_MAX)
		return fail(p, "%s: '%s' is not a whole number from 1 to %d", source, value, OPTIONS_JOBS_MAX);
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

static int set_duration(struct parser *p, double *seconds, const char *value, const char *source)
{
	if (parse_duration(value, seconds) < 0)
		return fail(p, "%s: '%s' is not a duration (seconds, or a number and s, m, h or d, up to a year)",
			    source, value);
	return 0;
}

/* A call that may never end needs a limit above 0: 0 would stop every call at once. */
static int set_call_timeout(struct parser *p, const char *value, const char *source)
{
	if (set_duration(p, &p->out->call_timeout, value, source) < 0)
		return -1;
	return p->out->call_timeout > 0 ? 0 : fail(p, "%s: '%s' is no time at all: give a duration above 0", source, value);
}

static int set_completion(struct parser *p, const char *value)
{
	p->out->command = COMMAND_COMPLETE;
	for (size_t i = 0; i < sizeof completion_names / sizeof completion_names[0]; i++)
		if (strcmp(value, completion_names[i]) == 0) {
			p->out->completion = (enum completion)i;
			return 0;
		}
	return fail(p, "--complete: unknown value '%s' (options, builders, schemes, global-flags, build-flags or "
		       "repositories)",
		    value);
}

/* Whether COMMAND ends the parsing: the words after it are not read. */
static bool ends_parsing(enum command command)
{
	return command == COMMAND_HELP || command == COMMAND_VERSION || command == COMMAND_COMPLETE;
}

static const char *take_next_argument(struct parser *p)
{
	return p->next < p->argc ? p->argv[p->next++] : NULL;
}

/* An option of kimb's that takes VALUE (never NULL). */
static int apply_valued_option(struct parser *p, enum kimb_option option, const char *value)
{
	if (option == OPT_BUILDER) {
		/* Taken where it stands as an option only: options_builder_choice reads it with the
		 * flags of the builder it names, which decide which words are values. */
		p->builder_choice = value;
		return 0;
	}
	if (p->lenient) {
		/* Heard while only --builder is looked for, as --help is: no --builder after it counts. */
		if (option == OPT_COMPLETE)
			p->out->command = COMMAND_COMPLETE;
		return 0;
	}
	switch (option) {
	case OPT_SCHEME:
		p->scheme_given = true;
		return set_scheme(p, value, "--scheme");
	case OPT_TIME_FORMAT:
		if (!*value)
			return fail(p, "--time-format is empty");
		p->out->time_format = value;
		return 0;
	case OPT_KEEP:
		p->keep_given = true;
		return set_keep(p, value, "--keep");
	case OPT_LOCK_TIMEOUT:
		p->lock_timeout_given = true;
		return set_duration(p, &p->out->lock_timeout, value, "--lock-timeout");
	case OPT_CALL_TIMEOUT:
		p->call_timeout_given = true;
		return set_call_timeout(p, value, "--call-timeout");
	case OPT_JOBS:
		p->jobs_given = true;
		return set_jobs(p, value, "--jobs");
	case OPT_COMPLETE:
		return set_completion(p, value);
	default:
		return fail(p, "internal error: option %d takes no value", (int)option);
	}
}

/* An option of kimb's that takes no value. */
static int apply_flag_option(struct parser *p, enum kimb_option option)
{
	/* --help and --version are heard even while only --builder is looked for: they need no
	 * builder, and so must work whatever KIMB_BUILDER says. */
	if (p->lenient && option != OPT_HELP && option != OPT_VERSION)
		return 0;
	switch (option) {
	case OPT_NO_PRUNE:
		p->no_prune_given = true;
		p->out->no_prune = true;
		return 0;
	case OPT_DRY_RUN:
		p->out->dry_run = true;
		return 0;
	case OPT_JSON:
		p->out->json = true;
		return 0;
	case OPT_HELP:
		p->out->command = COMMAND_HELP;
		return 0;
	case OPT_VERSION:
		p->out->command = COMMAND_VERSION;
		return 0;
	default:
		return fail(p, "internal error: option %d takes a value", (int)option);
	}
}

static int apply_kimb_option(struct parser *p, const struct kimb_option_spec *spec, const char *inline_value)
{
	const char *value = inline_value;
	if (!spec->takes_value)
		return value ? fail(p, "--%s takes no value", spec->name) : apply_flag_option(p, spec->option);
	if (!value && !(value = take_next_argument(p)))
		return fail(p, "--%s needs a value", spec->name);
	return apply_valued_option(p, spec->option, value);
}

static const struct kimb_option_spec *find_kimb_option(const char *name, size_t length)
{
	for (size_t i = 0; i < sizeof kimb_options / sizeof kimb_options[0]; i++)
		if (strlen(kimb_options[i].name) == length && memcmp(kimb_options[i].name, name, length) == 0)
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

/* A long flag kimb does not know reaches the build as written when its value is attached: the
 * value cannot then be mistaken for PATH, and the builder judges the flag. */
static int pass_unknown_long(struct parser *p, const char *arg, const char *name, size_t length, const char *value)
{
	if (p->out->command == COMMAND_PRUNE)
		return fail(p, "unknown option for prune: --%.*s", (int)length, name);
	if (!value)
		return fail(p, "unknown option --%.*s for %s build: if %s knows it, write --%.*s=VALUE "
			       "(--%.*s=true for a switch) to pass it on",
			    (int)length, name, p->builder->name, p->builder->name, (int)length, name, (int)length, name);
	push_word(&p->out->build_args, arg);
	return 0;
}

static int parse_long(struct parser *p, const char *arg)
{
	const char *name = arg + 2;
	const char *equals = strchr(name, '=');
	size_t length = equals ? (size_t)(equals - name) : strlen(name);
	const char *value = equals ? equals + 1 : NULL;

	const struct kimb_option_spec *own = find_kimb_option(name, length);
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
		if (!(flag = find_builder_flag(p, NULL, 0, *end, &list)))
			return -1;
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
		int result = 0;
		if (flags_ended || arg[0] != '-' || arg[1] == '\0') {
			if (p->command_open && !flags_ended)
				result = take_command_word(p, arg);
			result = result < 0 ? -1 : result == 1 ? 0 : parse_positional(p, arg);
		} else if (strcmp(arg, "--") == 0)
			flags_ended = true, result = 0;
		else if (strcmp(arg, "-h") == 0)
			result = apply_flag_option(p, OPT_HELP);
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
	const struct environment *environment = &p->out->environment;
	const char *value;
	if (check_absolute_directory(p, ENV_KIMB_LOCK_DIR) < 0 || check_absolute_directory(p, ENV_KIMB_STATE_DIR) < 0)
		return -1;
	if (!p->lock_timeout_given && (value = env_nonempty(environment, ENV_KIMB_LOCK_TIMEOUT)) &&
	    set_duration(p, &p->out->lock_timeout, value, "KIMB_LOCK_TIMEOUT") < 0)
		return -1;
	if (!p->call_timeout_given && (value = env_nonempty(environment, ENV_KIMB_CALL_TIMEOUT)) &&
	    set_call_timeout(p, value, "KIMB_CALL_TIMEOUT") < 0)
		return -1;
	if (p->out->command == COMMAND_BUILD && !p->scheme_given &&
	    (value = env_nonempty(environment, ENV_KIMB_SCHEME)) && set_scheme(p, value, "KIMB_SCHEME") < 0)
		return -1;
	if (!p->keep_given && (value = env_nonempty(environment, ENV_KIMB_KEEP)) && set_keep(p, value, "KIMB_KEEP") < 0)
		return -1;
	if (!p->jobs_given && (value = env_nonempty(environment, ENV_KIMB_JOBS)) && set_jobs(p, value, "KIMB_JOBS") < 0)
		return -1;
	return 0;
}

static int check_required(struct parser *p)
{
	if (p->out->command == COMMAND_PRUNE) {
		if (p->scheme_given)
			return fail(p, "--scheme has no meaning for prune");
		if (p->no_prune_given)
			return fail(p, "--no-prune has no meaning for prune");
		return p->named_count ? 0 : fail(p, "prune needs at least one REPOSITORY");
	}
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

static void unknown_builder(const char *source, const char *chosen, char *why, size_t why_size)
{
	int used = snprintf(why, why_size, "%s: unknown builder '%s' (auto", source, chosen);
	for (size_t i = 0; builder_names[i] && used >= 0 && (size_t)used < why_size; i++)
		used += snprintf(why + used, why_size - (size_t)used, ", %s", builder_names[i]);
	if (used >= 0 && (size_t)used < why_size)
		snprintf(why + used, why_size - (size_t)used, ")");
	keep_one_line(why);
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
	char why[8];
	struct parser p = {
		.argc = argc, .argv = argv, .next = 1, .builder = builder, .out = &scratch, .why = why,
		.why_size = sizeof why, .lenient = true, .command_open = true,
	};
	/* Only a missing value can fail here: whatever --builder came before it stands. */
	(void)parse_arguments(&p);
	*informational = scratch.command == COMMAND_HELP || scratch.command == COMMAND_VERSION;
	free(p.named);
	options_free(&scratch);
	return p.builder_choice;
}

int options_builder_choice(int argc, char *const argv[], const struct environment *environment, const char **choice,
			   char *why, size_t why_size)
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
			unknown_builder(given ? "--builder" : env_name(ENV_KIMB_BUILDER), chosen, why, why_size);
			return -1;
		}
		const struct builder *named = builder_of(chosen, environment);
		if (named == reading) {
			*choice = chosen;
			return 0;
		}
		reading = named;
	}
	snprintf(why, why_size, "cannot tell which --builder is meant: with the flags of one builder the command line "
				"names another; write --builder=NAME first");
	return -1;
}

int options_parse(int argc, char *const argv[], const struct builder *builder, const struct environment *environment,
		  struct options *out, char *why, size_t why_size)
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
		.argc = argc, .argv = argv, .next = 1, .builder = builder, .out = out, .why = why, .why_size = why_size,
		.command_open = true,
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

const char *options_kimb_option(size_t i, bool *takes_value)
{
	if (i >= sizeof kimb_options / sizeof kimb_options[0])
		return NULL;
	*takes_value = kimb_options[i].takes_value;
	return kimb_options[i].name;
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
	*options = (struct options){0};
}
