/* SPDX-License-Identifier: Apache-2.0 */
/* A test tool, not part of kimb: prints kimb's table of a builder's flags, for tests/builders.sh,
 * which compares it with the builder's own --help. One line a flag:
 *   SCOPE LONG SHORT KIND
 * SCOPE global (repeated on every call) or build, LONG without "--", SHORT the one-letter name or
 * "-" for none, KIND value (takes one) or bool. The global flags come first, each list in the
 * table's order.
 * Usage: builder_flags BUILDER */

#include <stdio.h>
#include <stdlib.h>

#include "builder.h"

static void print_flags(const char *scope, const struct flag_spec *specs)
{
	for (; specs->long_name; specs++) {
		char short_name[2] = {specs->short_name, '\0'};

		printf("%s %s %s %s\n", scope, specs->long_name, specs->short_name ? short_name : "-",
		       specs->takes_value ? "value" : "bool");
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s BUILDER\n", argv[0]);
		return 2;
	}
	const struct builder *builder = builder_find(argv[1]);
	if (!builder) {
		fprintf(stderr, "%s: kimb knows no builder %s\n", argv[0], argv[1]);
		return 2;
	}
	print_flags("global", builder->global_flags);
	print_flags("build", builder->build_flags);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror(argv[0]);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
