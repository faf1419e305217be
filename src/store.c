/* SPDX-License-Identifier: Apache-2.0 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "plan.h"
#include "status.h"
#include "workload.h"
#include "xalloc.h"

/* Says that WHAT ("image listing") could not be read. Returns STATUS_LISTING. */
static int unreadable(const char *what, const struct listing_error *error, const char *consequence)
{
	if (error->line)
		report_say("cannot read the %s: line %zu: %s; %s", what, error->line, error->message, consequence);
	else
		report_say("cannot read the %s: %s; %s", what, error->message, consequence);
	return STATUS_LISTING;
}

bool store_pods_run_images(const struct session *session)
{
	const struct builder *builder = session->builder;
	if (builder->always_pods)
		return true;
	if (!builder->pods_namespace)
		return false;
	bool from_config;
	const char *namespace = session_setting(session, &builder->namespace, &from_config);
	/* containerd's default namespace, where nerdctl works when nothing names one */
	return strcmp(namespace ? namespace : "default", builder->pods_namespace) == 0;
}

static const char *kubectl_program(const struct environment *environment)
{
	const char *kubectl = env_nonempty(environment, ENV_KIMB_KUBECTL);
	return kubectl ? kubectl : "kubectl";
}

/* What kimb asks kubectl for: "pods,replicationcontrollers,replicasets.apps,...", but the kinds SKIPPED.
 * Malloc'd. */
static char *pods_and_workloads(workload_set skipped)
{
	struct message kinds = {0};
	message_add(&kinds, "pods");
	for (int i = 0; i < WORKLOAD_KIND_COUNT; i++)
		if (!(skipped & (1u << i)))
			message_add(&kinds, ",%s", workload_kinds[i].resource);
	return kinds.text;
}

/* Starts kubectl get pods and workloads, through the cluster kim talks to: its kubeconfig and context. */
static void start_pods(const struct session *session, struct store *store)
{
	static const char *const all_namespaces[] = {"--all-namespaces", "--output=json"};
	const struct builder *builder = session->builder;
	const char *kubeconfig = builder->kubeconfig_flags ? options_flag_value(session->options, builder->kubeconfig_flags) : NULL;
	const char *context = builder->context_flags ? options_flag_value(session->options, builder->context_flags) : NULL;
	const struct environment *environment = &session->options->environment;
	const char *context_from_environment = env_nonempty(environment, ENV_KUBECONTEXT);
	if (!context && builder->context_flags && context_from_environment)
		context = context_from_environment;
	char *kubeconfig_flag = kubeconfig ? xprintf("--kubeconfig=%s", kubeconfig) : NULL;
	char *context_flag = context ? xprintf("--context=%s", context) : NULL;
	struct command call = {.output = PROCESS_CAPTURE_BOTH, .time_limit = session->options->call_timeout};
	command_add(&call, kubectl_program(environment));
	if (kubeconfig_flag)
		command_add(&call, kubeconfig_flag);
	if (context_flag)
		command_add(&call, context_flag);
	command_add(&call, "get");
	char *kinds = pods_and_workloads(session->options->skip_workloads);
	command_add(&call, kinds);
	command_add_words(&call, all_namespaces, sizeof all_namespaces / sizeof all_namespaces[0]);
	/* Its stderr too: what it says matters only if its answer does. */
	session_start(session, &call, &store->pods);
	command_free(&call);
	store->pods_started = true;
	free(kubeconfig_flag);
	free(context_flag);
	free(kinds);
}

void store_drop_pods(struct store *store)
{
	if (!store->pods_started)
		return;
	/* Its answer is not needed: a kubectl that hangs or fails must cost nothing. */
	process_stop(&store->pods);
	struct process_result result;
	process_finish(&store->pods, &result);
	process_result_free(&result);
	store->pods_started = false;
}

