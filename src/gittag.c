/* SPDX-License-Identifier: Apache-2.0 */
#include "gittag.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "array.h"
#include "buildscope.h"
#include "cleanfilter.h"
#include "workstate.h"
#include "xalloc.h"

/* git never abbreviates a commit ID below 7 digits, even when core.abbrev asks for fewer. */
#define GIT_MINIMUM_ABBREV 7

/* A dirty work tree's tag: the commit, "-dirty." and a hash of its changes. */
#define DIRTY_SEPARATOR "-dirty."
#define DIRTY_DIGITS 7

/* The variables in which CI systems name the commit they build, which may be checked out without
 * a work tree kimb can read (a tarball, another owner's checkout, a URL context). */
static const char *const ci_commit_variables[] = {
	ENV_NAME(GITHUB_SHA),           /* GitHub Actions */
	ENV_NAME(CI_COMMIT_SHA),        /* GitLab CI, Woodpecker */
	ENV_NAME(GIT_COMMIT),           /* Jenkins */
	ENV_NAME(BUILDKITE_COMMIT),     /* Buildkite */
	ENV_NAME(CIRCLE_SHA1),          /* CircleCI */
	ENV_NAME(TRAVIS_COMMIT),        /* Travis CI */
	ENV_NAME(BITBUCKET_COMMIT),     /* Bitbucket Pipelines */
	ENV_NAME(DRONE_COMMIT_SHA),     /* Drone */
	ENV_NAME(BUILD_SOURCEVERSION),  /* Azure Pipelines */
	ENV_NAME(SEMAPHORE_GIT_SHA),    /* Semaphore */
	ENV_NAME(APPVEYOR_REPO_COMMIT), /* AppVeyor */
	NULL,
};

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

/* HEAD_COMMIT as SCHEME names it in *NAME (malloc'd): its ID abbreviated as git abbreviates it
 * (git), or as git describe --tags --long --always shows it (describe): the nearest tag, the commits
 * since and the abbreviated ID, or the abbreviated ID alone when no tag is reachable. The long form
 * names the commit even when a tag points at it: a tag that moves (nightly) or is called latest
 * would otherwise name two builds. */
static int name_commit(enum tag_scheme scheme, git_object *head_commit, char **name)
{
	size_t digits = 0;
	int error = abbreviation_length(head_commit, &digits);
	if (error != 0)
		return error;
	if (scheme != SCHEME_DESCRIBE) {
		/* A longer prefix of a unique prefix is unique too. */
		*name = xstrndup(git_oid_tostr_s(git_object_id(head_commit)), digits);
		return 0;
	}
	git_describe_options options;
	git_describe_format_options format;
	git_describe_result *result = NULL;
	git_buf text = GIT_BUF_INIT;
	if ((error = git_describe_options_init(&options, GIT_DESCRIBE_OPTIONS_VERSION)) != 0 ||
	    (error = git_describe_format_options_init(&format, GIT_DESCRIBE_FORMAT_OPTIONS_VERSION)) != 0)
		return error;
	options.describe_strategy = GIT_DESCRIBE_TAGS;
	options.show_commit_oid_as_fallback = 1;
	format.abbreviated_size = (unsigned int)digits;
	format.always_use_long_format = 1;
	error = git_describe_commit(&result, head_commit, &options);
	/* libgit2 (1.5) walks the parents a shallow clone lacks; a CI checkout is often one. */
	if (error != 0 && git_repository_is_shallow(git_object_owner(head_commit)) == 1)
		git_error_set_str(GIT_ERROR_INVALID, "a shallow clone (git clone --depth, as many CI systems check out), "
						     "whose history kimb cannot describe; fetch it whole (git fetch "
						     "--unshallow --tags) or use --scheme=git");
	if (error == 0)
		error = git_describe_format(&text, result, &format);
	if (error == 0)
		*name = xstrndup(text.ptr, text.size);
	git_buf_dispose(&text);
	git_describe_result_free(result);
	return error;
}

/* The build's scope as the work tree WORK_TREE (ending with a slash) sees it. */
struct tree_scope {
	struct workstate_scope state;
	const char *work_tree;
	const struct buildscope *build;
	char **relative; /* malloc'd: the paths in the work tree, relative to it */
	size_t count;
	const char **outside; /* the paths outside it */
	size_t outside_count;
};

/* workstate's EXCLUDES: whether the build leaves out PATH, relative to the work tree. */
static bool excludes_path(const char *path, void *payload)
{
	const struct tree_scope *scope = payload;
	size_t length = strlen(path);
	char *full = xprintf("%s%.*s", scope->work_tree, (int)(length && path[length - 1] == '/' ? length - 1 : length),
			     path);
	bool excluded = buildscope_excludes(scope->build, full);

	free(full);
	return excluded;
}

