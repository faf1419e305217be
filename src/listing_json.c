/* SPDX-License-Identifier: Apache-2.0 */
/* timegm, which POSIX has only since 2024: glibc declares it beside POSIX 2008 only on request. */
#define _DEFAULT_SOURCE

#include "listing.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "listing_rows.h"
#include "reading.h"
#include "xalloc.h"

#define NONE "<none>"
#define NOT_AVAILABLE "N/A"

/* Where a listing that is one JSON array of objects keeps each fact about an image; NULL where it
 * keeps none. */
struct array_format {
	const char *id;
	const char *names;   /* the names the image has */
	const char *history; /* the names it had, read only when it has none left */
	const char *created;
	const char *containers;
	const char *const *labels; /* the keys leading to its labels, ended by NULL */
	const char *parent;  /* the ID of the image it was built on, "" for none */
	const char *digest;  /* its manifest digest */
	const char *size;    /* its size: bytes, or a human size */
};

static const char *const podman_labels[] = {"Labels", NULL};

static const struct array_format podman_format = {
	.id = "Id",
	.names = "Names",
	.history = "History",
	.created = "Created",
	.containers = "Containers",
	.labels = podman_labels,
	.parent = "ParentId",
	.size = "Size",
};
static const struct array_format buildah_format = {
	.id = "id",
	.names = "names",
	.created = "created",
	.digest = "digest",
	.size = "size",
};

static const struct name_columns json_lines_columns = {"Repository", "Tag"};

/* Rejects the string VALUE under KEY as invalid. */
static int reject_string(struct listing_error *err, size_t line, const char *key, json_t *value)
{
	return reading_reject(err, line, "invalid %s %s", key,
			      reading_quote(json_string_value(value), json_string_length(value)).text);
}


/* Points *HEX at the ID under KEY: "sha256:" and 64 hex digits, or the digits alone. When OPTIONAL,
 * an absent, null or empty value leaves *HEX NULL. */
static int read_id(json_t *object, const char *key, bool optional, size_t line, const char **hex,
		   struct listing_error *err)
{
	json_t *value;
	*hex = NULL;
	if (reading_json_member(object, key, JSON_STRING, !optional, line, &value, err) != 0)
		return -1;
	if (!value || (optional && json_string_length(value) == 0))
		return 0;
	*hex = listing_full_id(json_string_value(value), json_string_length(value));
	return *hex ? 0 : reject_string(err, line, key, value);
}

/* Copies the 64 hex digits at HEX, or nothing when HEX is NULL, into TEXT. */
static void copy_id(const char *hex, char text[LISTING_ID_MAX + 1])
{
	text[0] = '\0';
	if (hex) {
		memcpy(text, hex, LISTING_ID_MAX);
		text[LISTING_ID_MAX] = '\0';
	}
}

/* Follows PATH through nested objects, any of them absent or null, to the labels and kimb's label in
 * them; *LABEL points into OBJECT, or is NULL. */
static int read_label(json_t *object, const char *const *path, size_t line, const char **label,
		      struct listing_error *err)
{
	*label = NULL;
	for (; *path; path++) {
		if (reading_json_member(object, *path, JSON_OBJECT, false, line, &object, err) != 0)
			return -1;
		if (!object)
			return 0;
	}
	json_t *value;
	if (reading_json_member(object, KIMB_REPOSITORIES_LABEL, JSON_STRING, false, line, &value, err) != 0)
		return -1;
	*label = value ? json_string_value(value) : NULL;
	return 0;
}

/* Reads the size under KEY into *BYTES: a number of bytes, or a human size as Go prints it. A size
 * that does not read as one is no size (-1): kimb only reports it, it decides nothing by it. */
static void read_size(json_t *object, const char *key, long long *bytes)
{
	json_t *value = json_object_get(object, key);
	if (json_is_integer(value) && json_integer_value(value) >= 0)
		*bytes = json_integer_value(value);
	else if (!json_is_string(value) || !listing_human_size(json_string_value(value), json_string_length(value), bytes))
		*bytes = -1;
}

