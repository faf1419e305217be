/* SPDX-License-Identifier: Apache-2.0 */
#include "listing.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "listing_rows.h"
#include "reading.h"
#include "reference.h"
#include "xalloc.h"

void listing_name_free(struct image_name *name)
{
	free(name->repository);
	free(name->shown);
	free(name->tag);
	*name = (struct image_name){NULL, NULL, NULL};
}

/* Moves the repository and shown name of REF into NAME, with TAG (owned, or NULL) as its tag. */
static void take_reference(struct reference *ref, char *tag, struct image_name *name)
{
	*name = (struct image_name){ref->repository, ref->name, tag};
	ref->repository = ref->name = NULL;
	reference_free(ref);
}

static int parse_reference(const char *reference, const char *title, size_t line, struct reference *ref,
			   struct listing_error *err)
{
	const char *why = NULL;
	if (reference_parse(reference, ref, &why) != 0)
		return reading_reject(err, line, "invalid %s %s: %s", title,
				      reading_quote(reference, strlen(reference)).text, why);
	return 0;
}

int listing_name_parse(const char *reference, enum name_state state, const char *title, size_t line,
		       struct image_name *name, struct listing_error *err)
{
	struct reference ref;
	*name = (struct image_name){NULL, NULL, NULL};
	if (parse_reference(reference, title, line, &ref, err) != 0)
		return -1;
	char *tag = NULL;
	if (state == NAME_CURRENT) {
		tag = ref.tag;
		ref.tag = NULL;
	}
	take_reference(&ref, tag, name);
	return 0;
}

int listing_name_from_columns(const char *repository, const char *tag, const struct name_columns *columns,
			      size_t line, struct image_name *name, struct listing_error *err)
{
	*name = (struct image_name){NULL, NULL, NULL};
	if (tag && !reference_tag_is_valid(tag))
		return reading_reject(err, line, "invalid %s %s", columns->tag, reading_quote(tag, strlen(tag)).text);
	if (!repository) {
		if (tag)
			return reading_reject(err, line, "%s <none> with a %s", columns->repository, columns->tag);
		return 0;
	}

	struct reference ref;
	if (parse_reference(repository, columns->repository, line, &ref, err) != 0)
		return -1;
	if (tag && (ref.tag || ref.digest)) {
		reference_free(&ref);
		return reading_reject(err, line, "%s %s names a tag or digest, yet %s is not <none>",
				      columns->repository, reading_quote(repository, strlen(repository)).text,
				      columns->tag);
	}
	take_reference(&ref, tag ? xstrdup(tag) : NULL, name);
	return 0;
}

struct listing_row listing_row_start(const char *id, size_t length)
{
	struct listing_row row = {.containers = -1, .size = -1};
	memcpy(row.id, id, length);
	row.id[length] = '\0';
	return row;
}

void listing_rows_add(struct listing_rows *rows, struct listing_row *row)
{
	row->order = rows->count;
	array_append(&rows->items, &rows->count, sizeof *row, row);
}

void listing_rows_free(struct listing_rows *rows)
{
	for (size_t i = 0; i < rows->count; i++)
		listing_name_free(&rows->items[i].name);
	free(rows->items);
	*rows = (struct listing_rows){NULL, 0};
}

