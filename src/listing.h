#ifndef KIMB_LISTING_H
#define KIMB_LISTING_H

/* A builder's image listing, read into images grouped by ID. A listing either parses
 * whole or not at all: one unreadable line or value rejects it, since kimb deletes by it. */

#include <stdbool.h>
#include <stddef.h>

struct image_name {
	char *repository; /* normalized ("docker.io/library/app"); NULL when the image has no attributable name */
	char *shown;      /* as listed, tag and digest cut off ("app"); NULL with repository */
	char *tag;        /* NULL when the listing shows no tag (<none>) */
};

struct image {
	char *id;                 /* hex, without "sha256:", as long as the listing printed it */
	struct image_name *names; /* every row the image was listed under, in listing order */
	size_t name_count;
	bool has_created;         /* the builder reported a creation time */
	long long created;        /* seconds since the epoch, when has_created */
	long long containers;     /* containers using the image; -1 when the builder does not say */
	char *label;              /* value of KIMB_REPOSITORIES_LABEL, NULL when absent or not read */
};

struct listing {
	struct image *images; /* sorted by id, each id once */
	size_t count;
};

struct listing_error {
	size_t line;        /* 1-based line of the input that was rejected; 0 when not about one line */
	char message[160];
};

/* Reads `kim image ls` output (with or without -a, --no-trunc, --digests) from TEXT of LENGTH bytes.
 * Returns 0 and fills OUT (release with listing_free), or -1 with ERR filled and OUT empty. */
int listing_parse_kim_table(const char *text, size_t length, struct listing *out, struct listing_error *err);

/* The label kimb puts on what it builds with builders whose old images lose their names: the
 * normalized repositories of the build, joined by ','. */
#define KIMB_REPOSITORIES_LABEL "kimb.repositories"

/* Reads `podman images --format json`: names from Names, or from History (the names the image had)
 * when it has none left; Created; Containers. */
int listing_parse_podman_json(const char *text, size_t length, struct listing *out, struct listing_error *err);

/* Reads `buildah images --json --no-trunc`: names, created. */
int listing_parse_buildah_json(const char *text, size_t length, struct listing *out, struct listing_error *err);

/* Reads `docker image ls --no-trunc --format '{{json .}}'` and nerdctl's alike: one JSON object a line
 * (ID, Repository, Tag, CreatedAt, Containers where given), several lines per image. */
int listing_parse_json_lines(const char *text, size_t length, struct listing *out, struct listing_error *err);

/* Reads an inspection of some of LISTING's images into them: `docker image inspect ID...` and
 * nerdctl's (a JSON array: Id, Config.Labels), or `buildah inspect --type image ID` (one object:
 * FromImageID, OCIv1.config.Labels). Sets each inspected image's label. Returns 0, or -1 with ERR
 * filled (an inspected ID that is not in LISTING is an error too). */
int listing_read_docker_inspection(const char *text, size_t length, struct listing *listing, struct listing_error *err);
int listing_read_buildah_inspection(const char *text, size_t length, struct listing *listing, struct listing_error *err);

/* Reads `nerdctl image inspect ID...`, whose Id is the image's config digest, not the ID its listing
 * shows: ASKED holds exactly the images asked about, in order, and the Nth object is the Nth one's. */
int listing_read_nerdctl_inspection(const char *text, size_t length, struct listing *asked, struct listing_error *err);

/* True when IMAGE has no name with a repository: a <none> image. */
bool listing_image_is_nameless(const struct image *image);

/* Gives each image that has no name with a repository a lost name (tag NULL) for every valid
 * repository its label names, so that selection finds kimb's own nameless images. Returns 0, or -1
 * when memory ran out. */
int listing_attribute_labels(struct listing *listing);

void listing_free(struct listing *listing);

#endif
