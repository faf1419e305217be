#include "tagscheme.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

/* The largest buffer a time tag may need, marker and NUL included. A tag longer than the tag grammar
 * allows is still made (the caller checks the grammar and says why it is refused), but a format
 * that expands without bound must not make us allocate without bound. */
#define TIME_TAG_BUFFER_LIMIT 4096
#define TIME_TAG_BUFFER_START 64

/* git never abbreviates a commit ID below 7 digits, even when core.abbrev asks for fewer. */
#define GIT_MINIMUM_ABBREV 7

#define DIRTY_SUFFIX "-dirty"

static const char *const scheme_names[] = {
	[SCHEME_AUTO] = "auto",
	[SCHEME_TIME] = "time",
	[SCHEME_GIT] = "git",
};

int tagscheme_from_name(const char *name, enum tag_scheme *out)
{
	for (size_t i = 0; i < sizeof scheme_names / sizeof scheme_names[0]; i++) {
		if (strcmp(name, scheme_names[i]) == 0) {
			*out = (enum tag_scheme)i;
			return 0;
		}
	}
	return -1;
}

/* Callers print WHY as one line, so a reason quoting a path or a libgit2 message with a newline
 * is cut there. */
static void set_why(char *why, size_t why_size, const char *format, ...)
{
	va_list arguments;

	va_start(arguments, format);
	vsnprintf(why, why_size, format, arguments);
	va_end(arguments);
	why[strcspn(why, "\n")] = '\0';
}

static char *time_tag(const char *format, time_t now, char *why, size_t why_size)
{
	struct tm utc;

	if (!gmtime_r(&now, &utc)) {
		set_why(why, why_size, "cannot express the time %jd in UTC", (intmax_t)now);
		return NULL;
	}

	/* strftime returns 0 both for an empty result and for one that does not fit: a leading
	 * marker, cut off afterwards, tells the two apart. */
	size_t format_length = strlen(format);
	char *marked_format = malloc(format_length + 2);
	if (!marked_format) {
		set_why(why, why_size, "out of memory");
		return NULL;
	}
	marked_format[0] = '#';
	memcpy(marked_format + 1, format, format_length + 1);

	char *tag = NULL;
	size_t length = 0;
	for (size_t size = TIME_TAG_BUFFER_START; length == 0 && size <= TIME_TAG_BUFFER_LIMIT; size *= 2) {
		char *grown = realloc(tag, size);
		if (!grown) {
			set_why(why, why_size, "out of memory");
			free(tag);
			free(marked_format);
			return NULL;
		}
		tag = grown;
		length = strftime(tag, size, marked_format, &utc);
	}
	free(marked_format);

	if (length <= 1) {
		if (length == 0)
			set_why(why, why_size, "the time format makes a tag longer than %d bytes: \"%s\"",
				TIME_TAG_BUFFER_LIMIT - 2, format);
		else
			set_why(why, why_size, "the time format makes an empty tag: \"%s\"", format);
		free(tag);
		return NULL;
	}
	memmove(tag, tag + 1, length);
	return tag;
}

/* Whether PATH (resolved, without a trailing slash) is DIRECTORY or lies below it. DIRECTORY ends
 * with a slash, as libgit2 spells directories. */
static bool is_within(const char *path, const char *directory)
{
	size_t length = strlen(directory) - 1;

	return strncmp(path, directory, length) == 0 && (path[length] == '\0' || path[length] == '/');
}

/* libgit2 also finds a repository from inside its git directory, and reports a work tree for it
 * that may not hold PATH (core.worktree). */
static bool is_in_work_tree(git_repository *repository, const char *path)
{
	const char *work_tree = git_repository_workdir(repository);

	return work_tree && is_within(path, work_tree) && !is_within(path, git_repository_path(repository));
}

/* Sets *DIRTY when a tracked file differs from HEAD in the index or the work tree. Untracked and
 * ignored files are left out, and so are submodules: their state is another repository's. */
static int find_changes(git_repository *repository, bool *dirty)
{
	git_status_options options;
	git_status_list *changes;
	int error = git_status_options_init(&options, GIT_STATUS_OPTIONS_VERSION);

	if (error < 0)
		return error;
	options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	error = git_status_list_new(&changes, repository, &options);
	if (error < 0)
		return error;
	*dirty = git_status_list_entrycount(changes) > 0;
	git_status_list_free(changes);
	return 0;
}

/* How many digits of HEAD_COMMIT's ID git shows: core.abbrev, at least 7, and unique. */
static int abbreviation_length(git_object *head_commit, size_t *digits)
{
	git_buf short_id = GIT_BUF_INIT;
	int error = git_object_short_id(&short_id, head_commit);

	if (error == 0)
		*digits = short_id.size < GIT_MINIMUM_ABBREV ? GIT_MINIMUM_ABBREV : short_id.size;
	git_buf_dispose(&short_id);
	return error;
}

