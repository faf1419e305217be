#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builder.h"
#include "suites.h"

static const char *const expected_names[] = {"kim", "nerdctl", "podman", "docker", "buildah"};
enum { BUILDER_COUNT = sizeof expected_names / sizeof expected_names[0] };

static const struct builder *builder_at(size_t index)
{
	const struct builder *builder = builder_find(expected_names[index]);
	ck_assert_msg(builder, "no builder %s", expected_names[index]);
	return builder;
}

START_TEST(test_names_in_auto_order)
{
	size_t count = 0;

	while (builder_names[count])
		count++;
	ck_assert_uint_eq(count, BUILDER_COUNT);
	for (size_t i = 0; i < BUILDER_COUNT; i++)
		ck_assert_str_eq(builder_names[i], expected_names[i]);
}
END_TEST

START_TEST(test_find_every_name)
{
	for (size_t i = 0; i < BUILDER_COUNT; i++) {
		const struct builder *builder = builder_at(i);
		char variable[32] = "KIMB_";

		for (const char *c = expected_names[i]; *c; c++)
			variable[strlen(variable)] = (char)toupper((unsigned char)*c);
		ck_assert_str_eq(builder->name, expected_names[i]);
		ck_assert_str_eq(builder->executable_env, variable);
	}
}
END_TEST

START_TEST(test_find_unknown_names)
{
	static const char *const unknown[] = {"auto", "", "Kim", "PODMAN", "podman ", "kimb", "buildx", "docker-buildx",
					      "nerdctl.exe", "/usr/bin/podman"};

	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		ck_assert_msg(!builder_find(unknown[i]), "found a builder named '%s'", unknown[i]);
}
END_TEST

/* What one field of an entry needs of another, checked for every builder. */
START_TEST(test_entries_are_consistent)
{
	for (const char *const *name = builder_names; *name; name++) {
		const struct builder *builder = builder_find(*name);

		ck_assert_ptr_nonnull(builder->build_command);
		ck_assert_ptr_nonnull(builder->list_command);
		ck_assert_ptr_nonnull(builder->parse_listing);
		ck_assert_ptr_nonnull(builder->remove_command);
		ck_assert_ptr_nonnull(builder->store_environment);
		/* A builder that forgets old names needs the label on its builds and the inspection that reads it. */
		if (builder->label_flag) {
			const struct flag_spec *label = builder_flag_by_long(builder->build_flags, builder->label_flag,
									     strlen(builder->label_flag));
			ck_assert_msg(label && label->takes_value, "%s: --%s is no build flag with a value", *name,
				      builder->label_flag);
			ck_assert_msg(builder->records_builds, "%s labels but keeps no record", *name);
		}
		ck_assert_msg(!builder->label_flag || (builder->inspect_command && builder->read_inspection),
			      "%s labels but cannot inspect", *name);
		ck_assert_msg(!builder->inspect_command || builder->inspect_batch > 0, "%s", *name);
		if (builder->iidfile_flag) {
			const struct flag_spec *iidfile = builder_flag_by_long(builder->build_flags, builder->iidfile_flag,
									       strlen(builder->iidfile_flag));
			ck_assert_msg(iidfile && iidfile->takes_value, "%s: --%s is no build flag with a value", *name,
				      builder->iidfile_flag);
		}
		ck_assert_msg(!builder->containers_command == !builder->read_containers, "%s", *name);
		ck_assert_msg(!builder->container_ids_command || builder->containers_command, "%s", *name);
		/* Without --no-prune the builder's own pruning would remove images kimb never selected. */
		bool no_prune = false;
		for (const char *const *word = builder->remove_command; *word; word++)
			no_prune |= strcmp(*word, "--no-prune") == 0;
		ck_assert_msg(no_prune || builder->removal_takes_untagged_parents || !builder->records_builds ||
				      builder->label_flag,
			      "%s", *name);
		ck_assert_msg(!builder->pods_namespace || (builder->namespace_flags && builder->namespace_env), "%s", *name);
	}
}
END_TEST

static const char flag_name_characters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";

