/* SPDX-License-Identifier: Apache-2.0 */
#include "builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "use.h"
#include "xalloc.h"

/* The flag lists hold every flag the builder accepts in the versions named at its table, hidden
 * ones and other spellings (aliases) included, except --help and --version, so that kimb knows
 * which flags take a value and can find PATH and the tags among them. Each list is the union of
 * those versions: a flag that one version lacks reaches it all the same, and that version refuses
 * it as it would without kimb. No flag of these builders takes a value in one version and none in
 * another, so the union never has to choose. tests/builders.sh checks each list against the help of
 * the builders installed here.
 *
 * A name that both a global flag and a build flag of one builder define goes to the build flags
 * only: kimb passes globals before the sub-command, and podman, docker and nerdctl read a flag
 * there as the global one, so a `<builder> build` flag would change its meaning. The global keeps
 * whatever part of its spelling does not clash (podman's --connection, docker's --context).
 *
 * A flag with an optional value (pflag's NoOptDefVal, shown as `--pull string[="true"]`) is a
 * boolean here: it takes a value only as `--flag=value`, never from the next argument. */

/* kim v0.1.0-alpha.3 to v0.1.0-beta.7, read from rancher/kim's source (pkg/client/client.go,
 * wrangler-cli's --debug and --debug-level, pkg/client/image/build.go), as the kim CLI facts of
 * the project's shared reference record them; beta.1 added --squash. */
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

/* nerdctl v1.7.0 to v1.7.7 and v2.0.0 to v2.3.5 (every release), read from containerd/nerdctl's
 * source (cmd/nerdctl/main.go's initRootCmdFlags; cmd/nerdctl/builder_build.go, from v2.0
 * cmd/nerdctl/builder/builder_build.go), which docs/command-reference.md lags behind. v2.0.1 added
 * --bridge-ip, v2.0.3 --kube-hide-dupe, v2.1.0 --cdi-spec-dirs and --userns-remap, v2.3.0
 * --selinux-enabled. Its one-letter aliases are flags of their own, with a long spelling too
 * (--a/-a, --H/-H, --n/-n), and work before the sub-command only. */
static const struct flag_spec nerdctl_global_flags[] = {
	{"H", 'H', true},
	{"a", 'a', true},
	{"address", 0, true},
	{"bridge-ip", 0, true},
	{"cdi-spec-dirs", 0, true},
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
	{"kube-hide-dupe", 0, false},
	{"n", 'n', true},
	{"namespace", 0, true},
	{"selinux-enabled", 0, false},
	{"snapshotter", 0, true},
	{"storage-driver", 0, true},
	{"userns-remap", 0, true},
	{NULL, 0, false},
};

/* v1.7.3 added --allow, v2.0.0 --attest, --build-context, --provenance, --pull and --sbom, v2.0.3
 * --add-host, v2.3.0 --source-policy-file. */
static const struct flag_spec nerdctl_build_flags[] = {
	{"add-host", 0, true},
	{"allow", 0, true},
	{"attest", 0, true},
	{"build-arg", 0, true},
	{"build-context", 0, true},
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
	{"provenance", 0, true},
	{"pull", 0, false},
	{"quiet", 'q', false},
	{"rm", 0, false},
	{"sbom", 0, true},
	{"secret", 0, true},
	{"source-policy-file", 0, true},
	{"ssh", 0, true},
	{"tag", 't', true},
	{"target", 0, true},
	{NULL, 0, false},
};

/* podman v4.0 to v4.9 and v5.0 to v5.8 as a local (not remote) client, read from
 * containers/podman's source (cmd/podman/root.go) at the last release of each (v4.0.3 to v4.9.5,
 * v5.0.3 to v5.8.2). Hidden ones included: docker's -H/--host, --config and --context, which
 * podman takes for compatibility, and --debug, whose -D is build's --disable-compression. Its
 * --hooks-dir, --runtime-flag and --ssh, its old spelling --cni-config-dir of
 * --network-config-dir, and the -c of --connection are build flags here (see above). */
