/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_ENV_H
#define KIMB_ENV_H

/* The environment kimb reads, taken once (options keeps it: struct options' environment): each
 * variable kimb reads has a name here that the compiler checks, and a place in the snapshot. */

/* Looks up an environment variable: getenv, or a table in tests. */
typedef const char *(*env_lookup)(const char *name);

/* The process's environment, as an env_lookup. */
const char *env_process(const char *name);

/* Every variable kimb reads. X(NAME) for each: enum env_variable has ENV_NAME. */
#define ENV_VARIABLES(X) \
	/* kimb's defaults for its options, and its directories */ \
	X(KIMB_BUILDER) X(KIMB_CALL_TIMEOUT) X(KIMB_JOBS) X(KIMB_KEEP) X(KIMB_KEEP_WITHIN) X(KIMB_LOCK_TIMEOUT) X(KIMB_PROTECT) \
	X(KIMB_PRUNE) X(KIMB_SCHEME) X(KIMB_SKIP_WORKLOADS) \
	X(KIMB_LOCK_DIR) X(KIMB_STATE_DIR) \
	/* the programs kimb runs */ \
	X(KIMB_KIM) X(KIMB_NERDCTL) X(KIMB_PODMAN) X(KIMB_DOCKER) X(KIMB_BUILDAH) X(KIMB_KUBECTL) X(PATH) \
	/* where files go and where configuration and state are */ \
	X(TMPDIR) X(HOME) X(XDG_CONFIG_HOME) X(XDG_STATE_HOME) \
	/* what chooses a builder's image store (builder.h's store_environment, its settings) */ \
	X(KUBECONFIG) X(KUBECONTEXT) X(NERDCTL_TOML) X(CONTAINERD_ADDRESS) X(CONTAINERD_NAMESPACE) \
	X(CONTAINERD_SNAPSHOTTER) X(CONTAINERS_STORAGE_CONF) X(CONTAINERS_CONF) X(CONTAINER_HOST) \
	X(CONTAINER_CONNECTION) X(DOCKER_HOST) X(DOCKER_CONTEXT) X(DOCKER_CONFIG) X(STORAGE_DRIVER) \
	X(STORAGE_OPTS) \
	/* the commit a CI system builds (tagscheme.h) */ \
	X(GITHUB_SHA) X(CI_COMMIT_SHA) X(GIT_COMMIT) X(BUILDKITE_COMMIT) X(CIRCLE_SHA1) X(TRAVIS_COMMIT) \
	X(BITBUCKET_COMMIT) X(DRONE_COMMIT_SHA) X(BUILD_SOURCEVERSION) X(SEMAPHORE_GIT_SHA) \
	X(APPVEYOR_REPO_COMMIT)

#define ENV_ENUMERATOR(name) ENV_##name,
enum env_variable { ENV_VARIABLES(ENV_ENUMERATOR) ENV_VARIABLE_COUNT };
#undef ENV_ENUMERATOR

/* The name of the variable ENV_NAME, as a constant a table may hold ("PATH" for ENV_NAME(PATH)):
 * it compiles only for a variable of enum env_variable. */
#define ENV_NAME(name) (&#name[0 * ENV_##name])

/* What the variables held when the snapshot was taken: NULL for each one unset. */
struct environment {
	const char *values[ENV_VARIABLE_COUNT];
};

/* Takes the snapshot through LOOKUP. The values point where LOOKUP's do (into the process's
 * environment, which kimb never changes). */
void env_read(struct environment *out, env_lookup lookup);

/* VARIABLE's value, or NULL when it was unset. */
const char *env_get(const struct environment *environment, enum env_variable variable);

/* VARIABLE's value when it was set and not empty, else NULL: what most variables mean by unset. */
const char *env_nonempty(const struct environment *environment, enum env_variable variable);

const char *env_name(enum env_variable variable);

/* The value of the variable called NAME (a name a table holds, made with ENV_NAME), or NULL when it
 * was unset or is none of enum env_variable. */
const char *env_named(const struct environment *environment, const char *name);

#endif