/* NULL, for a name or tag that is absent, sorts first. */
static int compare_optional(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int compare_orders(const struct listing_row *x, const struct listing_row *y)
{
	return (x->order > y->order) - (x->order < y->order);
}

/* Two names are one when repository and tag agree ("app:v1" and "docker.io/library/app:v1" alike). */
static int compare_names(const struct image_name *a, const struct image_name *b)
{
	int by_repository = compare_optional(a->repository, b->repository);
	return by_repository != 0 ? by_repository : compare_optional(a->tag, b->tag);
}

/* Brings a name's repeats together right after its first listing, so that they can be dropped. */
static int compare_by_id_name_order(const void *a, const void *b)
{
	const struct listing_row *x = a;
	const struct listing_row *y = b;
	int by_id = strcmp(x->id, y->id);
	if (by_id != 0)
		return by_id;
	int by_name = compare_names(&x->name, &y->name);
	return by_name != 0 ? by_name : compare_orders(x, y);
}

static int compare_by_id_order(const void *a, const void *b)
{
	const struct listing_row *x = a;
	const struct listing_row *y = b;
	int by_id = strcmp(x->id, y->id);
	return by_id != 0 ? by_id : compare_orders(x, y);
}

/* Creation times may differ: nerdctl dates each name of an image by when that name was made; and
 * so may digests: kim lists each name with the digest of its own record. */
static bool same_facts(const struct listing_row *a, const struct listing_row *b)
{
	return a->has_created == b->has_created && a->containers == b->containers &&
	       compare_optional(a->label, b->label) == 0 && a->parent_known == b->parent_known &&
	       strcmp(a->parent, b->parent) == 0;
}

/* Drops the repeats of an image's names, once sorted by compare_by_id_name_order, and checks that all
 * rows of an image agree on its facts: a listing that contradicts itself is unreadable. */
static int check_and_deduplicate(struct listing_rows *rows, struct listing_error *err)
{
	size_t kept = 0;
	for (size_t i = 0; i < rows->count; i++) {
		struct listing_row *row = &rows->items[i];
		struct listing_row *previous = kept > 0 ? &rows->items[kept - 1] : NULL;
		if (previous && strcmp(previous->id, row->id) == 0) {
			if (!same_facts(previous, row))
				return reading_reject(err, 0, "image %s is listed twice with different details",
						      row->id);
			if (compare_names(&previous->name, &row->name) == 0) {
				listing_name_free(&row->name);
				continue;
			}
		}
		rows->items[kept] = *row;
		/* Moved, not copied: should a later row be rejected, each name still has one owner. */
		if (row != &rows->items[kept])
			row->name = (struct image_name){NULL, NULL, NULL};
		kept++;
	}
	rows->count = kept;
	return 0;
}

static char *copy_optional(const char *text)
{
	return text ? xstrdup(text) : NULL;
}

/* Sorting by ID, then grouping neighbours, keeps 100,000 rows fast. */
int listing_rows_group(struct listing_rows *rows, struct listing *out, struct listing_error *err)
{
	*out = (struct listing){NULL, 0};
	if (rows->count == 0)
		return 0;
	qsort(rows->items, rows->count, sizeof *rows->items, compare_by_id_name_order);
	if (check_and_deduplicate(rows, err) != 0)
		return -1;
	qsort(rows->items, rows->count, sizeof *rows->items, compare_by_id_order);

	size_t image_count = 1;
	for (size_t i = 1; i < rows->count; i++)
		if (strcmp(rows->items[i - 1].id, rows->items[i].id) != 0)
			image_count++;
	struct listing grouped = {xcalloc(image_count, sizeof(struct image)), image_count};

	size_t first = 0;
	for (size_t i = 0; i < image_count; i++) {
		const struct listing_row *row = &rows->items[first];
		size_t end = first + 1;
		while (end < rows->count && strcmp(row->id, rows->items[end].id) == 0)
			end++;
		struct image *image = &grouped.images[i];
		image->id = xstrdup(row->id);
		image->label = copy_optional(row->label);
		image->parent_known = row->parent_known;
		image->parent = copy_optional(row->parent[0] ? row->parent : NULL);
		image->has_created = row->has_created;
		image->containers = row->containers;
		image->size = row->size;
		image->names = xmalloc((end - first) * sizeof *image->names);
		for (size_t j = first; j < end; j++) {
			if (j == first || rows->items[j].created > image->created)
				image->created = rows->items[j].created;
			image->names[image->name_count++] = rows->items[j].name;
			rows->items[j].name = (struct image_name){NULL, NULL, NULL};
			if (rows->items[j].digest[0])
				listing_add_digest(image, rows->items[j].digest);
		}
		first = end;
	}
	*out = grouped;
	return 0;
}

bool listing_is_lower_hex(const char *text, size_t length)
{
	for (size_t i = 0; i < length; i++)
		if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
			return false;
	return true;
}

bool listing_human_size(const char *text, size_t length, long long *bytes)
{
	static const struct {
		const char *unit;
		double bytes;
	} units[] = {{"B", 1}, {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"PB", 1e15}};
	char number[32];
	size_t digits = 0;
	while (digits < length && strchr("0123456789.e+-", text[digits]) && text[digits] != '\0')
		digits++;
	if (digits == 0 || digits >= sizeof number)
		return false;
	memcpy(number, text, digits);
	number[digits] = '\0';
	char *end;
	double value = strtod(number, &end);
	if (*end || value < 0)
		return false;
	size_t unit_at = digits < length && text[digits] == ' ' ? digits + 1 : digits;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t unit_length = strlen(units[i].unit);
		if (length - unit_at == unit_length && memcmp(text + unit_at, units[i].unit, unit_length) == 0) {
			double rounded = value * units[i].bytes + 0.5;
			/* A size no long long holds (or an infinite one) is a size kimb cannot read:
			 * converting it would be undefined. (double)LLONG_MAX is 2^63, exactly. */
			if (!(rounded < (double)LLONG_MAX))
				return false;
			*bytes = (long long)rounded;
			return true;
		}
	}
	return false;
}

