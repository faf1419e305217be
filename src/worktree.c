/* SPDX-License-Identifier: Apache-2.0 */
#include "worktree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2/sys/repository.h>

#include "array.h"
#include "cleanfilter.h"
#include "xalloc.h"

/* Why this module reads the index file itself.
 *
 * git status compares each tracked file's stat data (times, size, inode, owner, mode) with what the
 * index recorded when it last read the file, and reads the file only when they differ, or when the
 * file was written in the index's second or later (racily clean: a change within that second need
 * not show in the stat data). libgit2's status does the same, but loads the index with an allocation
 * per entry (on 100,000 files a third of git status's whole time), walks all of HEAD's trees, and
 * looks at the work tree in one thread: slower than git status. Stopping at the first difference
 * would not help: a dirty tag names every change.
 *
 * So this module maps the index file and reads its entries in place, and compares the work tree with
 * them directory by directory, in a few threads. A file whose stat data matches its entry and is not
 * racily clean is unchanged, as libgit2 would find it (it compares no more than these fields). Every
 * other path is a candidate: a file whose stat data differs or that is racily clean, a tracked file
 * missing from the work tree, a name the index does not have (untracked, or ignored), and the paths
 * where the index differs from HEAD (found by hashing the index's trees as git write-tree would, and
 * descending HEAD's trees only where the IDs differ). No candidate: the work tree is clean. Else
 * libgit2's status, on an index of the candidates' entries alone and limited to their paths, says
 * which changed and how, as its status of everything would have: ignore rules, filters (with the
 * clean commands of filter drivers, which cleanfilter gives libgit2), core.filemode and the like stay
 * libgit2's. What this module does not expect (an index extension it must understand, conflicts,
 * entries flagged assume-unchanged, skip-worktree or intent-to-add, core.ignorecase, a tracked
 * directory that is no longer one, more candidates than an eighth of the index) leaves the whole
 * status to libgit2. Submodules stay out of the status; their paths (the index's gitlinks, and those
 * of HEAD found where the index differs from it) go beside it. */

/* At most this many threads read the work tree, one per this many index entries. */
#define MAX_THREADS 8
#define ENTRIES_PER_THREAD 1000

#define NONE SIZE_MAX

/* The index file's header, the fixed part of an entry before its path, its flags and modes. */
#define HEADER_SIZE 12
#define ENTRY_FIXED_SIZE 62
#define FLAG_ASSUME_VALID 0x8000u
#define FLAG_EXTENDED 0x4000u
#define FLAG_STAGE 0x3000u
#define MODE_FILE 0100644u
#define MODE_EXECUTABLE 0100755u
#define MODE_LINK 0120000u
#define MODE_GITLINK 0160000u
#define MODE_TREE 040000u

/* Whether the path of LENGTH bytes at PATH lies below (or is) the path of P_LENGTH bytes at P. */
static bool is_below(const char *path, size_t length, const char *p, size_t p_length)
{
	return p_length == 0 ||
	       (length >= p_length && memcmp(path, p, p_length) == 0 && (length == p_length || path[p_length] == '/'));
}

/* A path without its trailing slash, as libgit2 names an untracked directory. */
static size_t path_length(const char *path)
{
	size_t length = strlen(path);

	return length && path[length - 1] == '/' ? length - 1 : length;
}

bool worktree_scope_holds(const struct worktree_scope *scope, const char *path)
{
	size_t length = path_length(path);

	if (!scope || scope->count == 0)
		return true;
	for (size_t i = 0; i < scope->count; i++)
		if (is_below(path, length, scope->paths[i], strlen(scope->paths[i])))
			return true;
	return false;
}

/* Whether the path of LENGTH bytes at PATH lies in SCOPE or above a path of it: a directory a scan
 * of SCOPE looks into. */
static bool scope_reaches(const struct worktree_scope *scope, const char *path, size_t length)
{
	if (!scope || scope->count == 0)
		return true;
	for (size_t i = 0; i < scope->count; i++) {
		const char *p = scope->paths[i];
		size_t p_length = strlen(p);
		if (is_below(path, length, p, p_length) || is_below(p, p_length, path, length))
			return true;
	}
	return false;
}

git_status_options worktree_status_options(void)
{
	git_status_options options = {.version = GIT_STATUS_OPTIONS_VERSION};

	options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	/* Sorted the same way every time, so that the same content always gives the same text. */
	options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_INCLUDE_UNTRACKED |
			GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS | GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
	return options;
}

/* An entry of the index, its path NUL-terminated. */
struct entry {
	const char *path;
	size_t length;
	size_t offset; /* version 4: of the path in index_file.paths, until all are read */
	uint32_t ctime_seconds, ctime_nanoseconds, mtime_seconds, mtime_nanoseconds;
	uint32_t ino, mode, uid, gid, size;
	const unsigned char *id;
};

/* A directory that holds tracked files. The top one comes first, each before those below it, in
 * index order. */
struct dir {
	size_t length;     /* of its path: the first bytes of its entries' paths */
	size_t first, end; /* the entries below it */
	size_t after;      /* the first directory not below it */
	git_oid tree;      /* its tree as git write-tree would make it of the index */
};

