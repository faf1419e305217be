#ifndef KIMB_RECORDS_H
#define KIMB_RECORDS_H

/* kimb's record of its builds, read and written, and which repository an image belongs to when the
 * listing cannot say: the images kimb built for each repository in each image store, each with the
 * intermediate images its build left. A nameless image is a repository's only when that record
 * says kimb built it for the repository (and its label agrees, where kimb labels its builds): a
 * label is copied into every image built FROM a labelled one, so alone it proves nothing. */

#include <stdbool.h>
#include <stddef.h>

#include "env.h"
#include "listing.h"
#include "session.h"

struct built_image {
	char *id;              /* 64 hex */
	char **intermediates;  /* the nameless images between it and the named image its build started
				  from, child first, as the listing showed them right after the build */
	size_t intermediate_count;
};

struct record {
	char *path;       /* the record's file; NULL when no state directory could be found */
	char *repository; /* normalized */
	char *store;      /* the store key, as records_store_key makes it */
	struct built_image *images;
	size_t count;
	bool changed;     /* record_save has something to write */
};

/* The state directory: $KIMB_STATE_DIR, else $XDG_STATE_HOME/kimb, else $HOME/.local/state/kimb
 * (each when set and absolute). Malloc'd; NULL when none is set. */
char *records_state_directory(env_lookup getenv_fn);

/* A text naming one image store: the builder's NAME, the WORD_COUNT global flags it is run with (as
 * "FLAG=VALUE", however spelled), and the values of the environment variables STORE_ENVIRONMENT
 * (NULL-terminated) that choose the store. Malloc'd. */
char *records_store_key(const char *name, const char *const *words, size_t word_count,
			   const char *const *store_environment, env_lookup getenv_fn);

/* Reads the record of REPOSITORY in STORE from STATE_DIRECTORY (NULL: no record is kept). A missing
 * file is an empty record. A file that is not the user's own, is writable by others, or cannot be
 * read whole is not trusted: the record is empty and WHY says why (else WHY is ""). Release OUT
 * with record_free. */
void record_load(const char *state_directory, const char *store, const char *repository, struct record *out,
		 char *why, size_t why_size);

/* The image ID of RECORD, or NULL. */
const struct built_image *record_find(const struct record *record, const char *id);

/* Records that kimb built ID, with its INTERMEDIATES (child first). */
void record_add(struct record *record, const char *id, char *const *intermediates, size_t count);

/* Forgets ID, which is gone. */
void record_forget(struct record *record, const char *id);

/* Forgets every image that LISTING no longer holds. */
void record_keep_listed(struct record *record, const struct listing *listing);

/* Writes RECORD when it changed (atomically: a new file renamed over the old), creating the state
 * directory (mode 0700) when needed; an empty record removes the file. Returns 0, or -1 with a
 * one-line reason in WHY. */
int record_save(struct record *record, char *why, size_t why_size);

void record_free(struct record *record);

/* True when LABEL (KIMB_REPOSITORIES_LABEL's value: repositories joined by ',') names REPOSITORY. */
bool records_label_names(const char *label, const char *repository);

/* Gives every nameless image of LISTING that RECORD holds the lost name of RECORD's repository,
 * when LABEL_REQUIRED only if its label names that repository too. */
void record_attribute(struct listing *listing, const struct record *record, bool label_required);

/* The intermediate images of the build that made ID, listed right after it: the untagged images in
 * LISTING it was built on (see listing_built_on), up to the first tagged one (the image the build
 * started FROM), child first, into *OUT (malloc'd copies). None when the listing does not tell
 * every step of the way. */
void records_intermediates(const struct listing *listing, const char *id, char ***out, size_t *count);

/* --- the records of a run ---------------------------------------------------------------------- */

/* The records of a run's repositories in the store its calls reach. */
struct records {
	bool kept;             /* the builder is one kimb keeps records for */
	char *state_directory; /* NULL: none was found, and no record is kept */
	char *store;           /* the store key of the run's calls */
	struct record *of;     /* one a repository, in the run's order */
	size_t count;
};

/* Reads the record of each of the COUNT REPOSITORIES (normalized) in SESSION's store into OUT
 * (release with records_free); what cannot be trusted, or that none can be kept, is said. */
void records_load(const struct session *session, const char *const *repositories, size_t count,
		  struct records *out);

/* Records the image just built for every repository: NEW_ID, else the image LISTING (NULL when
 * there is none) shows as the first repository's UNIQUE_TAG; with the intermediate images its
 * build left where the listing shows parents. */
void records_add_build(struct records *records, const char *unique_tag, const char *new_id,
		       const struct listing *listing);

/* Gives kimb's own nameless images back the name of their repository (record_attribute). */
void records_attribute(const struct records *records, struct listing *listing, bool label_required);

/* Forgets, in the record of repository INDEX, the image ID, which is gone. */
void records_forget(struct records *records, size_t index, const char *id);

/* Forgets every image LISTING no longer holds. */
void records_keep_listed(struct records *records, const struct listing *listing);

/* Writes the records that changed; a failure is said, and changes nothing else. */
void records_save(struct records *records);

void records_free(struct records *records);

#endif
