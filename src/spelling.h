/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_SPELLING_H
#define KIMB_SPELLING_H

/* Which known word a mistyped one was meant to be: the optimal string alignment distance (a
 * letter added, dropped, changed, or two side by side swapped, each counting one), and the
 * closest of the candidates, when it is close enough to be a typo rather than another word. */

#include <stdbool.h>
#include <stddef.h>

/* The number of edits that make A (A_LENGTH bytes) into B (B_LENGTH bytes). */
size_t spelling_distance(const char *a, size_t a_length, const char *b, size_t b_length);

/* The closest candidate to a word so far, offered one candidate at a time. */
struct spelling_guess {
	const char *word;      /* the mistyped word (not necessarily terminated) */
	size_t length;
	const char *best;      /* the closest candidate offered that is close enough; NULL for none */
	size_t best_length;
	size_t best_distance;
};

/* A guess at WORD (LENGTH bytes), no candidate offered yet. */
struct spelling_guess spelling_guess_of(const char *word, size_t length);

/* Offers CANDIDATE (LENGTH bytes): it becomes the best when it is close enough to the word (at
 * most 2 edits, fewer than half the word's length, and not the word itself) and closer than the
 * best so far; the first offered wins a tie. Returns whether it became the best. */
bool spelling_offer(struct spelling_guess *guess, const char *candidate, size_t length);

#endif