/* Reads RESULT, the listing's answer that STATUS says came, into STORE. */
static int read_listing(const struct session *session, struct store *store, int status, struct process_result *result)
{
	if (status != STATUS_OK)
		return status;
	struct listing_error error;
	if (session->builder->parse_listing(result->output, result->output_length, &store->listing, &error) < 0)
		status = unreadable("image listing", &error, "nothing removed");
	process_result_free(result);
	return status;
}

int store_list(const struct session *session, struct store *store, bool pods)
{
	struct command call;
	session_builder_command(session, &call, session->builder->list_command);
	struct process listing;
	session_start(session, &call, &listing);
	command_free(&call);
	if (pods)
		start_pods(session, store);
	struct process_result result;
	int status = session_settle(session, &listing, session->options->executable, "list images", "nothing removed",
				   &result);
	return read_listing(session, store, status, &result);
}

void store_start_early_list(const struct session *session, struct store *store)
{
	struct command call;
	session_builder_command(session, &call, session->builder->list_command);
	session_start_side(session, &call, &store->early);
	command_free(&call);
}

int store_read_early_list(const struct session *session, struct store *store)
{
	struct process_result result;
	int status = session_settle_side(session, &store->early, session->options->executable, "list images",
					 "nothing removed", &result);
	return read_listing(session, store, status, &result);
}

void store_drop_early_list(struct store *store)
{
	session_drop_side(&store->early);
}

/* Whether IMAGE, LISTED under a repository kimb prunes, needs the builder's inspection: before
 * planning, the nameless ones (their labels), every one where parents matter (docker) and, where a
 * removal takes the untagged images an image was built on along (buildah), the listed ones (their
 * bases); for the CANDIDATES of a plan, the listed ones where pods name images by a config digest
 * only the inspection tells (nerdctl). */
static bool wants_inspection(const struct session *session, const struct image *image, bool listed, bool candidates,
			     bool pods)
{
	const struct builder *builder = session->builder;
	if (!builder->inspect_command || image->inspected)
		return false;
	if (candidates)
		return listed && pods;
	return builder->inspect_all || listing_image_is_nameless(image) ||
	       (listed && builder->removal_takes_untagged_parents);
}

/* Inspects through the builder's batch inspector (see builder.h) the images of the listing that
 * LEFT marks, up to INSPECT_BATCH_MAX a call, unmarking each it inspected; stops at its first call
 * that fails or says what kimb cannot read, and says nothing of it: the builder's own inspection
 * then does the rest. */
static void inspect_in_batches(const struct session *session, struct store *store, bool *left)
{
	const struct builder *builder = session->builder;
	const struct options *options = session->options;
	struct listing *listing = &store->listing;
	const char *program = builder_executable(builder_find(builder->batch_inspector), &options->environment);
	char **words = xcalloc(INSPECT_BATCH_MAX, sizeof *words);
	size_t asked[INSPECT_BATCH_MAX];
	for (size_t next = 0, batch = 1; batch > 0;) {
		struct command call = {.output = PROCESS_CAPTURE_BOTH, .time_limit = options->call_timeout};
		command_add(&call, program);
		command_add_words(&call, options->global_args.words, options->global_args.count);
		for (const char *const *word = builder->batch_inspect_command; *word; word++)
			command_add(&call, *word);
		for (batch = 0; next < listing->count && batch < INSPECT_BATCH_MAX; next++) {
			if (!left[next])
				continue;
			words[batch] = builder_id_word(builder, listing->images[next].id);
			command_add(&call, words[batch]);
			asked[batch++] = next;
		}
		bool answered = false;
		if (batch > 0) {
			struct process_result result;
			session_run(session, &call, &result);
			struct listing_error error;
			answered = result.outcome == PROCESS_EXITED && result.status == 0 &&
				   builder->read_batch_inspection(result.output, result.output_length, listing, &error) == 0;
			process_result_free(&result);
		}
		command_free(&call);
		for (size_t i = 0; i < batch; i++) {
			left[asked[i]] = !listing->images[asked[i]].inspected;
			free(words[i]);
		}
		if (!answered)
			break;
	}
	free(words);
}