static size_t assert_well_formed(const struct flag_spec *specs, const char *what)
{
	size_t count = 0;

	ck_assert_msg(specs, "%s: no flag list", what);
	for (; specs->long_name; specs++, count++) {
		const char *name = specs->long_name;

		ck_assert_msg(*name && *name != '-' && strspn(name, flag_name_characters) == strlen(name),
			      "%s: bad flag name '%s'", what, name);
		ck_assert_msg(strcmp(name, "help") != 0 && strcmp(name, "version") != 0, "%s: --%s listed", what, name);
		ck_assert_msg(!specs->short_name || isalnum((unsigned char)specs->short_name),
			      "%s: --%s: bad short name", what, name);
	}
	ck_assert_msg(specs->short_name == 0 && !specs->takes_value, "%s: the list does not end with {NULL, 0, false}",
		      what);
	return count;
}

START_TEST(test_flag_lists_end_properly)
{
	const struct builder *builder = builder_at((size_t)_i);

	ck_assert_uint_gt(assert_well_formed(builder->global_flags, builder->name), 0);
	ck_assert_uint_gt(assert_well_formed(builder->build_flags, builder->name), 0);
}
END_TEST

/* Globals and build flags are read from one command line, so one spelling must name one flag. */
START_TEST(test_no_flag_spelled_twice)
{
	const struct builder *builder = builder_at((size_t)_i);
	const struct flag_spec *lists[] = {builder->global_flags, builder->build_flags};

	for (size_t a = 0; a < 2; a++) {
		for (const struct flag_spec *one = lists[a]; one->long_name; one++) {
			for (size_t b = a; b < 2; b++) {
				const struct flag_spec *other = a == b ? one + 1 : lists[b];

				for (; other->long_name; other++) {
					ck_assert_msg(strcmp(one->long_name, other->long_name) != 0, "%s: --%s twice",
						      builder->name, one->long_name);
					ck_assert_msg(!one->short_name || one->short_name != other->short_name,
						      "%s: -%c twice", builder->name, one->short_name);
				}
			}
		}
	}
}
END_TEST

START_TEST(test_tag_flag)
{
	const struct builder *builder = builder_at((size_t)_i);
	const struct flag_spec *tag = builder_flag_by_long(builder->build_flags, "tag", 3);

	ck_assert_str_eq(builder->tag_flag, "tag");
	ck_assert_msg(tag, "%s: no --tag", builder->name);
	ck_assert_int_eq(tag->short_name, 't');
	ck_assert(tag->takes_value);
	ck_assert_ptr_eq(builder_flag_by_short(builder->build_flags, 't'), tag);
}
END_TEST

START_TEST(test_flag_lookup)
{
	const struct builder *podman = builder_find("podman");

	ck_assert_ptr_null(builder_flag_by_long(podman->build_flags, "ta", 2));
	ck_assert_ptr_null(builder_flag_by_long(podman->build_flags, "tagx", 4));
	ck_assert_str_eq(builder_flag_by_long(podman->build_flags, "tag=x", 3)->long_name, "tag");
	ck_assert_ptr_null(builder_flag_by_short(podman->build_flags, 0));
	ck_assert_ptr_null(builder_flag_by_short(podman->build_flags, 'Z'));
	ck_assert_str_eq(builder_flag_by_short(podman->global_flags, 'r')->long_name, "remote");
}
END_TEST

/* ---- The tables against the builders' own help ---- */

struct help_flag {
	char *long_name;
	char short_name;
	bool takes_value;
};

struct help {
	struct help_flag *flags;
	size_t count;
};

static void help_add(struct help *help, const char *long_name, size_t length, char short_name, bool takes_value)
{
	struct help_flag *grown = realloc(help->flags, (help->count + 1) * sizeof *grown);
	ck_assert_ptr_nonnull(grown);
	help->flags = grown;
	char *name = strndup(long_name, length);
	ck_assert_ptr_nonnull(name);
	grown[help->count++] = (struct help_flag){name, short_name, takes_value};
}

static const struct help_flag *help_find(const struct help *help, const char *long_name)
{
	for (size_t i = 0; i < help->count; i++)
		if (strcmp(help->flags[i].long_name, long_name) == 0)
			return &help->flags[i];
	return NULL;
}

static bool help_has_short(const struct help *help, char short_name)
{
	for (size_t i = 0; i < help->count; i++)
		if (help->flags[i].short_name == short_name)
			return true;
	return false;
}

