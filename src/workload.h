/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_WORKLOAD_H
#define KIMB_WORKLOAD_H

/* The kinds of Kubernetes workloads whose pod templates name images that pods will run again: a
 * rollback returns to an old ReplicaSet's template, a CronJob's image runs only while its Job does, a
 * Deployment scaled to 0 runs nothing. kubectl lists them beside the pods, in one call; a kind the
 * user skips (--skip-workloads) is not asked for. */

#include <stdbool.h>
#include <stddef.h>

#include "message.h"

enum workload_kind {
	WORKLOAD_REPLICATION_CONTROLLERS,
	WORKLOAD_REPLICA_SETS,
	WORKLOAD_DEPLOYMENTS,
	WORKLOAD_STATEFUL_SETS,
	WORKLOAD_DAEMON_SETS,
	WORKLOAD_JOBS,
	WORKLOAD_CRON_JOBS,
	WORKLOAD_KIND_COUNT
};

struct workload_kind_info {
	const char *name;      /* as --skip-workloads and kubectl's messages name it: "cronjobs" */
	const char *resource;  /* as kimb asks kubectl for it: "cronjobs.batch" */
	const char *kind;      /* the kind of its objects in kubectl's JSON: "CronJob" */
	bool job_template;     /* its pod template is .spec.jobTemplate.spec.template, not .spec.template */
};

/* Indexed by enum workload_kind, in the order kimb asks for them. */
extern const struct workload_kind_info workload_kinds[WORKLOAD_KIND_COUNT];

/* A set of kinds: bit (1u << KIND) for each. */
typedef unsigned workload_set;

/* Reads TEXT, a comma-separated list of kinds' names ("" for none), into *SET. Returns 0, or -1 with
 * a one-line reason added to WHY naming SOURCE ("--skip-workloads"). */
int workload_parse_set(const char *text, workload_set *set, const char *source, struct message *why);

/* The kind whose name or resource is TEXT ("cronjobs", "cronjobs.batch"), or -1. */
int workload_by_name(const char *text, size_t length);

/* The kind whose objects' kind is KIND ("CronJob"), or -1. */
int workload_by_object_kind(const char *kind);

/* The kinds of SET by name in the table's order, SEPARATOR between them ("," as --skip-workloads
 * takes them); malloc'd. */
char *workload_set_text(workload_set set, const char *separator);

#endif
