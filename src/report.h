#ifndef KIMB_REPORT_H
#define KIMB_REPORT_H

/* What kimb tells its user. Messages go to stderr as they come, one line each, "kimb: " first. What
 * a run did to each image is recorded as it happens and told at the end, in the plan's order: as
 * lines on stderr and a summary line, or as one JSON document on stdout. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "listing.h"

/* Writes "kimb: ", the printf-style message and a newline to stderr. */
void report_say(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* IMAGE's names for a message, in BUF: "NAME:TAG", "NAME:<none>" for a name it lost, joined by
 * ", ", or "<none>" when it has none; cut short to fit SIZE. */
void report_names(const struct image *image, char *buf, size_t size);

enum image_fate {
	FATE_PENDING, /* selected; its calls have not all run (an interrupt came first) */
	FATE_REMOVED, /* removed, or with --dry-run would be */
	FATE_UNTAGGED, /* lost the repository's tags, and stays */
	FATE_KEPT,    /* untouched */
	FATE_FAILED,  /* selected, and the builder refused or failed: DETAIL says how */
};

enum fate_reason {
	REASON_REPLACED,         /* removed: an image the build replaced, or prune's */
	REASON_INTERMEDIATE,     /* removed: left by the build of the RELATED image */
	REASON_SHARED,           /* untagged: another repository's tag keeps it */
	REASON_NEW,              /* kept: the image just built */
	REASON_LATEST,           /* kept: the image latest points to */
	REASON_RECENT,           /* kept: one of the --keep most recent */
	REASON_NOT_ATTRIBUTABLE, /* kept: nameless, and only kimb's record or only its label claims it */
	REASON_IN_USE,           /* kept: a container or pod uses it */
	REASON_BASE_WOULD_GO,    /* kept: removing it would take RELATED, the untagged image it was built FROM */
	REASON_BASE_UNKNOWN,     /* kept: removing it would take its untagged base, which cannot be told */
	REASON_USE_UNKNOWN,      /* kept: not inspected, so whether a pod uses it cannot be told */
	REASON_HAS_CHILDREN,     /* kept: another image is built on it, and the builder keeps parents */
	REASON_CHILD_STAYS,      /* kept: an intermediate of the RELATED image, which could not be removed */
};

/* An image the builder removed along with another (buildah's untagged parents). */
struct removed_along {
	char *id;
	long long size; /* bytes; -1 unknown */
};

struct image_report {
	const struct image *image; /* in the run's listing */
	enum image_fate fate;
	enum fate_reason reason;
	bool remove;               /* selected for removal (else only for untagging) */
	const struct image *related; /* see the reasons */
	char *error;               /* FATE_FAILED: how the call failed */
	bool failed_untagging;     /* FATE_FAILED: the call that failed took FAILED_TARGET off */
	const char *failed_target; /* FATE_FAILED: the ID, or the NAME:TAG, of the call that failed */
	char **untagged;           /* the names taken off it, in order */
	size_t untagged_count;
	size_t untags_planned;     /* how many names the plan takes off before removing it */
	struct removed_along *along;
	size_t along_count;
};

struct repository_report {
	const char *repository; /* normalized */
	const char *reference;  /* build: the unique reference printed; NULL for prune */
	const char *latest;     /* build: NAME:latest when kimb tagged it */
	struct image_report *images; /* in the order of the plan, then the images left alone */
	size_t count;
	bool planned;           /* a plan was made and carried out (or its carrying out began) */
};

enum phase { PHASE_LOCK, PHASE_BUILD, PHASE_LIST, PHASE_PLAN, PHASE_REMOVE, PHASE_COUNT };

/* How the build call ended, when there was one. */
struct build_outcome {
	bool ran;
	int exit_status;         /* when it exited */
	const char *signal_name; /* when it was killed ("SIGKILL"); else NULL */
};

struct report {
	const char *builder;
	bool dry_run;
	const char *new_id;     /* build: the new image's ID, when known */
	struct build_outcome build;
	struct repository_report *repositories;
	size_t repository_count;
	double phase_seconds[PHASE_COUNT];
	size_t calls_made;      /* to the builder and kubectl */
};

/* Adds an image to REPOSITORY's report and returns it (valid until the next one is added). */
struct image_report *report_add_image(struct repository_report *repository, const struct image *image,
				      enum image_fate fate, enum fate_reason reason);

/* The image of REPOSITORY's report that IMAGE is, or NULL. */
struct image_report *report_find_image(struct repository_report *repository, const struct image *image);

/* Records that NAME was taken off ENTRY. */
void report_untagged(struct image_report *entry, const char *name);

/* Records that the builder removed the image ID along with ENTRY's; LISTING tells its size. */
void report_removed_along(struct image_report *entry, const char *id, const struct listing *listing);

/* Tells what REPORT holds on stderr: a line for each image removed, untagged, kept for a reason the
 * user can act on, or not removed, then one summary line; or, with PROBLEMS_ONLY (the JSON report
 * tells the rest), only the lines of the images that were not removed. */
void report_tell(const struct report *report, bool problems_only);

/* Writes REPORT as one JSON document to OUT, with EXIT_STATUS and the run's wall time since
 * STARTED (CLOCK_MONOTONIC seconds), its CPU time and peak memory. Returns 0, or -1 when it could
 * not be written. */
int report_write_json(const struct report *report, int exit_status, double started, FILE *out);

/* True when some image of REPORT was selected and could not be removed. */
bool report_has_failures(const struct report *report);

/* Seconds on CLOCK_MONOTONIC, for phase times. */
double report_now(void);

void report_free(struct report *report);

#endif
