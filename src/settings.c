/* SPDX-License-Identifier: Apache-2.0 */
#include "settings.h"

#include <stdlib.h>

#include "xalloc.h"

/* Where BUILDER looks for its configuration file: malloc'd, or NULL for nowhere. */
static char *config_path(const struct builder *builder, const struct environment *environment, bool root)
{
	/* nerdctl takes the variable whenever it is set: an empty one names no file. */
	const char *named = env_named(environment, builder->config_variable);
	if (named)
		return *named ? xstrdup(named) : NULL;
	if (root)
		return xstrdup(builder->config_path);
	const char *config_home = env_nonempty(environment, ENV_XDG_CONFIG_HOME);
	if (config_home)
		return xprintf("%s/%s", config_home, builder->config_user_path);
	const char *home = env_nonempty(environment, ENV_HOME);
	/* Without either, nerdctl stops before it reads anything: there is no file to read. */
	return home ? xprintf("%s/.config/%s", home, builder->config_user_path) : NULL;
}

/* A setting the file gives must be a string, as the builder decodes it. */
static int check_string(const struct settings *settings, const struct builder_setting *setting, struct message *why)
{
	const struct toml_pair *pair = setting->config_key ? toml_find(&settings->config, setting->config_key) : NULL;
	if (!pair || pair->type == TOML_STRING)
		return 0;
	message_add(why, "%s: line %zu: %s is not a string", settings->config_path, pair->line, pair->key);
	return -1;
}

int settings_load(const struct builder *builder, const struct environment *environment, bool root, struct settings *out,
		  struct message *why)
{
	*out = (struct settings){0};
	if (!builder->config_variable)
		return 0;
	out->config_path = config_path(builder, environment, root);
	if (!out->config_path)
		return 0;
	struct message reason = {0};
	if (toml_read_file(out->config_path, &out->config, &reason) < 0) {
		message_add(why, "%s: %s", out->config_path, reason.text);
		message_free(&reason);
		settings_free(out);
		return -1;
	}
	if (check_string(out, &builder->namespace, why) < 0 || check_string(out, &builder->address, why) < 0) {
		settings_free(out);
		return -1;
	}
	return 0;
}

const char *settings_value(const struct settings *settings, const struct builder_setting *setting,
			   const char *flag_value, const struct environment *environment, bool *from_config)
{
	*from_config = false;
	if (!setting->flags)
		return NULL;
	if (flag_value)
		return flag_value;
	const char *value = env_named(environment, setting->environment);
	if (value && *value)
		return value;
	const struct toml_pair *pair = setting->config_key ? toml_find(&settings->config, setting->config_key) : NULL;
	*from_config = pair != NULL;
	return pair ? pair->string : NULL;
}

void settings_free(struct settings *settings)
{
	free(settings->config_path);
	toml_free(&settings->config);
	*settings = (struct settings){0};
}
