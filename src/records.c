/* SPDX-License-Identifier: Apache-2.0 */
#include "records.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "hash.h"
#include "listing_rows.h"
#include "reading.h"
#include "reference.h"
#include "message.h"
#include "xalloc.h"

/* Version 2 begins each line with the time kimb recorded the build; version 1, which has none, is
 * still read (its times unknown), and written over as version 2. */
#define RECORD_MAGIC "kimb-record 2"
#define RECORD_MAGIC_V1 "kimb-record 1"
/* A record larger than this is no record kimb wrote: refused rather than read into memory. */
#define RECORD_SIZE_LIMIT (16 * 1024 * 1024)

static char *join_path(const char *directory, const char *name)
{
	return xprintf("%s/%s", directory, name);
}

char *records_state_directory(const struct environment *environment)
{
	static const struct {
		enum env_variable variable;
		const char *below;
	} places[] = {{ENV_KIMB_STATE_DIR, NULL}, {ENV_XDG_STATE_HOME, "kimb"}, {ENV_HOME, ".local/state/kimb"}};

	for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
		const char *value = env_get(environment, places[i].variable);
		/* A relative one would be another place in every working directory (XDG says: ignore it). */
		if (value && value[0] == '/')
			return places[i].below ? join_path(value, places[i].below) : xstrdup(value);
	}
	return NULL;
}

/* Appends TEXT and a newline to *KEY, which has *LENGTH bytes. */
static void append_line(char **key, size_t *length, const char *text)
{
	size_t text_length = strlen(text);
	char *grown = xrealloc(*key, *length + text_length + 2);
	memcpy(grown + *length, text, text_length);
	*length += text_length;
	grown[(*length)++] = '\n';
	grown[*length] = '\0';
	*key = grown;
}

char *records_store_key(const char *name, const char *const *words, size_t word_count,
			   const char *const *store_environment, const struct environment *environment)
{
	char *key = NULL;
	size_t length = 0;

	append_line(&key, &length, name);
	for (size_t i = 0; i < word_count; i++)
		append_line(&key, &length, words[i]);
	for (const char *const *variable = store_environment; *variable; variable++) {
		const char *value = env_named(environment, *variable);
		append_line(&key, &length, *variable);
		append_line(&key, &length, value ? value : "");
	}
	return key;
}

/* The prefix of a line that records an issued tag: no image line begins with it. */
#define TAG_LINE_PREFIX "tag "

/* Reads one line "tag TAG" of LENGTH bytes into RECORD. Returns 0, or 1 when the line is not one
 * kimb writes. */
static int read_tag_line(const char *line, size_t length, struct record *record)
{
	size_t prefix = strlen(TAG_LINE_PREFIX);
	char *tag = xstrndup(line + prefix, length - prefix);
	int status = reference_tag_is_valid(tag) && record_tag_index(record, tag) < 0 ? 0 : 1;
	if (status == 0)
		array_append(&record->tags, &record->tag_count, sizeof tag, &tag);
	else
		free(tag);
	return status;
}

/* Reads the time a line of version 2 begins with, and the space after it: decimal seconds since
 * the epoch, or "-" for a time unknown. Returns the bytes it takes, or 0 when the line begins with
 * none. */
static size_t read_record_time(const char *line, size_t length, long long *built)
{
	if (length > 2 && line[0] == '-' && line[1] == ' ') {
		*built = -1;
		return 2;
	}
	size_t digits = 0;
	long long value = 0;
	while (digits < length && digits < 18 && line[digits] >= '0' && line[digits] <= '9')
		value = value * 10 + (line[digits++] - '0');
	if (digits == 0 || digits == length || line[digits] != ' ')
		return 0;
	*built = value;
	return digits + 1;
}

/* Reads one line "[TIME ]ID [INTERMEDIATE...]" (the time there when TIMED) or "tag TAG" of LENGTH
 * bytes into RECORD. Returns 0, or 1 when the line is not one kimb writes. */
