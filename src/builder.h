/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_BUILDER_H
#define KIMB_BUILDER_H

/* What kimb knows of each builder (kim, nerdctl, podman, docker, buildah): its flags, how it
 * builds, lists, inspects and removes, and how its listing is read. Everything builder-specific
 * lives in one table entry, so that adding a builder means adding one entry; the variables an entry
 * names are env.h's, written ENV_NAME(...). */

#include <stdbool.h>
#include <stddef.h>

#include "env.h"
#include "listing.h"
#include "reference.h"

/* IDs per inspect call where the builder takes several: 100 full IDs keep the command line far
 * below any ARG_MAX. */
#define INSPECT_BATCH_MAX 100

struct flag_spec {
	const char *long_name; /* without "--" */
	char short_name;       /* 0 when none */
	bool takes_value;
};

typedef int (*listing_parser)(const char *text, size_t length, struct listing *out, struct listing_error *err);
typedef int (*inspection_reader)(const char *text, size_t length, struct listing *listing,
				 struct listing_error *err);

/* Reads the output of a call that lists containers or pods into USE. */
struct image_use;
typedef int (*use_reader)(const char *text, size_t length, struct image_use *use, struct listing_error *err);

/* A setting kimb must know as the builder itself decides it: from its global flag (FLAGS, every
 * spelling), else the variable ENVIRONMENT (when set and not empty), else the key CONFIG_KEY of the
 * builder's configuration file, else the builder's default. */
struct builder_setting {
	const char *const *flags;
	const char *environment;
	const char *config_key;
};