struct index_file {
	unsigned char *map;
	size_t size;
	time_t seconds; /* when it was written */
	char *paths;    /* version 4: the entries' paths, one after the other */
	size_t paths_length, paths_capacity;
	struct entry *entries;
	size_t count;
	struct dir *dirs;
	size_t dir_count;
};

/* A name in a directory of the index: a file (ENTRY) or a directory (DIR), the other NONE. */
struct child {
	const char *name;
	size_t length;
	size_t entry, dir;
	bool seen; /* in the work tree */
};

/* A path libgit2 must look at, with its entry (or NONE); RACY: its stat data cannot tell a change. */
struct candidate {
	char *path;
	size_t entry;
	bool racy;
};

/* What the threads share. */
struct scan {
	struct index_file *index;
	const struct worktree_scope *scope; /* the paths to look at, NULL for all */
	int top; /* the work tree */
	atomic_size_t next_dir;
	atomic_size_t candidate_count;
	size_t candidate_limit;
	/* Set on anything left to libgit2's status of everything: the threads then stop. */
	atomic_bool give_up;
	/* Where HEAD has a gitlink and the index none: found (by this thread alone) where the index
	 * differs from HEAD. */
	struct candidate *head_gitlinks;
	size_t head_gitlink_count;
};

/* A thread, and the candidates it found. */
struct worker {
	struct scan *scan;
	struct candidate *found;
	size_t count;
};

static uint32_t big_endian_32(const unsigned char *bytes)
{
	return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
}

/* Orders names bytewise, as the index orders paths. */
static int compare_names(const char *a, size_t a_length, const char *b, size_t b_length)
{
	int order = memcmp(a, b, a_length < b_length ? a_length : b_length);

	return order != 0 ? order : (a_length > b_length) - (a_length < b_length);
}

/* The character at I of a name, past its end as a tree orders names: a directory's name ends with a
 * slash. */
static int tree_name_char(const char *name, size_t length, bool is_dir, size_t i)
{
	if (i < length)
		return (unsigned char)name[i];
	return is_dir && i == length ? '/' : '\0';
}

/* Orders names as a tree orders its entries. */
static int compare_tree_names(const char *a, size_t a_length, bool a_is_dir, const char *b, size_t b_length,
			      bool b_is_dir)
{
	size_t common = a_length < b_length ? a_length : b_length;
	int order = memcmp(a, b, common);

	if (order != 0)
		return order;
	return tree_name_char(a, a_length, a_is_dir, common) - tree_name_char(b, b_length, b_is_dir, common);
}

static bool is_supported_entry(const struct entry *entry)
{
	bool known_mode = entry->mode == MODE_FILE || entry->mode == MODE_EXECUTABLE || entry->mode == MODE_LINK ||
			  entry->mode == MODE_GITLINK;

	/* A path of names: none empty. */
	return known_mode && entry->length > 0 && entry->path[0] != '/' && entry->path[entry->length - 1] != '/' &&
	       !strstr(entry->path, "//");
}

/* Reads the entry at *AT, of the index file's VERSION, into INDEX->entries[I], and moves *AT past it.
 * Returns false for an entry this module does not read. */
static bool parse_entry(struct index_file *index, uint32_t version, size_t i, const unsigned char **at,
			const unsigned char *end)
{
	struct entry *entry = &index->entries[i];
	const unsigned char *fields = *at;

	if (end - fields < ENTRY_FIXED_SIZE + 1)
		return false;
	entry->ctime_seconds = big_endian_32(fields);
	entry->ctime_nanoseconds = big_endian_32(fields + 4);
	entry->mtime_seconds = big_endian_32(fields + 8);
	entry->mtime_nanoseconds = big_endian_32(fields + 12);
	entry->ino = big_endian_32(fields + 20);
	entry->mode = big_endian_32(fields + 24);
	entry->uid = big_endian_32(fields + 28);
	entry->gid = big_endian_32(fields + 32);
	entry->size = big_endian_32(fields + 36);
	entry->id = fields + 40;
	/* Each of these flags gives the entry a meaning beyond its stat data; libgit2 knows them. */
	if ((((unsigned)fields[60] << 8 | fields[61]) & (FLAG_ASSUME_VALID | FLAG_EXTENDED | FLAG_STAGE)) != 0)
		return false;

	const unsigned char *name = fields + ENTRY_FIXED_SIZE;
	if (version < 4) {
		const unsigned char *nul = memchr(name, '\0', (size_t)(end - name));
		if (!nul)
			return false;
		entry->path = (const char *)name;
		entry->length = (size_t)(nul - name);
		/* NUL-padded to a multiple of 8 bytes */
		size_t size = (ENTRY_FIXED_SIZE + entry->length + 8) & ~(size_t)7;
		if ((size_t)(end - fields) < size)
			return false;
		*at = fields + size;
		return true;
	}
	/* Version 4: the previous path less its last STRIP bytes, then a NUL-terminated suffix. STRIP
	 * is a varint of 7 bits a byte, the high bit set on each but the last, 1 added at each
	 * continuation. */
	size_t strip = 0;
	unsigned char byte;
	do {
		if (name == end || strip > SIZE_MAX >> 8)
			return false;
		byte = *name++;
		strip = (strip << 7 | (byte & 0x7fu)) + (byte & 0x80u ? 1 : 0);
	} while (byte & 0x80u);
	const struct entry *previous = i ? &index->entries[i - 1] : NULL;
	size_t previous_length = previous ? previous->length : 0;
	const unsigned char *nul = memchr(name, '\0', (size_t)(end - name));
	if (!nul || strip > previous_length)
		return false;
	size_t kept = previous_length - strip;
	size_t suffix = (size_t)(nul - name);
	entry->length = kept + suffix;
	entry->offset = index->paths_length;
	size_t needed = index->paths_length + entry->length + 1;
	if (needed > index->paths_capacity) {
		/* Doubled, so that the copies stay linear in the paths' length. */
		index->paths_capacity = 2 * needed;
		index->paths = xrealloc(index->paths, index->paths_capacity);
	}
	if (previous)
		memmove(index->paths + entry->offset, index->paths + previous->offset, kept);
	memcpy(index->paths + entry->offset + kept, name, suffix + 1);
	index->paths_length += entry->length + 1;
	*at = nul + 1;
	return true;
}

