/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_REPORT_H
#define KIMB_REPORT_H

/* What kimb tells its user of a run: what became of each image of the plan, in the plan's order,
 * as lines on stderr and a summary line, or as one JSON document on stdout; each reason's words
 * come from reasons.h. Other messages go to stderr as they come (message.h). */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "message.h"
#include "plan.h"

enum phase { PHASE_LOCK, PHASE_BUILD, PHASE_LIST, PHASE_PLAN, PHASE_REMOVE, PHASE_COUNT };

/* How the build call ended, when there was one. */
struct build_outcome {
	bool ran;
	int exit_status;         /* when it exited */
	const char *signal_name; /* when it was killed ("SIGKILL"); else NULL */
};

/* A repository of the run, as the report names it. */
struct report_repository {
	const char *repository; /* normalized */
	const char *reference;  /* build: the unique reference printed; NULL for prune, or a failed build */
	const char *latest;     /* build: NAME:latest, kimb's tag or the user's own -t NAME; NULL when reference is */
	const char *would_reference; /* a dry run's build: the unique reference a build now would get */
};

struct report {
	const char *builder;
	bool dry_run;
	const char *new_id;     /* build: the new image's ID, when known */
	struct build_outcome build;
	const struct report_repository *repositories;
	size_t repository_count;
	const struct plan *plan; /* the plan carried out (or begun): NULL when none was */
	double phase_seconds[PHASE_COUNT];
	size_t calls;           /* to the builder and kubectl */
	const char *prune;      /* how pruning went (now, background, skipped, never): JSON's "prune"; or NULL */
};

/* IMAGE's names for a message, in BUF: "NAME:TAG", "NAME:<none>" for a name it lost, joined by
 * ", ", or "<none>" when it has none; cut short to fit SIZE. podman's internal names
 * (listing_is_internal_name) are left out, here and in the JSON report. */
void report_names(const struct image *image, char *buf, size_t size);

/* Tells what REPORT holds on stderr: a line for each image removed, untagged, kept for a reason the
 * user can act on, or not removed, then one summary line; or, with PROBLEMS_ONLY (the JSON report
 * tells the rest), only the lines of the images that were not removed. */
void report_tell(const struct report *report, bool problems_only);

/* Writes REPORT as one JSON document to OUT, with EXIT_STATUS and the run's wall time since
 * STARTED (CLOCK_MONOTONIC seconds), its CPU time and peak memory. Returns 0, or -1 when it could
 * not be written. */
int report_write_json(const struct report *report, int exit_status, double started, FILE *out);

/* The version of the JSON report's schema, its "schema_version": raised when a field changes its
 * meaning or goes; fields are added without raising it. */
#define REPORT_SCHEMA_VERSION 1

/* Seconds on CLOCK_MONOTONIC, for phase times. */
double report_now(void);

#endif