static const struct flag_spec podman_global_flags[] = {
	{"cdi-spec-dir", 0, true},
	{"cgroup-manager", 0, true},
	{"config", 0, true},
	{"conmon", 0, true},
	{"connection", 0, true},
	{"context", 0, true},
	{"cpu-profile", 0, true},
	{"db-backend", 0, true},
	{"debug", 0, false},
	{"default-mounts-file", 0, true},
	{"events-backend", 0, true},
	{"host", 'H', true},
	{"identity", 0, true},
	{"imagestore", 0, true},
	{"log-level", 0, true},
	{"max-workers", 0, true},
	{"memory-profile", 0, true},
	{"module", 0, true},
	{"namespace", 0, true},
	{"network-backend", 0, true},
	{"network-cmd-path", 0, true},
	{"network-config-dir", 0, true},
	{"noout", 0, false},
	{"out", 0, true},
	{"pull-option", 0, true},
	{"registries-conf", 0, true},
	{"remote", 'r', false},
	{"root", 0, true},
	{"runroot", 0, true},
	{"runtime", 0, true},
	{"storage-driver", 0, true},
	{"storage-opt", 0, true},
	{"syslog", 0, false},
	{"tls-ca", 0, true},
	{"tls-cert", 0, true},
	{"tls-key", 0, true},
	{"tmpdir", 0, true},
	{"trace", 0, false},
	{"transient-store", 0, false},
	{"url", 0, true},
	{"volumepath", 0, true},
	{NULL, 0, false},
};

/* podman build is buildah's build command: its flags are buildah's pkg/cli (GetBudFlags,
 * GetLayerFlags, GetFromAndBudFlags), which podman vendors (buildah v1.24 in podman v4.0, v1.43 in
 * v5.8). These are the flags of buildah v1.28 to v1.44 that podman v4.0 to v5.8 has too, with
 * the other spellings buildah's AliasFlags reads as them (--net, --override-arch, --override-os,
 * --purge). */
