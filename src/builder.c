#include "builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "use.h"
#include "xalloc.h"

/* The flag lists hold every flag the builder's help shows, except --help and --version, so that
 * kimb knows which flags take a value and can find PATH and the tags among them.
 *
 * A name that both a global flag and a build flag of one builder define goes to the build flags
 * only: kimb passes globals before the sub-command, and podman, docker and nerdctl read a flag
 * there as the global one, so a `<builder> build` flag would change its meaning. The global keeps
 * whatever part of its spelling does not clash (podman's --connection, docker's --context).
 *
 * A flag with an optional value (pflag's NoOptDefVal, shown as `--pull string[="true"]`) is a
 * boolean here: it takes a value only as `--flag=value`, never from the next argument. */

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

/* nerdctl v1.7.6, read from its source (cmd/nerdctl/main.go, cmd/nerdctl/builder_build.go), which
 * docs/command-reference.md lags behind. Its one-letter aliases are flags of their own, with a
 * long spelling too (--a/-a, --H/-H, --n/-n), and work before the sub-command only. */
static const struct flag_spec nerdctl_global_flags[] = {
	{"H", 'H', true},
	{"a", 'a', true},
	{"address", 0, true},
	{"cgroup-manager", 0, true},
	{"cni-netconfpath", 0, true},
	{"cni-path", 0, true},
	{"data-root", 0, true},
	{"debug", 0, false},
	{"debug-full", 0, false},
	{"experimental", 0, false},
	{"host", 0, true},
	{"host-gateway-ip", 0, true},
	{"hosts-dir", 0, true},
	{"insecure-registry", 0, false},
	{"n", 'n', true},
	{"namespace", 0, true},
	{"snapshotter", 0, true},
	{"storage-driver", 0, true},
	{NULL, 0, false},
};

static const struct flag_spec nerdctl_build_flags[] = {
	{"allow", 0, true},
	{"build-arg", 0, true},
	{"buildkit-host", 0, true},
	{"cache-from", 0, true},
	{"cache-to", 0, true},
	{"file", 'f', true},
	{"iidfile", 0, true},
	{"label", 0, true},
	{"network", 0, true},
	{"no-cache", 0, false},
	{"output", 'o', true},
	{"platform", 0, true},
	{"progress", 0, true},
	{"quiet", 'q', false},
	{"rm", 0, false},
	{"secret", 0, true},
	{"ssh", 0, true},
	{"tag", 't', true},
	{"target", 0, true},
	{NULL, 0, false},
};

/* podman 4.3.1 as a local (not remote) client; its --hooks-dir, --runtime-flag and --ssh, and
 * the -c of --connection, are build flags here (see above). */
static const struct flag_spec podman_global_flags[] = {
	{"cgroup-manager", 0, true},
	{"conmon", 0, true},
	{"connection", 0, true},
	{"events-backend", 0, true},
	{"identity", 0, true},
	{"log-level", 0, true},
	{"namespace", 0, true},
	{"network-cmd-path", 0, true},
	{"network-config-dir", 0, true},
	{"noout", 0, false},
	{"remote", 'r', false},
	{"root", 0, true},
	{"runroot", 0, true},
	{"runtime", 0, true},
	{"storage-driver", 0, true},
	{"storage-opt", 0, true},
	{"syslog", 0, false},
	{"tmpdir", 0, true},
	{"url", 0, true},
	{"volumepath", 0, true},
	{NULL, 0, false},
};

