/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_USE_H
#define KIMB_USE_H

/* Which images containers and pods use, read from the builder's container listing or the cluster's
 * pods, so that kimb never touches an image in use. Like an image listing, a listing of containers
 * or pods is read whole or not at all. */

#include <stdbool.h>
#include <stddef.h>

#include "listing.h"
#include "workload.h"

/* An image that a workload's pod template names: pods will run it again (a rollback, a CronJob's
 * next Job, a Deployment scaled up). */
struct workload_name {
	char *image; /* 64 hex of a digest, or a normalized "REPOSITORY:TAG" */
	bool digest;
	enum workload_kind kind;
	char *namespace;
	char *name;
};

struct image_use {
	char **digests;     /* 64 hex each: IDs, manifest or config digests of images in use */
	size_t digest_count;
	char **references;  /* normalized "REPOSITORY:TAG" that a container or pod names, each once */
	size_t reference_count;
	/* The images workloads' pod templates name, each once, with the first workload that names it. */
	struct workload_name *workload_names;
	size_t workload_name_count;
	char **unnamed;     /* 64 hex: IDs of images containers use that say no name they were made from
			       (docker's, podman's and buildah's, read by the image's ID) */
	size_t unnamed_count;
	/* Pod containers whose image is no valid reference (kubelet's InvalidImageName): they can run
	 * no image, so they keep none; the first as "NAMESPACE/POD: REFERENCE", to be said once. */
	size_t invalid_count;
	char *first_invalid;
};

/* Each reader adds what TEXT says to USE. Returns 0, or -1 with ERR filled and USE unchanged. */

/* `buildah containers --all --json`: a JSON array of objects with imageid (buildah's working
 * containers and, with --all, podman's; "" for a working container of no image, `buildah from
 * scratch`), or null when there are none. */
int use_read_buildah_containers(const char *text, size_t length, struct image_use *use, struct listing_error *err);

/* `docker container ls --all --quiet --no-trunc`: container IDs, one a line, into IDS (a malloc'd
 * NULL-terminated array of strings pointing into TEXT, which must stay; free the array only). */
int use_read_container_ids(char *text, size_t length, char ***ids, size_t *count, struct listing_error *err);

/* `docker container inspect ID...`: a JSON array of objects with Image, the image's ID. */
int use_read_docker_containers(const char *text, size_t length, struct image_use *use, struct listing_error *err);

/* `nerdctl ps --all --no-trunc --format '{{json .}}'`: a JSON object a line, whose Image is the
 * reference the container was made from (containerd keeps no image ID with a container). */
int use_read_nerdctl_containers(const char *text, size_t length, struct image_use *use, struct listing_error *err);

/* `kubectl get pods,replicationcontrollers,replicasets.apps,... --all-namespaces -o json`: a List of
 * pods and workloads (workload.h; an item without a kind is a pod). Of every pod, whatever its phase
 * (kubelet's image garbage collection keeps their images too), every container, init container and
 * ephemeral container: the imageID of its status ("sha256:HEX", or "NAME@sha256:HEX", possibly after
 * "docker-pullable://"), and the image its spec names, which a pod not yet running will use. Of
 * every workload, the images its pod template's containers name (a CronJob's, that of its
 * jobTemplate), into USE's workload_names. An image that is no valid reference is counted as
 * invalid, not read: no pod can run it. An item of another kind makes the listing unreadable. */
int use_read_pods(const char *text, size_t length, struct image_use *use, struct listing_error *err);

/* True when IMAGE's ID or one of its digests is in use, or a container, pod or workload names one of
 * its current tags. */
bool use_covers(const struct image_use *use, const struct image *image);

/* The workload that alone keeps IMAGE: the first whose pod template names it, or NULL when none
 * does or a container or pod uses or names it too. */
const struct workload_name *use_workload_naming(const struct image_use *use, const struct image *image);

/* True when a container, pod or workload names REPOSITORY:TAG (REPOSITORY normalized). */
bool use_names_tag(const struct image_use *use, const char *repository, const char *tag);

/* True when a container uses IMAGE by its ID, saying no name it was made from: any of its tags
 * may be the one it names. */
bool use_by_unnamed(const struct image_use *use, const struct image *image);

void use_free(struct image_use *use);

#endif