static void make_tree_scope(struct tree_scope *scope, git_repository *repository, const struct buildscope *build)
{
	const char *work_tree = git_repository_workdir(repository);
	size_t length = strlen(work_tree);

	*scope = (struct tree_scope){.work_tree = work_tree, .build = build};
	for (size_t i = 0; i < build->count; i++) {
		const char *path = build->paths[i];
		if (is_in_work_tree(repository, path)) {
			char *relative = xstrdup(strlen(path) < length ? "" : path + length);
			array_append(&scope->relative, &scope->count, sizeof relative, &relative);
		} else {
			array_append(&scope->outside, &scope->outside_count, sizeof path, &path);
		}
	}
	scope->state = (struct workstate_scope){
		.paths = {(const char *const *)scope->relative, scope->count},
		.excludes = excludes_path,
		.payload = scope,
		.outside = scope->outside,
		.outside_count = scope->outside_count,
	};
}

static void free_tree_scope(struct tree_scope *scope)
{
	for (size_t i = 0; i < scope->count; i++)
		free(scope->relative[i]);
	free(scope->relative);
	free(scope->outside);
}

/* Sets *TAG (malloc'd) to NAME, and when REPOSITORY's work tree differs from HEAD_COMMIT within
 * SCOPE, DIRTY_SEPARATOR and the first DIRTY_DIGITS digits of the hash of how. Returns 0, or a
 * libgit2 error. */
static int compose_git_tag(char **tag, const char *name, git_repository *repository, git_object *head_commit,
			   const struct tree_scope *scope)
{
	git_tree *head_tree;
	git_oid state_hash;
	bool dirty = false;
	int error = git_commit_tree(&head_tree, (git_commit *)head_commit);

	if (error == 0)
		error = workstate_hash(repository, head_tree, &scope->state, &dirty, &state_hash);
	git_tree_free(head_tree);
	if (error == 0)
		*tag = dirty ? xprintf("%s%s%.*s", name, DIRTY_SEPARATOR, DIRTY_DIGITS, git_oid_tostr_s(&state_hash))
			     : xstrdup(name);
	return error;
}

/* The object HEAD_COMMIT has at PATH (relative; "" for its tree) into *OBJECT. */
static int object_at(git_object **object, git_object *head_commit, const char *path)
{
	if (path[0] == '\0') {
		git_tree *tree;
		int error = git_commit_tree(&tree, (git_commit *)head_commit);
		*object = (git_object *)tree;
		return error;
	}
	return git_object_lookup_bypath(object, head_commit, path, GIT_OBJECT_ANY);
}

/* --scheme=tree's name in *NAME (malloc'd): the ID of the tree HEAD_COMMIT has at the context (the
 * first path of SCOPE), abbreviated as git abbreviates it; when the build also reads other paths of
 * the work tree (a Dockerfile outside the context), "." and DIRTY_DIGITS digits of a hash of the
 * IDs HEAD has there, so that a change there at HEAD gives another name. */
static int name_tree(git_object *head_commit, const struct tree_scope *scope, const char *shown_path, char **name)
{
	git_object *context = NULL;
	git_buf short_id = GIT_BUF_INIT;
	int error = object_at(&context, head_commit, scope->relative[0]);

	if (error == GIT_ENOTFOUND)
		git_error_set(GIT_ERROR_INVALID, "HEAD has no directory %s; commit it, or use --scheme=git",
			      shown_path);
	if (error == 0)
		error = git_object_short_id(&short_id, context);
	if (error != 0) {
		git_object_free(context);
		git_buf_dispose(&short_id);
		return error;
	}
	size_t digits = short_id.size < GIT_MINIMUM_ABBREV ? GIT_MINIMUM_ABBREV : short_id.size;
	*name = xstrndup(git_oid_tostr_s(git_object_id(context)), digits);
	git_buf_dispose(&short_id);
	git_object_free(context);
	if (scope->count < 2)
		return 0;
	char *records = xstrdup("");
	for (size_t i = 1; i < scope->count && error == 0; i++) {
		git_object *object = NULL;
		error = object_at(&object, head_commit, scope->relative[i]);
		const char *id = error == 0 ? git_oid_tostr_s(git_object_id(object)) : "none";
		if (error == GIT_ENOTFOUND) {
			git_error_clear();
			error = 0;
		}
		char *longer = xprintf("%s%zu:%s %s\n", records, strlen(scope->relative[i]), scope->relative[i], id);
		free(records);
		records = longer;
		git_object_free(object);
	}
	git_oid hash;
	if (error == 0)
		error = git_odb_hash(&hash, records, strlen(records), GIT_OBJECT_BLOB);
	if (error == 0) {
		char *longer = xprintf("%s.%.*s", *name, DIRTY_DIGITS, git_oid_tostr_s(&hash));
		free(*name);
		*name = longer;
	}
	free(records);
	return error;
}