struct builder {
	const char *name;                     /* "kim": the default executable and the name in messages */
	const char *executable_env;           /* ENV_NAME(KIMB_KIM): names the executable to run instead */
	const struct flag_spec *global_flags; /* repeated on every call, so that each reaches the same store */
	const struct flag_spec *build_flags;  /* both lists end with a {NULL, 0, false} entry */
	const char *tag_flag;                 /* the build flag that names a tag: "tag" */
	const char *iidfile_flag;             /* the build flag that writes the new image's ID to a file, or NULL */
	const char *const *build_command;     /* words after the globals: {"build", NULL} */
	/* Where there is no iidfile flag: reads the new image's ID from what the build wrote on stdout,
	 * which kimb then captures as it shows it (kim); NULL for the others. */
	const char *(*read_build_id)(const char *text, size_t length);
	const char *const *list_command;      /* {"image", "ls", "-a", "--no-trunc", "--digests", NULL} */
	listing_parser parse_listing;
	/* The environment variables that choose the image store, besides the global flags: with them,
	 * they name the store kimb's record of its builds belongs to. NULL-terminated. */
	const char *const *store_environment;
	/* Global flags that are other spellings of one: pairs {SPELLING, FLAG}, NULL-terminated. */
	const char *const *global_synonyms;
	/* Builders whose old images lose their names (<none>:<none>): kimb labels each build with
	 * KIMB_REPOSITORIES_LABEL through the build flag LABEL_FLAG ("label"), and a nameless image is
	 * a repository's only when kimb's record and its label agree. NULL for the others. */
	const char *label_flag;
	/* INSPECT_COMMAND followed by at most INSPECT_BATCH IDs reads what the listing does not say
	 * (labels, parents, bases, digests) with READ_INSPECTION; with a batch of one, it is given a
	 * listing of the one image asked about. It is run for the nameless images, for every image when
	 * INSPECT_ALL (docker: parents), and for the images about to be removed when their base or
	 * config digest matters (buildah; nerdctl where pods run). NULL/0/NULL for kim and podman. */
	const char *const *inspect_command;
	size_t inspect_batch;
	inspection_reader read_inspection;
	bool inspect_all;
	/* A program that inspects many images of the builder's store in one call, tried first where
	 * the builder takes one image a call (buildah; podman, on the same containers/storage): the
	 * builder BATCH_INSPECTOR names (its executable as builder_executable finds it), given the run's
	 * global flags, then BATCH_INSPECT_COMMAND and up to INSPECT_BATCH_MAX IDs, its answer read with
	 * READ_BATCH_INSPECTION. Once it fails (not installed, a flag it does not take, an image it
	 * cannot see), the builder's own inspection does the rest. NULL for the others. */
	const char *batch_inspector;
	const char *const *batch_inspect_command;
	inspection_reader read_batch_inspection;
	/* podman and buildah put a name given without a registry under "localhost/"; NULL: Docker's
	 * rule, docker.io (and library/). */
	const char *short_name_domain;
	const char *const *remove_command; /* followed by one ID, or one NAME:TAG to untag */
	/* What comes before the 64 hex digits where a call names an image by ID (inspect, remove):
	 * "sha256:" (docker), or NULL for none (kim takes only the bare ID). */
	const char *id_prefix;
	bool removes_single_named_only;    /* refuses to remove by ID an image with several names */
	/* Removing an image also removes its untagged parents: buildah has no --no-prune, and the
	 * Docker-compatible API of podman ignores docker's. Its output names every image removed,
	 * one a line: the ID, perhaps after "Deleted: ". */
	bool removal_takes_untagged_parents;
	/* Refuses to remove an image another image is built on (docker's legacy builder's parents). */
	bool keeps_parents;
	/* Which images containers use, where the listing does not count them: CONTAINERS_COMMAND read
	 * with READ_CONTAINERS; or, with CONTAINER_IDS_COMMAND (docker), the IDs it lists, then
	 * CONTAINERS_COMMAND followed by them. NULL for kim and podman. */
	const char *const *container_ids_command;
	const char *const *containers_command;
	use_reader read_containers;
	/* The configuration file that gives the global flags their defaults (nerdctl.toml): the one
	 * the variable CONFIG_VARIABLE names when it is set (empty: none), else CONFIG_PATH for root
	 * and CONFIG_USER_PATH under $XDG_CONFIG_HOME (else ~/.config) for other users. NULL: none. */
	const char *config_variable;
	const char *config_path;
	const char *config_user_path;
	/* The daemon's namespace and address (nerdctl's containerd): where the images are, and so which
	 * store kimb's record belongs to. NULL flags: none. */
	struct builder_setting namespace;
	struct builder_setting address;
	/* Its builds leave no nameless image beside the one they tag (kim: BuildKit keeps its cache
	 * apart, and its listing shows no parents), so a build that prunes nothing lists nothing. */
	bool leaves_no_intermediates;
	/* Where pods run: always (kim), or when the namespace is PODS_NAMESPACE (nerdctl in k8s.io).
	 * kim's global flags KUBECONFIG_FLAGS and CONTEXT_FLAGS (or KUBECONTEXT) reach the cluster. */
	bool always_pods;
	const char *pods_namespace;
	const char *const *kubeconfig_flags;
	const char *const *context_flags;
};

/* The repository REF names on BUILDER, normalized as the builder itself qualifies a short name.
 * Returns a malloc'd string. */
char *builder_repository(const struct builder *builder, const struct reference *ref);

/* The builder called NAME, or NULL. */
const struct builder *builder_find(const char *name);

/* The builder names kimb knows, in auto's order of preference, NULL-terminated. */
extern const char *const builder_names[];

/* The word that names the image ID (64 hex) in BUILDER's calls. Malloc'd. */
char *builder_id_word(const struct builder *builder, const char *id);

/* The executable to run for BUILDER: its variable in ENVIRONMENT when set and not empty, else its
 * name. */
const char *builder_executable(const struct builder *builder, const struct environment *environment);

/* auto: the first builder in builder_names whose executable variable is set (found or not: the user
 * asked for it), or whose name is an executable file in ENVIRONMENT's PATH; NULL when there is
 * none. */
const struct builder *builder_detect(const struct environment *environment);

/* The long name BUILDER knows the global flag LONG_NAME by: the same, or the one it is a synonym of. */
const char *builder_global_flag_name(const struct builder *builder, const char *long_name);

/* The flag of SPECS spelled LONG_NAME (without "--", up to LENGTH bytes), or NULL. */
const struct flag_spec *builder_flag_by_long(const struct flag_spec *specs, const char *long_name, size_t length);

/* The flag of SPECS spelled -SHORT_NAME, or NULL. */
const struct flag_spec *builder_flag_by_short(const struct flag_spec *specs, char short_name);

#endif
