/* SPDX-License-Identifier: Apache-2.0 */
/* The kim stand-in's removals by image ID, compiled, for make bench: tests/kim with its answer to
 * `image rm ID` served without a shell. tests/kim is a shell script whose every call forks a dozen
 * processes (awk three times, flock, mv), some 50 ms of CPU on a small machine: a bench of calls
 * that should overlap (kimb's --jobs) then measures how fast the machine runs awk, not the latency
 * a kim call across the cluster has (KIM_STUB_LATENCY). This program does what tests/kim does for
 * `image rm X` (also `image remove X`, `rmi X`) when X is an ID prefix of exactly one image, and
 * hands every other call to tests/kim unchanged; tests/bench_standin_check.sh checks that both
 * answer alike, call for call.
 *
 * Usage: as kim, with KIM_STUB_SCRIPT naming tests/kim (and tests/kim's KIM_STUB_DIR, ...).
 * What tests/kim does for the removal, in its order: log the call, wait KIM_STUB_LATENCY, lock the
 * store (flock on its directory), drop the image, print `Untagged: NAME` for each of its names and
 * `Deleted: sha256:ID`, replace the store. A call this program began but cannot finish the same way
 * (the prefix names no image, or several) goes to tests/kim with KIM_STUB_LOGGED=1, which tells it
 * that the call is logged and has waited. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "xalloc.h"

/* One image of the store: its line, as tests/kim writes it (ID SIZE DIGEST NAME...). */
struct image {
	char *line;
	char *id, *size, *digest; /* the line's first three fields, in place */
	char *names;              /* the fields after them, one space apart, in place; "" when none */
};

static char *script;

static int hand_over(char **argv)
{
	argv[0] = script;
	execv(script, argv);
	fprintf(stderr, "kim_rm: cannot run %s: %s\n", script, strerror(errno));
	return 127;
}

/* The ID prefix of a removal this program serves, or NULL. */
static const char *removal_prefix(int argc, char **argv)
{
	const char *prefix;
	if (argc == 4 && strcmp(argv[1], "image") == 0 &&
	    (strcmp(argv[2], "rm") == 0 || strcmp(argv[2], "remove") == 0))
		prefix = argv[3];
	else if (argc == 3 && strcmp(argv[1], "rmi") == 0)
		prefix = argv[2];
	else
		return NULL;
	if (*prefix == '\0' || strspn(prefix, "0123456789abcdef") != strlen(prefix))
		return NULL;
	return prefix;
}

static int stub_file_exists(const char *dir, const char *name)
{
	char *path = xprintf("%s/%s", dir, name);
	int exists = access(path, F_OK) == 0;
	free(path);
	return exists;
}

/* The latency as tests/kim's sleep reads the plain decimals make bench passes ("0.05"); 0 when
 * unset or "0"; -1 for anything else, which tests/kim judges. */
static int parse_latency(const char *text, struct timespec *latency)
{
	*latency = (struct timespec){0};
	if (text == NULL || *text == '\0' || strcmp(text, "0") == 0)
		return 0;
	size_t whole = strspn(text, "0123456789");
	const char *rest = text + whole;
	size_t fraction = *rest == '.' ? strspn(rest + 1, "0123456789") : 0;
	if (whole + fraction == 0 || whole > 6 || rest[*rest == '.' ? 1 + fraction : 0] != '\0')
		return -1;
	double seconds = strtod(text, NULL);
	latency->tv_sec = (time_t)seconds;
	latency->tv_nsec = (long)((seconds - (double)latency->tv_sec) * 1e9);
	return 0;
}

/* Appends the call to DIR/calls as tests/kim logs it: each argument in single quotes ('it'\''s'),
 * a newline inside one written \n, one line per call, in one write. */
static int log_call(const char *dir, int argc, char **argv)
{
	size_t size = 2;
	for (int i = 1; i < argc; i++)
		size += 4 * strlen(argv[i]) + 3;
	char *line = xmalloc(size), *end = line;
	for (int i = 1; i < argc; i++) {
		if (i > 1)
			*end++ = ' ';
		*end++ = '\'';
		for (const char *c = argv[i]; *c; c++) {
			if (*c == '\'')
				end = stpcpy(end, "'\\''");
			else if (*c == '\n')
				end = stpcpy(end, "\\n");
			else
				*end++ = *c;
		}
		*end++ = '\'';
	}
	*end++ = '\n';
	char *path = xprintf("%s/calls", dir);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0666);
	int ok = fd >= 0 && write(fd, line, (size_t)(end - line)) == end - line;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	free(path);
	free(line);
	return ok ? 0 : -1;
}

/* Reads the store at PATH (missing: empty) into *IMAGES; -1 when it cannot, or holds a line of
 * fewer than three fields, which tests/kim alone knows how to treat. */