/* The git tag of the work tree holding PATH (resolved), named SHOWN_PATH in reasons. Sets
 * *NOT_GIT when PATH is in no work tree or HEAD has no commit: the cases auto falls back on. */
/* Whether PATH lies in a repository git refuses to read for its owner, which libgit2 (1.5) reports
 * as no repository at all, while discovery, which does not check owners, finds it: then a line
 * with git's own advice, the directory to trust by safe.directory. */
static bool says_other_owner(const char *path, const char *shown_path, struct message *why)
{
	git_buf found = GIT_BUF_INIT;
	struct stat status;
	if (git_repository_discover(&found, path, 0, NULL) != 0) {
		git_buf_dispose(&found);
		return false;
	}
	char *top = xstrndup(found.ptr, found.size);
	git_buf_dispose(&found);
	size_t length = strlen(top);
	while (length > 1 && top[length - 1] == '/')
		top[--length] = '\0';
	if (length > 5 && strcmp(top + length - 5, "/.git") == 0)
		top[length - 5] = '\0';
	bool other = stat(top, &status) == 0 && status.st_uid != geteuid();
	if (other)
		message_add(why,
			    "%s: the git repository %s is owned by another user, and git reads it only when trusted; "
			    "if you trust it: git config --global --add safe.directory %s",
			    shown_path, top, top);
	free(top);
	return other;
}

static char *work_tree_tag(enum tag_scheme scheme, const char *path, const char *shown_path,
			   const struct flag_value *flags, size_t flag_count, bool *not_git, struct message *why)
{
	struct buildscope build = {0};
	struct tree_scope scope = {0};
	git_repository *repository = NULL;
	git_reference *head = NULL;
	git_object *head_commit = NULL;
	char *name = NULL;
	char *tag = NULL;
	/* No GIT_REPOSITORY_OPEN_FROM_ENV: GIT_DIR and friends describe the user's shell, not PATH. */
	int error = git_repository_open_ext(&repository, path, 0, NULL);

	if ((error == GIT_ENOTFOUND || error == GIT_EOWNER) && says_other_owner(path, shown_path, why)) {
		*not_git = true;
		goto done;
	}
	if (error == GIT_ENOTFOUND || (error == 0 && !is_in_work_tree(repository, path))) {
		*not_git = true;
		message_add(why, "%s is not in a git work tree", shown_path);
		goto done;
	}
	if (error == 0)
		error = git_repository_head(&head, repository);
	if (error == GIT_EUNBORNBRANCH) {
		*not_git = true;
		message_add(why, "%s: HEAD has no commit yet", shown_path);
		goto done;
	}
	if (error == 0)
		error = git_reference_peel(&head_commit, head, GIT_OBJECT_COMMIT);
	/* Read where the tag is git's alone: elsewhere the build's files are the builder's business. */
	if (error == 0 && buildscope_read(&build, path, flags, flag_count, why) != 0)
		goto done;
	if (error == 0)
		make_tree_scope(&scope, repository, &build);
	if (error == 0 && scheme == SCHEME_TREE)
		error = name_tree(head_commit, &scope, shown_path, &name);
	else if (error == 0)
		error = name_commit(scheme, head_commit, &name);
	if (error == 0)
		error = compose_git_tag(&tag, name, repository, head_commit, &scope);
	if (error != 0) {
		const git_error *reason = git_error_last();

		message_add(why, "%s: %s", shown_path,
			    reason && reason->message ? reason->message : "libgit2 failed without saying why");
	}
done:
	free_tree_scope(&scope);
	buildscope_free(&build);
	free(name);
	git_object_free(head_commit);
	git_reference_free(head);
	git_repository_free(repository);
	return tag;
}

static char *git_scheme_tag(enum tag_scheme scheme, const char *context, const struct flag_value *flags,
			    size_t flag_count, const char *temporary_directory, bool *not_git, struct message *why)
{
	*not_git = false;
	/* kim reads an empty PATH as the working directory */
	if (context[0] == '\0')
		context = ".";
	char *path = realpath(context, NULL);
	if (!path) {
		message_add(why, "%s: %s", context, strerror(errno));
		return NULL;
	}
	if (git_libgit2_init() < 0 || cleanfilter_register(temporary_directory) != 0) {
		message_add(why, "cannot initialize libgit2");
		git_libgit2_shutdown();
		free(path);
		return NULL;
	}
	char *tag = work_tree_tag(scheme, path, context, flags, flag_count, not_git, why);
	git_libgit2_shutdown();
	free(path);
	return tag;
}