static void help_free(struct help *help)
{
	for (size_t i = 0; i < help->count; i++)
		free(help->flags[i].long_name);
	free(help->flags);
}

/* One line as pflag prints it: "  -t, --tag name   description" or "      --rm   description".
 * A value's name may hold single spaces ("pathname or URL"); two spaces end it. An optional
 * value shows as "--pull string[="true"]" or "--flag[=false]": a boolean for kimb. */
static void read_flag_line(const char *line, struct help *help)
{
	const char *p = line + strspn(line, " ");
	char short_name = 0;

	if (p[1] != '-') {
		ck_assert_msg(p[1] && p[2] == ',' && p[3] == ' ', "unexpected flag line: %s", line);
		short_name = p[1];
		p += 4;
	}
	ck_assert_msg(p[0] == '-' && p[1] == '-', "unexpected flag line: %s", line);
	p += 2;
	size_t length = strcspn(p, " [\n");
	const char *after = p + length;
	bool takes_value = false;
	if (after[0] == ' ' && after[1] && !isspace((unsigned char)after[1])) {
		const char *value_end = strstr(after + 1, "  ");
		const char *optional = strstr(after + 1, "[=");

		if (!value_end)
			value_end = after + strlen(after);
		takes_value = !optional || optional > value_end;
	}
	if ((length == 4 && strncmp(p, "help", 4) == 0) || (length == 7 && strncmp(p, "version", 7) == 0))
		return;
	help_add(help, p, length, short_name, takes_value);
}

/* The flags of the help on STREAM: the lines of its "Options:" or "Flags:" sections ("Global
 * Options:" is docker's own globals; cobra's "Global Flags:" repeats the parent's and is skipped).
 * Continuation lines of a description are indented further than a flag line's 6 spaces at most. */
static void read_help(FILE *stream, struct help *help)
{
	char *line = NULL;
	size_t size = 0;
	bool in_flags = false;

	while (getline(&line, &size, stream) != -1) {
		size_t indent = strspn(line, " ");
		size_t length = strcspn(line, "\n");

		if (length == 0)
			continue;
		if (indent == 0) {
			in_flags = strncmp(line, "Global Flags:", 13) != 0 &&
				   ((length >= 8 && strncmp(line + length - 8, "Options:", 8) == 0) ||
				    (length >= 6 && strncmp(line + length - 6, "Flags:", 6) == 0));
			continue;
		}
		if (in_flags && indent <= 6 && line[indent] == '-')
			read_flag_line(line, help);
	}
	ck_assert_msg(!ferror(stream), "reading help failed");
	free(line);
}

static void read_help_of_command(const char *command, const char *program, struct help *help)
{
	FILE *stream = popen(command, "r");

	ck_assert_msg(stream, "cannot run `%s`", command);
	read_help(stream, help);
	int status = pclose(stream);
	ck_assert_msg(status != -1, "cannot wait for `%s`", command);
	ck_assert_msg(!(WIFEXITED(status) && WEXITSTATUS(status) == 127),
		      "%s is not installed: the table of %s is checked against its help (scripts/install-deps.sh "
		      "installs it)", program, program);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "`%s` failed (wait status %d)", command, status);
	ck_assert_msg(help->count > 0, "no flags read from `%s`", command);
}

static void read_help_of_text(const char *text, struct help *help)
{
	FILE *stream = fmemopen((void *)text, strlen(text), "r");

	ck_assert_ptr_nonnull(stream);
	read_help(stream, help);
	ck_assert_int_eq(fclose(stream), 0);
}

