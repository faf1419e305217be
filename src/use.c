/* SPDX-License-Identifier: Apache-2.0 */
#include "use.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "listing_rows.h"
#include "reading.h"
#include "reference.h"
#include "xalloc.h"

/* What a listing of containers or pods adds, gathered apart so that a listing that turns out
 * unreadable adds nothing. */
struct gathered {
	struct image_use use;
	struct listing_error *err;
	const char *pod; /* "NAMESPACE/NAME" of the pod being read, or "KIND NAMESPACE/NAME" of the workload */
	/* The workload being read, or a kind of -1 while a pod is */
	int workload;
	const char *namespace;
	const char *name;
};

static bool contains(char *const *strings, size_t count, const char *text)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(strings[i], text) == 0)
			return true;
	return false;
}

static void add_string(char ***strings, size_t *count, const char *text, size_t length)
{
	char *copy = xstrndup(text, length);
	if (contains(*strings, *count, copy))
		free(copy);
	else
		array_append(strings, count, sizeof copy, &copy);
}

/* A workload's image, kept with the first workload that names it. */
static void add_workload_name(struct gathered *gathered, const char *image, size_t length, bool digest)
{
	struct image_use *use = &gathered->use;
	for (size_t i = 0; i < use->workload_name_count; i++)
		if (strlen(use->workload_names[i].image) == length && strncmp(use->workload_names[i].image, image, length) == 0)
			return;
	struct workload_name named = {.image = xstrndup(image, length),
				      .digest = digest,
				      .kind = (enum workload_kind)gathered->workload,
				      .namespace = xstrdup(gathered->namespace),
				      .name = xstrdup(gathered->name)};
	array_append(&use->workload_names, &use->workload_name_count, sizeof named, &named);
}

static int add_digest(struct gathered *gathered, const char *hex)
{
	if (gathered->workload >= 0)
		add_workload_name(gathered, hex, LISTING_ID_MAX, true);
	else
		add_string(&gathered->use.digests, &gathered->use.digest_count, hex, LISTING_ID_MAX);
	return 0;
}

/* Adds what the reference TEXT names: its digest, or "REPOSITORY:TAG" (TAG latest when absent); TEXT
 * may also be an image's ID. TITLE names the value in messages. */
static int add_reference(struct gathered *gathered, const char *text, const char *title)
{
	const char *id = listing_full_id(text, strlen(text));
	if (id)
		return add_digest(gathered, id);

	struct reference ref;
	const char *why = NULL;
	if (reference_parse(text, &ref, &why) != 0)
		return reading_reject(gathered->err, 0, "invalid %s %s: %s", title, reading_quote(text, strlen(text)).text,
				      why);
	const char *digest = ref.digest ? listing_full_id(ref.digest, strlen(ref.digest)) : NULL;
	if (digest) {
		add_digest(gathered, digest);
	} else {
		char *named = reference_join(ref.repository, ref.tag ? ref.tag : "latest");
		if (gathered->workload >= 0)
			add_workload_name(gathered, named, strlen(named), false);
		else
			add_string(&gathered->use.references, &gathered->use.reference_count, named, strlen(named));
		free(named);
	}
	reference_free(&ref);
	return 0;
}

/* An imageID as kubelet reports it: "sha256:HEX" or "NAME@sha256:HEX", either perhaps after a
 * runtime's "docker-pullable://" or "docker://". Empty for a container not created yet. */
static int add_image_id(struct gathered *gathered, const char *text)
{
	const char *scheme_end = strstr(text, "://");
	const char *rest = scheme_end ? scheme_end + 3 : text;
	const char *at = strrchr(rest, '@');
	const char *digest = at ? at + 1 : rest;
	const char *hex = listing_full_id(digest, strlen(digest));

	if (!*text)
		return 0;
	if (!hex || (at && strncmp(digest, LISTING_ID_PREFIX, strlen(LISTING_ID_PREFIX)) != 0))
		return reading_reject(gathered->err, 0, "invalid imageID %s", reading_quote(text, strlen(text)).text);
	return add_digest(gathered, hex);
}

static void free_strings(char **strings, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(strings[i]);
	free(strings);
}

void use_free(struct image_use *use)
{
	free_strings(use->digests, use->digest_count);
	free_strings(use->references, use->reference_count);
	for (size_t i = 0; i < use->workload_name_count; i++) {
		free(use->workload_names[i].image);
		free(use->workload_names[i].namespace);
		free(use->workload_names[i].name);
	}
	free(use->workload_names);
	free_strings(use->unnamed, use->unnamed_count);
	free(use->first_invalid);
	*use = (struct image_use){0};
}