#define BUILDAH_BUILD_FLAGS \
	{"add-host", 0, true}, \
	{"all-platforms", 0, false}, \
	{"annotation", 0, true}, \
	{"arch", 0, true}, \
	{"authfile", 0, true}, \
	{"blob-cache", 0, true}, \
	{"build-arg", 0, true}, \
	{"build-arg-file", 0, true}, \
	{"build-context", 0, true}, \
	{"cache-from", 0, true}, \
	{"cache-to", 0, true}, \
	{"cache-ttl", 0, true}, \
	{"cap-add", 0, true}, \
	{"cap-drop", 0, true}, \
	{"cdi-config-dir", 0, true}, \
	{"cert-dir", 0, true}, \
	{"cgroup-parent", 0, true}, \
	{"cgroupns", 0, true}, \
	{"cni-config-dir", 0, true}, \
	{"cni-plugin-path", 0, true}, \
	{"compat-volumes", 0, false}, \
	{"compress", 0, false}, \
	{"cpp-flag", 0, true}, \
	{"cpu-period", 0, true}, \
	{"cpu-quota", 0, true}, \
	{"cpu-shares", 'c', true}, \
	{"cpuset-cpus", 0, true}, \
	{"cpuset-mems", 0, true}, \
	{"created-annotation", 0, false}, \
	{"creds", 0, true}, \
	{"cw", 0, true}, \
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
	{"group-add", 0, true}, \
	{"hooks-dir", 0, true}, \
	{"http-proxy", 0, false}, \
	{"identity-label", 0, false}, \
	{"ignorefile", 0, true}, \
	{"iidfile", 0, true}, \
	{"inherit-annotations", 0, false}, \
	{"inherit-labels", 0, false}, \
	{"ipc", 0, true}, \
	{"isolation", 0, true}, \
	{"jobs", 0, true}, \
	{"label", 0, true}, \
	{"layer-label", 0, true}, \
	{"layers", 0, false}, \
	{"log-rusage", 0, false}, \
	{"logfile", 0, true}, \
	{"loglevel", 0, true}, \
	{"logsplit", 0, false}, \
	{"manifest", 0, true}, \
	{"memory", 'm', true}, \
	{"memory-swap", 0, true}, \
	{"net", 0, true}, \
	{"network", 0, true}, \
	{"no-cache", 0, false}, \
	{"no-hostname", 0, false}, \
	{"no-hosts", 0, false}, \
	{"omit-history", 0, false}, \
	{"os", 0, true}, \
	{"os-feature", 0, true}, \
	{"os-version", 0, true}, \
	{"output", 'o', true}, \
	{"override-arch", 0, true}, \
	{"override-os", 0, true}, \
	{"pid", 0, true}, \
	{"platform", 0, true}, \
	{"pull", 0, false}, /* optional value: --pull=always */ \
	{"pull-always", 0, false}, \
	{"pull-never", 0, false}, \
	{"purge", 0, false}, \
	{"quiet", 'q', false}, \
	{"retry", 0, true}, \
	{"retry-delay", 0, true}, \
	{"rewrite-timestamp", 0, false}, \
	{"rm", 0, false}, \
	{"runtime-flag", 0, true}, \
	{"rusage-logfile", 0, true}, \
	{"sbom", 0, true}, \
	{"sbom-image-output", 0, true}, \
	{"sbom-image-purl-output", 0, true}, \
	{"sbom-merge-strategy", 0, true}, \
	{"sbom-output", 0, true}, \
	{"sbom-purl-output", 0, true}, \
	{"sbom-scanner-command", 0, true}, \
	{"sbom-scanner-image", 0, true}, \
	{"secret", 0, true}, \
	{"security-opt", 0, true}, \
	{"shm-size", 0, true}, \
	{"sign-by", 0, true}, \
	{"signature-policy", 0, true}, \
	{"skip-unused-stages", 0, false}, \
	{"source-date-epoch", 0, true}, \
	{"squash", 0, false}, \
	{"ssh", 0, true}, \
	{"stdin", 0, false}, \
	{"tag", 't', true}, \
	{"target", 0, true}, \
	{"timestamp", 0, true}, \
	{"tls-verify", 0, false}, \
	{"ulimit", 0, true}, \
	{"unsetannotation", 0, true}, \
	{"unsetenv", 0, true}, \
	{"unsetlabel", 0, true}, \
	{"userns", 0, true}, \
	{"userns-gid-map", 0, true}, \
	{"userns-gid-map-group", 0, true}, \
	{"userns-uid-map", 0, true}, \
	{"userns-uid-map-user", 0, true}, \
	{"uts", 0, true}, \
	{"variant", 0, true}, \
	{"volume", 'v', true}

/* podman v4.0 to v5.8 (cmd/podman/images/build.go, from v4.7 cmd/podman/common/build.go): the
 * shared flags, and podman's own --squash-all and the hidden --load and --progress it takes for
 * buildx's sake. */
static const struct flag_spec podman_build_flags[] = {
	BUILDAH_BUILD_FLAGS,
	{"load", 0, false},
	{"progress", 0, true},
	{"squash-all", 0, false},
	{NULL, 0, false},
};

/* The docker client v20.10 to v29.7, read from docker/cli's source (cli/flags/common.go, from
 * v23 options.go; no version changed these flags) at the last release of each (v20.10.24, v23.0.15
 * to v29.7.2). Its -D/--debug stays global, although buildx's build has a -D/--debug too: the
 * legacy builder refuses it after `build`, and before `build` every docker reads it. The -c of
 * --context belongs to build's --cpu-shares (see above). */
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

/* `docker build` is the legacy builder's (docker/cli's cli/command/image/build.go, the same
 * releases; 20.10 shows --output, --platform, --progress, --secret and --ssh only with BuildKit on,
 * the flags BuildKit ignores only with it off, and hides --stream), or, where the buildx plugin is
 * installed, `docker buildx build` (docker/buildx's commands/build.go and root.go, v0.10 to v0.36,
 * read at the last release of each, v0.10.5 to v0.36.1). Both are here, hidden flags included
 * (buildx keeps the legacy builder's resource flags, hidden), and those buildx defines only with
 * BUILDX_EXPERIMENTAL set (--detach, --root and --server-config to v0.23, --invoke to v0.11).
 * buildx's --check has an optional value. buildx's --builder is spelled like kimb's own --builder,
 * which kimb reads first: BUILDX_BUILDER chooses buildx's builder through kimb. */
