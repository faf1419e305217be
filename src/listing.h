/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_LISTING_H
#define KIMB_LISTING_H

/* A builder's image listing, read into images grouped by ID. A listing either parses
 * whole or not at all: one unreadable line or value rejects it, since kimb deletes by it. */

#include <stdbool.h>
#include <stddef.h>

#include "reading.h"

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
	long long size;           /* bytes, as the listing says; -1 when it does not */
	char *label;              /* value of KIMB_REPOSITORIES_LABEL, NULL when absent or not read */
	bool parent_known;        /* the builder said which image this one was built on, if any */
	char *parent;             /* that image's ID (64 hex); NULL when none or not known */
	char **digests;           /* other digests (64 hex) that name the image: its manifest (kim's DIGEST
				     column, buildah's listing) or its config (nerdctl's inspection) */
	size_t digest_count;
	bool inspected;           /* the builder's inspection was read into it */
	bool base_known;          /* buildah: the inspection said which image it was built FROM, if any */
	char *base_digest;        /* that image's manifest digest; NULL when FROM scratch or not known */
};

struct listing {
	struct image *images; /* sorted by id, each id once */
	size_t count;
};

/* Reads `kim image ls` output (with or without -a, --no-trunc, --digests) from TEXT of LENGTH bytes.
 * Returns 0 and fills OUT (release with listing_free), or -1 with ERR filled and OUT empty. */
int listing_parse_kim_table(const char *text, size_t length, struct listing *out, struct listing_error *err);

/* The label kimb puts on what it builds with builders whose old images lose their names: the
 * normalized repositories of the build, joined by ','. */
#define KIMB_REPOSITORIES_LABEL "kimb.repositories"

/* Reads `podman images --all --format json`: names from Names, or from History (the names the image
 * had) when it has none left; ParentId; Created; Containers; labels. */
int listing_parse_podman_json(const char *text, size_t length, struct listing *out, struct listing_error *err);

/* Reads `buildah images --all --json --no-trunc`: names, digest, created. */
int listing_parse_buildah_json(const char *text, size_t length, struct listing *out, struct listing_error *err);

/* Reads `docker image ls --all --no-trunc --format '{{json .}}'` and nerdctl's alike: one JSON object
 * a line (ID, Repository, Tag, CreatedAt, Containers where given), several lines per image. */
int listing_parse_json_lines(const char *text, size_t length, struct listing *out, struct listing_error *err);

/* Reads an inspection of some of LISTING's images into them, whole or not at all (an inspected ID
 * that is not in LISTING is an error too). Returns 0, or -1 with ERR filled.
 * docker: `docker image inspect ID...`, a JSON array: Id, Parent, Config.Labels.
 * buildah: `buildah inspect --type image ID`, one object: FromImageID, OCIv1.config.Labels, and
 *   the annotation org.opencontainers.image.base.digest of ImageAnnotations.
 * nerdctl: `nerdctl image inspect ID...`, whose Id is the image's config digest, not the ID its
 *   listing shows: LISTING holds exactly the images asked about, in order, and the Nth object is
 *   the Nth one's; Config.Labels. */
int listing_read_docker_inspection(const char *text, size_t length, struct listing *listing, struct listing_error *err);
int listing_read_buildah_inspection(const char *text, size_t length, struct listing *listing, struct listing_error *err);
/* podman's `image inspect` of images of a buildah store (containers/storage): what buildah's own
 * inspection says, labels and base, for many images at once. */
int listing_read_podman_inspection(const char *text, size_t length, struct listing *listing, struct listing_error *err);
int listing_read_nerdctl_inspection(const char *text, size_t length, struct listing *asked, struct listing_error *err);

/* True when IMAGE has no name with a repository: a <none> image. */
bool listing_image_is_nameless(const struct image *image);

/* True when IMAGE has a current tag (not only names it lost). */
bool listing_image_is_tagged(const struct image *image);

/* The image of LISTING with ID (as long as the listing's IDs), or NULL; as with strchr, the
 * caller of a const listing decides whether it may change the image. */
struct image *listing_find(const struct listing *listing, const char *id);

/* The image of LISTING tagged REPOSITORY:TAG (REPOSITORY normalized), or NULL. */
const struct image *listing_find_tagged(const struct listing *listing, const char *repository, const char *tag);

/* Whether LISTING tells which image IMAGE was built on: its parent (podman, docker), or the image
 * whose digest its base annotation names (buildah). *ON is that image, or NULL when it has none or
 * the listing does not hold it. */
bool listing_built_on(const struct listing *listing, const struct image *image, const struct image **on);

/* True when DIGEST (64 hex) is IMAGE's ID or one of its digests. */
bool listing_image_has_digest(const struct image *image, const char *digest);

/* Gives IMAGE the lost name (tag NULL) REPOSITORY, a reference without tag or digest, unless it has a
 * name of that repository already; a REPOSITORY that is no such reference adds nothing. */
void listing_attach_lost_name(struct image *image, const char *repository);

/* The 64 hex digits of an ID or digest written "sha256:HEX" or "HEX" (LENGTH bytes at TEXT), or NULL
 * when it is neither. */
const char *listing_full_id(const char *text, size_t length);

/* Reads a size as Go's units.HumanSize prints it ("812B", "2.58MB", "1e+03kB", buildah's "10.3 KB"):
 * decimal units. Returns false when the LENGTH bytes at TEXT are none, or a size too large for a
 * long long. */
bool listing_human_size(const char *text, size_t length, long long *bytes);

/* Whether REPOSITORY (normalized or as listed) is one of podman's internal names, a 64-hex ID and
 * "-tmp" as its last component ("docker.io/library/<hex>-tmp"): the name a build gives a stage's
 * image while it commits it, which the listing keeps in the image's History (a name it lost). No
 * user names it: completions and the report leave it out. */
bool listing_is_internal_name(const char *repository);

/* Moves the tag of REFERENCE ("NAME:TAG") in LISTING, a listing of full IDs, to the image ID (64
 * hex), as a build that tagged ID after LISTING was read did: the image that had the tag keeps its
 * name as one it lost, as kim lists it, unless another tag of that repository is left it; an image
 * ID LISTING does not hold is added, with no more than that name known of it. Returns 0, or -1
 * when REFERENCE is no reference with a tag (LISTING unchanged). */
int listing_move_tag(struct listing *listing, const char *reference, const char *id);

/* The new image's ID (64 hex, in TEXT) that `kim build` wrote on stdout (LENGTH bytes at TEXT):
 * from the last progress line "=> => exporting config sha256:HEX" (BuildKit's "#N exporting config
 * sha256:HEX" alike), whose config digest is the image ID, or the one line "sha256:HEX" of a quiet
 * build (-q). NULL when it wrote neither: its progress went to a console, or its format changed. */
const char *listing_kim_build_id(const char *text, size_t length);

void listing_free(struct listing *listing);

#endif
