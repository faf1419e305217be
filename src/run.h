#ifndef KIMB_RUN_H
#define KIMB_RUN_H

/* What one run of kimb knows, shared by the steps main takes in turn: build.h (the tag and the
 * build), survey.h (what the store holds and what uses it) and prune.h (the plans and their
 * carrying out). Each step returns STATUS_OK (status.h) to go on. */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "builder.h"
#include "session.h"
#include "listing.h"
#include "lock.h"
#include "options.h"
#include "provenance.h"
#include "report.h"
#include "process.h"
#include "selection.h"
#include "settings.h"
#include "use.h"

/* What kimb does for one repository named by -t (build) or as an argument (prune). */
struct repository_run {
	const struct target *target;
	char *unique_reference;      /* build: NAME:UNIQUE_TAG */
	char *latest_reference;      /* build: NAME:latest when kimb adds that tag, else NULL */
	struct record record;        /* what kimb built for it in this store */
	struct prune_plan plan;
	struct repository_report *report; /* its part of the run's report */
};

struct run {
	double started;              /* report_now() when kimb started */
	const struct builder *builder;
	bool builder_detected;       /* auto chose it: said once the input is known to be good */
	const struct options *options;
	struct settings settings;    /* the builder's configuration file, read first */
	struct session session;
	struct repository_run *repositories;
	size_t repository_count;
	struct lock_set *locks;
	char *state_directory;
	char *store;                 /* the store key of the builder's calls */
	char *git_tag;               /* build, git scheme: made before the locks */
	char *unique_tag;            /* build */
	char *label;                 /* build with a labelling builder: --label=KEY=REPOSITORIES */
	char iid_directory[PATH_MAX]; /* build: kimb's own directory for the iidfile; "" when none */
	char iidfile[PATH_MAX + 8];  /* build: where the builder writes the new image's ID; "" when none */
	char *new_id;                /* build: the new image's ID (64 hex), when the builder said it */
	char build_signal[PROCESS_SIGNAL_NAME_MAX]; /* build: the signal that killed it, for the report */
	struct listing listing;
	struct image_use use;
	struct process pods;       /* kubectl, started beside the listing where pods use images */
	bool pods_started;
	struct report report;
};

#endif