const char *listing_full_id(const char *text, size_t length)
{
	size_t prefix_length = strlen(LISTING_ID_PREFIX);

	if (length == prefix_length + LISTING_ID_MAX && memcmp(text, LISTING_ID_PREFIX, prefix_length) == 0) {
		text += prefix_length;
		length -= prefix_length;
	}
	return length == LISTING_ID_MAX && listing_is_lower_hex(text, length) ? text : NULL;
}

bool listing_image_has_digest(const struct image *image, const char *digest)
{
	if (strcmp(image->id, digest) == 0)
		return true;
	for (size_t i = 0; i < image->digest_count; i++)
		if (strcmp(image->digests[i], digest) == 0)
			return true;
	return false;
}

void listing_add_digest(struct image *image, const char *digest)
{
	if (listing_image_has_digest(image, digest))
		return;
	char *copy = xstrdup(digest);
	array_append(&image->digests, &image->digest_count, sizeof copy, &copy);
}

static int compare_id_to_image(const void *id, const void *image)
{
	return strcmp(id, ((const struct image *)image)->id);
}

struct image *listing_find(const struct listing *listing, const char *id)
{
	/* bsearch may not be given the NULL images of an empty listing. */
	if (listing->count == 0)
		return NULL;
	return bsearch(id, listing->images, listing->count, sizeof *listing->images, compare_id_to_image);
}

const struct image *listing_find_tagged(const struct listing *listing, const char *repository, const char *tag)
{
	for (size_t i = 0; i < listing->count; i++) {
		const struct image *image = &listing->images[i];
		for (size_t j = 0; j < image->name_count; j++) {
			const struct image_name *name = &image->names[j];
			if (name->repository && name->tag && strcmp(name->repository, repository) == 0 &&
			    strcmp(name->tag, tag) == 0)
				return image;
		}
	}
	return NULL;
}

bool listing_built_on(const struct listing *listing, const struct image *image, const struct image **on)
{
	*on = NULL;
	if (image->parent_known) {
		*on = image->parent ? listing_find(listing, image->parent) : NULL;
		return true;
	}
	if (!image->base_known)
		return false;
	for (size_t i = 0; image->base_digest && i < listing->count && !*on; i++)
		if (listing_image_has_digest(&listing->images[i], image->base_digest))
			*on = &listing->images[i];
	return true;
}

bool listing_image_is_tagged(const struct image *image)
{
	for (size_t i = 0; i < image->name_count; i++)
		if (image->names[i].repository && image->names[i].tag)
			return true;
	return false;
}

