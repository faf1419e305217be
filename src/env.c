/* SPDX-License-Identifier: Apache-2.0 */
#include "env.h"

#include <stdlib.h>
#include <string.h>

#define ENV_NAME_STRING(name) #name,
static const char *const names[ENV_VARIABLE_COUNT] = {ENV_VARIABLES(ENV_NAME_STRING)};
#undef ENV_NAME_STRING

const char *env_process(const char *name)
{
	return getenv(name);
}

void env_read(struct environment *out, env_lookup lookup)
{
	for (size_t i = 0; i < ENV_VARIABLE_COUNT; i++)
		out->values[i] = lookup(names[i]);
}

const char *env_get(const struct environment *environment, enum env_variable variable)
{
	return environment->values[variable];
}

const char *env_nonempty(const struct environment *environment, enum env_variable variable)
{
	const char *value = environment->values[variable];
	return value && *value ? value : NULL;
}

const char *env_name(enum env_variable variable)
{
	return names[variable];
}

const char *env_named(const struct environment *environment, const char *name)
{
	for (size_t i = 0; i < ENV_VARIABLE_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return environment->values[i];
	return NULL;
}
