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
	const char *pod; /* "NAMESPACE/NAME" of the pod being read */
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

static int add_digest(struct gathered *gathered, const char *hex)
{
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
	struct gathered gathered = {.err = err};
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
	struct gathered gathered = {.err = err};
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

/* "NAMESPACE/NAME" of POD, or what of it is there, for messages. */
static char *pod_name(json_t *pod)
{
	json_t *metadata = json_object_get(pod, "metadata");
	const char *namespace = json_string_value(json_object_get(metadata, "namespace"));
	const char *name = json_string_value(json_object_get(metadata, "name"));
	return xprintf("%s/%s", namespace ? namespace : "?", name ? name : "?");
}

/* The images POD's containers name and run. */
static int read_pod_lists(json_t *pod, struct gathered *gathered)
{
	json_t *spec, *status;
	if (reading_json_member(pod, "spec", JSON_OBJECT, true, 0, &spec, gathered->err) != 0 ||
	    reading_json_member(pod, "status", JSON_OBJECT, false, 0, &status, gathered->err) != 0)
		return -1;
	for (size_t i = 0; i < sizeof spec_lists / sizeof spec_lists[0]; i++)
		if (read_each(spec, spec_lists[i], "image", true, gathered, add_spec_image) != 0)
			return reading_reject_within(gathered->err, "spec");
	for (size_t i = 0; status && i < sizeof status_lists / sizeof status_lists[0]; i++)
		if (read_each(status, status_lists[i], "imageID", false, gathered, add_image_id) != 0)
			return reading_reject_within(gathered->err, "status");
	return 0;
}

static int read_pod(json_t *pod, struct gathered *gathered)
{
	if (!json_is_object(pod))
		return reading_reject(gathered->err, 0, "not an object");
	char *name = pod_name(pod);
	gathered->pod = name;
	int read = read_pod_lists(pod, gathered);
	gathered->pod = NULL;
	free(name);
	return read;
}

int use_read_pods(const char *text, size_t length, struct image_use *use, struct listing_error *err)
{
	struct gathered gathered = {.err = err};
	json_t *root = reading_json_load(text, length, JSON_OBJECT, err);
	if (!root)
		return -1;
	json_t *items;
	int status = reading_json_member(root, "items", JSON_ARRAY, true, 0, &items, err);
	for (size_t i = 0; status == 0 && i < json_array_size(items); i++)
		if (read_pod(json_array_get(items, i), &gathered) != 0)
			status = reading_reject_within(err, "pod %zu", i + 1);
	json_decref(root);
	return settle(&gathered, use, status);
}

bool use_covers(const struct image_use *use, const struct image *image)
{
	for (size_t i = 0; i < use->digest_count; i++)
		if (listing_image_has_digest(image, use->digests[i]))
			return true;
	for (size_t i = 0; i < image->name_count; i++) {
		const struct image_name *name = &image->names[i];
		if (name->repository && name->tag && use_names_tag(use, name->repository, name->tag))
			return true;
	}
	return false;
}

bool use_names_tag(const struct image_use *use, const char *repository, const char *tag)
{
	char *named = reference_join(repository, tag);
	/* Out of memory: as good as named, so that nothing is touched on a guess. */
	bool used = !named || contains(use->references, use->reference_count, named);
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
