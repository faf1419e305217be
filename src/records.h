/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_RECORDS_H
#define KIMB_RECORDS_H

/* kimb's records of its builds on disk, and the records of one run: each repository's record
 * (record.h) read from and written to the state directory, one file a repository and image store,
 * trusted only when it is the user's own. */

#include <stdbool.h>
#include <stddef.h>

#include "env.h"
#include "listing.h"
#include "message.h"
#include "record.h"

/* The state directory ENVIRONMENT names: $KIMB_STATE_DIR, else $XDG_STATE_HOME/kimb, else
 * $HOME/.local/state/kimb (each when set and absolute). Malloc'd; NULL when none is set. */
char *records_state_directory(const struct environment *environment);

/* Makes DIRECTORY (absolute; changed while it runs, then restored) and the directories above it
 * that are missing, each only for the user. Returns 0, or -1 with errno set. */
int records_make_directories(char *directory);

/* A text naming one image store: the builder's NAME, the WORD_COUNT global flags it is run with (as
 * "FLAG=VALUE", however spelled), and the values in ENVIRONMENT of the variables STORE_ENVIRONMENT
 * (NULL-terminated) that choose the store. Malloc'd. */
char *records_store_key(const char *name, const char *const *words, size_t word_count,
			   const char *const *store_environment, const struct environment *environment);

/* Reads the record of REPOSITORY in STORE from STATE_DIRECTORY (NULL: no record is kept). A missing
 * file is an empty record. A file that is not the user's own, is writable by others, or cannot be
 * read whole is not trusted: the record is empty and a line to say is added to WHY (else WHY is
 * left as it was). Release OUT with record_free. */
void record_load(const char *state_directory, const char *store, const char *repository, struct record *out,
		 struct message *why);

/* Writes RECORD when it changed (atomically: a new file renamed over the old), creating the state
 * directory (mode 0700) when needed; an empty record removes the file. Returns 0, or -1 with a
 * one-line reason added to WHY. */
int record_save(struct record *record, struct message *why);

/* --- the records of a run ---------------------------------------------------------------------- */

/* The records of a run's repositories in the store its calls reach: the tags kimb issued, for
 * every builder, and its builds' images where it keeps them. */
struct records {
	char *state_directory; /* NULL: none was found, and no record is kept */
	char *store;           /* the store key of the run's calls */
	struct record *of;     /* one a repository, in the run's order */
	size_t count;
};

/* Reads the record of each of the COUNT REPOSITORIES (normalized) in STORE (a store key, see
 * records_store_key), from the state directory ENVIRONMENT names, into OUT (release with
 * records_free). What cannot be trusted, or that no record can be kept, is said. */
void records_load(const struct environment *environment, const char *store,
		  const char *const *repositories, size_t count, struct records *out);

/* Records the image just built for every repository, built at BUILT (seconds since the epoch):
 * NEW_ID, else the image LISTING (NULL when there is none) shows as the first repository's
 * UNIQUE_TAG; with the intermediate images its build left where the listing shows parents. */
void records_add_build(struct records *records, const char *unique_tag, const char *new_id,
		       const struct listing *listing, long long built);

/* Records that kimb issued UNIQUE_TAG (NULL: none) for every repository. */
void records_add_tag(struct records *records, const char *unique_tag);

/* Forgets, in the record of repository INDEX, the issued TAG, which kimb took off. */
void records_forget_tag(struct records *records, size_t index, const char *tag);

/* Gives kimb's own nameless images back the name of their repository (record_attribute). */
void records_attribute(const struct records *records, struct listing *listing, bool label_required);

/* Forgets, in the record of repository INDEX, the image ID, which is gone. */
void records_forget(struct records *records, size_t index, const char *id);

/* Forgets every image LISTING no longer holds: a record that becomes empty is removed with its file
 * by records_save. Only the run's own repositories, whose locks it holds: another repository's
 * record may have gained an image since LISTING was made, and rewriting it unlocked could lose it. */
void records_keep_listed(struct records *records, const struct listing *listing);

/* Writes the records that changed; a failure is said, and changes nothing else. */
void records_save(struct records *records);

void records_free(struct records *records);

#endif
