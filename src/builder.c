#include "builder.h"

#include <string.h>

static const struct flag_spec kim_global_flags[] = {
	{"namespace", 'n', true},
	{"kubeconfig", 'k', true},
	{"context", 'x', true},
	{"debug", 0, false},
	{"debug-level", 0, true},
	{NULL, 0, false},
};

static const struct flag_spec kim_build_flags[] = {
	{"add-host", 0, true},
	{"build-arg", 0, true},
	{"cache-from", 0, true},
	{"file", 'f', true},
	{"label", 0, true},
	{"output", 'o', true},
	{"progress", 0, true},
	{"tag", 't', true},
	{"target", 0, true},
	{"secret", 0, true},
	{"ssh", 0, true},
	{"no-cache", 0, false},
	{"pull", 0, false},
	{"quiet", 'q', false},
	{"squash", 0, false},
	{NULL, 0, false},
};

static const char *const kim_build_command[] = {"build", NULL};
/* --no-trunc: full IDs, so that an ID prefix can never match a second image. */
static const char *const kim_list_command[] = {"image", "ls", "-a", "--no-trunc", NULL};
static const char *const kim_remove_command[] = {"image", "rm", NULL};

static const struct builder builders[] = {
	{
		.name = "kim",
		.executable_env = "KIMB_KIM",
		.global_flags = kim_global_flags,
		.build_flags = kim_build_flags,
		.tag_flag = "tag",
		.build_command = kim_build_command,
		.list_command = kim_list_command,
		.remove_command = kim_remove_command,
		.parse_listing = listing_parse_kim_table,
	},
};

const struct builder *builder_find(const char *name)
{
	for (size_t i = 0; i < sizeof builders / sizeof builders[0]; i++)
		if (strcmp(builders[i].name, name) == 0)
			return &builders[i];
	return NULL;
}

const struct flag_spec *builder_flag_by_long(const struct flag_spec *specs, const char *long_name, size_t length)
{
	for (; specs->long_name; specs++)
		if (strlen(specs->long_name) == length && memcmp(specs->long_name, long_name, length) == 0)
			return specs;
	return NULL;
}

const struct flag_spec *builder_flag_by_short(const struct flag_spec *specs, char short_name)
{
	for (; specs->long_name; specs++)
		if (specs->short_name && specs->short_name == short_name)
			return specs;
	return NULL;
}
