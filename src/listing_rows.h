/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_LISTING_ROWS_H
#define KIMB_LISTING_ROWS_H

/* What the readers behind listing.h share (listing_kim.c, listing_json.c), and nothing else of kimb
 * uses: each reader turns its input into rows, one for each (image, name) it lists, and
 * listing_rows_group makes them the listing's images. Errors are reported the same way everywhere:
 * ERR filled (message without newlines, long values cut short), then -1. */

#include <stdbool.h>
#include <stddef.h>

#include "listing.h"

#define LISTING_ID_MAX 64 /* hex digits of a full ID; kim's truncated IDs have 13 */
#define LISTING_ID_PREFIX "sha256:" /* before a full ID, where the listing prints one */

/* True when the LENGTH bytes at TEXT are all lower-case hex digits. */
bool listing_is_lower_hex(const char *text, size_t length);



/* What a listing says about one image under one of its names. */
struct listing_row {
	char id[LISTING_ID_MAX + 1]; /* lower-case hex; all IDs of one listing have one length */
	struct image_name name;      /* owned; all NULL for an image listed without a name */
	bool has_created;
	long long created;
	long long containers;        /* -1 when the listing does not say */
	long long size;              /* bytes; -1 when the listing does not say */
	const char *label;           /* borrowed, NULL when absent: must outlive listing_rows_group */
	bool parent_known;           /* the listing says which image it was built on, if any */
	char parent[LISTING_ID_MAX + 1]; /* that image's ID; empty when none */
	char digest[LISTING_ID_MAX + 1]; /* a digest the row names the image by; empty when none */
	size_t order;                /* set by listing_rows_add */
};

struct listing_rows {
	struct listing_row *items;
	size_t count;
};

/* Adds DIGEST (64 hex) to IMAGE's digests unless it is its ID or one of them. */
void listing_add_digest(struct image *image, const char *digest);

/* A row for the image whose ID is the LENGTH (at most LISTING_ID_MAX) hex digits at ID, with no
 * name, no creation time, containers and size -1, no label, no parent known and no digest. */
struct listing_row listing_row_start(const char *id, size_t length);

/* Appends ROW, taking its name. */
void listing_rows_add(struct listing_rows *rows, struct listing_row *row);

/* Groups ROWS by ID into OUT, sorted by ID: each image gets its names in listing order, each name once
 * (podman lists an image with two names twice), its containers, label and parent, which all of its
 * rows must agree on, the digests of its rows, each once, and the latest creation time of its rows
 * (nerdctl dates each name apart). Names move into OUT; ROWS still needs listing_rows_free.
 * Returns 0, or -1 with ERR filled and OUT empty. */
int listing_rows_group(struct listing_rows *rows, struct listing *out, struct listing_error *err);

void listing_rows_free(struct listing_rows *rows);

/* Which tag a name written whole ("R", "R:TAG", "R@DIGEST") gives the image. */
enum name_state {
	NAME_CURRENT, /* the image has this name: its tag, if any, is the image's */
	NAME_LOST,    /* a name the image had (kim's IMAGE cell beside TAG <none>, podman's History) */
};

/* Fills NAME from REFERENCE through reference_parse. TITLE says in messages what was read ("IMAGE").
 * Returns 0, or -1 with ERR at LINE and NAME all NULL. */
int listing_name_parse(const char *reference, enum name_state state, const char *title, size_t line,
		       struct image_name *name, struct listing_error *err);

/* The titles of a listing's repository and tag columns, for messages: {"IMAGE", "TAG"} for kim. */
struct name_columns {
	const char *repository;
	const char *tag;
};

/* Fills NAME from a repository cell and a tag cell, each NULL when it reads <none>. A repository with
 * a tag or digest of its own is a lost name, allowed only beside tag <none>. Returns 0, or -1 with ERR
 * at LINE and NAME all NULL. */
int listing_name_from_columns(const char *repository, const char *tag, const struct name_columns *columns,
			      size_t line, struct image_name *name, struct listing_error *err);

void listing_name_free(struct image_name *name);

#endif
