#ifndef KIMB_BUILDER_H
#define KIMB_BUILDER_H

/* What kimb knows of a builder's command line: its flags, how it builds, lists and removes,
 * and how its listing is read. Everything builder-specific lives in one table entry. */

#include <stdbool.h>
#include <stddef.h>

#include "listing.h"

struct flag_spec {
	const char *long_name; /* without "--" */
	char short_name;       /* 0 when none */
	bool takes_value;
};

struct builder {
	const char *name;                   /* "kim": the default executable and the name in messages */
	const char *executable_env;         /* "KIMB_KIM": names the executable to run instead */
	const struct flag_spec *global_flags; /* repeated on every call, so that each reaches the same cluster */
	const struct flag_spec *build_flags;  /* both lists end with a {NULL, 0, false} entry */
	const char *tag_flag;               /* the build flag that names a tag: "tag" */
	const char *const *build_command;   /* words after the globals: {"build", NULL} */
	const char *const *list_command;    /* {"image", "ls", "-a", "--no-trunc", NULL} */
	const char *const *remove_command;  /* followed by one ID or one REPOSITORY:TAG */
	int (*parse_listing)(const char *text, size_t length, struct listing *out, struct listing_error *err);
};

/* The builder called NAME, or NULL. */
const struct builder *builder_find(const char *name);

/* The flag of SPECS spelled LONG_NAME (without "--", up to LENGTH bytes), or NULL. */
const struct flag_spec *builder_flag_by_long(const struct flag_spec *specs, const char *long_name, size_t length);

/* The flag of SPECS spelled -SHORT_NAME, or NULL. */
const struct flag_spec *builder_flag_by_short(const struct flag_spec *specs, char short_name);

#endif