/* Reads the entries of the index file at INDEX->map: versions 2 to 4, stage 0 only, sorted, and no
 * extension a reader must understand. Returns false for anything else. */
static bool parse_index(struct index_file *index)
{
	const unsigned char *at = index->map + HEADER_SIZE;
	const unsigned char *end = index->map + index->size - GIT_OID_RAWSZ; /* the checksum follows */
	uint32_t version = big_endian_32(index->map + 4);
	size_t count = big_endian_32(index->map + 8);

	if (memcmp(index->map, "DIRC", 4) != 0 || version < 2 || version > 4 || count > index->size / ENTRY_FIXED_SIZE)
		return false;
	index->entries = xcalloc(count, sizeof *index->entries);
	index->count = count;
	for (size_t i = 0; i < count; i++)
		if (!parse_entry(index, version, i, &at, end))
			return false;
	for (size_t i = 0; i < count; i++) {
		struct entry *entry = &index->entries[i];
		if (version == 4)
			entry->path = index->paths + entry->offset;
		if (!is_supported_entry(entry) ||
		    (i > 0 && compare_names(entry[-1].path, entry[-1].length, entry->path, entry->length) >= 0))
			return false;
	}
	/* Extensions: a signature, a size, the data. Those whose signature starts with a capital letter
	 * (the cache tree, the untracked cache, ...) may be ignored; the others (a split index, a
	 * sparse index) change what the entries mean. */
	while (end - at >= 8) {
		size_t size = big_endian_32(at + 4);
		if (at[0] < 'A' || at[0] > 'Z' || (size_t)(end - at) - 8 < size)
			return false;
		at += 8 + size;
	}
	return at == end;
}

/* Adds the directory whose path is the first LENGTH bytes of the paths of the entries [FIRST, END),
 * then each directory below it. */
static void add_dir(struct index_file *index, size_t first, size_t end, size_t length)
{
	struct dir dir = {.length = length, .first = first, .end = end};
	size_t added = index->dir_count;
	size_t start = length ? length + 1 : 0; /* where the names in it start */

	array_append(&index->dirs, &index->dir_count, sizeof dir, &dir);
	for (size_t i = first; i < end;) {
		const struct entry *entry = &index->entries[i];
		const char *slash = memchr(entry->path + start, '/', entry->length - start);
		size_t next = i + 1;
		if (slash) {
			/* Sorted paths: those below a directory follow one another. */
			size_t below = (size_t)(slash - entry->path);
			while (next < end && index->entries[next].length > below &&
			       memcmp(index->entries[next].path, entry->path, below + 1) == 0)
				next++;
			add_dir(index, i, next, below);
		}
		i = next;
	}
	index->dirs[added].after = index->dir_count;
}

/* Maps and reads the index file at PATH, and finds its directories. Returns false when this module
 * does not read it. */
static bool read_index(struct index_file *index, const char *path)
{
	int descriptor = open(path, O_RDONLY | O_CLOEXEC);
	struct stat status;

	if (descriptor < 0)
		return false;
	bool usable = fstat(descriptor, &status) == 0 && S_ISREG(status.st_mode) &&
		      status.st_size >= HEADER_SIZE + GIT_OID_RAWSZ && (uintmax_t)status.st_size <= SIZE_MAX;
	if (usable) {
		void *map = mmap(NULL, (size_t)status.st_size, PROT_READ, MAP_PRIVATE, descriptor, 0);
		usable = map != MAP_FAILED;
		if (usable) {
			index->map = map;
			index->size = (size_t)status.st_size;
			index->seconds = status.st_mtim.tv_sec;
		}
	}
	(void)close(descriptor); /* only read; the map stays */
	if (!usable || !parse_index(index))
		return false;
	add_dir(index, 0, index->count, 0);
	return true;
}