/* Adds a row for each name in NAMES (the array under KEY), each with FACTS. */
static int add_names(json_t *names, const char *key, enum name_state state, const struct listing_row *facts,
		     struct listing_rows *rows, struct listing_error *err)
{
	char title[64];
	snprintf(title, sizeof title, "%s entry", key);
	for (size_t i = 0; i < json_array_size(names); i++) {
		json_t *name = json_array_get(names, i);
		if (!json_is_string(name))
			return reading_reject(err, 0, "\"%s\" entry %zu is not a string", key, i + 1);
		struct listing_row row = *facts;
		if (listing_name_parse(json_string_value(name), state, title, 0, &row.name, err) != 0)
			return -1;
		listing_rows_add(rows, &row);
	}
	return 0;
}

static int read_array_image(json_t *entry, const struct array_format *format, struct listing_rows *rows,
			    struct listing_error *err)
{
	if (!json_is_object(entry))
		return reading_reject(err, 0, "not an object");
	const char *id;
	if (read_id(entry, format->id, false, 0, &id, err) != 0)
		return -1;
	struct listing_row facts = listing_row_start(id, LISTING_ID_MAX);
	const char *parent, *digest;
	if ((format->parent && read_id(entry, format->parent, true, 0, &parent, err) != 0) ||
	    (format->digest && read_id(entry, format->digest, true, 0, &digest, err) != 0))
		return -1;
	/* An absent ParentId says nothing; an empty one says there is no parent. */
	if (format->parent && json_object_get(entry, format->parent)) {
		facts.parent_known = true;
		copy_id(parent, facts.parent);
	}
	if (format->digest)
		copy_id(digest, facts.digest);

	json_t *created;
	if (reading_json_member(entry, format->created, JSON_INTEGER, false, 0, &created, err) != 0)
		return -1;
	if (created) {
		facts.has_created = true;
		facts.created = json_integer_value(created);
	}
	json_t *containers = NULL;
	if (format->containers &&
	    reading_json_member(entry, format->containers, JSON_INTEGER, false, 0, &containers, err) != 0)
		return -1;
	if (containers) {
		facts.containers = json_integer_value(containers);
		if (facts.containers < 0)
			return reading_reject(err, 0, "negative \"%s\"", format->containers);
	}
	if (format->labels && read_label(entry, format->labels, 0, &facts.label, err) != 0)
		return -1;
	if (format->size)
		read_size(entry, format->size, &facts.size);

	json_t *names;
	if (reading_json_member(entry, format->names, JSON_ARRAY, false, 0, &names, err) != 0)
		return -1;
	if (json_array_size(names) > 0)
		return add_names(names, format->names, NAME_CURRENT, &facts, rows, err);
	json_t *history = NULL;
	if (format->history && reading_json_member(entry, format->history, JSON_ARRAY, false, 0, &history, err) != 0)
		return -1;
	if (json_array_size(history) > 0)
		return add_names(history, format->history, NAME_LOST, &facts, rows, err);
	listing_rows_add(rows, &facts);
	return 0;
}

static int parse_array_listing(const char *text, size_t length, const struct array_format *format,
			       struct listing *out, struct listing_error *err)
{
	*out = (struct listing){NULL, 0};
	json_t *root = reading_json_load(text, length, JSON_ARRAY, err);
	if (!root)
		return -1;
	struct listing_rows rows = {NULL, 0};
	int status = 0;
	for (size_t i = 0; status == 0 && i < json_array_size(root); i++)
		if (read_array_image(json_array_get(root, i), format, &rows, err) != 0)
			status = reading_reject_within(err, "image %zu", i + 1);
	/* Labels point into ROOT until grouping copies them. */
	if (status == 0)
		status = listing_rows_group(&rows, out, err);
	listing_rows_free(&rows);
	json_decref(root);
	return status;
}

int listing_parse_podman_json(const char *text, size_t length, struct listing *out, struct listing_error *err)
{
	return parse_array_listing(text, length, &podman_format, out, err);
}

int listing_parse_buildah_json(const char *text, size_t length, struct listing *out, struct listing_error *err)
{
	return parse_array_listing(text, length, &buildah_format, out, err);
}

/* The value of the N decimal digits at TEXT, already checked to be digits. */
static int digits_value(const char *text, size_t n)
{
	int value = 0;
	for (size_t i = 0; i < n; i++)
		value = value * 10 + (text[i] - '0');
	return value;
}

