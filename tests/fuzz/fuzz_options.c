/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the command line: the first byte picks the builder, the rest is argv, NUL-separated. A
 * parse either fails with a one-line reason or gives targets whose repositories are normalized,
 * and words that come from argv or from the options themselves. --builder is read only where it
 * stands as an option. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "fuzz_common.h"
#include "options.h"
#include "reference.h"

static const char *no_environment(const char *name)
{
	(void)name;
	return NULL;
}

static bool is_argument(char **argv, int argc, const struct options *options, const char *word)
{
	for (int i = 0; i < argc; i++)
		if (word == argv[i])
			return true;
	for (size_t i = 0; i < options->owned_count; i++)
		if (word == options->owned[i])
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	size_t builders = 0;
	while (builder_names[builders])
		builders++;
	const struct builder *builder = builder_find(builder_names[data[0] % builders]);
	char *text = malloc(size);
	char **argv = calloc(size + 2, sizeof *argv);
	FUZZ_ASSERT(text && argv, "out of memory");
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	int argc = 0;
	argv[argc++] = (char *)"kimb";
	for (char *word = text; word < text + size - 1; word += strlen(word) + 1)
		argv[argc++] = word;
	argv[argc] = NULL;

	const char *choice;
	struct message why = {0};
	struct environment environment;
	env_read(&environment, no_environment);
	if (options_builder_choice(argc, argv, &environment, &choice, &why) != 0)
		FUZZ_ASSERT(why.length && !strchr(why.text, '\n'),
			    "a builder choice refused without a one-line reason");
	message_free(&why);
	struct options options;
	if (options_parse(argc, argv, builder, &environment, &options, &why) != 0) {
		FUZZ_ASSERT(why.length && !strchr(why.text, '\n'), "a command line refused without a one-line reason");
		message_free(&why);
	} else {
		for (size_t i = 0; i < options.target_count; i++) {
			struct reference ref;
			const char *reason;
			FUZZ_ASSERT(reference_parse(options.targets[i].repository, &ref, &reason) == 0 &&
					    strcmp(ref.repository, options.targets[i].repository) == 0 && !ref.tag,
				    "a target's repository is not normalized");
			reference_free(&ref);
		}
		for (size_t i = 0; i < options.build_args.count; i++)
			FUZZ_ASSERT(is_argument(argv, argc, &options, options.build_args.words[i]), "a build word made up");
		for (size_t i = 0; i < options.global_args.count; i++)
			FUZZ_ASSERT(is_argument(argv, argc, &options, options.global_args.words[i]), "a global word made up");
		options_free(&options);
	}
	free(argv);
	free(text);
	return 0;
}