/* Lists the names directly in directory DIR into CHILDREN (room for one per entry below it), in index
 * order, which is also a tree's order. Returns how many. */
static size_t list_children(const struct index_file *index, size_t dir, struct child *children)
{
	const struct dir *holder = &index->dirs[dir];
	size_t start = holder->length ? holder->length + 1 : 0;
	size_t below = dir + 1;
	size_t count = 0;

	for (size_t i = holder->first; i < holder->end; count++) {
		const struct entry *entry = &index->entries[i];
		if (below < holder->after && index->dirs[below].first == i) {
			const struct dir *sub = &index->dirs[below];
			children[count] = (struct child){entry->path + start, sub->length - start, NONE, below, false};
			i = sub->end;
			below = sub->after;
		} else {
			children[count] = (struct child){entry->path + start, entry->length - start, i, NONE, false};
			i++;
		}
	}
	return count;
}

static struct child *new_children(const struct index_file *index, size_t dir, size_t *count)
{
	const struct dir *holder = &index->dirs[dir];
	struct child *children = xcalloc(holder->end - holder->first, sizeof *children);

	*count = list_children(index, dir, children);
	return children;
}

static int compare_children(const void *a, const void *b)
{
	const struct child *one = a;
	const struct child *other = b;

	return compare_names(one->name, one->length, other->name, other->length);
}

static void give_up(struct scan *scan)
{
	atomic_store(&scan->give_up, true);
}

/* Adds PATH (malloc'd, now WORKER's) to the candidates. */
static void add_candidate(struct worker *worker, char *path, size_t entry, bool racy)
{
	struct candidate candidate = {path, entry, racy};

	/* Outside the scope, a change is none of the build's. */
	if (!scope_reaches(worker->scan->scope, path, strlen(path))) {
		free(path);
		return;
	}
	array_append(&worker->found, &worker->count, sizeof candidate, &candidate);
	/* Past this many, libgit2's status of everything is about as quick. */
	if (atomic_fetch_add(&worker->scan->candidate_count, 1) >= worker->scan->candidate_limit)
		give_up(worker->scan);
}

static void add_entry_candidate(struct worker *worker, size_t entry, bool racy)
{
	add_candidate(worker, xstrdup(worker->scan->index->entries[entry].path), entry, racy);
}

/* The path of NAME in directory DIR, malloc'd. */
static char *path_in(const struct index_file *index, size_t dir, const char *name, size_t length)
{
	const struct dir *holder = &index->dirs[dir];
	size_t prefix = holder->length ? holder->length + 1 : 0; /* its path and a slash */
	char *path = xmalloc(prefix + length + 1);

	memcpy(path, index->entries[holder->first].path, prefix);
	memcpy(path + prefix, name, length);
	path[prefix + length] = '\0';
	return path;
}

/* The mode the index would give what lstat found; a directory is where a submodule's work tree is. */
static uint32_t work_tree_mode(mode_t mode)
{
	if (S_ISREG(mode))
		return (mode & S_IXUSR) ? MODE_EXECUTABLE : MODE_FILE;
	if (S_ISLNK(mode))
		return MODE_LINK;
	return S_ISDIR(mode) ? MODE_GITLINK : 0;
}

static bool same_time(const struct timespec *time, uint32_t seconds, uint32_t nanoseconds)
{
	return (uint32_t)time->tv_sec == seconds && (uint32_t)time->tv_nsec == nanoseconds;
}

/* Whether the file of ENTRY, as lstat found it, is unchanged as far as its stat data can tell: every
 * field libgit2 compares, and more (it compares the ctime only under core.trustctime, nanoseconds
 * only where it was built to), and a submodule only by its kind. */
static bool stat_matches(const struct entry *entry, const struct stat *status)
{
	if (work_tree_mode(status->st_mode) != entry->mode)
		return false;
	return entry->mode == MODE_GITLINK ||
	       ((uint32_t)status->st_size == entry->size &&
		same_time(&status->st_mtim, entry->mtime_seconds, entry->mtime_nanoseconds) &&
		same_time(&status->st_ctim, entry->ctime_seconds, entry->ctime_nanoseconds) &&
		(uint32_t)status->st_ino == entry->ino && (uint32_t)status->st_uid == entry->uid &&
		(uint32_t)status->st_gid == entry->gid);
}

/* Racily clean: written in the index's second or later, when a change within that second would not
 * show in the stat data. git and libgit2 compare nanoseconds where they can; the second is the safe
 * side. */
static bool is_racy(const struct index_file *index, const struct stat *status)
{
	return !S_ISDIR(status->st_mode) && status->st_mtim.tv_sec >= index->seconds;
}

/* Compares directory DIR of the work tree with the index: the stat data of its tracked files, and
 * the names the index does not have. The directories in it are scanned on their own. */