/* podman build is buildah's build command: podman 4.3.1 and buildah 1.28.2 share these flags. */
#define BUILDAH_BUILD_FLAGS \
	{"add-host", 0, true}, \
	{"all-platforms", 0, false}, \
	{"annotation", 0, true}, \
	{"arch", 0, true}, \
	{"authfile", 0, true}, \
	{"build-arg", 0, true}, \
	{"build-context", 0, true}, \
	{"cache-from", 0, true}, \
	{"cache-to", 0, true}, \
	{"cache-ttl", 0, true}, \
	{"cap-add", 0, true}, \
	{"cap-drop", 0, true}, \
	{"cert-dir", 0, true}, \
	{"cgroup-parent", 0, true}, \
	{"cgroupns", 0, true}, \
	{"compress", 0, false}, \
	{"cpp-flag", 0, true}, \
	{"cpu-period", 0, true}, \
	{"cpu-quota", 0, true}, \
	{"cpu-shares", 'c', true}, \
	{"cpuset-cpus", 0, true}, \
	{"cpuset-mems", 0, true}, \
	{"creds", 0, true}, \
	{"decryption-key", 0, true}, \
	{"device", 0, true}, \
	{"disable-compression", 'D', false}, \
	{"disable-content-trust", 0, false}, \
	{"dns", 0, true}, \
	{"dns-option", 0, true}, \
	{"dns-search", 0, true}, \
	{"env", 0, true}, \
	{"file", 'f', true}, \
	{"force-rm", 0, false}, \
	{"format", 0, true}, \
	{"from", 0, true}, \
	{"hooks-dir", 0, true}, \
	{"http-proxy", 0, false}, \
	{"identity-label", 0, false}, \
	{"ignorefile", 0, true}, \
	{"iidfile", 0, true}, \
	{"ipc", 0, true}, \
	{"isolation", 0, true}, \
	{"jobs", 0, true}, \
	{"label", 0, true}, \
	{"layers", 0, false}, \
	{"logfile", 0, true}, \
	{"logsplit", 0, false}, \
	{"manifest", 0, true}, \
	{"memory", 'm', true}, \
	{"memory-swap", 0, true}, \
	{"network", 0, true}, \
	{"no-cache", 0, false}, \
	{"no-hosts", 0, false}, \
	{"omit-history", 0, false}, \
	{"os", 0, true}, \
	{"os-feature", 0, true}, \
	{"os-version", 0, true}, \
	{"output", 'o', true}, \
	{"pid", 0, true}, \
	{"platform", 0, true}, \
	{"pull", 0, false}, /* optional value: --pull=always */ \
	{"quiet", 'q', false}, \
	{"retry", 0, true}, \
	{"retry-delay", 0, true}, \
	{"rm", 0, false}, \
	{"runtime-flag", 0, true}, \
	{"secret", 0, true}, \
	{"security-opt", 0, true}, \
	{"shm-size", 0, true}, \
	{"sign-by", 0, true}, \
	{"skip-unused-stages", 0, false}, \
	{"squash", 0, false}, \
	{"ssh", 0, true}, \
	{"stdin", 0, false}, \
	{"tag", 't', true}, \
	{"target", 0, true}, \
	{"timestamp", 0, true}, \
	{"tls-verify", 0, false}, \
	{"ulimit", 0, true}, \
	{"unsetenv", 0, true}, \
	{"userns", 0, true}, \
	{"userns-gid-map", 0, true}, \
	{"userns-gid-map-group", 0, true}, \
	{"userns-uid-map", 0, true}, \
	{"userns-uid-map-user", 0, true}, \
	{"uts", 0, true}, \
	{"variant", 0, true}, \
	{"volume", 'v', true}

static const struct flag_spec podman_build_flags[] = {
	BUILDAH_BUILD_FLAGS,
	{"squash-all", 0, false},
	{NULL, 0, false},
};

/* The docker client 28.2.2. The -c of --context belongs to build's --cpu-shares (see above). */
static const struct flag_spec docker_global_flags[] = {
	{"config", 0, true},
	{"context", 0, true},
	{"debug", 'D', false},
	{"host", 'H', true},
	{"log-level", 'l', true},
	{"tls", 0, false},
	{"tlscacert", 0, true},
	{"tlscert", 0, true},
	{"tlskey", 0, true},
	{"tlsverify", 0, false},
	{NULL, 0, false},
};

/* `docker build` without the buildx plugin: the legacy builder's flags, as docker 28.2.2 shows
 * them. Docker 20.10 (Debian 12's docker.io) defines the same ones but hides --platform from its
 * help unless BuildKit is on. With buildx installed, `docker build` is `docker buildx build`,
 * whose further flags kimb refuses as unknown. */