static int read_store(const char *path, struct image **images, size_t *count)
{
	*images = NULL;
	*count = 0;
	FILE *file = fopen(path, "r");
	if (file == NULL)
		return errno == ENOENT ? 0 : -1;
	char *line = NULL;
	size_t capacity = 0;
	int result = 0;
	while (getline(&line, &capacity, file) >= 0) {
		char *fields[3];
		char *cursor = line;
		size_t found = 0;
		for (; found < 3; found++) {
			cursor += strspn(cursor, " \t\n");
			if (*cursor == '\0')
				break;
			fields[found] = cursor;
			cursor += strcspn(cursor, " \t\n");
			if (*cursor != '\0')
				*cursor++ = '\0';
		}
		if (found == 0)
			continue;
		if (found < 3) {
			result = -1;
			break;
		}
		char *names = cursor + strspn(cursor, " \t\n"), *kept = names;
		/* The names one space apart, as tests/kim saves them. */
		for (cursor = names; *cursor && *cursor != '\n'; cursor++)
			if (!strchr(" \t", *cursor) || (cursor[1] && !strchr(" \t\n", cursor[1])))
				*kept++ = strchr(" \t", *cursor) ? ' ' : *cursor;
		*kept = '\0';
		struct image image = {line, fields[0], fields[1], fields[2], names};
		array_append(images, count, sizeof image, &image);
		line = NULL;
		capacity = 0;
	}
	free(line);
	if (ferror(file))
		result = -1;
	if (fclose(file) != 0)
		result = -1;
	return result;
}

/* Writes every image but GONE to PATH.new, its fields one space apart as tests/kim saves them,
 * and renames it over PATH. */
static int write_store(const char *path, const struct image *images, size_t count, size_t gone)
{
	char *temporary = xprintf("%s.new", path);
	FILE *file = fopen(temporary, "w");
	int ok = file != NULL;
	for (size_t i = 0; ok && i < count; i++) {
		if (i == gone)
			continue;
		ok = fprintf(file, "%s %s %s%s%s\n", images[i].id, images[i].size, images[i].digest,
			     *images[i].names ? " " : "", images[i].names) >= 0;
	}
	if (file != NULL && fclose(file) != 0)
		ok = 0;
	if (ok && rename(temporary, path) != 0)
		ok = 0;
	if (!ok)
		(void)unlink(temporary);
	free(temporary);
	return ok ? 0 : -1;
}

/* NAME as docker shows it: docker.io/library/app:v1 as app:v1, docker.io/foo/bar as foo/bar. */
static void print_familiar(const char *name, size_t length)
{
	if (length > 10 && strncmp(name, "docker.io/", 10) == 0) {
		name += 10;
		length -= 10;
		if (length > 8 && strncmp(name, "library/", 8) == 0 && memchr(name + 8, '/', length - 8) == NULL) {
			name += 8;
			length -= 8;
		}
	}
	printf("Untagged: %.*s\n", (int)length, name);
}

static void print_removal(const struct image *image)
{
	for (const char *name = image->names; *name;) {
		size_t length = strcspn(name, " ");
		print_familiar(name, length);
		name += length + (name[length] == ' ');
	}
	printf("Deleted: sha256:%s\n", image->id);
}

static void free_images(struct image *images, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(images[i].line);
	free(images);
}

int main(int argc, char **argv)
{
	script = getenv("KIM_STUB_SCRIPT");
	if (script == NULL || *script == '\0') {
		fprintf(stderr, "kim_rm: set KIM_STUB_SCRIPT to tests/kim, which answers every call but removals by ID\n");
		return 2;
	}
	const char *dir = getenv("KIM_STUB_DIR");
	const char *inspect = getenv("KIM_STUB_INSPECT");
	const char *prefix = removal_prefix(argc, argv);
	struct timespec latency;
	/* What steers tests/kim's removals (failures, blocking, rm-together, images in use) is its
	 * own to do. */
	if (prefix == NULL || dir == NULL || *dir == '\0' || (inspect != NULL && *inspect != '\0') ||
	    parse_latency(getenv("KIM_STUB_LATENCY"), &latency) != 0 || stub_file_exists(dir, "fail-rm") ||
	    stub_file_exists(dir, "block-rm") || stub_file_exists(dir, "rm-together") ||
	    stub_file_exists(dir, "in-use") || !stub_file_exists(dir, "store"))
		return hand_over(argv);

	if (log_call(dir, argc, argv) != 0) {
		fprintf(stderr, "kim stub: cannot log the call\n");
		return 1;
	}
	while (nanosleep(&latency, &latency) != 0 && errno == EINTR)
		;
	char *store_dir = xprintf("%s/store", dir);
	int lock = open(store_dir, O_RDONLY | O_DIRECTORY);
	if (lock < 0 || flock(lock, LOCK_EX) != 0) {
		fprintf(stderr, "kim stub: cannot lock %s\n", store_dir);
		return 1;
	}
	char *store = xprintf("%s/kube-image", store_dir);
	struct image *images;
	size_t count, found = 0, matches = 0;
	int readable = read_store(store, &images, &count) == 0;
	for (size_t i = 0; readable && i < count; i++)
		if (strncmp(images[i].id, prefix, strlen(prefix)) == 0) {
			found = i;
			matches++;
		}
	int status = 0;
	if (readable && matches == 1) {
		if (write_store(store, images, count, found) == 0)
			print_removal(&images[found]);
		else {
			fprintf(stderr, "kim stub: cannot replace %s\n", store);
			status = 1;
		}
	}
	free_images(images, count);
	free(store);
	free(store_dir);
	if (!readable || matches != 1) {
		(void)close(lock); /* tests/kim takes the lock again */
		if (setenv("KIM_STUB_LOGGED", "1", 1) != 0)
			return 1;
		return hand_over(argv);
	}
	if (fflush(stdout) != 0)
		status = 1;
	return status;
}