/* Docker's reading of a build context: stdin, a directory that exists, else a URL that git or
 * HTTP fetches. */
static bool is_remote_context(const char *context)
{
	static const char *const prefixes[] = {"http://", "https://", "git://", "git@", "ssh://", "github.com/"};
	struct stat status;
	if (strcmp(context, "-") == 0)
		return true;
	if (stat(context, &status) == 0)
		return false;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strncmp(context, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Sets *TAG to the commit the first CI variable that is set names, abbreviated as git abbreviates
 * it, or leaves it NULL when none is set. Returns 0, or -1 when the variable holds no commit ID. */
static int ci_commit_tag(const struct environment *environment, char **tag, struct message *why)
{
	*tag = NULL;
	for (const char *const *variable = ci_commit_variables; *variable; variable++) {
		const char *value = env_named(environment, *variable);
		if (!value || !*value)
			continue;
		size_t length = strspn(value, "0123456789abcdefABCDEF");
		if (value[length] || length < GIT_MINIMUM_ABBREV || length > 64) {
			message_add(why, "%s='%s' is not a commit ID (7 to 64 hex digits)", *variable, value);
			return -1;
		}
		*tag = xstrndup(value, GIT_MINIMUM_ABBREV);
		for (char *c = *tag; *c; c++)
			if (*c >= 'A' && *c <= 'F')
				*c = (char)(*c - 'A' + 'a');
		return 0;
	}
	return 0;
}

/* gittag_prepare where the context gave no git tag, for REASON (NOT_GIT: it is in no work tree
 * or HEAD has no commit). */
static int prepare_without_git_tag(enum tag_scheme scheme, bool not_git, const char *reason,
				   const struct environment *environment, char **git_tag, struct message *why)
{
	/* What git cannot tell, the CI system may: the commit it checked out. */
	if (not_git && scheme != SCHEME_DESCRIBE && scheme != SCHEME_TREE) {
		if (ci_commit_tag(environment, git_tag, why) < 0)
			return -1;
		if (*git_tag)
			return 0;
	}
	if (scheme == SCHEME_AUTO && not_git) {
		/* Only a repository the user could trust is worth a word: other contexts are plainly
		 * not git's. */
		if (strstr(reason, "safe.directory"))
			message_add(why, "%s; tagging with the time instead", reason);
		return 0;
	}
	if (scheme == SCHEME_DESCRIBE && not_git)
		message_add(why, "--scheme=describe: %s (describe reads tags there)", reason);
	else if (scheme == SCHEME_TREE && not_git)
		message_add(why, "--scheme=tree: %s (tree reads the context's tree at HEAD); use --scheme=time", reason);
	else
		message_add(why, "--scheme=%s: %s%s", tagscheme_names[scheme], reason,
			    not_git ? "; set a CI commit variable such as GITHUB_SHA, or use --scheme=time" : "");
	return -1;
}

/* Whether the local build CONTEXT is a directory, said in WHY when it is not: the build context,
 * not the scheme that read it first, is what the user must mend. */
static int examine_local_context(const char *context, struct message *why)
{
	struct stat status;
	const char *path = context[0] ? context : "."; /* kim reads an empty PATH as the working directory */
	if (stat(path, &status) != 0) {
		int error = errno;
		message_add(why, "the build context %s: %s; name the directory to build (PATH)", path, strerror(error));
		return -1;
	}
	if (!S_ISDIR(status.st_mode)) {
		message_add(why, "the build context %s is not a directory; name the directory to build (PATH)", path);
		return -1;
	}
	return 0;
}

int gittag_prepare(enum tag_scheme scheme, const char *context, const struct flag_value *flags, size_t flag_count,
		   const struct environment *environment, char **git_tag, struct message *why)
{
	bool not_git = false;
	struct message reason = {0};

	*git_tag = NULL;
	if (scheme == SCHEME_TIME)
		return 0;
	bool remote = is_remote_context(context);
	if (!remote && examine_local_context(context, why) < 0)
		return -1;
	if (remote) {
		not_git = true;
		message_add(&reason, "the context %s is %s, not a directory of a git work tree", context,
			    strcmp(context, "-") == 0 ? "standard input" : "a URL");
	} else {
		*git_tag = git_scheme_tag(scheme, context, flags, flag_count, env_get(environment, ENV_TMPDIR), &not_git,
					  &reason);
	}
	int status = *git_tag ? 0
			      : prepare_without_git_tag(scheme, not_git, reason.text ? reason.text : "", environment,
							git_tag, why);
	message_free(&reason);
	return status;
}