static void scan_dir(struct worker *worker, size_t dir)
{
	struct scan *scan = worker->scan;
	const struct index_file *index = scan->index;
	const struct dir *holder = &index->dirs[dir];
	size_t count;
	struct child *children = new_children(index, dir, &count);
	char *path = dir ? xstrndup(index->entries[holder->first].path, holder->length) : xstrdup(".");
	/* A link where the index has a directory is not followed: the scan above finds it. */
	int descriptor = openat(scan->top, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool gone = descriptor < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP);
	DIR *stream = descriptor < 0 ? NULL : fdopendir(descriptor);

	free(path);
	if (!stream && !gone) {
		if (descriptor >= 0)
			(void)close(descriptor); /* only read */
		give_up(scan);
	}
	qsort(children, count, sizeof *children, compare_children);
	struct dirent *item;
	while (stream && (errno = 0, item = readdir(stream)) != NULL) {
		const char *name = item->d_name;
		struct child key = {.name = name, .length = strlen(name)};
		struct child *child = bsearch(&key, children, count, sizeof *children, compare_children);
		struct stat status;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			continue;
		} else if (!child) {
			/* Untracked, or ignored. libgit2 never lists the repository's .git; one further
			 * down makes a repository of a tracked directory. */
			if (strcmp(name, ".git") != 0)
				add_candidate(worker, path_in(index, dir, name, key.length), NONE, false);
			else if (dir != 0)
				give_up(scan);
		} else if (fstatat(dirfd(stream), name, &status, AT_SYMLINK_NOFOLLOW) != 0) {
			continue; /* gone since readdir, or not to be looked at: not seen */
		} else if (child->dir != NONE) {
			child->seen = true;
			if (!S_ISDIR(status.st_mode))
				give_up(scan);
		} else {
			const struct entry *entry = &index->entries[child->entry];
			child->seen = true;
			if (!stat_matches(entry, &status) || is_racy(index, &status))
				add_entry_candidate(worker, child->entry, is_racy(index, &status));
		}
	}
	if (stream && errno != 0)
		give_up(scan);
	/* Tracked, and not seen. The files of a directory are found missing by its own scan. */
	for (size_t i = 0; i < count; i++)
		if (!children[i].seen && children[i].entry != NONE)
			add_entry_candidate(worker, children[i].entry, false);
	if (stream)
		(void)closedir(stream); /* only read */
	free(children);
}

static void *run_worker(void *argument)
{
	struct worker *worker = argument;
	struct scan *scan = worker->scan;
	size_t dir;

	while (!atomic_load(&scan->give_up) && (dir = atomic_fetch_add(&scan->next_dir, 1)) < scan->index->dir_count) {
		const struct index_file *index = scan->index;
		if (scope_reaches(scan->scope, index->entries[index->dirs[dir].first].path, index->dirs[dir].length))
			scan_dir(worker, dir);
	}
	return NULL;
}

/* Sets the tree of directory DIR and of each below it, as git write-tree would make them of the
 * index. Returns 0, or a libgit2 error. */
static int hash_tree(struct index_file *index, size_t dir)
{
	size_t count;
	struct child *children = new_children(index, dir, &count);
	size_t size = 0;
	size_t length = 0;
	int error = 0;

	for (size_t i = 0; i < count && error == 0; i++) {
		if (children[i].dir != NONE)
			error = hash_tree(index, children[i].dir);
		/* "MODE NAME\0" and the raw ID */
		size += sizeof "100644 " + children[i].length + GIT_OID_RAWSZ;
	}
	char *tree = xmalloc(size);
	for (size_t i = 0; i < count && error == 0; i++) {
		const struct child *child = &children[i];
		const struct entry *entry = child->dir == NONE ? &index->entries[child->entry] : NULL;
		length += (size_t)sprintf(tree + length, "%o ", entry ? (unsigned)entry->mode : MODE_TREE);
		memcpy(tree + length, child->name, child->length);
		tree[length + child->length] = '\0';
		length += child->length + 1;
		memcpy(tree + length, entry ? entry->id : index->dirs[child->dir].tree.id, GIT_OID_RAWSZ);
		length += GIT_OID_RAWSZ;
	}
	if (error == 0)
		error = git_odb_hash(&index->dirs[dir].tree, tree, length, GIT_OBJECT_TREE);
	free(tree);
	free(children);
	return error;
}

/* Where a walk of a tree adds the gitlinks it finds: to the list at PATHS, each path after PREFIX. */
struct gitlink_walk {
	struct candidate **paths;
	size_t *count;
	const char *prefix;
};

static int add_walked_gitlink(const char *root, const git_tree_entry *entry, void *payload)
{
	const struct gitlink_walk *walk = payload;

	if (git_tree_entry_type(entry) == GIT_OBJECT_COMMIT) {
		struct candidate gitlink = {xprintf("%s%s%s", walk->prefix, root, git_tree_entry_name(entry)), NONE, false};
		array_append(walk->paths, walk->count, sizeof gitlink, &gitlink);
	}
	return 0;
}

/* Adds each gitlink of TREE (each entry below it a commit names) to the list at PATHS, its path
 * after PREFIX. Returns 0, or a libgit2 error. */
