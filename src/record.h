/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_RECORD_H
#define KIMB_RECORD_H

/* One repository's record of the images kimb built for it in one image store, as a value: what
 * is in it, and which repository an image belongs to when the listing cannot say. A nameless
 * image is a repository's only when its record says kimb built it for the repository (and its
 * label agrees, where kimb labels its builds): a label is copied into every image built FROM a
 * labelled one, so alone it proves nothing. Reading and writing records is records.h's job. */

#include <stdbool.h>
#include <stddef.h>

#include "listing.h"

struct built_image {
	char *id;              /* 64 hex */
	char **intermediates;  /* the nameless images between it and the named image its build started
				  from, child first, as the listing showed them right after the build */
	size_t intermediate_count;
	long long built;       /* when kimb recorded building it, seconds since the epoch; -1 unknown
				  (a record of version 1) */
};

struct record {
	char *path;       /* the record's file; NULL when no state directory could be found */
	char *repository; /* normalized */
	char *store;      /* the store key, as records_store_key makes it */
	struct built_image *images;
	size_t count;
	char **tags;      /* the unique tags kimb issued for the repository in the store, oldest first,
			     while the listing may still show them (kept for every builder) */
	size_t tag_count;
	bool changed;     /* record_save has something to write */
};

/* The image ID of RECORD, or NULL. */
const struct built_image *record_find(const struct record *record, const char *id);

/* Records that kimb built ID, with its INTERMEDIATES (child first), at BUILT (seconds since the
 * epoch, -1 unknown); an ID recorded already keeps its first time. */
void record_add(struct record *record, const char *id, char *const *intermediates, size_t count, long long built);

/* Forgets ID, which is gone. */
void record_forget(struct record *record, const char *id);

/* Forgets every image that LISTING no longer holds, and every issued tag no image of it carries
 * under the repository. */
void record_keep_listed(struct record *record, const struct listing *listing);

/* Records that kimb issued the unique tag TAG for the repository (last, as the newest). */
void record_add_tag(struct record *record, const char *tag);

/* Where TAG is among RECORD's issued tags (0 the oldest), or -1 when kimb did not issue it. */
long record_tag_index(const struct record *record, const char *tag);

/* Forgets the issued tag TAG, which no image carries any more. */
void record_forget_tag(struct record *record, const char *tag);

/* Forgets every image, and every issued tag. */
void record_clear(struct record *record);

void record_free(struct record *record);

/* True when LABEL (KIMB_REPOSITORIES_LABEL's value: repositories joined by ',') names REPOSITORY. */
bool record_label_names(const char *label, const char *repository);

/* Gives every nameless image of LISTING that RECORD holds the lost name of RECORD's repository,
 * when LABEL_REQUIRED only if its label names that repository too. */
void record_attribute(struct listing *listing, const struct record *record, bool label_required);

/* The intermediate images of the build that made ID, listed right after it: the untagged images in
 * LISTING it was built on (see listing_built_on), up to the first tagged one (the image the build
 * started FROM), child first, into *OUT (malloc'd copies). None when the listing does not tell
 * every step of the way. */
void record_intermediates(const struct listing *listing, const char *id, char ***out, size_t *count);

#endif