/* Inspects, in batches, the images of the listing that WANTED marks. An inspection that fails leaves
 * its images as the listing showed them, so that they are kept: nameless ones are no one's, and an
 * image whose base is not known stays. */
static int inspect_images(const struct session *session, struct store *store, bool *wanted)
{
	const struct builder *builder = session->builder;
	struct listing *listing = &store->listing;
	if (builder->batch_inspector)
		inspect_in_batches(session, store, wanted);
	char **words = xcalloc(builder->inspect_batch, sizeof *words);
	int status = STATUS_OK;
	for (size_t next = 0; next < listing->count;) {
		struct command call;
		session_builder_command(session, &call, builder->inspect_command);
		size_t batch = 0;
		struct listing asked_alone = {0};
		for (; next < listing->count && batch < builder->inspect_batch; next++) {
			if (!wanted[next])
				continue;
			words[batch] = builder_id_word(builder, listing->images[next].id);
			command_add(&call, words[batch]);
			asked_alone = (struct listing){&listing->images[next], 1};
			batch++;
		}
		if (batch == 0) {
			command_free(&call);
			break;
		}
		struct process_result result;
		status = session_capture(session, &call, "inspect images", "the images asked about are kept", &result);
		for (size_t i = 0; i < batch; i++)
			free(words[i]);
		if (status == STATUS_LISTING) {
			status = STATUS_OK;
			continue;
		}
		if (status != STATUS_OK)
			break;
		struct listing_error error;
		if (builder->read_inspection(result.output, result.output_length,
					     builder->inspect_batch == 1 ? &asked_alone : listing, &error) < 0)
			(void)unreadable("image inspection", &error, "the images asked about are kept");
		process_result_free(&result);
	}
	free(words);
	return status;
}

int store_inspect(const struct session *session, struct store *store, const char *const *repositories, size_t count,
		  bool candidates, bool pods)
{
	bool *wanted = xcalloc(store->listing.count + 1, sizeof *wanted);
	bool any = false;
	for (size_t i = 0; i < store->listing.count; i++) {
		const struct image *image = &store->listing.images[i];
		/* Every image listed under a repository kimb prunes may be removed, whatever the first
		 * plan made of it. */
		bool listed = false;
		for (size_t r = 0; r < count && !listed; r++)
			listed = plan_is_listed_under(image, repositories[r]);
		wanted[i] = wants_inspection(session, image, listed, candidates, pods);
		any |= wanted[i];
	}
	int status = any ? inspect_images(session, store, wanted) : STATUS_OK;
	free(wanted);
	return status;
}

/* Reads RESULT, a listing of WHO ("containers") that STATUS says came, into the store's use with READ. */
static int read_use(struct store *store, int status, struct process_result *result, const char *who, use_reader read)
{
	if (status != STATUS_OK)
		return status == STATUS_NOT_FOUND ? STATUS_LISTING : status;
	struct listing_error error;
	char what[64];
	snprintf(what, sizeof what, "listing of %s", who);
	if (read(result->output, result->output_length, &store->use, &error) < 0)
		status = unreadable(what, &error, "nothing removed");
	process_result_free(result);
	return status;
}

static int read_containers(const struct session *session, struct store *store, struct command *call)
{
	struct process_result result;
	int status = session_capture(session, call, "list the containers that use images", "nothing removed", &result);
	return read_use(store, status, &result, "containers", session->builder->read_containers);
}