static bool is_leap_year(long long year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static int days_in_month(long long year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return days[month - 1] + (month == 2 && is_leap_year(year));
}

/* Go's time.Time.String() for whole seconds, layout "2006-01-02 15:04:05 -0700 MST": the zone's
 * abbreviation (or its offset again, when it has none) is not needed, the offset says it all. */
static bool parse_go_time(const char *text, long long *seconds)
{
	static const char layout[] = "0000-00-00 00:00:00 +0000 ";
	size_t fixed = sizeof layout - 1;
	size_t length = strlen(text);
	if (length <= fixed)
		return false;
	for (size_t i = 0; i < fixed; i++) {
		bool fits = layout[i] == '0'   ? text[i] >= '0' && text[i] <= '9'
			    : layout[i] == '+' ? text[i] == '+' || text[i] == '-'
					       : text[i] == layout[i];
		if (!fits)
			return false;
	}
	if (strspn(text + fixed, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-") != length - fixed)
		return false;

	int year = digits_value(text, 4);
	int month = digits_value(text + 5, 2);
	int day = digits_value(text + 8, 2);
	int hour = digits_value(text + 11, 2);
	int minute = digits_value(text + 14, 2);
	int second = digits_value(text + 17, 2);
	int offset_hours = digits_value(text + 21, 2);
	int offset_minutes = digits_value(text + 23, 2);
	if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
	    second > 59 || offset_hours > 23 || offset_minutes > 59)
		return false;

	/* The proleptic Gregorian calendar, as Go's, for every year from 0 to 9999. */
	struct tm utc = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = hour,
			 .tm_min = minute, .tm_sec = second};
	errno = 0;
	time_t since_epoch = timegm(&utc);
	if (since_epoch == (time_t)-1 && errno != 0)
		return false;
	long long offset = (offset_hours * 60LL + offset_minutes) * 60 * (text[20] == '-' ? -1 : 1);
	*seconds = (long long)since_epoch - offset;
	return true;
}

/* Containers as docker prints it: a count, or N/A when the daemon did not count. */
static bool parse_containers(const char *text, long long *containers)
{
	if (strcmp(text, NOT_AVAILABLE) == 0) {
		*containers = -1;
		return true;
	}
	if (text[0] < '0' || text[0] > '9' || strspn(text, "0123456789") != strlen(text))
		return false;
	errno = 0;
	*containers = strtoll(text, NULL, 10);
	return errno == 0;
}

/* A cell of docker's table as text: "<none>" reads as NULL. */
static const char *cell_text(json_t *value)
{
	const char *text = json_string_value(value);
	return strcmp(text, NONE) == 0 ? NULL : text;
}

static int read_json_line_fields(json_t *object, size_t number, struct listing_row *row, struct listing_error *err)
{
	const char *id;
	json_t *repository, *tag, *created, *containers;
	if (read_id(object, "ID", false, number, &id, err) != 0 ||
	    reading_json_member(object, "Repository", JSON_STRING, true, number, &repository, err) != 0 ||
	    reading_json_member(object, "Tag", JSON_STRING, true, number, &tag, err) != 0 ||
	    reading_json_member(object, "CreatedAt", JSON_STRING, false, number, &created, err) != 0 ||
	    reading_json_member(object, "Containers", JSON_STRING, false, number, &containers, err) != 0)
		return -1;
	*row = listing_row_start(id, LISTING_ID_MAX);
	if (created) {
		if (!parse_go_time(json_string_value(created), &row->created))
			return reject_string(err, number, "CreatedAt", created);
		row->has_created = true;
	}
	if (containers && !parse_containers(json_string_value(containers), &row->containers))
		return reject_string(err, number, "Containers", containers);
	read_size(object, "Size", &row->size);
	return listing_name_from_columns(cell_text(repository), cell_text(tag), &json_lines_columns, number,
					 &row->name, err);
}

static int read_json_line(const char *line, size_t length, size_t number, struct listing_rows *rows,
			  struct listing_error *err)
{
	if (length == 0)
		return reading_reject(err, number, "blank line");
	json_error_t error;
	json_t *object = json_loadb(line, length, JSON_REJECT_DUPLICATES, &error);
	if (!object)
		return reading_reject(err, number, "invalid JSON at column %d: %s", error.column, error.text);
	struct listing_row row;
	int status = json_is_object(object) ? read_json_line_fields(object, number, &row, err)
					    : reading_reject(err, number, "not a JSON object");
	if (status == 0)
		listing_rows_add(rows, &row);
	json_decref(object);
	return status;
}

int listing_parse_json_lines(const char *text, size_t length, struct listing *out, struct listing_error *err)
{
	*out = (struct listing){NULL, 0};
	struct listing_rows rows = {NULL, 0};
	int status = 0;
	size_t number = 0;
	const char *line;
	size_t line_length;
	for (size_t pos = 0; status == 0 && reading_next_line(text, length, &pos, &line, &line_length);)
		status = read_json_line(line, line_length, ++number, &rows, err);
	if (status == 0)
		status = listing_rows_group(&rows, out, err);
	listing_rows_free(&rows);
	return status;
}

/* What one inspected image says, held (in copies of its own) until the whole inspection has been
 * read. */
struct inspected {
	struct image *image;
	char *label;
	char *parent;
	char *base_digest;
	bool base_known;
	char digest[LISTING_ID_MAX + 1]; /* another digest of the image; empty when none */
};

/* How an inspected object names the image it describes. */
enum inspection_match {
	MATCH_BY_ID,       /* its ID is the listing's */
	MATCH_BY_POSITION, /* the Nth object describes the Nth image of the listing asked about */
};

/* Where an inspection keeps each fact about an image; NULL where it keeps none. */
struct inspection_format {
	const char *id;
	enum inspection_match match;
	const char *const *labels;      /* the keys leading to its labels */
	const char *parent;             /* the ID of the image it was built on */
	bool id_is_digest;              /* the ID is another digest of the listed image (nerdctl) */
	const char *const *annotations; /* the keys leading to its annotations */
};

static const char *const docker_inspection_labels[] = {"Config", "Labels", NULL};
static const char *const buildah_inspection_labels[] = {"OCIv1", "config", "Labels", NULL};
static const char *const buildah_annotations[] = {"ImageAnnotations", NULL};
#define BASE_DIGEST_ANNOTATION "org.opencontainers.image.base.digest"

static const char *const podman_annotations[] = {"Annotations", NULL};

/* podman's: buildah's facts where docker keeps them, and the manifest's annotations beside. */
static const struct inspection_format podman_inspection = {
	.id = "Id",
	.match = MATCH_BY_ID,
	.labels = docker_inspection_labels,
	.annotations = podman_annotations,
};
static const struct inspection_format docker_inspection = {
	.id = "Id",
	.match = MATCH_BY_ID,
	.labels = docker_inspection_labels,
	.parent = "Parent",
};
static const struct inspection_format nerdctl_inspection = {
	.id = "Id",
	.match = MATCH_BY_POSITION,
	.labels = docker_inspection_labels,
	.id_is_digest = true,
};
static const struct inspection_format buildah_inspection = {
	.id = "FromImageID",
	.match = MATCH_BY_ID,
	.labels = buildah_inspection_labels,
	.annotations = buildah_annotations,
};

/* Follows PATH through nested objects, any of them absent or null, to the object it ends at, or
 * NULL. */
static int follow_objects(json_t *object, const char *const *path, size_t line, json_t **out,
			  struct listing_error *err)
{
	for (*out = object; *path && *out; path++)
		if (reading_json_member(*out, *path, JSON_OBJECT, false, line, out, err) != 0)
			return -1;
	return 0;
}

/* A copy of the 64 hex digits at HEX, or NULL when HEX is NULL. */
static char *copy_of_id(const char *hex)
{
	return hex ? xstrndup(hex, LISTING_ID_MAX) : NULL;
}

static int read_inspected(json_t *object, const struct inspection_format *format, struct listing *listing,
			  size_t position, struct inspected *out, struct listing_error *err)
{
	if (!json_is_object(object))
		return reading_reject(err, 0, "not an object");
	const char *id, *label, *parent = NULL, *base_digest = NULL;
	if (read_id(object, format->id, false, 0, &id, err) != 0 || read_label(object, format->labels, 0, &label, err) != 0 ||
	    (format->parent && read_id(object, format->parent, true, 0, &parent, err) != 0))
		return -1;
	if (format->annotations) {
		json_t *annotations;
		if (follow_objects(object, format->annotations, 0, &annotations, err) != 0 ||
		    (annotations && read_id(annotations, BASE_DIGEST_ANNOTATION, true, 0, &base_digest, err) != 0))
			return -1;
		/* buildah writes the annotation empty for FROM scratch; without it, the base is unknown. */
		out->base_known = annotations && json_object_get(annotations, BASE_DIGEST_ANNOTATION);
	}
	out->image = format->match == MATCH_BY_ID ? listing_find(listing, id) : &listing->images[position];
	if (!out->image)
		return reading_reject(err, 0, "image %s is not in the listing", id);
	if (format->id_is_digest)
		copy_id(id, out->digest);
	out->label = label ? xstrdup(label) : NULL;
	out->parent = copy_of_id(parent);
	out->base_digest = copy_of_id(base_digest);
	return 0;
}

static void free_inspected(struct inspected *read)
{
	free(read->label);
	free(read->parent);
	free(read->base_digest);
}

/* Moves what READ says into its image. */
static void apply_inspected(struct inspected *read, const struct inspection_format *format)
{
	struct image *image = read->image;

	free(image->label);
	image->label = read->label;
	read->label = NULL;
	image->inspected = true;
	if (format->parent) {
		free(image->parent);
		image->parent = read->parent;
		read->parent = NULL;
		image->parent_known = true;
	}
	if (format->annotations) {
		free(image->base_digest);
		image->base_digest = read->base_digest;
		read->base_digest = NULL;
		image->base_known = read->base_known;
	}
	if (read->digest[0])
		listing_add_digest(image, read->digest);
}

/* Reads every object of the array OBJECTS before it changes LISTING, so that an inspection is read
 * whole or not at all. */
static int read_inspection(json_t *objects, const struct inspection_format *format, struct listing *listing,
			   struct listing_error *err)
{
	size_t count = json_array_size(objects);
	if (format->match == MATCH_BY_POSITION && count != listing->count)
		return reading_reject(err, 0, "%zu images inspected, %zu asked", count, listing->count);
	struct inspected *read = xcalloc(count ? count : 1, sizeof *read);
	int status = 0;
	for (size_t i = 0; status == 0 && i < count; i++)
		if (read_inspected(json_array_get(objects, i), format, listing, i, &read[i], err) != 0)
			status = reading_reject_within(err, "inspected image %zu", i + 1);
	for (size_t i = 0; status == 0 && i < count; i++)
		apply_inspected(&read[i], format);
	for (size_t i = 0; i < count; i++)
		free_inspected(&read[i]);
	free(read);
	return status;
}

/* Reads TEXT, a JSON array of inspected images in FORMAT, into LISTING. */
static int read_inspection_array(const char *text, size_t length, const struct inspection_format *format,
				 struct listing *listing, struct listing_error *err)
{
	json_t *root = reading_json_load(text, length, JSON_ARRAY, err);
	if (!root)
		return -1;
	int status = read_inspection(root, format, listing, err);
	json_decref(root);
	return status;
}

int listing_read_docker_inspection(const char *text, size_t length, struct listing *listing,
				   struct listing_error *err)
{
	return read_inspection_array(text, length, &docker_inspection, listing, err);
}

int listing_read_podman_inspection(const char *text, size_t length, struct listing *listing,
				   struct listing_error *err)
{
	return read_inspection_array(text, length, &podman_inspection, listing, err);
}

int listing_read_nerdctl_inspection(const char *text, size_t length, struct listing *asked, struct listing_error *err)
{
	json_t *root = reading_json_load(text, length, JSON_ARRAY, err);
	if (!root)
		return -1;
	int status = read_inspection(root, &nerdctl_inspection, asked, err);
	json_decref(root);
	return status;
}

/* buildah inspects one image at a time: its object is read as an array of one. */
int listing_read_buildah_inspection(const char *text, size_t length, struct listing *listing,
				    struct listing_error *err)
{
	json_t *root = reading_json_load(text, length, JSON_OBJECT, err);
	if (!root)
		return -1;
	/* jansson allocates through xmalloc: these fail only for a NULL argument, which ROOT is not. */
	json_t *objects = json_array();
	json_array_append_new(objects, root);
	int status = read_inspection(objects, &buildah_inspection, listing, err);
	json_decref(objects);
	return status;
}