/* Moves the strings of FROM that INTO lacks into INTO. */
static void move_new_strings(char **from, size_t from_count, char ***into, size_t *into_count)
{
	for (size_t i = 0; i < from_count; i++)
		if (!contains(*into, *into_count, from[i])) {
			array_append(into, into_count, sizeof(char *), &from[i]);
			from[i] = NULL;
		}
}

/* Moves what GATHERED holds into USE when STATUS says the listing was read whole, else drops it. */
static int settle(struct gathered *gathered, struct image_use *use, int status)
{
	if (status == 0) {
		move_new_strings(gathered->use.digests, gathered->use.digest_count, &use->digests, &use->digest_count);
		move_new_strings(gathered->use.references, gathered->use.reference_count, &use->references,
				 &use->reference_count);
		for (size_t i = 0; i < gathered->use.workload_name_count; i++)
			array_append(&use->workload_names, &use->workload_name_count, sizeof(struct workload_name),
				     &gathered->use.workload_names[i]);
		free(gathered->use.workload_names);
		gathered->use.workload_names = NULL;
		gathered->use.workload_name_count = 0;
		move_new_strings(gathered->use.unnamed, gathered->use.unnamed_count, &use->unnamed, &use->unnamed_count);
		if (!use->first_invalid) {
			use->first_invalid = gathered->use.first_invalid;
			gathered->use.first_invalid = NULL;
		}
		use->invalid_count += gathered->use.invalid_count;
	}
	use_free(&gathered->use);
	return status;
}

/* Reads the string under KEY of OBJECT, the Nth of a listing, with ADD. */
static int read_string_member(json_t *object, const char *key, bool required, size_t n, struct gathered *gathered,
			      int (*add)(struct gathered *, const char *))
{
	json_t *value;
	if (!json_is_object(object))
		return reading_reject(gathered->err, n, "not an object");
	if (reading_json_member(object, key, JSON_STRING, required, n, &value, gathered->err) != 0)
		return -1;
	return value ? add(gathered, json_string_value(value)) : 0;
}

/* A container read by its image's ID alone: the name it was made from is not told. */
static int add_container_image_id(struct gathered *gathered, const char *text)
{
	const char *hex = listing_full_id(text, strlen(text));
	if (!hex)
		return reading_reject(gathered->err, 0, "invalid image ID %s", reading_quote(text, strlen(text)).text);
	add_string(&gathered->use.unnamed, &gathered->use.unnamed_count, hex, LISTING_ID_MAX);
	return add_digest(gathered, hex);
}

/* A JSON array of objects, each holding the image a container uses under KEY. */
static int read_container_array(const char *text, size_t length, const char *key,
				int (*add)(struct gathered *, const char *), struct image_use *use,
				struct listing_error *err)
{
	struct gathered gathered = {.err = err, .workload = -1};
	json_t *root = reading_json_load(text, length, JSON_ARRAY, err);
	if (!root)
		return -1;
	int status = 0;
	for (size_t i = 0; status == 0 && i < json_array_size(root); i++)
		if (read_string_member(json_array_get(root, i), key, true, 0, &gathered, add) != 0)
			status = reading_reject_within(err, "container %zu", i + 1);
	json_decref(root);
	return settle(&gathered, use, status);
}

/* A working container of `buildah from scratch` uses no image: its imageid is "". */
static int add_buildah_image_id(struct gathered *gathered, const char *text)
{
	return *text ? add_container_image_id(gathered, text) : 0;
}

int use_read_buildah_containers(const char *text, size_t length, struct image_use *use, struct listing_error *err)
{
	/* buildah 1.28 prints null, not [], when there is no container. */
	static const char none[] = "null";
	size_t trimmed = length;
	while (trimmed > 0 && (text[trimmed - 1] == '\n' || text[trimmed - 1] == ' '))
		trimmed--;
	if (trimmed == sizeof none - 1 && memcmp(text, none, trimmed) == 0)
		return 0;
	return read_container_array(text, length, "imageid", add_buildah_image_id, use, err);
}

int use_read_docker_containers(const char *text, size_t length, struct image_use *use, struct listing_error *err)
{
	return read_container_array(text, length, "Image", add_container_image_id, use, err);
}

int use_read_container_ids(char *text, size_t length, char ***ids, size_t *count, struct listing_error *err)
{
	const char *line;
	size_t line_length;
	size_t number = 0;

	*ids = NULL;
	*count = 0;
	for (size_t pos = 0; reading_next_line(text, length, &pos, &line, &line_length);) {
		number++;
		if (line_length != LISTING_ID_MAX || !listing_is_lower_hex(line, line_length)) {
			free(*ids);
			*ids = NULL;
			*count = 0;
			return reading_reject(err, number, "not a container ID: %s", reading_quote(line, line_length).text);
		}
		/* The line ends in TEXT's '\n' (or its NUL): made the end of the ID here. */
		char *id = text + (line - text);
		id[line_length] = '\0';
		array_append(ids, count, sizeof id, &id);
	}
	return 0;
}

