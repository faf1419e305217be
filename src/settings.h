/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_SETTINGS_H
#define KIMB_SETTINGS_H

/* The builder's settings that say where its images are (nerdctl's namespace and address), found
 * as the builder itself finds them: its global flag, else its variable, else its configuration
 * file (nerdctl.toml), else its default. kimb never guesses one: a configuration file that is
 * there and cannot be read whole (toml.h) stops it before anything is built or removed. */

#include <stdbool.h>

#include "builder.h"
#include "env.h"
#include "message.h"
#include "toml.h"

struct settings {
	char *config_path;        /* the configuration file looked for; NULL where the builder has none */
	struct toml_table config; /* what it holds: empty when there is no such file */
};

/* Reads BUILDER's configuration file into OUT (release with settings_free): the one its variable
 * names in ENVIRONMENT, else ROOT's, else the user's, as BUILDER's table says. Returns 0, or -1 with a one-line
 * reason naming the file added to WHY (OUT then holds nothing to free). */
int settings_load(const struct builder *builder, const struct environment *environment, bool root, struct settings *out,
		  struct message *why);

/* The value of SETTING: FLAG_VALUE (its global flag's last value on the command line, or NULL),
 * else its variable in ENVIRONMENT, else the configuration file's, or NULL where nothing sets it
 * (the builder's default); *FROM_CONFIG says whether the configuration file gave it. */
const char *settings_value(const struct settings *settings, const struct builder_setting *setting,
			   const char *flag_value, const struct environment *environment, bool *from_config);

void settings_free(struct settings *settings);

#endif
