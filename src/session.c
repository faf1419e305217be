/* SPDX-License-Identifier: Apache-2.0 */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "records.h"
#include "status.h"
#include "xalloc.h"

void session_builder_command(const struct session *session, struct command *command, const char *const *words)
{
	const struct options *options = session->options;
	*command = (struct command){.output = PROCESS_CAPTURE_OUTPUT, .time_limit = options->call_timeout};
	command_add(command, options->executable);
	command_add_words(command, options->global_args.words, options->global_args.count);
	while (*words)
		command_add(command, *words++);
}

void session_stop_if_interrupted(const struct session *session)
{
	if (!process_interrupted())
		return;
	if (session->on_interrupt)
		session->on_interrupt(session->context);
	process_die_of_interrupt();
}

/* Starts COMMAND into CHILD: the process module's limit is never reached, since kimb runs at most
 * OPTIONS_JOBS_MAX children at once. */
static void start(const struct command *command, struct process *child)
{
	if (process_start(child, command) != 0)
		abort();
}

void session_run(const struct session *session, const struct command *command, struct process_result *result)
{
	struct process child;
	session_stop_if_interrupted(session);
	start(command, &child);
	process_finish(&child, result);
	session_stop_if_interrupted(session);
}

int session_status_of_broken_run(const struct session *session, const struct process_result *result,
				 const char *program)
{
	char description[256];
	process_describe(result, program, description, sizeof description);
	const char *variable = session->builder->executable_env;
	switch (result->outcome) {
	case PROCESS_EXITED:
	case PROCESS_SIGNALED:
	case PROCESS_TIMED_OUT:
		return -1;
	case PROCESS_NOT_FOUND:
		if (program != session->options->executable || result->status != ENOENT)
			report_say("%s", description);
		else if (strchr(program, '/'))
			report_say("%s (named by %s); set %s to where %s is", description, variable, variable,
				   session->builder->name);
		else
			report_say("%s on PATH; install it or set %s", description, variable);
		return STATUS_NOT_FOUND;
	case PROCESS_FAILED:
		break;
	}
	report_say("%s", description);
	return STATUS_FAILURE;
}

void session_start(const struct session *session, const struct command *command, struct process *child)
{
	session_stop_if_interrupted(session);
	start(command, child);
}

/* Judges RESULT of PROGRAM, what it wrote on stderr passed on: see session_settle. */
static int judge(const struct session *session, const char *program, const char *action, const char *consequence,
		 struct process_result *result)
{
	int status = session_status_of_broken_run(session, result, program);
	if (status < 0 && (result->outcome != PROCESS_EXITED || result->status != 0)) {
		/* The builder by its name, as in its own messages; another program (kubectl) as it was run. */
		char description[256];
		process_describe(result, program == session->options->executable ? session->builder->name : program,
				 description, sizeof description);
		report_say("cannot %s: %s; %s", action, description, consequence);
		status = STATUS_LISTING;
	}
	if (status < 0)
		return STATUS_OK;
	process_result_free(result);
	return status;
}

/* session_settle once RESULT came. */
static int settled(const struct session *session, const char *program, const char *action, const char *consequence,
		   struct process_result *result)
{
	session_stop_if_interrupted(session);
	if (result->errors_length)
		(void)fwrite(result->errors, 1, result->errors_length, stderr); /* as the program said it */
	return judge(session, program, action, consequence, result);
}

int session_settle(const struct session *session, struct process *child, const char *program, const char *action,
		   const char *consequence, struct process_result *result)
{
	process_finish(child, result);
	return settled(session, program, action, consequence, result);
}

void session_start_side(const struct session *session, const struct command *command, struct side_call *side)
{
	*side = (struct side_call){.running = true};
	session_start(session, command, &side->child);
}