/* docker: the containers' IDs, then their inspection, in batches. */
static int read_containers_by_id(const struct session *session, struct store *store)
{
	const struct builder *builder = session->builder;
	struct command call;
	struct process_result listed;
	session_builder_command(session, &call, builder->container_ids_command);
	int status = session_capture(session, &call, "list containers", "nothing removed", &listed);
	if (status != STATUS_OK)
		return status == STATUS_NOT_FOUND ? STATUS_LISTING : status;
	char **ids;
	size_t count;
	struct listing_error error;
	if (use_read_container_ids(listed.output, listed.output_length, &ids, &count, &error) < 0) {
		process_result_free(&listed);
		return unreadable("listing of containers", &error, "nothing removed");
	}
	enum { BATCH = 100 };
	for (size_t first = 0; first < count && status == STATUS_OK; first += BATCH) {
		size_t batch = count - first < BATCH ? count - first : BATCH;
		session_builder_command(session, &call, builder->containers_command);
		command_add_words(&call, (const char *const *)ids + first, batch);
		status = read_containers(session, store, &call);
	}
	free(ids);
	process_result_free(&listed);
	return status;
}

/* The kind named between the quotes after MARK in LINE ("cannot list resource \"cronjobs\""), or -1. */
static int kind_after(const char *line, size_t length, const char *mark)
{
	size_t mark_length = strlen(mark);
	for (size_t i = 0; i + mark_length < length; i++)
		if (strncmp(line + i, mark, mark_length) == 0) {
			const char *name = line + i + mark_length;
			const char *end = memchr(name, '"', length - i - mark_length);
			return end ? workload_by_name(name, (size_t)(end - name)) : -1;
		}
	return -1;
}

/* Whether RESULT, kubectl's failed answer, says it could not list kinds of workloads: those the
 * cluster forbids its user to list (RBAC) into *FORBIDDEN, those the server does not know into
 * *UNKNOWN. Any other complaint (of the pods, of the cluster) is not this. */
static bool refused_workloads(const struct process_result *result, workload_set *forbidden, workload_set *unknown)
{
	*forbidden = *unknown = 0;
	if (result->outcome != PROCESS_EXITED || result->status == 0 || !result->errors_length)
		return false;
	const char *text = result->errors;
	size_t length = result->errors_length;
	for (size_t pos = 0; pos < length;) {
		const char *line = text + pos;
		const char *newline = memchr(line, '\n', length - pos);
		size_t line_length = newline ? (size_t)(newline - line) : length - pos;
		pos += line_length + 1;
		int forbidden_kind = kind_after(line, line_length, "cannot list resource \"");
		int unknown_kind = kind_after(line, line_length, "the server doesn't have a resource type \"");
		if (forbidden_kind >= 0)
			*forbidden |= 1u << forbidden_kind;
		else if (unknown_kind >= 0)
			*unknown |= 1u << unknown_kind;
		else if (line_length && (strncmp(line, "Error from server", 17) == 0 || strncmp(line, "error:", 6) == 0))
			return false;
	}
	return *forbidden || *unknown;
}

/* Says which kinds of workloads kubectl could not list, and how to go without them. */
static void say_refused(const struct session *session, workload_set forbidden, workload_set unknown)
{
	char *forbidden_text = workload_set_text(forbidden, ", ");
	char *unknown_text = workload_set_text(unknown, ", ");
	char *skip = workload_set_text(session->options->skip_workloads | forbidden | unknown, ",");
	report_say("cannot read the pod templates of %s%s%s%s%s, whose images kimb keeps; nothing removed: let "
		   "kubectl's user list them in all namespaces, or leave them out with --skip-workloads=%s (or "
		   "KIMB_SKIP_WORKLOADS=%s), and their images are not kept",
		   forbidden_text, forbidden ? " (forbidden to list)" : "", forbidden && unknown ? " and " : "",
		   unknown_text, unknown ? " (unknown to the cluster)" : "", skip, skip);
	free(forbidden_text);
	free(unknown_text);
	free(skip);
}