static bool listed(const char *const *names, const char *name)
{
	for (; names && *names; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

static const char *short_text(char short_name, char text[3])
{
	if (!short_name)
		return "none";
	text[0] = '-';
	text[1] = short_name;
	text[2] = '\0';
	return text;
}

/* SPECS holds exactly the flags of EXPECTED, spelled and taking a value as there. MAY_HIDE names
 * flags SPECS holds that some versions of the builder define but leave out of their help. */
static void assert_table_is_help(const struct flag_spec *specs, const struct help *expected,
				 const char *const *may_hide, const char *what)
{
	for (size_t i = 0; i < expected->count; i++) {
		const struct help_flag *flag = &expected->flags[i];
		const struct flag_spec *spec = builder_flag_by_long(specs, flag->long_name, strlen(flag->long_name));
		char help_short[3], table_short[3];

		ck_assert_msg(spec, "%s: --%s is in the help but not in kimb's table", what, flag->long_name);
		ck_assert_msg(spec->short_name == flag->short_name,
			      "%s: --%s: short name %s in the help, %s in kimb's table", what, flag->long_name,
			      short_text(flag->short_name, help_short), short_text(spec->short_name, table_short));
		ck_assert_msg(spec->takes_value == flag->takes_value, "%s: --%s: %s in the help, %s in kimb's table",
			      what, flag->long_name, flag->takes_value ? "takes a value" : "a boolean",
			      spec->takes_value ? "takes a value" : "a boolean");
	}
	for (; specs->long_name; specs++)
		ck_assert_msg(help_find(expected, specs->long_name) || listed(may_hide, specs->long_name),
			      "%s: --%s is in kimb's table but not in the help", what, specs->long_name);
}

/* Compares BUILDER's tables with its help. A global flag spelled like a build flag is expected
 * among the build flags only, as the table's rule is: kimb passes globals before the sub-command,
 * where the builder would read them as the global flag. */
static void assert_tables_are_help(const struct builder *builder, const struct help *globals, const struct help *build,
				   const char *const *may_hide_in_build)
{
	struct help expected_globals = {0};
	char what[64];

	for (size_t i = 0; i < globals->count; i++) {
		const struct help_flag *flag = &globals->flags[i];
		char short_name = help_has_short(build, flag->short_name) ? 0 : flag->short_name;

		if (!help_find(build, flag->long_name))
			help_add(&expected_globals, flag->long_name, strlen(flag->long_name), short_name,
				 flag->takes_value);
	}
	snprintf(what, sizeof what, "%s build", builder->name);
	assert_table_is_help(builder->build_flags, build, may_hide_in_build, what);
	snprintf(what, sizeof what, "%s (global flags)", builder->name);
	assert_table_is_help(builder->global_flags, &expected_globals, NULL, what);
	help_free(&expected_globals);
}

/* Runs the installed builder's help. The variables unset keep the help to what kimb's table
 * describes: podman as a local client (CONTAINER_HOST makes it a remote one, with other flags),
 * docker's legacy builder (DOCKER_BUILDKIT=0 also where buildx is installed). */
static void assert_tables_are_live_help(const char *name, const char *environment,
					const char *const *may_hide_in_build)
{
	struct help globals = {0}, build = {0};
	char command[256];

	snprintf(command, sizeof command, "%s %s --help 2>/dev/null", environment, name);
	read_help_of_command(command, name, &globals);
	snprintf(command, sizeof command, "%s %s build --help 2>/dev/null", environment, name);
	read_help_of_command(command, name, &build);
	assert_tables_are_help(builder_find(name), &globals, &build, may_hide_in_build);
	help_free(&globals);
	help_free(&build);
}

START_TEST(test_podman_flags_are_its_help)
{
	assert_tables_are_live_help("podman", "unset CONTAINER_HOST CONTAINER_CONNECTION;", NULL);
}
END_TEST

START_TEST(test_buildah_flags_are_its_help)
{
	assert_tables_are_live_help("buildah", "", NULL);
}
END_TEST

START_TEST(test_docker_flags_are_its_help)
{
	/* Docker 20.10 (Debian 12's docker.io) hides --platform from the legacy builder's help unless
	 * BuildKit is on, yet accepts it; docker 28 shows it. */
	static const char *const hidden_by_docker_20_10[] = {"platform", NULL};

	assert_tables_are_live_help("docker", "unset DOCKER_HOST DOCKER_CONTEXT; DOCKER_BUILDKIT=0",
				    hidden_by_docker_20_10);
}
END_TEST

/* nerdctl cannot run here. These are the flag columns (descriptions left out) of the help pflag
 * prints for the flags nerdctl v1.7.6 defines: the root command's in cmd/nerdctl/main.go
 * (initRootCmdFlags; each one-letter alias is a flag with a long spelling of its own) and the
 * build command's in cmd/nerdctl/builder_build.go. */
static const char nerdctl_v1_7_6_help[] =
	"Flags:\n"
	"  -H, --H string\n"
	"  -a, --a string\n"
	"      --address string\n"
	"      --cgroup-manager string\n"
	"      --cni-netconfpath string\n"
	"      --cni-path string\n"
	"      --data-root string\n"
	"      --debug\n"
	"      --debug-full\n"
	"      --experimental\n"
	"  -h, --help\n"
	"      --host string\n"
	"      --host-gateway-ip string\n"
	"      --hosts-dir strings\n"
	"      --insecure-registry\n"
	"  -n, --n string\n"
	"      --namespace string\n"
	"      --snapshotter string\n"
	"      --storage-driver string\n"
	"  -v, --version\n";

static const char nerdctl_v1_7_6_build_help[] =
	"Flags:\n"
	"      --allow stringArray\n"
	"      --build-arg stringArray\n"
	"      --buildkit-host string\n"
	"      --cache-from stringArray\n"
	"      --cache-to stringArray\n"
	"  -f, --file string\n"
	"  -h, --help\n"
	"      --iidfile string\n"
	"      --label stringArray\n"
	"      --network string\n"
	"      --no-cache\n"
	"  -o, --output string\n"
	"      --platform strings\n"
	"      --progress string\n"
	"  -q, --quiet\n"
	"      --rm\n"
	"      --secret stringArray\n"
	"      --ssh stringArray\n"
	"  -t, --tag stringArray\n"
	"      --target string\n";

START_TEST(test_nerdctl_flags_are_its_recorded_help)
{
	struct help globals = {0}, build = {0};

	read_help_of_text(nerdctl_v1_7_6_help, &globals);
	read_help_of_text(nerdctl_v1_7_6_build_help, &build);
	ck_assert_uint_eq(globals.count, 18);
	ck_assert_uint_eq(build.count, 19);
	assert_tables_are_help(builder_find("nerdctl"), &globals, &build, NULL);
	help_free(&globals);
	help_free(&build);
}
END_TEST

/* The help reader itself, on the shapes of line it must tell apart. */
START_TEST(test_help_reader)
{
	static const char text[] = "Usage:\n"
				   "  tool build [flags]\n"
				   "\n"
				   "Examples:\n"
				   "  tool build --tag x .\n"
				   "\n"
				   "Options:\n"
				   "      --add-host host:ip      add a host (default [])\n"
				   "      --compress              legacy\n"
				   "                              -continued description\n"
				   "      --creds [username[:password]]   credentials\n"
				   "  -f, --file pathname or URL  a Dockerfile\n"
				   "      --help                  help\n"
				   "      --pull string[=\"true\"]  pull\n"
				   "      --sbom[=false]          optional boolean\n"
				   "  -v, --volume stringArray    bind mount\n"
				   "      --last int\n"
				   "      --lone\n"
				   "\n"
				   "Global Flags:\n"
				   "      --inherited string      not this command's\n";
	static const struct help_flag expected[] = {
		{"add-host", 0, true}, {"compress", 0, false}, {"creds", 0, true},  {"file", 'f', true},
		{"pull", 0, false},    {"sbom", 0, false},     {"volume", 'v', true}, {"last", 0, true},
		{"lone", 0, false},
	};
	struct help help = {0};

	read_help_of_text(text, &help);
	ck_assert_uint_eq(help.count, sizeof expected / sizeof expected[0]);
	for (size_t i = 0; i < help.count; i++) {
		ck_assert_str_eq(help.flags[i].long_name, expected[i].long_name);
		ck_assert_int_eq(help.flags[i].short_name, expected[i].short_name);
		ck_assert_msg(help.flags[i].takes_value == expected[i].takes_value, "--%s", expected[i].long_name);
	}
	help_free(&help);
}
END_TEST

/* ---- Executables and auto ---- */

struct variable {
	const char *name;
	const char *value;
};

/* The environment a test gives the functions under test, ended by {NULL, NULL}. */
static const struct variable *environment;

static const char *lookup(const char *name)
{
	for (const struct variable *v = environment; v && v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v->value;
	return NULL;
}

START_TEST(test_executable)
{
	const struct builder *docker = builder_find("docker");
	const struct variable set[] = {{"KIMB_DOCKER", "/opt/docker/bin/docker"}, {"KIMB_PODMAN", "x"}, {NULL, NULL}};
	const struct variable empty[] = {{"KIMB_DOCKER", ""}, {NULL, NULL}};

	environment = set;
	ck_assert_str_eq(builder_executable(docker, lookup), "/opt/docker/bin/docker");
	ck_assert_str_eq(builder_executable(builder_find("kim"), lookup), "kim");
	environment = empty;
	ck_assert_str_eq(builder_executable(docker, lookup), "docker");
	environment = NULL;
	ck_assert_str_eq(builder_executable(docker, lookup), "docker");
}
END_TEST

/* A directory per PATH entry:
 *   not-runnable/  nerdctl (a file without execute permission), podman/ (a directory)
 *   runnable/      docker, buildah (executable stubs)
 *   later/         kim (an executable stub)
 *   elsewhere/     my-nerdctl (an executable stub) */
static char base[] = "/tmp/kimb-test-builder-XXXXXX";
static char not_runnable[PATH_MAX], runnable[PATH_MAX], later[PATH_MAX], elsewhere[PATH_MAX], my_nerdctl[PATH_MAX];
static const char *const created_files[] = {"not-runnable/nerdctl", "runnable/docker", "runnable/buildah", "later/kim",
					    "elsewhere/my-nerdctl"};
static const char *const created_directories[] = {"not-runnable/podman", "not-runnable", "runnable", "later",
						  "elsewhere"};

static void path_in_base(char *out, const char *relative)
{
	ck_assert_int_lt(snprintf(out, PATH_MAX, "%s/%s", base, relative), PATH_MAX);
}

static void make_file(const char *relative, mode_t mode)
{
	char path[PATH_MAX];

	path_in_base(path, relative);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void make_directories(void)
{
	strcpy(base + strlen(base) - 6, "XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	for (size_t i = sizeof created_directories / sizeof created_directories[0]; i-- > 0;) {
		char path[PATH_MAX];

		path_in_base(path, created_directories[i]);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	make_file("not-runnable/nerdctl", 0644);
	make_file("runnable/docker", 0755);
	make_file("runnable/buildah", 0755);
	make_file("later/kim", 0755);
	make_file("elsewhere/my-nerdctl", 0755);
	path_in_base(not_runnable, "not-runnable");
	path_in_base(runnable, "runnable");
	path_in_base(later, "later");
	path_in_base(elsewhere, "elsewhere");
	path_in_base(my_nerdctl, "elsewhere/my-nerdctl");
}

static void remove_directories(void)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof created_files / sizeof created_files[0]; i++) {
		path_in_base(path, created_files[i]);
		ck_assert_int_eq(unlink(path), 0);
	}
	for (size_t i = 0; i < sizeof created_directories / sizeof created_directories[0]; i++) {
		path_in_base(path, created_directories[i]);
		ck_assert_int_eq(rmdir(path), 0);
	}
	ck_assert_int_eq(rmdir(base), 0);
}

/* The builder auto takes with PATH and, where not NULL, OVERRIDE set to VALUE. */
static const char *detect(const char *path, const char *override, const char *value)
{
	const struct variable variables[] = {{"PATH", path}, {override, value}, {NULL, NULL}};

	environment = variables;
	const struct builder *builder = builder_detect(lookup);
	environment = NULL;
	return builder ? builder->name : "none";
}

static const char *join_path(char *out, const char *first, const char *second, const char *third)
{
	ck_assert_int_lt(snprintf(out, 4 * PATH_MAX, "%s:%s%s%s", first, second, third ? ":" : "", third ? third : ""),
			 4 * PATH_MAX);
	return out;
}

START_TEST(test_detect_first_in_order_wins)
{
	char path[4 * PATH_MAX];

	/* nerdctl cannot be executed and podman is a directory: docker is the first that runs. */
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, NULL), NULL, NULL), "docker");
	/* kim comes first in auto's order, wherever it stands in PATH. */
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, later), NULL, NULL), "kim");
	ck_assert_str_eq(detect(join_path(path, not_runnable, elsewhere, NULL), NULL, NULL), "none");
	ck_assert_str_eq(detect(not_runnable, NULL, NULL), "none");
}
END_TEST

