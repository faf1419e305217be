/* SPDX-License-Identifier: Apache-2.0 */
#include "quote.h"

#include <string.h>

/* The characters that stand for themselves in every position of a word to a POSIX shell. */
static const char plain_characters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789%+,-./:=@_";

void quote_word(struct message *out, const char *word)
{
	if (*word && word[strspn(word, plain_characters)] == '\0') {
		message_add(out, "%s", word);
		return;
	}
	message_add(out, "'");
	for (const char *c = word; *c;) {
		size_t run = strcspn(c, "'");
		message_add(out, "%.*s", (int)run, c);
		c += run;
		if (*c == '\'') {
			message_add(out, "'\\''");
			c++;
		}
	}
	message_add(out, "'");
}

void quote_words(struct message *out, const char *const *words, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			message_add(out, " ");
		quote_word(out, words[i]);
	}
}
