/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_COMPLETE_H
#define KIMB_COMPLETE_H

/* kimb --complete=WHAT: the words kimb's shell completions offer, printed from kimb's own tables so
 * that the scripts copy none, one a line. It takes no lock and writes no file; for the repositories
 * it makes the builder's listing call only, and gives up on it after COMPLETE_LISTING_SECONDS. */

#include <stdbool.h>

#include "builder.h"
#include "options.h"

#define COMPLETE_LISTING_SECONDS 5

/* Whether WHAT needs a builder: its flags, or its listing. */
bool complete_needs_builder(enum completion what);

/* Prints WHAT on stdout: the spellings of kimb's long options (options), or of BUILDER's global or
 * build flags ("--long", then "-s" where it has one, in its table's order), each followed by "="
 * when it takes a value; the values of --builder or --scheme (builders, schemes); or the
 * repositories of BUILDER's listing, made with the global flags of OPTIONS (sorted, each once, as
 * listed). BUILDER may be NULL when WHAT needs none. Returns the status to exit with, having said
 * why when it is not STATUS_OK: stdout cannot be written, or the builder is not found, fails, is
 * killed or gives no listing kimb can read in time (then nothing is printed). */
int complete_print(enum completion what, const struct builder *builder, const struct options *options);

#endif