static const struct flag_spec docker_build_flags[] = {
	{"add-host", 0, true},
	{"allow", 0, true},
	{"annotation", 0, true},
	{"attest", 0, true},
	{"build-arg", 0, true},
	{"build-context", 0, true},
	{"builder", 0, true},
	{"cache-from", 0, true},
	{"cache-to", 0, true},
	{"call", 0, true},
	{"cgroup-parent", 0, true},
	{"check", 0, false},
	{"compress", 0, false},
	{"cpu-period", 0, true},
	{"cpu-quota", 0, true},
	{"cpu-shares", 'c', true},
	{"cpuset-cpus", 0, true},
	{"cpuset-mems", 0, true},
	{"detach", 0, false},
	{"disable-content-trust", 0, false},
	{"file", 'f', true},
	{"force-rm", 0, false},
	{"iidfile", 0, true},
	{"invoke", 0, true},
	{"isolation", 0, true},
	{"label", 0, true},
	{"load", 0, false},
	{"memory", 'm', true},
	{"memory-swap", 0, true},
	{"metadata-file", 0, true},
	{"network", 0, true},
	{"no-cache", 0, false},
	{"no-cache-filter", 0, true},
	{"output", 'o', true},
	{"platform", 0, true},
	{"policy", 0, true},
	{"print", 0, true},
	{"progress", 0, true},
	{"provenance", 0, true},
	{"pull", 0, false},
	{"push", 0, false},
	{"quiet", 'q', false},
	{"resource", 0, true},
	{"rm", 0, false},
	{"root", 0, true},
	{"sbom", 0, true},
	{"secret", 0, true},
	{"security-opt", 0, true},
	{"server-config", 0, true},
	{"shm-size", 0, true},
	{"squash", 0, false},
	{"ssh", 0, true},
	{"stream", 0, false},
	{"tag", 't', true},
	{"target", 0, true},
	{"ulimit", 0, true},
	{NULL, 0, false},
};

/* buildah v1.28 to v1.44, read from containers/buildah's source (cmd/buildah/main.go) at the last
 * release of each (v1.28.2 to v1.44.0), hidden ones included; its global --userns-uid-map and
 * --userns-gid-map are build flags here (see above). */
static const struct flag_spec buildah_global_flags[] = {
	{"cgroup-manager", 0, true},
	{"cpu-profile", 0, true},
	{"debug", 0, false},
	{"default-mounts-file", 0, true},
	{"imagestore", 0, true},
	{"log-level", 0, true},
	{"memory-profile", 0, true},
	{"registries-conf", 0, true},
	{"registries-conf-dir", 0, true},
	{"root", 0, true},
	{"runroot", 0, true},
	{"short-name-alias-conf", 0, true},
	{"storage-driver", 0, true},
	{"storage-opt", 0, true},
	{"transient-store", 0, false},
	{NULL, 0, false},
};

/* buildah v1.28 to v1.44 `build` (`bud`; cmd/buildah/build.go and pkg/cli/common.go): the
 * shared flags, its own --runtime, and what buildah has that no podman up to v5.8 vendors yet
 * (v1.44's compression, metadata, --mount, source policy and stage flags, and --raw-iidfile, its
 * other spelling of --iidfile-raw). */