static int add_reference_of_container(struct gathered *gathered, const char *text)
{
	return add_reference(gathered, text, "Image");
}

int use_read_nerdctl_containers(const char *text, size_t length, struct image_use *use, struct listing_error *err)
{
	struct gathered gathered = {.err = err, .workload = -1};
	const char *line;
	size_t line_length;
	size_t number = 0;
	int status = 0;

	for (size_t pos = 0; status == 0 && reading_next_line(text, length, &pos, &line, &line_length);) {
		json_error_t error;
		json_t *object = json_loadb(line, line_length, JSON_REJECT_DUPLICATES, &error);
		number++;
		if (!object)
			status = reading_reject(err, number, "invalid JSON at column %d: %s", error.column, error.text);
		else
			status = read_string_member(object, "Image", true, number, &gathered, add_reference_of_container);
		if (status != 0 && err->line == 0)
			err->line = number;
		json_decref(object);
	}
	return settle(&gathered, use, status);
}

/* kubelet refuses to start a container whose image is no valid reference (InvalidImageName): it
 * names no image that could be in use, and one such pod must not make every pod unreadable. */
static int add_spec_image(struct gathered *gathered, const char *text)
{
	const char *id = listing_full_id(text, strlen(text));
	struct reference ref;
	const char *why = NULL;
	if (id || reference_parse(text, &ref, &why) == 0) {
		if (!id)
			reference_free(&ref);
		return add_reference(gathered, text, "image");
	}
	if (gathered->use.invalid_count++ == 0)
		gathered->use.first_invalid =
			xprintf("%s: %s", gathered->pod, reading_quote(text, strlen(text)).text);
	return 0;
}

/* Reads every object of the array under KEY of OBJECT (absent: none) with ADD applied to its
 * member MEMBER. */
static int read_each(json_t *object, const char *key, const char *member, bool required, struct gathered *gathered,
		     int (*add)(struct gathered *, const char *))
{
	json_t *array;
	if (reading_json_member(object, key, JSON_ARRAY, false, 0, &array, gathered->err) != 0)
		return -1;
	for (size_t i = 0; array && i < json_array_size(array); i++)
		if (read_string_member(json_array_get(array, i), member, required, 0, gathered, add) != 0)
			return reading_reject_within(gathered->err, "%s %zu", key, i + 1);
	return 0;
}

static const char *const spec_lists[] = {"containers", "initContainers", "ephemeralContainers"};
static const char *const status_lists[] = {"containerStatuses", "initContainerStatuses",
					   "ephemeralContainerStatuses"};

/* The images the containers of SPEC, a pod's spec or a pod template's, name. */
static int read_spec(json_t *spec, struct gathered *gathered)
{
	for (size_t i = 0; i < sizeof spec_lists / sizeof spec_lists[0]; i++)
		if (read_each(spec, spec_lists[i], "image", true, gathered, add_spec_image) != 0)
			return reading_reject_within(gathered->err, "spec");
	return 0;
}

/* The images POD's containers name and run. */
static int read_pod_lists(json_t *pod, struct gathered *gathered)
{
	json_t *spec, *status;
	if (reading_json_member(pod, "spec", JSON_OBJECT, true, 0, &spec, gathered->err) != 0 ||
	    reading_json_member(pod, "status", JSON_OBJECT, false, 0, &status, gathered->err) != 0)
		return -1;
	if (read_spec(spec, gathered) != 0)
		return -1;
	for (size_t i = 0; status && i < sizeof status_lists / sizeof status_lists[0]; i++)
		if (read_each(status, status_lists[i], "imageID", false, gathered, add_image_id) != 0)
			return reading_reject_within(gathered->err, "status");
	return 0;
}

/* The images WORKLOAD's pod template names: .spec.template.spec, or a CronJob's
 * .spec.jobTemplate.spec.template.spec. */
static int read_template(json_t *workload, struct gathered *gathered)
{
	static const char *const path[] = {"spec", "jobTemplate", "spec", "template", "spec"};
	size_t first = workload_kinds[gathered->workload].job_template ? 0 : 2;
	json_t *object = workload;
	for (size_t i = first; i < sizeof path / sizeof path[0]; i++) {
		json_t *inner;
		if (reading_json_member(object, i == first ? "spec" : path[i], JSON_OBJECT, true, 0, &inner,
					gathered->err) != 0)
			return -1;
		object = inner;
	}
	return read_spec(object, gathered);
}

/* The kind of ITEM: a kind of workload, -1 for a pod (or an item without a kind, as a listing of
 * pods alone may print them), or -2 for another, said in ERR. */
