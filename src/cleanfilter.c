/* SPDX-License-Identifier: Apache-2.0 */
#include "cleanfilter.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/filter.h>

#include "process.h"
#include "xalloc.h"

#define FILTER_NAME "kimb-filter-driver"

/* The driver a file's filter attribute names, as check found it. */
struct driver {
	char *name;
	char *clean; /* its clean command */
	bool required;
};

/* The filter libgit2 calls, with the directory its temporary files go to. PARENT comes first:
 * libgit2 knows the filter by it. */
struct clean_filter {
	git_filter parent;
	char temporary_directory[PATH_MAX];
};

/* A file on its way through the clean command: what libgit2 wrote of it, and where the result goes.
 * PARENT comes first: libgit2 knows the stream by it. */
struct clean_stream {
	git_writestream parent;
	git_writestream *next;
	const char *temporary_directory;
	const struct driver *driver;
	const git_filter_source *source;
	char *bytes;
	size_t length;
};

static void free_driver(struct driver *driver)
{
	if (!driver)
		return;
	free(driver->name);
	free(driver->clean);
	free(driver);
}

/* Reads filter.NAME.KEY of CONFIG: a string into *TEXT (malloc'd, NULL when unset or empty), or
 * with TEXT NULL a boolean into *FLAG (false when unset). Returns 0, or a libgit2 error. */
static int read_driver_setting(const git_config *config, const char *name, const char *key, char **text, bool *flag)
{
	char *variable = xprintf("filter.%s.%s", name, key);
	git_buf value = GIT_BUF_INIT;
	int boolean = 0;
	int error = text ? git_config_get_string_buf(&value, config, variable)
			 : git_config_get_bool(&boolean, config, variable);

	if (error == GIT_ENOTFOUND) {
		git_error_clear();
		error = 0;
	}
	if (text)
		*text = error == 0 && value.size > 0 ? xstrndup(value.ptr, value.size) : NULL;
	else
		*flag = boolean != 0;
	git_buf_dispose(&value);
	free(variable);
	return error;
}

/* Takes the files whose filter attribute names a driver with a clean command, when they go into
 * the repository (the way a hash is taken), and leaves the others. */
static int check(git_filter *self, void **payload, const git_filter_source *source, const char **values)
{
	git_config *config = NULL;
	struct driver *driver = xcalloc(1, sizeof *driver);

	(void)self;
	if (git_filter_source_mode(source) != GIT_FILTER_CLEAN || git_attr_value(values[0]) != GIT_ATTR_VALUE_STRING) {
		free(driver);
		return GIT_PASSTHROUGH;
	}
	driver->name = xstrdup(values[0]);
	int error = git_repository_config_snapshot(&config, git_filter_source_repo(source));
	if (error == 0)
		error = read_driver_setting(config, driver->name, "clean", &driver->clean, NULL);
	if (error == 0)
		error = read_driver_setting(config, driver->name, "required", NULL, &driver->required);
	git_config_free(config);
	if (error == 0 && !driver->clean)
		error = GIT_PASSTHROUGH;
	if (error == 0)
		*payload = driver;
	else
		free_driver(driver);
	return error;
}

static void cleanup(git_filter *self, void *payload)
{
	(void)self;
	free_driver(payload);
}

/* TEXT quoted for the shell, malloc'd: the shell reads it as one word. */
static char *quoted(const char *text)
{
	char *word = xmalloc(4 * strlen(text) + 3);
	char *end = word;

	*end++ = '\'';
	for (const char *c = text; *c; c++) {
		if (*c == '\'') {
			memcpy(end, "'\\''", 4);
			end += 4;
		} else {
			*end++ = *c;
		}
	}
	memcpy(end, "'", 2);
	return word;
}

/* The shell command that runs CLEAN in WORK_TREE on the file INPUT, malloc'd: %f in CLEAN is PATH,
 * quoted, and %% a %, as git expands them. */
static char *shell_command(const char *clean, const char *work_tree, const char *input, const char *path)
{
	char *quoted_path = quoted(path);
	size_t path_length = strlen(quoted_path);
	char *expanded = xmalloc(strlen(clean) * (path_length + 1) + 1);
	char *end = expanded;

	for (const char *c = clean; *c; c++) {
		if (c[0] == '%' && c[1] == 'f') {
			memcpy(end, quoted_path, path_length);
			end += path_length;
		} else {
			*end++ = *c;
		}
		c += c[0] == '%' && (c[1] == 'f' || c[1] == '%');
	}
	*end = '\0';
	char *quoted_work_tree = quoted(work_tree);
	char *quoted_input = quoted(input);
	char *command = xprintf("cd %s && exec <%s && %s", quoted_work_tree, quoted_input, expanded);
	free(quoted_input);
	free(quoted_work_tree);
	free(expanded);
	free(quoted_path);
	return command;
}

/* Writes the LENGTH bytes at BYTES to a new temporary file in DIRECTORY, whose path it returns
 * (malloc'd), or NULL with errno. */