static const struct flag_spec buildah_build_flags[] = {
	BUILDAH_BUILD_FLAGS,
	{"compression-format", 0, true},
	{"compression-level", 0, true},
	{"force-compression", 0, false},
	{"iidfile-raw", 0, true},
	{"metadata-file", 0, true},
	{"mount", 0, true},
	{"raw-iidfile", 0, true},
	{"runtime", 0, true},
	{"save-stages", 0, false},
	{"source-policy-file", 0, true},
	{"stage-labels", 0, false},
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

/* podman's --no-prune: without it, removing an image also removes its untagged parents, which may
 * be another repository's old images. docker has one too, but podman's Docker-compatible API
 * service (which Podman Desktop points the docker client at) ignores it: kimb plans every docker
 * removal as one that takes the untagged parents along, and lets every daemon do so. */
static const char *const image_rm_command[] = {"image", "rm", NULL};
static const char *const podman_remove_command[] = {"rmi", "--no-prune", NULL};
static const char *const rmi_command[] = {"rmi", NULL};

static const char *const docker_container_ids_command[] = {"container", "ls", "--all", "--quiet", "--no-trunc", NULL};
static const char *const docker_containers_command[] = {"container", "inspect", NULL};
static const char *const nerdctl_containers_command[] = {"ps", "--all", "--no-trunc", "--format", "{{json .}}", NULL};
/* --all: podman's containers too, which share buildah's store. */
static const char *const buildah_containers_command[] = {"containers", "--all", "--json", NULL};

static const char *const kubernetes_environment[] = {ENV_NAME(KUBECONFIG), ENV_NAME(KUBECONTEXT), NULL};
static const char *const containerd_environment[] = {ENV_NAME(CONTAINERD_ADDRESS), ENV_NAME(CONTAINERD_NAMESPACE),
						     ENV_NAME(CONTAINERD_SNAPSHOTTER), NULL};
static const char *const podman_environment[] = {ENV_NAME(CONTAINERS_STORAGE_CONF), ENV_NAME(CONTAINERS_CONF),
						 ENV_NAME(CONTAINER_HOST), ENV_NAME(CONTAINER_CONNECTION), NULL};
static const char *const docker_environment[] = {ENV_NAME(DOCKER_HOST), ENV_NAME(DOCKER_CONTEXT),
						 ENV_NAME(DOCKER_CONFIG), NULL};
static const char *const buildah_environment[] = {ENV_NAME(CONTAINERS_STORAGE_CONF), ENV_NAME(STORAGE_DRIVER),
						  ENV_NAME(STORAGE_OPTS), NULL};

static const char *const kim_kubeconfig_flags[] = {"kubeconfig", NULL};
static const char *const kim_context_flags[] = {"context", NULL};
static const char *const nerdctl_namespace_flags[] = {"namespace", "n", NULL};
static const char *const nerdctl_address_flags[] = {"address", "a", "H", "host", NULL};
static const char *const nerdctl_global_synonyms[] = {"H", "address", "a", "address", "host", "address",
						      "n", "namespace", "storage-driver", "snapshotter", NULL};

/* IDs per inspect call where the builder takes several (buildah inspect takes one). */
enum { INSPECT_BATCH = INSPECT_BATCH_MAX };

static const struct builder builders[] = {
	{
		.name = "kim",
		.executable_env = ENV_NAME(KIMB_KIM),
		.global_flags = kim_global_flags,
		.build_flags = kim_build_flags,
		.tag_flag = "tag",
		.build_command = build_command,
		/* kim has no --iidfile: its progress names the image's config digest, its ID. */
		.read_build_id = listing_kim_build_id,
		.list_command = kim_list_command,
		.parse_listing = listing_parse_kim_table,
		.store_environment = kubernetes_environment,
		.remove_command = image_rm_command,
		.leaves_no_intermediates = true,
		/* kim's agent deletes an image whatever uses it: the pods say what does. */
		.always_pods = true,
		.kubeconfig_flags = kim_kubeconfig_flags,
		.context_flags = kim_context_flags,
	},
	{
		.name = "nerdctl",
		.executable_env = ENV_NAME(KIMB_NERDCTL),
		.global_flags = nerdctl_global_flags,
		.build_flags = nerdctl_build_flags,
		.tag_flag = "tag",
		/* Its --iidfile gets the config digest, not the ID its listing shows: the listing tells. */
		.build_command = build_command,
		.list_command = nerdctl_list_command,
		.parse_listing = listing_parse_json_lines,
		.store_environment = containerd_environment,
		.global_synonyms = nerdctl_global_synonyms,
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
		/* cmd/nerdctl/main.go's initRootCmdFlags, pkg/defaults' NerdctlTOML: a flag, else its
		 * variable, else nerdctl.toml; a k3s node's nerdctl.toml names k8s.io. */
		.config_variable = ENV_NAME(NERDCTL_TOML),
		.config_path = "/etc/nerdctl/nerdctl.toml",
		.config_user_path = "nerdctl/nerdctl.toml",
		.namespace = {nerdctl_namespace_flags, ENV_NAME(CONTAINERD_NAMESPACE), "namespace"},
		.address = {nerdctl_address_flags, ENV_NAME(CONTAINERD_ADDRESS), "address"},
		/* In k8s.io, the namespace of Kubernetes' containerd, pods run the images. */
		.pods_namespace = "k8s.io",
	},
	{
		.name = "podman",
		.executable_env = ENV_NAME(KIMB_PODMAN),
		.global_flags = podman_global_flags,
		.build_flags = podman_build_flags,
		.tag_flag = "tag",
		.iidfile_flag = "iidfile",
		.build_command = build_command,
		.list_command = podman_list_command,
		.parse_listing = listing_parse_podman_json,
		.store_environment = podman_environment,
		.short_name_domain = "localhost",
		.remove_command = podman_remove_command,
		.removes_single_named_only = true,
	},
	{
		.name = "docker",
		.executable_env = ENV_NAME(KIMB_DOCKER),
		.global_flags = docker_global_flags,
		.build_flags = docker_build_flags,
		.tag_flag = "tag",
		.iidfile_flag = "iidfile",
		.build_command = build_command,
		.list_command = docker_list_command,
		.parse_listing = listing_parse_json_lines,
		.store_environment = docker_environment,
		.label_flag = "label",
		.inspect_command = image_inspect_command,
		.inspect_batch = INSPECT_BATCH,
		.read_inspection = listing_read_docker_inspection,
		.inspect_all = true,
		.remove_command = image_rm_command,
		/* podman's Docker-compatible API reads a bare ID it no longer finds as a name, which
		 * it refuses ("cannot specify 64-byte hexadecimal strings"); both daemons take this. */
		.id_prefix = "sha256:",
		/* dockerd refuses it for tags of several repositories, podman's API for any two tags */
		.removes_single_named_only = true,
		.removal_takes_untagged_parents = true,
		/* dockerd refuses, and podman's API only untags, an image another is built on */
		.keeps_parents = true,
		.container_ids_command = docker_container_ids_command,
		.containers_command = docker_containers_command,
		.read_containers = use_read_docker_containers,
	},
	{
		.name = "buildah",
		.executable_env = ENV_NAME(KIMB_BUILDAH),
		.global_flags = buildah_global_flags,
		.build_flags = buildah_build_flags,
		.tag_flag = "tag",
		.iidfile_flag = "iidfile",
		.build_command = build_command,
		.list_command = buildah_list_command,
		.parse_listing = listing_parse_buildah_json,
		.store_environment = buildah_environment,
		.short_name_domain = "localhost",
		.label_flag = "label",
		.inspect_command = buildah_inspect_command,
		.inspect_batch = 1,
		.read_inspection = listing_read_buildah_inspection,
		.batch_inspector = "podman",
		.batch_inspect_command = image_inspect_command,
		.read_batch_inspection = listing_read_podman_inspection,
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

char *builder_id_word(const struct builder *builder, const char *id)
{
	return xprintf("%s%s", builder->id_prefix ? builder->id_prefix : "", id);
}

const char *builder_executable(const struct builder *builder, const struct environment *environment)
{
	const char *value = env_named(environment, builder->executable_env);
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

static bool executable_exists(const char *executable, const struct environment *environment)
{
	if (strchr(executable, '/'))
		return is_executable_file(executable);

	const char *search_path = env_get(environment, ENV_PATH);
	if (search_path)
		return found_on_search_path(executable, search_path);

	char *default_path = default_search_path();
	bool found = found_on_search_path(executable, default_path);
	free(default_path);
	return found;
}

const struct builder *builder_detect(const struct environment *environment)
{
	for (const char *const *name = builder_names; *name; name++) {
		const struct builder *builder = builder_find(*name);
		if (!builder)
			continue;
		const char *override = env_named(environment, builder->executable_env);
		/* Naming a builder's executable is asking for that builder: auto must not quietly build
		 * and prune with another one when the name is wrong, but report it as not found. */
		if ((override && *override) || executable_exists(builder->name, environment))
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