bool listing_image_is_nameless(const struct image *image)
{
	for (size_t i = 0; i < image->name_count; i++)
		if (image->names[i].repository)
			return false;
	return true;
}

void listing_attach_lost_name(struct image *image, const char *repository)
{
	struct reference ref;
	const char *why = NULL;
	if (reference_parse(repository, &ref, &why) != 0)
		return;
	bool usable = !ref.tag && !ref.digest;
	for (size_t i = 0; usable && i < image->name_count; i++)
		usable = compare_optional(image->names[i].repository, ref.repository) != 0;
	if (!usable) {
		reference_free(&ref);
		return;
	}
	/* Not array_append: grouping sized NAMES exactly, not to a power of two. */
	image->names = xrealloc(image->names, (image->name_count + 1) * sizeof *image->names);
	take_reference(&ref, NULL, &image->names[image->name_count++]);
}

/* The image of ID, added to LISTING (kept sorted by ID) with no name, no size, no creation time
 * and no count of containers known, when LISTING does not hold it. */
static struct image *find_or_add(struct listing *listing, const char *id)
{
	struct image *found = listing_find(listing, id);
	if (found)
		return found;
	size_t at = 0;
	while (at < listing->count && strcmp(listing->images[at].id, id) < 0)
		at++;
	listing->images = xrealloc(listing->images, (listing->count + 1) * sizeof *listing->images);
	memmove(&listing->images[at + 1], &listing->images[at], (listing->count - at) * sizeof *listing->images);
	listing->count++;
	listing->images[at] = (struct image){.id = xstrdup(id), .containers = -1, .size = -1};
	return &listing->images[at];
}

int listing_move_tag(struct listing *listing, const char *reference, const char *id)
{
	struct reference ref;
	const char *why = NULL;
	if (reference_parse(reference, &ref, &why) != 0)
		return -1;
	if (!ref.tag || ref.digest) {
		reference_free(&ref);
		return -1;
	}
	for (size_t i = 0; i < listing->count; i++) {
		struct image *image = &listing->images[i];
		for (size_t j = 0; j < image->name_count; j++) {
			struct image_name *name = &image->names[j];
			if (compare_optional(name->repository, ref.repository) != 0 || compare_optional(name->tag, ref.tag) != 0)
				continue;
			if (strcmp(image->id, id) == 0) {
				reference_free(&ref);
				return 0;
			}
			/* kim lists an image that lost its last tag of a repository under that name. */
			char *lost = name->shown;
			name->shown = NULL;
			listing_name_free(name);
			memmove(name, name + 1, (image->name_count - j - 1) * sizeof *name);
			image->name_count--;
			listing_attach_lost_name(image, lost);
			free(lost);
			break;
		}
	}
	struct image *image = find_or_add(listing, id);
	image->names = xrealloc(image->names, (image->name_count + 1) * sizeof *image->names);
	char *tag = ref.tag;
	ref.tag = NULL;
	take_reference(&ref, tag, &image->names[image->name_count++]);
	return 0;
}

void listing_free(struct listing *listing)
{
	for (size_t i = 0; i < listing->count; i++) {
		struct image *image = &listing->images[i];
		for (size_t j = 0; j < image->name_count; j++)
			listing_name_free(&image->names[j]);
		free(image->names);
		free(image->id);
		free(image->label);
		free(image->parent);
		for (size_t j = 0; j < image->digest_count; j++)
			free(image->digests[j]);
		free(image->digests);
		free(image->base_digest);
	}
	free(listing->images);
	*listing = (struct listing){NULL, 0};
}

bool listing_is_internal_name(const char *repository)
{
	static const char suffix[] = "-tmp";
	const char *slash = strrchr(repository, '/');
	const char *last = slash ? slash + 1 : repository;
	return strlen(last) == LISTING_ID_MAX + sizeof suffix - 1 && strspn(last, "0123456789abcdef") == LISTING_ID_MAX &&
	       strcmp(last + LISTING_ID_MAX, suffix) == 0;
}
