/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_QUOTE_H
#define KIMB_QUOTE_H

/* Words as a POSIX shell reads them back: what --verbose shows of each call, so that it can be
 * copied into a shell and run again. */

#include <stddef.h>

#include "message.h"

/* Appends WORD to OUT quoted for a POSIX shell: as it is when every character of it is one no
 * shell treats specially (letters, digits and %+,-./:=@_), else in single quotes, each ' in it
 * written '\''; an empty word is ''. */
void quote_word(struct message *out, const char *word);

/* Appends the COUNT WORDS to OUT, each quoted, separated by one space. */
void quote_words(struct message *out, const char *const *words, size_t count);

#endif