static const struct flag_spec docker_build_flags[] = {
	{"add-host", 0, true},
	{"build-arg", 0, true},
	{"cache-from", 0, true},
	{"cgroup-parent", 0, true},
	{"compress", 0, false},
	{"cpu-period", 0, true},
	{"cpu-quota", 0, true},
	{"cpu-shares", 'c', true},
	{"cpuset-cpus", 0, true},
	{"cpuset-mems", 0, true},
	{"disable-content-trust", 0, false},
	{"file", 'f', true},
	{"force-rm", 0, false},
	{"iidfile", 0, true},
	{"isolation", 0, true},
	{"label", 0, true},
	{"memory", 'm', true},
	{"memory-swap", 0, true},
	{"network", 0, true},
	{"no-cache", 0, false},
	{"platform", 0, true},
	{"pull", 0, false},
	{"quiet", 'q', false},
	{"rm", 0, false},
	{"security-opt", 0, true},
	{"shm-size", 0, true},
	{"squash", 0, false},
	{"tag", 't', true},
	{"target", 0, true},
	{"ulimit", 0, true},
	{NULL, 0, false},
};

/* buildah 1.28.2; its global --userns-uid-map and --userns-gid-map are build flags here (see above). */
static const struct flag_spec buildah_global_flags[] = {
	{"cgroup-manager", 0, true},
	{"log-level", 0, true},
	{"registries-conf", 0, true},
	{"registries-conf-dir", 0, true},
	{"root", 0, true},
	{"runroot", 0, true},
	{"short-name-alias-conf", 0, true},
	{"storage-driver", 0, true},
	{"storage-opt", 0, true},
	{NULL, 0, false},
};

static const struct flag_spec buildah_build_flags[] = {
	BUILDAH_BUILD_FLAGS,
	{"runtime", 0, true},
	{NULL, 0, false},
};

static const char *const build_command[] = {"build", NULL};

/* --no-trunc: full IDs, so that an ID prefix can never match a second image. --all (kim's -a,
 * which also shows images without a repo digest): intermediate images too, whose parents tell
 * which of them a removed image's build left behind. kim's --digests: the manifest digests pods
 * name images by. nerdctl's containerd keeps no intermediate images. */
static const char *const kim_list_command[] = {"image", "ls", "-a", "--no-trunc", "--digests", NULL};
static const char *const nerdctl_list_command[] = {"images", "--no-trunc", "--format", "{{json .}}", NULL};
static const char *const podman_list_command[] = {"images", "--all", "--format", "json", NULL};
static const char *const docker_list_command[] = {"image", "ls", "--all", "--no-trunc", "--format", "{{json .}}", NULL};
static const char *const buildah_list_command[] = {"images", "--all", "--json", "--no-trunc", NULL};

static const char *const image_inspect_command[] = {"image", "inspect", NULL};
static const char *const buildah_inspect_command[] = {"inspect", "--type", "image", NULL};

/* podman's and docker's --no-prune: without it, removing an image also removes its untagged
 * parents, which may be another repository's old images. */
static const char *const kim_remove_command[] = {"image", "rm", NULL};
static const char *const docker_remove_command[] = {"image", "rm", "--no-prune", NULL};
static const char *const podman_remove_command[] = {"rmi", "--no-prune", NULL};
static const char *const rmi_command[] = {"rmi", NULL};

static const char *const docker_container_ids_command[] = {"container", "ls", "--all", "--quiet", "--no-trunc", NULL};
static const char *const docker_containers_command[] = {"container", "inspect", NULL};
static const char *const nerdctl_containers_command[] = {"ps", "--all", "--no-trunc", "--format", "{{json .}}", NULL};
/* --all: podman's containers too, which share buildah's store. */
static const char *const buildah_containers_command[] = {"containers", "--all", "--json", NULL};

static const char *const kubernetes_environment[] = {"KUBECONFIG", "KUBECONTEXT", NULL};
static const char *const containerd_environment[] = {"CONTAINERD_ADDRESS", "CONTAINERD_NAMESPACE",
						     "CONTAINERD_SNAPSHOTTER", NULL};
static const char *const podman_environment[] = {"CONTAINERS_STORAGE_CONF", "CONTAINERS_CONF", "CONTAINER_HOST",
						 "CONTAINER_CONNECTION", NULL};
static const char *const docker_environment[] = {"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", NULL};
static const char *const buildah_environment[] = {"CONTAINERS_STORAGE_CONF", "STORAGE_DRIVER", "STORAGE_OPTS", NULL};