static int add_tree_gitlinks(const git_tree *tree, const char *prefix, struct candidate **paths, size_t *count)
{
	struct gitlink_walk walk = {paths, count, prefix};

	return git_tree_walk(tree, GIT_TREEWALK_PRE, add_walked_gitlink, &walk);
}

/* Adds to SCAN's HEAD gitlinks ENTRY of HEAD's tree, at PATH, when a commit names it, and those below
 * it when it is a tree. Returns 0, or a libgit2 error. */
static int add_head_gitlinks(git_repository *repository, struct scan *scan, const char *path,
			     const git_tree_entry *entry)
{
	if (git_tree_entry_type(entry) == GIT_OBJECT_COMMIT) {
		struct candidate gitlink = {xstrdup(path), NONE, false};
		array_append(&scan->head_gitlinks, &scan->head_gitlink_count, sizeof gitlink, &gitlink);
		return 0;
	}
	if (git_tree_entry_type(entry) != GIT_OBJECT_TREE)
		return 0;
	git_tree *subtree = NULL;
	char *prefix = xprintf("%s/", path);
	int error = git_tree_lookup(&subtree, repository, git_tree_entry_id(entry));
	if (error == 0)
		error = add_tree_gitlinks(subtree, prefix, &scan->head_gitlinks, &scan->head_gitlink_count);
	git_tree_free(subtree);
	free(prefix);
	return error;
}

/* Adds the paths where directory DIR of the index differs from TREE, HEAD's tree there, descending
 * into the trees whose IDs differ. Returns 0, or a libgit2 error. */
static int compare_with_tree(git_repository *repository, struct worker *worker, size_t dir, const git_tree *tree)
{
	const struct index_file *index = worker->scan->index;
	size_t count;
	struct child *children = new_children(index, dir, &count);
	size_t tree_count = git_tree_entrycount(tree);
	size_t c = 0;
	size_t t = 0;
	int error = 0;

	/* Both in a tree's order. */
	while (error == 0 && (c < count || t < tree_count)) {
		const struct child *child = c < count ? &children[c] : NULL;
		const git_tree_entry *entry = t < tree_count ? git_tree_entry_byindex(tree, t) : NULL;
		const char *name = entry ? git_tree_entry_name(entry) : NULL;
		bool is_tree = entry && git_tree_entry_type(entry) == GIT_OBJECT_TREE;
		int order = !child  ? 1
			    : !entry ? -1
				     : compare_tree_names(child->name, child->length, child->dir != NONE, name,
							  strlen(name), is_tree);

		if (order < 0) {
			/* Only in the index: each entry below it. */
			const struct dir *sub = child->dir != NONE ? &index->dirs[child->dir] : NULL;
			for (size_t i = sub ? sub->first : child->entry; i < (sub ? sub->end : child->entry + 1); i++)
				add_entry_candidate(worker, i, false);
		} else if (order > 0) {
			/* Only in HEAD: its path stands for all below it. */
			char *path = path_in(index, dir, name, strlen(name));
			error = add_head_gitlinks(repository, worker->scan, path, entry);
			add_candidate(worker, path, NONE, false);
		} else if (child->dir != NONE) {
			if (!git_oid_equal(&index->dirs[child->dir].tree, git_tree_entry_id(entry))) {
				git_tree *subtree;
				error = git_tree_lookup(&subtree, repository, git_tree_entry_id(entry));
				if (error == 0) {
					error = compare_with_tree(repository, worker, child->dir, subtree);
					git_tree_free(subtree);
				}
			}
		} else {
			const struct entry *file = &index->entries[child->entry];
			if ((uint32_t)git_tree_entry_filemode_raw(entry) != file->mode ||
			    memcmp(git_tree_entry_id(entry)->id, file->id, GIT_OID_RAWSZ) != 0)
				add_entry_candidate(worker, child->entry, false);
			if (file->mode != MODE_GITLINK)
				error = add_head_gitlinks(repository, worker->scan, file->path, entry);
		}
		c += order <= 0;
		t += order >= 0;
	}
	free(children);
	return error;
}

/* Finds the candidates of REPOSITORY's work tree, INDEX and HEAD_TREE into *CANDIDATES (*COUNT,
 * malloc'd), and adds the gitlinks HEAD has where the index has none to *GITLINKS (*GITLINK_COUNT).
 * Returns false when libgit2 must read everything: a case this module leaves to it, or a failure
 * (which libgit2 reports, if it fails too). */
static bool find_candidates(git_repository *repository, struct index_file *index, const git_tree *head_tree,
			    const struct worktree_scope *scope, struct candidate **candidates, size_t *count,
			    struct candidate **gitlinks, size_t *gitlink_count)
{
	struct scan scan = {.index = index, .scope = scope, .candidate_limit = index->count / 8 + 64};
	struct worker workers[MAX_THREADS];
	pthread_t threads[MAX_THREADS - 1];
	size_t wanted = index->count / ENTRIES_PER_THREAD + 1;
	size_t started = 0;

