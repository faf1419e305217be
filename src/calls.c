#include "calls.h"

#include <stdlib.h>

#include "array.h"

int call_add(struct call *call, const char *word)
{
	return array_append(&call->words, &call->count, sizeof word, &word);
}

int call_add_words(struct call *call, const char *const *words, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (call_add(call, words[i]) < 0)
			return -1;
	return 0;
}

void call_drop(struct call *call)
{
	free(call->words);
	*call = (struct call){0};
}

int call_start(struct call *call, const char *executable, const char *const *globals, size_t global_count,
	       const char *const *command)
{
	*call = (struct call){0};
	size_t command_count = 0;
	while (command[command_count])
		command_count++;
	if (call_add(call, executable) < 0 || call_add_words(call, globals, global_count) < 0 ||
	    call_add_words(call, command, command_count) < 0) {
		call_drop(call);
		return -1;
	}
	return 0;
}

int call_run(struct call *call, enum run_stdout mode, struct run_result *result)
{
	int status = call_add(call, NULL);
	if (status == 0)
		status = runner_run((char *const *)call->words, mode, result);
	call_drop(call);
	return status;
}