static int read_record_line(const char *line, size_t length, bool timed, struct record *record)
{
	struct built_image image = {.built = -1};
	if (length > strlen(TAG_LINE_PREFIX) && strncmp(line, TAG_LINE_PREFIX, strlen(TAG_LINE_PREFIX)) == 0)
		return read_tag_line(line, length, record);
	if (timed) {
		size_t taken = read_record_time(line, length, &image.built);
		if (taken == 0)
			return 1;
		line += taken;
		length -= taken;
	}
	size_t words = (length + 1) / (LISTING_ID_MAX + 1);

	if (length == 0 || words * (LISTING_ID_MAX + 1) != length + 1)
		return 1;
	for (size_t i = 0; i < words; i++) {
		const char *word = line + i * (LISTING_ID_MAX + 1);
		if (!listing_is_lower_hex(word, LISTING_ID_MAX) || (i + 1 < words && word[LISTING_ID_MAX] != ' '))
			return 1;
	}
	char *id = xstrndup(line, LISTING_ID_MAX);
	bool again = record_find(record, id) != NULL;
	free(id);
	if (again)
		return 1;
	image.id = xstrndup(line, LISTING_ID_MAX);
	for (size_t i = 1; i < words; i++) {
		char *intermediate = xstrndup(line + i * (LISTING_ID_MAX + 1), LISTING_ID_MAX);
		array_append(&image.intermediates, &image.intermediate_count, sizeof intermediate, &intermediate);
	}
	array_append(&record->images, &record->count, sizeof image, &image);
	return 0;
}

/* The header a record of REPOSITORY in STORE begins with, in the version MAGIC says. Malloc'd. */
static char *record_header(const char *magic, const char *store, const char *repository)
{
	return xprintf("%s\nrepository %s\nstore %016" PRIx64 "\n", magic, repository, hash_text(store));
}

/* Reads the text of RECORD's file, checked on its descriptor to be the user's own and writable by
 * nobody else. Returns the text (malloc'd, *LENGTH bytes and a NUL), or NULL with *PROBLEM set (NULL
 * for a missing file). */
static char *read_trusted_file(const char *path, size_t *length, const char **problem)
{
	static char reason[128];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat status;
	char *text = NULL;

	*problem = NULL;
	if (fd == -1) {
		if (errno != ENOENT) {
			snprintf(reason, sizeof reason, "%s", strerror(errno));
			*problem = reason;
		}
		return NULL;
	}
	if (fstat(fd, &status) == -1)
		snprintf(reason, sizeof reason, "%s", strerror(errno));
	else if (!S_ISREG(status.st_mode) || status.st_uid != geteuid() || (status.st_mode & (S_IWGRP | S_IWOTH)))
		snprintf(reason, sizeof reason, "not a regular file of yours that only you may write");
	else if (status.st_size > RECORD_SIZE_LIMIT)
		snprintf(reason, sizeof reason, "larger than any record kimb writes");
	else
		reason[0] = '\0';
	if (!reason[0]) {
		*length = (size_t)status.st_size;
		text = xmalloc(*length + 1);
		if (pread(fd, text, *length, 0) != (ssize_t)*length) {
			snprintf(reason, sizeof reason, "cannot be read whole");
			free(text);
			text = NULL;
		} else {
			text[*length] = '\0';
		}
	}
	(void)close(fd); /* only read: nothing to lose */
	*problem = reason[0] ? reason : NULL;
	return text;
}

/* Parses TEXT (LENGTH bytes) into RECORD, of STORE and REPOSITORY, in version 2 or 1. Returns 0, or
 * 1 when it is not a record kimb wrote for them. */