	atomic_init(&scan.next_dir, 0);
	atomic_init(&scan.candidate_count, 0);
	atomic_init(&scan.give_up, false);
	scan.top = open(git_repository_workdir(repository), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (scan.top < 0)
		return false;
	for (size_t i = 0; i < MAX_THREADS; i++)
		workers[i] = (struct worker){&scan, NULL, 0};
	/* Fewer threads when some cannot start; this one is the last worker, once it has compared the
	 * index with HEAD. */
	while (started + 1 < wanted && started + 1 < MAX_THREADS &&
	       pthread_create(&threads[started], NULL, run_worker, &workers[started]) == 0)
		started++;
	struct worker *self = &workers[started];
	if (hash_tree(index, 0) != 0 || (!git_oid_equal(&index->dirs[0].tree, git_tree_id(head_tree)) &&
					 compare_with_tree(repository, self, 0, head_tree) != 0))
		give_up(&scan);
	run_worker(self);
	for (size_t i = 0; i < started; i++)
		if (pthread_join(threads[i], NULL) != 0)
			abort(); /* a thread this one started cannot fail to join; one still running would use
				  * what is freed next */
	(void)close(scan.top); /* only read */

	bool found = !atomic_load(&scan.give_up);
	for (size_t i = 0; i <= started; i++) {
		for (size_t j = 0; j < workers[i].count; j++) {
			if (found)
				array_append(candidates, count, sizeof **candidates, &workers[i].found[j]);
			else
				free(workers[i].found[j].path);
		}
		free(workers[i].found);
	}
	for (size_t i = 0; i < scan.head_gitlink_count; i++) {
		if (found)
			array_append(gitlinks, gitlink_count, sizeof **gitlinks, &scan.head_gitlinks[i]);
		else
			free(scan.head_gitlinks[i].path);
	}
	free(scan.head_gitlinks);
	if (!found)
		git_error_clear();
	return found;
}

static int compare_candidates(const void *a, const void *b)
{
	return strcmp(((const struct candidate *)a)->path, ((const struct candidate *)b)->path);
}

/* Sorts the candidates by path and keeps one of each path, with its entry, racy if any was. */
static void unique_candidates(struct candidate *candidates, size_t *count)
{
	size_t kept = 0;

	qsort(candidates, *count, sizeof *candidates, compare_candidates);
	for (size_t i = 0; i < *count; i++) {
		struct candidate *last = kept ? &candidates[kept - 1] : NULL;
		if (last && strcmp(last->path, candidates[i].path) == 0) {
			if (last->entry == NONE)
				last->entry = candidates[i].entry;
			last->racy = last->racy || candidates[i].racy;
			free(candidates[i].path);
		} else {
			candidates[kept++] = candidates[i];
		}
	}
	*count = kept;
}

/* libgit2's status of the candidates' paths alone, with an index of their entries alone: what its
 * status of everything says of these paths, for these are the only entries it reads there. A racily
 * clean entry loses its time, so that libgit2 reads its file as it would have: an index in memory is
 * never racy. */
static int status_of_candidates(git_status_list **changes, git_repository *repository,
				const struct index_file *index, const struct candidate *candidates, size_t count)
{
	git_index *partial = NULL;
	char **paths = xcalloc(count, sizeof *paths);
	int error = git_index_new(&partial);

	for (size_t i = 0; error == 0 && i < count; i++) {
		paths[i] = candidates[i].path;
		if (candidates[i].entry == NONE)
			continue;
		const struct entry *entry = &index->entries[candidates[i].entry];
		git_index_entry copy = {
			.ctime = {(int32_t)entry->ctime_seconds, entry->ctime_nanoseconds},
			.ino = entry->ino,
			.mode = entry->mode,
			.uid = entry->uid,
			.gid = entry->gid,
			.file_size = entry->size,
			.path = entry->path,
		};
		if (!candidates[i].racy)
			copy.mtime = (git_index_time){(int32_t)entry->mtime_seconds, entry->mtime_nanoseconds};
		memcpy(copy.id.id, entry->id, GIT_OID_RAWSZ);
		error = git_index_add(partial, &copy);
	}
	if (error == 0)
		error = git_repository_set_index(repository, partial);
	if (error == 0) {
		git_status_options options = worktree_status_options();
		/* The paths as they are, not patterns; the index as it is here, not read from its file. */
		options.flags |= GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH | GIT_STATUS_OPT_NO_REFRESH;
		options.pathspec = (git_strarray){paths, count};
		error = git_status_list_new(changes, repository, &options);
		(void)git_repository_set_index(repository, NULL); /* fails only without a repository */
	}
	git_index_free(partial);
	free(paths);
	return error;
}

/* Whether this module can read REPOSITORY's work tree: it compares names as they are, which libgit2
 * does not under core.ignorecase. */
static bool is_supported(git_repository *repository)
{
	git_config *config = NULL;
	int ignore_case = 0;
	bool supported = false;

	if (git_repository_workdir(repository) && git_repository_config_snapshot(&config, repository) == 0) {
		int error = git_config_get_bool(&ignore_case, config, "core.ignorecase");
		supported = error == GIT_ENOTFOUND || (error == 0 && !ignore_case);
	}
	git_config_free(config);
	git_error_clear();
	return supported;
}

/* Adds the gitlinks of libgit2's index of REPOSITORY, and of HEAD_TREE (unless NULL), to *GITLINKS
 * (*COUNT). Returns 0, or a libgit2 error. */
static int add_all_gitlinks(git_repository *repository, const git_tree *head_tree, struct candidate **gitlinks,
			    size_t *count)
{
	git_index *index;
	int error = git_repository_index(&index, repository);

	for (size_t i = 0; error == 0 && i < git_index_entrycount(index); i++) {
		const git_index_entry *entry = git_index_get_byindex(index, i);
		if (entry->mode == GIT_FILEMODE_COMMIT) {
			struct candidate gitlink = {xstrdup(entry->path), NONE, false};
			array_append(gitlinks, count, sizeof gitlink, &gitlink);
		}
	}
	if (error == 0)
		git_index_free(index);
	return error == 0 && head_tree ? add_tree_gitlinks(head_tree, "", gitlinks, count) : error;
}

/* Sets *SUBMODULES to the paths of GITLINKS (COUNT) in SCOPE, sorted, each once, and frees GITLINKS. */
static void list_submodules(struct worktree_submodules *submodules, struct candidate *gitlinks, size_t count,
			    const struct worktree_scope *scope)
{
	if (count > 0) /* qsort takes no NULL */
		unique_candidates(gitlinks, &count);
	submodules->paths = xcalloc(count, sizeof *submodules->paths);
	submodules->count = 0;
	for (size_t i = 0; i < count; i++) {
		if (worktree_scope_holds(scope, gitlinks[i].path))
			submodules->paths[submodules->count++] = gitlinks[i].path;
		else
			free(gitlinks[i].path);
	}
	free(gitlinks);
}

int worktree_status(git_status_list **changes, struct worktree_submodules *submodules, git_repository *repository,
		    const git_tree *head_tree, const struct worktree_scope *scope, enum worktree_route *route)
{
	struct index_file index = {.map = NULL};
	struct candidate *candidates = NULL;
	size_t count = 0;
	struct candidate *gitlinks = NULL;
	size_t gitlink_count = 0;
	char *index_path = xprintf("%sindex", git_repository_path(repository));
	/* libgit2 hashes a file through its filter driver's clean command as git does, so that a
	 * checkout git made of a repository with filters (git-lfs) is clean: a status without it could
	 * call such a checkout dirty. */
	int error = 0;
	if (!cleanfilter_registered()) {
		git_error_set_str(GIT_ERROR_FILTER, "kimb's filter driver is not registered with libgit2");
		error = -1;
	}
	/* Without HEAD (an unborn branch) there is no tree to compare the index with. */
	bool found = error == 0 && head_tree && is_supported(repository) && read_index(&index, index_path) &&
		     find_candidates(repository, &index, head_tree, scope, &candidates, &count, &gitlinks, &gitlink_count);

	*changes = NULL;
	if (error != 0) {
		/* nothing read */
	} else if (!found) {
		git_status_options options = worktree_status_options();
		/* libgit2 takes the paths as not const; it only reads them. */
		char **scope_paths = NULL;
		if (!worktree_scope_holds(scope, "")) {
			scope_paths = xcalloc(scope->count, sizeof *scope_paths);
			memcpy(scope_paths, scope->paths, scope->count * sizeof *scope_paths);
			/* The paths as they are, each with all below it, as in status_of_candidates. */
			options.flags |= GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
			options.pathspec = (git_strarray){scope_paths, scope->count};
		}
		error = git_status_list_new(changes, repository, &options);
		free(scope_paths);
		if (error == 0)
			error = add_all_gitlinks(repository, head_tree, &gitlinks, &gitlink_count);
	} else {
		for (size_t i = 0; i < index.count; i++) {
			if (index.entries[i].mode == MODE_GITLINK) {
				struct candidate gitlink = {xstrdup(index.entries[i].path), NONE, false};
				array_append(&gitlinks, &gitlink_count, sizeof gitlink, &gitlink);
			}
		}
		if (count > 0) {
			unique_candidates(candidates, &count);
			error = status_of_candidates(changes, repository, &index, candidates, count);
		}
	}
	if (error == 0)
		error = cleanfilter_failure();
	list_submodules(submodules, gitlinks, gitlink_count, scope);
	if (route)
		*route = !found ? WORKTREE_EVERYTHING : count ? WORKTREE_CANDIDATES : WORKTREE_CLEAN;
	for (size_t i = 0; i < count; i++)
		free(candidates[i].path);
	free(candidates);
	free(index.dirs);
	free(index.entries);
	free(index.paths);
	if (index.map)
		(void)munmap(index.map, index.size); /* only read */
	free(index_path);
	if (error != 0 || (*changes && git_status_list_entrycount(*changes) == 0)) {
		git_status_list_free(*changes);
		*changes = NULL;
	}
	return error;
}

void worktree_submodules_free(struct worktree_submodules *submodules)
{
	for (size_t i = 0; i < submodules->count; i++)
		free(submodules->paths[i]);
	free(submodules->paths);
	submodules->paths = NULL;
	submodules->count = 0;
}
