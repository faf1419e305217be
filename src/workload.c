/* SPDX-License-Identifier: Apache-2.0 */
#include "workload.h"

#include <string.h>

#include "xalloc.h"

const struct workload_kind_info workload_kinds[WORKLOAD_KIND_COUNT] = {
	[WORKLOAD_REPLICATION_CONTROLLERS] = {"replicationcontrollers", "replicationcontrollers", "ReplicationController",
					      false},
	[WORKLOAD_REPLICA_SETS] = {"replicasets", "replicasets.apps", "ReplicaSet", false},
	[WORKLOAD_DEPLOYMENTS] = {"deployments", "deployments.apps", "Deployment", false},
	[WORKLOAD_STATEFUL_SETS] = {"statefulsets", "statefulsets.apps", "StatefulSet", false},
	[WORKLOAD_DAEMON_SETS] = {"daemonsets", "daemonsets.apps", "DaemonSet", false},
	[WORKLOAD_JOBS] = {"jobs", "jobs.batch", "Job", false},
	[WORKLOAD_CRON_JOBS] = {"cronjobs", "cronjobs.batch", "CronJob", true},
};

static bool same(const char *text, size_t length, const char *word)
{
	return strlen(word) == length && strncmp(text, word, length) == 0;
}

int workload_by_name(const char *text, size_t length)
{
	for (int i = 0; i < WORKLOAD_KIND_COUNT; i++)
		if (same(text, length, workload_kinds[i].name) || same(text, length, workload_kinds[i].resource))
			return i;
	return -1;
}

int workload_by_object_kind(const char *kind)
{
	for (int i = 0; i < WORKLOAD_KIND_COUNT; i++)
		if (strcmp(kind, workload_kinds[i].kind) == 0)
			return i;
	return -1;
}

int workload_parse_set(const char *text, workload_set *set, const char *source, struct message *why)
{
	workload_set read = 0;
	for (const char *c = text; *c;) {
		size_t length = strcspn(c, ",");
		int kind = workload_by_name(c, length);
		if (kind < 0) {
			message_add(why, "%s: unknown kind '%.*s' (", source, (int)length, c);
			for (int i = 0; i < WORKLOAD_KIND_COUNT; i++)
				message_add(why, "%s%s", i ? ", " : "", workload_kinds[i].name);
			message_add(why, ")");
			return -1;
		}
		read |= 1u << kind;
		c += length;
		if (*c == ',')
			c++;
	}
	*set = read;
	return 0;
}

char *workload_set_text(workload_set set, const char *separator)
{
	size_t size = 1;
	for (int i = 0; i < WORKLOAD_KIND_COUNT; i++)
		size += strlen(workload_kinds[i].name) + strlen(separator);
	char *text = xcalloc(size, 1);
	for (int i = 0; i < WORKLOAD_KIND_COUNT; i++)
		if (set & (1u << i)) {
			if (*text)
				strcat(text, separator);
			strcat(text, workload_kinds[i].name);
		}
	return text;
}