static char *write_temporary_file(const char *directory, const char *bytes, size_t length)
{
	char *path = xprintf("%s/kimb-clean.XXXXXX", directory);
	int fd = mkstemp(path);
	size_t written = 0;

	while (fd >= 0 && written < length) {
		ssize_t count = write(fd, bytes + written, length - written);
		if (count < 0 && errno != EINTR)
			break;
		written += count > 0 ? (size_t)count : 0;
	}
	int saved_errno = errno;
	if (fd >= 0 && (close(fd) != 0 || written < length)) {
		saved_errno = written < length ? saved_errno : errno;
		(void)unlink(path); /* ours, and of no use */
		fd = -1;
	}
	if (fd < 0) {
		free(path);
		errno = saved_errno;
		return NULL;
	}
	return path;
}

/* Runs the driver's clean command on STREAM's bytes into RESULT (to be freed with process_result_free).
 * Returns NULL, or why the command could not run or failed (malloc'd). */
static char *run_clean(const struct clean_stream *stream, struct process_result *result)
{
	const char *path = git_filter_source_path(stream->source);
	const char *work_tree = git_repository_workdir(git_filter_source_repo(stream->source));
	char *input = write_temporary_file(stream->temporary_directory, stream->bytes ? stream->bytes : "", stream->length);
	char reason[256] = "too many commands running";

	memset(result, 0, sizeof *result);
	if (!input)
		return xprintf("%s: cannot write a temporary file for filter.%s.clean: %s", path, stream->driver->name,
			       strerror(errno));
	char *command = shell_command(stream->driver->clean, work_tree ? work_tree : ".", input, path);
	struct command shell = {.output = PROCESS_CAPTURE_BOTH};
	command_add_words(&shell, (const char *const[]){"sh", "-c", command}, 3);
	int started = process_run(&shell, result);
	command_free(&shell);
	(void)unlink(input); /* ours, and read */
	free(input);
	free(command);
	if (started == 0 && result->outcome == PROCESS_EXITED && result->status == 0)
		return NULL;
	if (started == 0)
		process_describe(result, "it", reason, sizeof reason);
	const char *said = result->errors ? result->errors : "";
	return xprintf("%s: filter.%s.clean (%s) failed: %s%s%.*s", path, stream->driver->name, stream->driver->clean,
		       reason, *said ? ": " : "", (int)strcspn(said, "\n"), said);
}

static int write_stream(git_writestream *parent, const char *buffer, size_t length)
{
	struct clean_stream *stream = (struct clean_stream *)parent;

	stream->bytes = xrealloc(stream->bytes, stream->length + length + 1);
	memcpy(stream->bytes + stream->length, buffer, length);
	stream->length += length;
	return 0;
}

/* The first failure of a required driver's clean command since cleanfilter_failure last said one
 * (malloc'd), or NULL. A filter that fails makes libgit2 (1.5) lose what it was filtering: so the
 * filter never fails, and this tells. */
static char *required_failure;

/* Passes the cleaned file on; a failed command, the file as it is, and for a required driver the
 * failure to tell. */
static int close_stream(git_writestream *parent)
{
	struct clean_stream *stream = (struct clean_stream *)parent;
	struct process_result result;
	char *failure = run_clean(stream, &result);
	int error = failure ? stream->next->write(stream->next, stream->bytes ? stream->bytes : "", stream->length)
			    : stream->next->write(stream->next, result.output, result.output_length);

	if (error == 0)
		error = stream->next->close(stream->next);
	if (failure && stream->driver->required && !required_failure)
		required_failure = failure;
	else
		free(failure);
	process_result_free(&result);
	return error;
}

static void free_stream(git_writestream *parent)
{
	struct clean_stream *stream = (struct clean_stream *)parent;

	free(stream->bytes);
	free(stream);
}

static int open_stream(git_writestream **out, git_filter *self, void **payload, const git_filter_source *source,
		       git_writestream *next)
{
	struct clean_stream *stream = xcalloc(1, sizeof *stream);

	stream->parent = (git_writestream){write_stream, close_stream, free_stream};
	stream->temporary_directory = ((const struct clean_filter *)self)->temporary_directory;
	stream->next = next;
	stream->driver = *payload;
	stream->source = source;
	*out = &stream->parent;
	return 0;
}

static struct clean_filter filter = {
	.parent =
		{
			.version = GIT_FILTER_VERSION,
			.attributes = "filter",
			.check = check,
			.stream = open_stream,
			.cleanup = cleanup,
		},
	.temporary_directory = "/tmp",
};

int cleanfilter_register(const char *temporary_directory)
{
	const char *directory = temporary_directory && *temporary_directory ? temporary_directory : "/tmp";
	if (strlen(directory) >= sizeof filter.temporary_directory)
		directory = "/tmp";
	strcpy(filter.temporary_directory, directory);
	/* libgit2 forgets its filters when it shuts down. */
	if (git_filter_lookup(FILTER_NAME))
		return 0;
	return git_filter_register(FILTER_NAME, &filter.parent, GIT_FILTER_DRIVER_PRIORITY);
}

bool cleanfilter_registered(void)
{
	return git_filter_lookup(FILTER_NAME) != NULL;
}

int cleanfilter_failure(void)
{
	if (!required_failure)
		return 0;
	git_error_set_str(GIT_ERROR_FILTER, required_failure);
	free(required_failure);
	required_failure = NULL;
	return -1;
}
