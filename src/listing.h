#ifndef KIMB_LISTING_H
#define KIMB_LISTING_H

/* A builder's image listing, read into images grouped by ID. A listing either parses
 * whole or not at all: one unreadable line rejects it, since kimb deletes by it. */

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
	char *label;              /* value of kimb's repositories label, NULL when absent */
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

void listing_free(struct listing *listing);

#endif