START_TEST(test_detect_override_wins_over_path)
{
	char path[4 * PATH_MAX];
	char missing[PATH_MAX];

	path_in_base(missing, "elsewhere/kim");
	/* An override takes its builder, found or not: a wrong one is reported, never replaced. */
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, NULL), "KIMB_NERDCTL", my_nerdctl), "nerdctl");
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, later), "KIMB_KIM", missing), "kim");
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, NULL), "KIMB_NERDCTL", not_runnable), "nerdctl");
	ck_assert_str_eq(detect(join_path(path, not_runnable, elsewhere, NULL), "KIMB_BUILDAH", "my-nerdctl"),
			 "buildah");
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, NULL), "KIMB_DOCKER", "my-nerdctl"), "docker");
	/* but a builder found earlier in auto's order still comes first */
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, later), "KIMB_BUILDAH", missing), "kim");
	/* An empty override means the builder's own name. */
	ck_assert_str_eq(detect(join_path(path, not_runnable, runnable, NULL), "KIMB_DOCKER", ""), "docker");
}
END_TEST

/* An empty PATH entry (leading, trailing or in between) means the current directory. */
START_TEST(test_detect_empty_entry_is_current_directory)
{
	char path[4 * PATH_MAX];
	int saved = open(".", O_RDONLY | O_DIRECTORY);

	ck_assert_int_ne(saved, -1);
	ck_assert_int_eq(chdir(runnable), 0);
	ck_assert_str_eq(detect(not_runnable, NULL, NULL), "none");
	ck_assert_str_eq(detect(join_path(path, not_runnable, "", NULL), NULL, NULL), "docker");
	ck_assert_str_eq(detect(join_path(path, "", not_runnable, NULL), NULL, NULL), "docker");
	ck_assert_str_eq(detect(join_path(path, not_runnable, "", elsewhere), NULL, NULL), "docker");
	ck_assert_str_eq(detect("", NULL, NULL), "docker");
	ck_assert_int_eq(fchdir(saved), 0);
	ck_assert_int_eq(close(saved), 0);
}
END_TEST