static const char *const kim_kubeconfig_flags[] = {"kubeconfig", NULL};
static const char *const kim_context_flags[] = {"context", NULL};
static const char *const nerdctl_namespace_flags[] = {"namespace", "n", NULL};
static const char *const nerdctl_global_synonyms[] = {"H", "address", "a", "address", "host", "address",
						      "n", "namespace", "storage-driver", "snapshotter", NULL};

/* IDs per inspect call where the builder takes several: 100 full IDs keep the command line far
 * below any ARG_MAX. buildah inspect takes one. */
enum { INSPECT_BATCH = 100 };

static const struct builder builders[] = {
	{
		.name = "kim",
		.executable_env = "KIMB_KIM",
		.global_flags = kim_global_flags,
		.build_flags = kim_build_flags,
		.tag_flag = "tag",
		.build_command = build_command,
		.list_command = kim_list_command,
		.parse_listing = listing_parse_kim_table,
		.store_environment = kubernetes_environment,
		.remove_command = kim_remove_command,
		/* kim's agent deletes an image whatever uses it: the pods say what does. */
		.always_pods = true,
		.kubeconfig_flags = kim_kubeconfig_flags,
		.context_flags = kim_context_flags,
	},
	{
		.name = "nerdctl",
		.executable_env = "KIMB_NERDCTL",
		.global_flags = nerdctl_global_flags,
		.build_flags = nerdctl_build_flags,
		.tag_flag = "tag",
		/* Its --iidfile gets the config digest, not the ID its listing shows: the listing tells. */
		.build_command = build_command,
		.list_command = nerdctl_list_command,
		.parse_listing = listing_parse_json_lines,
		.store_environment = containerd_environment,
		.global_synonyms = nerdctl_global_synonyms,
		.records_builds = true,
		.label_flag = "label",
		.inspect_command = image_inspect_command,
		/* its inspection names images by config digest, not by the listing's ID: one at a
		 * time, each answer is the asked image's */
		.inspect_batch = 1,
		.read_inspection = listing_read_nerdctl_inspection,
		.remove_command = rmi_command,
		/* nerdctl v1.7.6 refuses `rmi ID` when the ID matches several names ("multiple IDs
		 * found with provided prefix") unless forced: pkg/cmd/image/remove.go. */
		.removes_single_named_only = true,
		.containers_command = nerdctl_containers_command,
		.read_containers = use_read_nerdctl_containers,
		/* In k8s.io, the namespace of Kubernetes' containerd, pods run the images. */
		.namespace_flags = nerdctl_namespace_flags,
		.namespace_env = "CONTAINERD_NAMESPACE",
		.pods_namespace = "k8s.io",
	},
	{
		.name = "podman",
		.executable_env = "KIMB_PODMAN",
		.global_flags = podman_global_flags,
		.build_flags = podman_build_flags,
		.tag_flag = "tag",
		.iidfile_flag = "iidfile",
		.build_command = build_command,
		.list_command = podman_list_command,
		.parse_listing = listing_parse_podman_json,
		.store_environment = podman_environment,
		.records_builds = true,
		.short_name_domain = "localhost",
		.remove_command = podman_remove_command,
		.removes_single_named_only = true,
	},
	{
		.name = "docker",
		.executable_env = "KIMB_DOCKER",
		.global_flags = docker_global_flags,
		.build_flags = docker_build_flags,
		.tag_flag = "tag",
		.iidfile_flag = "iidfile",
		.build_command = build_command,
		.list_command = docker_list_command,
		.parse_listing = listing_parse_json_lines,
		.store_environment = docker_environment,
		.records_builds = true,
		.label_flag = "label",
		.inspect_command = image_inspect_command,
		.inspect_batch = INSPECT_BATCH,
		.read_inspection = listing_read_docker_inspection,
		.inspect_all = true,
		.remove_command = docker_remove_command,
		.keeps_parents = true,
		.container_ids_command = docker_container_ids_command,
		.containers_command = docker_containers_command,
		.read_containers = use_read_docker_containers,
	},
	{
		.name = "buildah",
		.executable_env = "KIMB_BUILDAH",
		.global_flags = buildah_global_flags,
		.build_flags = buildah_build_flags,
		.tag_flag = "tag",
		.iidfile_flag = "iidfile",
		.build_command = build_command,
		.list_command = buildah_list_command,
		.parse_listing = listing_parse_buildah_json,
		.store_environment = buildah_environment,
		.records_builds = true,
		.short_name_domain = "localhost",
		.label_flag = "label",
		.inspect_command = buildah_inspect_command,
		.inspect_batch = 1,
		.read_inspection = listing_read_buildah_inspection,
		.remove_command = rmi_command,
		.removes_single_named_only = true,
		.removal_takes_untagged_parents = true,
		.containers_command = buildah_containers_command,
		.read_containers = use_read_buildah_containers,
	},
};