void session_run_beside(const struct session *session, const struct command *command, struct process_result *result,
			struct side_call *side)
{
	if (!side->running) {
		session_run(session, command, result);
		return;
	}
	/* One array, for process_finish_any: the call, then SIDE. */
	struct process both[2];
	session_stop_if_interrupted(session);
	start(command, &both[0]);
	both[1] = side->child;
	struct process_result first;
	if (process_finish_any(both, 2, &first) == 1) {
		side->result = first;
		side->running = false;
		side->ended = true;
		process_finish(&both[0], result);
	} else {
		*result = first;
		side->child = both[1];
	}
	session_stop_if_interrupted(session);
}

int session_settle_side(const struct session *session, struct side_call *side, const char *program, const char *action,
			const char *consequence, struct process_result *result)
{
	if (side->running)
		process_finish(&side->child, &side->result);
	*result = side->result;
	*side = (struct side_call){0};
	return settled(session, program, action, consequence, result);
}

void session_drop_side(struct side_call *side)
{
	if (side->running) {
		process_stop(&side->child);
		process_finish(&side->child, &side->result);
	}
	process_result_free(&side->result);
	*side = (struct side_call){0};
}

int session_settle_holding_errors(const struct session *session, struct process *child, const char *program,
				  struct process_result *result)
{
	process_finish(child, result);
	session_stop_if_interrupted(session);
	int status = session_status_of_broken_run(session, result, program);
	if (status >= 0) {
		process_result_free(result);
		return status;
	}
	return result->outcome != PROCESS_EXITED || result->status != 0 ? STATUS_LISTING : STATUS_OK;
}

int session_capture(const struct session *session, struct command *command, const char *action,
		    const char *consequence, struct process_result *result)
{
	const char *program = command->words[0];
	struct process child;
	session_start(session, command, &child);
	command_free(command);
	return session_settle(session, &child, program, action, consequence, result);
}

void session_run_parallel(const struct session *session, size_t jobs, const struct process_batch *batch)
{
	process_run_parallel(jobs, batch);
	session_stop_if_interrupted(session);
}

static int compare_texts(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *session_setting(const struct session *session, const struct builder_setting *setting, bool *from_config)
{
	const char *flag_value = setting->flags ? options_flag_value(session->options, setting->flags) : NULL;
	return settings_value(session->settings, setting, flag_value, &session->options->environment, from_config);
}

/* The global flags that choose the image store as "FLAG=VALUE", whatever their spelling: the last
 * value of each, and the namespace and address the builder's configuration file gives in their
 * stead, sorted, into *WORDS (COUNT of them; the array and each word malloc'd). */
static void store_flags(const struct session *session, char ***words, size_t *count)
{
	const struct options *options = session->options;
	const struct builder *builder = session->builder;
	const struct builder_setting *const settings[] = {&builder->namespace, &builder->address};
	size_t setting_count = sizeof settings / sizeof settings[0];
	*words = xcalloc(options->flag_value_count + setting_count + 1, sizeof **words);
	*count = 0;
	for (size_t i = 0; i < setting_count; i++) {
		bool from_config;
		const char *value = session_setting(session, settings[i], &from_config);
		if (from_config)
			(*words)[(*count)++] = xprintf("%s=%s", builder_global_flag_name(builder, settings[i]->flags[0]), value);
	}
	for (size_t i = options->flag_value_count; i-- > 0;) {
		const struct flag_value *given = &options->flag_values[i];
		if (!given->global)
			continue;
		const char *name = builder_global_flag_name(builder, given->flag->long_name);
		size_t name_length = strlen(name);
		bool later = false;
		for (size_t j = 0; j < *count && !later; j++)
			later = strncmp((*words)[j], name, name_length) == 0 && (*words)[j][name_length] == '=';
		if (!later)
			(*words)[(*count)++] = xprintf("%s=%s", name, given->value);
	}
	qsort(*words, *count, sizeof **words, compare_texts);
}

char *session_store_key(const struct session *session)
{
	char **flags;
	size_t flag_count;
	store_flags(session, &flags, &flag_count);
	char *key = records_store_key(session->builder->name, (const char *const *)flags, flag_count,
				      session->builder->store_environment,
				      &session->options->environment);
	for (size_t i = 0; i < flag_count; i++)
		free(flags[i]);
	free(flags);
	return key;
}
