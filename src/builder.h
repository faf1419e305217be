#ifndef KIMB_BUILDER_H
#define KIMB_BUILDER_H

/* What kimb knows of each builder (kim, nerdctl, podman, docker, buildah): its flags, how it
 * builds, lists, inspects and removes, and how its listing is read. Everything builder-specific
 * lives in one table entry, so that adding a builder means adding one entry. */

#include <stdbool.h>
#include <stddef.h>

#include "listing.h"
#include "reference.h"

struct flag_spec {
	const char *long_name; /* without "--" */
	char short_name;       /* 0 when none */
	bool takes_value;
};

typedef int (*listing_parser)(const char *text, size_t length, struct listing *out, struct listing_error *err);
typedef int (*inspection_reader)(const char *text, size_t length, struct listing *listing,
				 struct listing_error *err);

struct builder {
	const char *name;                     /* "kim": the default executable and the name in messages */
	const char *executable_env;           /* "KIMB_KIM": names the executable to run instead */
	const struct flag_spec *global_flags; /* repeated on every call, so that each reaches the same store */
	const struct flag_spec *build_flags;  /* both lists end with a {NULL, 0, false} entry */
	const char *tag_flag;                 /* the build flag that names a tag: "tag" */
	const char *const *build_command;     /* words after the globals: {"build", NULL} */
	const char *const *list_command;      /* {"image", "ls", "-a", "--no-trunc", NULL} */
	listing_parser parse_listing;
	/* Builders whose old images lose their names (<none>:<none>): kimb labels each build with
	 * KIMB_REPOSITORIES_LABEL through the build flag LABEL_FLAG ("label"), and reads the labels of
	 * the nameless images back with INSPECT_COMMAND followed by at most INSPECT_BATCH IDs; with a
	 * batch of one, READ_INSPECTION is given a listing of the one image asked about.
	 * NULL/0/NULL for the others. */
	const char *label_flag;
	const char *const *inspect_command;
	size_t inspect_batch;
	inspection_reader read_inspection;
	/* podman and buildah put a name given without a registry under "localhost/"; NULL: Docker's
	 * rule, docker.io (and library/). */
	const char *short_name_domain;
	const char *const *remove_command; /* followed by one ID, or one NAME:TAG to untag */
	bool removes_single_named_only;    /* refuses to remove by ID an image with several names */
};

/* The repository REF names on BUILDER, normalized as the builder itself qualifies a short name.
 * Returns a malloc'd string, or NULL when memory ran out. */
char *builder_repository(const struct builder *builder, const struct reference *ref);

/* Looks up an environment variable (getenv, or a table in tests). */
typedef const char *(*env_lookup)(const char *name);

/* The builder called NAME, or NULL. */
const struct builder *builder_find(const char *name);

/* The builder names kimb knows, in auto's order of preference, NULL-terminated. */
extern const char *const builder_names[];

/* The executable to run for BUILDER: its environment variable when set and not empty, else its name. */
const char *builder_executable(const struct builder *builder, env_lookup getenv_fn);

/* auto: the first builder in builder_names whose executable variable is set (found or not: the user
 * asked for it), or whose name is an executable file in the PATH that GETENV_FN gives; NULL when
 * there is none. */
const struct builder *builder_detect(env_lookup getenv_fn);

/* The flag of SPECS spelled LONG_NAME (without "--", up to LENGTH bytes), or NULL. */
const struct flag_spec *builder_flag_by_long(const struct flag_spec *specs, const char *long_name, size_t length);

/* The flag of SPECS spelled -SHORT_NAME, or NULL. */
const struct flag_spec *builder_flag_by_short(const struct flag_spec *specs, char short_name);

#endif