/* Whether kubectl's ERRORS say that it could not reach the cluster at all. */
static bool says_unreachable(const char *errors)
{
	static const char *const signs[] = {
		"Unable to connect to the server", "The connection to the server", "couldn't get current server API group",
		"connection refused", "no such host", "i/o timeout", "no route to host", "TLS handshake timeout",
	};
	for (size_t i = 0; errors && i < sizeof signs / sizeof signs[0]; i++)
		if (strstr(errors, signs[i]))
			return true;
	return false;
}

/* The last line kubectl wrote in ERRORS (LENGTH bytes), into LINE (up to SIZE bytes, cut short). */
static void last_line(const char *errors, size_t length, char *line, size_t size)
{
	while (length && (errors[length - 1] == '\n' || errors[length - 1] == '\r'))
		length--;
	size_t start = length;
	while (start && errors[start - 1] != '\n')
		start--;
	snprintf(line, size, "%.*s", (int)(length - start), errors + start);
}

/* Says in one line why kubectl's RESULT, which failed, gave no pods: kubectl's own lines (on an
 * unreachable cluster, a dozen) are held back. */
static void say_pods_unread(const struct process_result *result, const char *kubectl)
{
	char description[256], said[256] = "";
	process_describe(result, kubectl, description, sizeof description);
	/* --verbose: kubectl's own lines (result->errors) are written here, as kubectl said them. */
	if (says_unreachable(result->errors)) {
		report_say("the cluster cannot be reached to list the pods and workloads that use images (%s); nothing removed; "
			   "kubectl get pods --all-namespaces says why",
			   description);
		return;
	}
	if (result->errors_length)
		last_line(result->errors, result->errors_length, said, sizeof said);
	report_say("cannot list the pods and workloads that use images: %s%s%s%s; nothing removed", description, *said ? " (" : "",
		   said, *said ? ")" : "");
}

static int read_pods(const struct session *session, struct store *store)
{
	struct process_result result;
	const char *kubectl = kubectl_program(&session->options->environment);
	/* Not started beside a listing made under the build: now, after it, since what pods use must be
	 * what they use once the build has ended. */
	if (!store->pods_started)
		start_pods(session, store);
	store->pods_started = false;
	/* What kubectl says on stderr, warnings included, is its own business unless it failed. */
	int status = session_settle_holding_errors(session, &store->pods, kubectl, &result);
	if (status == STATUS_NOT_FOUND)
		report_say("cannot check which images pods use without kubectl: install it, or set KIMB_KUBECTL; "
			   "nothing removed");
	if (status == STATUS_LISTING) {
		workload_set forbidden, unknown;
		if (refused_workloads(&result, &forbidden, &unknown))
			say_refused(session, forbidden, unknown);
		else
			say_pods_unread(&result, kubectl);
		process_result_free(&result);
	}
	status = read_use(store, status, &result, "pods", use_read_pods);
	if (status == STATUS_OK && store->use.invalid_count)
		report_say("%zu pod container%s name%s an image that is no valid reference (%s%s): kubelet cannot "
			   "run %s, so %s no image",
			   store->use.invalid_count, store->use.invalid_count == 1 ? "" : "s",
			   store->use.invalid_count == 1 ? "s" : "", store->use.first_invalid,
			   store->use.invalid_count == 1 ? "" : ", the first", store->use.invalid_count == 1 ? "it" : "them",
			   store->use.invalid_count == 1 ? "it keeps" : "they keep");
	return status;
}

int store_read_use(const struct session *session, struct store *store, bool pods)
{
	const struct builder *builder = session->builder;
	int status = STATUS_OK;
	if (builder->container_ids_command) {
		status = read_containers_by_id(session, store);
	} else if (builder->containers_command) {
		struct command call;
		session_builder_command(session, &call, builder->containers_command);
		status = read_containers(session, store, &call);
	}
	if (status == STATUS_OK && pods)
		status = read_pods(session, store);
	return status;
}

void store_free(struct store *store)
{
	store_drop_pods(store);
	store_drop_early_list(store);
	listing_free(&store->listing);
	use_free(&store->use);
}
