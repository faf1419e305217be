#ifndef KIMB_PRUNE_H
#define KIMB_PRUNE_H

/* The images a run removes. kimb's record of its builds is read and gives its own nameless images
 * back their repository; every repository is planned before anything is removed, so that one that
 * cannot be planned safely stops them all; the plans are carried out, up to --jobs removals at
 * once, each image's calls in order, and what became of each image goes into the report. */

#include "run.h"

/* Reads the record of every repository (builders that keep none: nothing). */
int prune_load_records(struct run *run);

/* Records the image just built for every repository, with the intermediate images its build left
 * where LISTING (NULL when there is none) shows parents. */
void prune_record_new_image(struct run *run, const struct listing *listing);

/* Gives kimb's own nameless images back the name of their repository, and records the new image. */
void prune_attribute(struct run *run);

/* Plans every repository; reads what containers and pods use, and inspects what only an
 * inspection tells of the images to be removed, only when a plan would touch an image. */
int prune_plan(struct run *run, bool pods);

/* Carries out the plans (or, with --dry-run, says what they would do) into the report; the record
 * forgets what is gone. */
void prune_carry_out(struct run *run);

/* Writes the records that changed; a failure is said, and changes nothing else. */
void prune_save_records(struct run *run);

#endif