/* Without PATH, the search path execvp falls back on. */
START_TEST(test_detect_without_path)
{
	size_t size = confstr(_CS_PATH, NULL, 0);
	char *default_path = malloc(size);
	const struct variable unset[] = {{NULL, NULL}};

	ck_assert_ptr_nonnull(default_path);
	ck_assert_uint_eq(confstr(_CS_PATH, default_path, size), size);
	const char *expected = detect(default_path, NULL, NULL);
	environment = unset;
	const struct builder *builder = builder_detect(lookup);
	environment = NULL;
	ck_assert_str_eq(builder ? builder->name : "none", expected);
	free(default_path);
}
END_TEST

Suite *builder_suite(void)
{
	Suite *suite = suite_create("builder");

	TCase *table = tcase_create("table");
	tcase_add_test(table, test_names_in_auto_order);
	tcase_add_test(table, test_find_every_name);
	tcase_add_test(table, test_find_unknown_names);
	tcase_add_test(table, test_entries_are_consistent);
	tcase_add_loop_test(table, test_flag_lists_end_properly, 0, BUILDER_COUNT);
	tcase_add_loop_test(table, test_no_flag_spelled_twice, 0, BUILDER_COUNT);
	tcase_add_loop_test(table, test_tag_flag, 0, BUILDER_COUNT);
	tcase_add_test(table, test_flag_lookup);
	suite_add_tcase(suite, table);

	TCase *help = tcase_create("help");
	tcase_set_timeout(help, 60); /* each runs a builder twice; room for a loaded machine */
	tcase_add_test(help, test_help_reader);
	tcase_add_test(help, test_podman_flags_are_its_help);
	tcase_add_test(help, test_buildah_flags_are_its_help);
	tcase_add_test(help, test_docker_flags_are_its_help);
	tcase_add_test(help, test_nerdctl_flags_are_its_recorded_help);
	suite_add_tcase(suite, help);

	TCase *detection = tcase_create("detection");
	tcase_add_unchecked_fixture(detection, make_directories, remove_directories);
	tcase_add_test(detection, test_executable);
	tcase_add_test(detection, test_detect_first_in_order_wins);
	tcase_add_test(detection, test_detect_override_wins_over_path);
	tcase_add_test(detection, test_detect_empty_entry_is_current_directory);
	tcase_add_test(detection, test_detect_without_path);
	suite_add_tcase(suite, detection);

	return suite;
}