static int parse_record(const char *text, size_t length, const char *store, const char *repository,
			struct record *record)
{
	bool timed = strncmp(text, RECORD_MAGIC "\n", strlen(RECORD_MAGIC) + 1) == 0;
	char *header = record_header(timed ? RECORD_MAGIC : RECORD_MAGIC_V1, store, repository);
	size_t header_length = strlen(header);
	int status = 0;
	if (length < header_length || memcmp(text, header, header_length) != 0 || text[length - 1] != '\n')
		status = 1;
	free(header);
	const char *line;
	size_t line_length;
	for (size_t pos = header_length; status == 0 && reading_next_line(text, length, &pos, &line, &line_length);)
		status = read_record_line(line, line_length, timed, record);
	return status;
}

void record_load(const char *state_directory, const char *store, const char *repository, struct record *out,
		 struct message *why)
{
	*out = (struct record){.repository = xstrdup(repository), .store = xstrdup(store)};
	if (!state_directory)
		return;

	char name[HASH_FILE_NAME_SIZE];
	char *key = NULL;
	size_t key_length = 0;
	append_line(&key, &key_length, store);
	append_line(&key, &key_length, repository);
	hash_file_name(repository, key, ".record", name);
	free(key);
	out->path = join_path(state_directory, name);

	size_t length = 0;
	const char *problem;
	char *text = read_trusted_file(out->path, &length, &problem);
	int parsed = text ? parse_record(text, length, store, repository, out) : 0;
	free(text);
	if (parsed > 0)
		problem = "not a record kimb wrote for it";
	if (problem) {
		message_add(why, "ignoring the record %s: %s", out->path, problem);
		record_clear(out);
	}
}

