/* SPDX-License-Identifier: Apache-2.0 */
#include "spelling.h"

#include <stdlib.h>

#include "xalloc.h"

/* Beyond this, no word is a typo of another: the guess compares only words of up to this length. */
#define SPELLING_MAX_LENGTH 256

/* Three rows of the alignment table suffice: a swap looks two rows back. */
size_t spelling_distance(const char *a, size_t a_length, const char *b, size_t b_length)
{
	size_t *rows = xcalloc(3 * (b_length + 1), sizeof *rows);
	size_t *before = rows, *previous = rows + (b_length + 1), *current = rows + 2 * (b_length + 1);
	for (size_t j = 0; j <= b_length; j++)
		previous[j] = j;
	for (size_t i = 1; i <= a_length; i++) {
		current[0] = i;
		for (size_t j = 1; j <= b_length; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = previous[j - 1] + cost;
			if (previous[j] + 1 < best)
				best = previous[j] + 1;
			if (current[j - 1] + 1 < best)
				best = current[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && before[j - 2] + 1 < best)
				best = before[j - 2] + 1;
			current[j] = best;
		}
		size_t *oldest = before;
		before = previous;
		previous = current;
		current = oldest;
	}
	size_t distance = previous[b_length];
	free(rows);
	return distance;
}

struct spelling_guess spelling_guess_of(const char *word, size_t length)
{
	return (struct spelling_guess){.word = word, .length = length};
}

bool spelling_offer(struct spelling_guess *guess, const char *candidate, size_t length)
{
	/* Lengths apart by more than the distance allowed cannot be close enough. */
	size_t apart = length > guess->length ? length - guess->length : guess->length - length;
	if (apart > 2 || length > SPELLING_MAX_LENGTH || guess->length > SPELLING_MAX_LENGTH)
		return false;
	size_t distance = spelling_distance(guess->word, guess->length, candidate, length);
	if (distance == 0 || distance > 2 || 2 * distance >= guess->length)
		return false;
	if (guess->best && distance >= guess->best_distance)
		return false;
	guess->best = candidate;
	guess->best_length = length;
	guess->best_distance = distance;
	return true;
}