static int item_kind(json_t *item, struct gathered *gathered)
{
	json_t *kind;
	if (reading_json_member(item, "kind", JSON_STRING, false, 0, &kind, gathered->err) != 0)
		return -2;
	if (!kind || strcmp(json_string_value(kind), "Pod") == 0)
		return -1;
	int workload = workload_by_object_kind(json_string_value(kind));
	if (workload < 0)
		reading_reject(gathered->err, 0, "unknown kind %s",
			       reading_quote(json_string_value(kind), strlen(json_string_value(kind))).text);
	return workload < 0 ? -2 : workload;
}

static int read_item(json_t *item, struct gathered *gathered)
{
	if (!json_is_object(item))
		return reading_reject(gathered->err, 0, "not an object");
	int kind = item_kind(item, gathered);
	if (kind == -2)
		return -1;
	json_t *metadata = json_object_get(item, "metadata");
	const char *namespace = json_string_value(json_object_get(metadata, "namespace"));
	const char *name = json_string_value(json_object_get(metadata, "name"));
	gathered->namespace = namespace ? namespace : "?";
	gathered->name = name ? name : "?";
	gathered->workload = kind;
	char *label = kind < 0 ? xprintf("%s/%s", gathered->namespace, gathered->name)
			       : xprintf("%s %s/%s", workload_kinds[kind].kind, gathered->namespace, gathered->name);
	gathered->pod = label;
	int read = kind < 0 ? read_pod_lists(item, gathered) : read_template(item, gathered);
	gathered->pod = NULL;
	gathered->workload = -1;
	free(label);
	return read;
}

int use_read_pods(const char *text, size_t length, struct image_use *use, struct listing_error *err)
{
	struct gathered gathered = {.err = err, .workload = -1};
	json_t *root = reading_json_load(text, length, JSON_OBJECT, err);
	if (!root)
		return -1;
	json_t *items;
	int status = reading_json_member(root, "items", JSON_ARRAY, true, 0, &items, err);
	for (size_t i = 0; status == 0 && i < json_array_size(items); i++)
		if (read_item(json_array_get(items, i), &gathered) != 0)
			status = reading_reject_within(err, "item %zu", i + 1);
	json_decref(root);
	return settle(&gathered, use, status);
}

/* Whether IMAGE has a current tag that is one of the COUNT references "REPOSITORY:TAG" REFERENCE
 * gives (the Ith with REFERENCE(SOURCE, I)). */
static bool has_tag_among(const struct image *image, const void *source, size_t count,
			  const char *(*reference)(const void *, size_t))
{
	for (size_t i = 0; i < image->name_count; i++) {
		const struct image_name *name = &image->names[i];
		if (!name->repository || !name->tag)
			continue;
		char *named = reference_join(name->repository, name->tag);
		/* Out of memory: as good as in use, so that nothing is touched on a guess. */
		bool used = !named;
		for (size_t j = 0; named && !used && j < count; j++)
			used = strcmp(reference(source, j), named) == 0;
		free(named);
		if (used)
			return true;
	}
	return false;
}

static const char *string_at(const void *strings, size_t i)
{
	return ((char *const *)strings)[i];
}

static bool used_by_containers_or_pods(const struct image_use *use, const struct image *image)
{
	for (size_t i = 0; i < use->digest_count; i++)
		if (listing_image_has_digest(image, use->digests[i]))
			return true;
	return has_tag_among(image, use->references, use->reference_count, string_at);
}

static const char *workload_image_at(const void *names, size_t i)
{
	const struct workload_name *name = &((const struct workload_name *)names)[i];
	return name->digest ? "" : name->image;
}

const struct workload_name *use_workload_naming(const struct image_use *use, const struct image *image)
{
	if (used_by_containers_or_pods(use, image))
		return NULL;
	for (size_t i = 0; i < use->workload_name_count; i++) {
		const struct workload_name *name = &use->workload_names[i];
		if (name->digest ? listing_image_has_digest(image, name->image)
				 : has_tag_among(image, name, 1, workload_image_at))
			return name;
	}
	return NULL;
}

bool use_covers(const struct image_use *use, const struct image *image)
{
	return used_by_containers_or_pods(use, image) || use_workload_naming(use, image);
}

bool use_names_tag(const struct image_use *use, const char *repository, const char *tag)
{
	char *named = reference_join(repository, tag);
	/* Out of memory: as good as named, so that nothing is touched on a guess. */
	bool used = !named || contains(use->references, use->reference_count, named);
	for (size_t i = 0; named && !used && i < use->workload_name_count; i++)
		used = !use->workload_names[i].digest && strcmp(use->workload_names[i].image, named) == 0;
	free(named);
	return used;
}

bool use_by_unnamed(const struct image_use *use, const struct image *image)
{
	for (size_t i = 0; i < use->unnamed_count; i++)
		if (listing_image_has_digest(image, use->unnamed[i]))
			return true;
	return false;
}