int records_make_directories(char *directory)
{
	for (char *slash = strchr(directory + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		int made = mkdir(directory, 0700);
		int error = errno;
		if (slash)
			*slash = '/';
		if (made == -1 && error != EEXIST) {
			errno = error;
			return -1;
		}
		if (!slash)
			return 0;
	}
}

static int write_whole(int fd, const char *text, size_t length)
{
	while (length > 0) {
		ssize_t written = write(fd, text, length);
		if (written == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		text += written;
		length -= (size_t)written;
	}
	return 0;
}

/* Writes the lines of RECORD after HEADER into FD. */
static int write_record(int fd, const char *header, const struct record *record)
{
	if (write_whole(fd, header, strlen(header)) != 0)
		return -1;
	for (size_t i = 0; i < record->count; i++) {
		const struct built_image *image = &record->images[i];
		/* A time unknown (a version 1 record's) stays unknown: "-". */
		char *time = image->built < 0 ? xstrdup("- ") : xprintf("%lld ", image->built);
		int written = write_whole(fd, time, strlen(time));
		free(time);
		if (written != 0 || write_whole(fd, image->id, strlen(image->id)) != 0)
			return -1;
		for (size_t j = 0; j < image->intermediate_count; j++)
			if (write_whole(fd, " ", 1) != 0 ||
			    write_whole(fd, image->intermediates[j], strlen(image->intermediates[j])) != 0)
				return -1;
		if (write_whole(fd, "\n", 1) != 0)
			return -1;
	}
	for (size_t i = 0; i < record->tag_count; i++)
		if (write_whole(fd, TAG_LINE_PREFIX, strlen(TAG_LINE_PREFIX)) != 0 ||
		    write_whole(fd, record->tags[i], strlen(record->tags[i])) != 0 || write_whole(fd, "\n", 1) != 0)
			return -1;
	return 0;
}

int record_save(struct record *record, struct message *why)
{
	if (!record->changed || !record->path)
		return 0;
	if (record->count == 0 && record->tag_count == 0) {
		if (unlink(record->path) == -1 && errno != ENOENT) {
			message_add(why, "cannot remove the record %s: %s", record->path, strerror(errno));
			return -1;
		}
		record->changed = false;
		return 0;
	}
	char *header = record_header(RECORD_MAGIC, record->store, record->repository);
	char *temporary = xprintf("%s.XXXXXX", record->path);
	char *directory = xstrdup(record->path);
	int status = -1;
	*strrchr(directory, '/') = '\0';
	int fd = records_make_directories(directory) == 0 ? mkstemp(temporary) : -1;
	if (fd == -1) {
		message_add(why, "cannot write the record %s: %s", record->path, strerror(errno));
		goto done;
	}
	bool written = write_record(fd, header, record) == 0 && fsync(fd) == 0;
	int error = errno;
	if (close(fd) != 0 && written) {
		written = false;
		error = errno;
	}
	if (!written || rename(temporary, record->path) != 0) {
		if (written)
			error = errno;
		(void)unlink(temporary); /* our own temporary file: gone or not, nothing else is lost */
		message_add(why, "cannot write the record %s: %s", record->path, strerror(error));
		goto done;
	}
	record->changed = false;
	status = 0;
done:
	free(header);
	free(temporary);
	free(directory);
	return status;
}

/* --- the records of a run ---------------------------------------------------------------------- */

void records_load(const struct environment *environment, const char *store,
		  const char *const *repositories, size_t count, struct records *out)
{
	*out = (struct records){0};
	out->state_directory = records_state_directory(environment);
	out->store = xstrdup(store);
	if (!out->state_directory)
		report_say("no state directory (set KIMB_STATE_DIR or HOME): kimb keeps no record of its builds, "
			   "and leaves the untagged images of earlier builds alone");
	out->of = xcalloc(count + 1, sizeof *out->of);
	out->count = count;
	for (size_t i = 0; i < count; i++) {
		struct message why = {0};
		record_load(out->state_directory, out->store, repositories[i], &out->of[i], &why);
		if (why.text)
			report_say("%s", why.text);
		message_free(&why);
	}
}

void records_add_build(struct records *records, const char *unique_tag, const char *new_id,
		       const struct listing *listing, long long built)
{
	if (!unique_tag || !records->count)
		return;
	/* Where the builder did not say, the listing does: the image of the unique reference. */
	const struct image *listed = listing ? listing_find_tagged(listing, records->of[0].repository, unique_tag) : NULL;
	const char *id = new_id ? new_id : listed ? listed->id : NULL;
	if (!id)
		return;
	char **intermediates = NULL;
	size_t count = 0;
	if (listing)
		record_intermediates(listing, id, &intermediates, &count);
	for (size_t i = 0; i < records->count; i++)
		record_add(&records->of[i], id, intermediates, count, built);
	for (size_t i = 0; i < count; i++)
		free(intermediates[i]);
	free(intermediates);
}

void records_add_tag(struct records *records, const char *unique_tag)
{
	for (size_t i = 0; unique_tag && i < records->count; i++)
		record_add_tag(&records->of[i], unique_tag);
}

void records_forget_tag(struct records *records, size_t index, const char *tag)
{
	if (index < records->count)
		record_forget_tag(&records->of[index], tag);
}

void records_attribute(const struct records *records, struct listing *listing, bool label_required)
{
	for (size_t i = 0; i < records->count; i++)
		record_attribute(listing, &records->of[i], label_required);
}

void records_forget(struct records *records, size_t index, const char *id)
{
	if (index < records->count)
		record_forget(&records->of[index], id);
}

void records_keep_listed(struct records *records, const struct listing *listing)
{
	for (size_t i = 0; i < records->count; i++)
		record_keep_listed(&records->of[i], listing);
}

void records_save(struct records *records)
{
	for (size_t i = 0; i < records->count; i++) {
		struct message why = {0};
		if (record_save(&records->of[i], &why) < 0)
			report_say("%s", why.text);
		message_free(&why);
	}
}

void records_free(struct records *records)
{
	for (size_t i = 0; i < records->count; i++)
		record_free(&records->of[i]);
	free(records->of);
	free(records->state_directory);
	free(records->store);
	*records = (struct records){0};
}