const char *const builder_names[] = {"kim", "nerdctl", "podman", "docker", "buildah", NULL};

const struct builder *builder_find(const char *name)
{
	for (size_t i = 0; i < sizeof builders / sizeof builders[0]; i++)
		if (strcmp(builders[i].name, name) == 0)
			return &builders[i];
	return NULL;
}

char *builder_repository(const struct builder *builder, const struct reference *ref)
{
	if (ref->domain_given || !builder->short_name_domain)
		return xstrdup(ref->repository);
	return xprintf("%s/%s", builder->short_name_domain, ref->name);
}

const char *builder_executable(const struct builder *builder, env_lookup getenv_fn)
{
	const char *value = getenv_fn(builder->executable_env);
	return value && *value ? value : builder->name;
}

/* What execvp would run: a regular file we may execute (access alone accepts a directory). */
static bool is_executable_file(const char *path)
{
	struct stat status;

	return access(path, X_OK) == 0 && stat(path, &status) == 0 && S_ISREG(status.st_mode);
}

/* The default search path execvp uses when PATH is unset. */
static char *default_search_path(void)
{
	size_t size = confstr(_CS_PATH, NULL, 0);
	char *path = xmalloc(size + 1);

	path[0] = '\0';
	if (size)
		confstr(_CS_PATH, path, size);
	return path;
}

/* Searches SEARCH_PATH as execvp does: its ':'-separated entries in order, an empty entry meaning
 * the current directory. */
static bool found_on_search_path(const char *name, const char *search_path)
{
	size_t name_length = strlen(name);
	/* The longest candidate: an entry, '/', NAME and its NUL, or "./NAME" for an empty PATH. */
	char *candidate = xmalloc(strlen(search_path) + name_length + 3);
	const char *entry = search_path;
	bool found = false;

	for (;;) {
		size_t entry_length = strcspn(entry, ":");
		const char *directory = entry_length ? entry : ".";
		size_t directory_length = entry_length ? entry_length : 1;

		memcpy(candidate, directory, directory_length);
		candidate[directory_length] = '/';
		memcpy(candidate + directory_length + 1, name, name_length + 1);
		found = is_executable_file(candidate);
		if (found || !entry[entry_length])
			break;
		entry += entry_length + 1;
	}
	free(candidate);
	return found;
}

static bool executable_exists(const char *executable, env_lookup getenv_fn)
{
	if (strchr(executable, '/'))
		return is_executable_file(executable);

	const char *search_path = getenv_fn("PATH");
	if (search_path)
		return found_on_search_path(executable, search_path);

	char *default_path = default_search_path();
	bool found = found_on_search_path(executable, default_path);
	free(default_path);
	return found;
}

const struct builder *builder_detect(env_lookup getenv_fn)
{
	for (const char *const *name = builder_names; *name; name++) {
		const struct builder *builder = builder_find(*name);
		if (!builder)
			continue;
		const char *override = getenv_fn(builder->executable_env);
		/* Naming a builder's executable is asking for that builder: auto must not quietly build
		 * and prune with another one when the name is wrong, but report it as not found. */
		if ((override && *override) || executable_exists(builder->name, getenv_fn))
			return builder;
	}
	return NULL;
}

const char *builder_global_flag_name(const struct builder *builder, const char *long_name)
{
	for (const char *const *pair = builder->global_synonyms; pair && *pair; pair += 2)
		if (strcmp(pair[0], long_name) == 0)
			return pair[1];
	return long_name;
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
