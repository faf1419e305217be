/* SPDX-License-Identifier: Apache-2.0 */
/* Prints the git tag kimb makes for the build context DIRECTORY, as gittag_prepare makes it: the
 * tag computation alone, without a builder, for scripts/bench/git-tag.sh to time. */

#include <stdio.h>
#include <stdlib.h>

#include "gittag.h"

int main(int argc, char **argv)
{
	struct message why = {0};
	char *tag = NULL;
	struct environment environment;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
		return 2;
	}
	env_read(&environment, env_process);
	if (gittag_prepare(SCHEME_GIT, argv[1], NULL, 0, &environment, &tag, &why) != 0) {
		fprintf(stderr, "%s: %s\n", argv[0], why.text);
		message_free(&why);
		return 1;
	}
	puts(tag);
	free(tag);
	return fflush(stdout) == 0 ? 0 : 1;
}