static char *compose_git_tag(git_object *head_commit, size_t digits, bool dirty)
{
	const char *suffix = dirty ? DIRTY_SUFFIX : "";
	char *tag = malloc(digits + strlen(suffix) + 1);

	if (tag) {
		/* A longer prefix of a unique prefix is unique too. */
		memcpy(tag, git_oid_tostr_s(git_object_id(head_commit)), digits);
		strcpy(tag + digits, suffix);
	}
	return tag;
}

/* The git tag of the work tree holding PATH (resolved), named SHOWN_PATH in reasons. Sets
 * *NOT_GIT when PATH is in no work tree or HEAD has no commit: the cases auto falls back on. */
static char *work_tree_tag(const char *path, const char *shown_path, bool *not_git, char *why, size_t why_size)
{
	git_repository *repository = NULL;
	git_reference *head = NULL;
	git_object *head_commit = NULL;
	size_t digits = 0;
	bool dirty = false;
	char *tag = NULL;
	/* No GIT_REPOSITORY_OPEN_FROM_ENV: GIT_DIR and friends describe the user's shell, not PATH. */
	int error = git_repository_open_ext(&repository, path, 0, NULL);

	if (error == GIT_ENOTFOUND || (error == 0 && !is_in_work_tree(repository, path))) {
		*not_git = true;
		set_why(why, why_size, "%s is not in a git work tree", shown_path);
		goto done;
	}
	if (error == 0)
		error = git_repository_head(&head, repository);
	if (error == GIT_EUNBORNBRANCH) {
		*not_git = true;
		set_why(why, why_size, "%s: HEAD has no commit yet", shown_path);
		goto done;
	}
	if (error == 0)
		error = git_reference_peel(&head_commit, head, GIT_OBJECT_COMMIT);
	if (error == 0)
		error = abbreviation_length(head_commit, &digits);
	if (error == 0)
		error = find_changes(repository, &dirty);
	if (error != 0) {
		const git_error *reason = git_error_last();

		set_why(why, why_size, "%s: %s", shown_path,
			reason && reason->message ? reason->message : "libgit2 failed without saying why");
		goto done;
	}
	tag = compose_git_tag(head_commit, digits, dirty);
	if (!tag)
		set_why(why, why_size, "out of memory");
done:
	git_object_free(head_commit);
	git_reference_free(head);
	git_repository_free(repository);
	return tag;
}

static char *git_scheme_tag(const char *context, bool *not_git, char *why, size_t why_size)
{
	struct stat status;

	*not_git = false;
	/* kim reads an empty PATH as the working directory */
	if (context[0] == '\0')
		context = ".";
	if (stat(context, &status) != 0) {
		set_why(why, why_size, "%s: %s", context, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(status.st_mode)) {
		set_why(why, why_size, "%s: not a directory", context);
		return NULL;
	}
	char *path = realpath(context, NULL);
	if (!path) {
		set_why(why, why_size, "%s: %s", context, strerror(errno));
		return NULL;
	}
	if (git_libgit2_init() < 0) {
		set_why(why, why_size, "cannot initialize libgit2");
		free(path);
		return NULL;
	}
	char *tag = work_tree_tag(path, context, not_git, why, why_size);
	git_libgit2_shutdown();
	free(path);
	return tag;
}

char *tagscheme_make(enum tag_scheme scheme, const char *time_format, const char *context, time_t now,
		     char *why, size_t why_size)
{
	bool not_git;
	char *tag;

	switch (scheme) {
	case SCHEME_TIME:
		return time_tag(time_format, now, why, why_size);
	case SCHEME_GIT:
		return git_scheme_tag(context, &not_git, why, why_size);
	case SCHEME_AUTO:
		tag = git_scheme_tag(context, &not_git, why, why_size);
		return tag || !not_git ? tag : time_tag(time_format, now, why, why_size);
	}
	set_why(why, why_size, "unknown tag scheme %d", (int)scheme);
	return NULL;
}

int tagscheme_time_of(const char *tag, const char *format, struct tm *out)
{
	memset(out, 0, sizeof *out);
	const char *rest = strptime(tag, format, out);

	return rest && *rest == '\0' ? 0 : -1;
}

int tagscheme_compare_times(const struct tm *a, const struct tm *b)
{
	const int a_fields[] = {a->tm_year, a->tm_mon, a->tm_mday, a->tm_hour, a->tm_min, a->tm_sec};
	const int b_fields[] = {b->tm_year, b->tm_mon, b->tm_mday, b->tm_hour, b->tm_min, b->tm_sec};

	for (size_t i = 0; i < sizeof a_fields / sizeof a_fields[0]; i++)
		if (a_fields[i] != b_fields[i])
			return a_fields[i] < b_fields[i] ? -1 : 1;
	return 0;
}
