/* SPDX-License-Identifier: Apache-2.0 */
/* Rows per second of kimb's reader of kim's image table (listing_parse_kim_table), on a listing
 * file such as `make bench` generates: the file is read into memory first, then parsed RUNS times
 * (default 3), each parse timed alone with the monotonic clock and its listing freed untimed.
 * Prints the rows, the images they group into, the rate of the median and the best run, and the
 * memory the parse took at its peak beyond the text (the growth of the peak resident set size),
 * per row: the same figure on a longer listing means memory linear in the listing.
 * Usage: listing_rate FILE [RUNS] */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "listing.h"
#include "xalloc.h"

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The peak resident set size so far, in bytes (ru_maxrss is in kilobytes on Linux). */
static double peak_bytes(void)
{
	struct rusage usage = {0};
	(void)getrusage(RUSAGE_SELF, &usage);
	return (double)usage.ru_maxrss * 1024;
}

static char *read_file(const char *path, size_t *length)
{
	FILE *file = fopen(path, "rb");
	if (!file)
		return NULL;
	char *text = NULL;
	size_t size = 0, capacity = 0;
	for (;;) {
		if (capacity - size < 1 << 20) {
			capacity = capacity ? capacity * 2 : 1 << 24;
			text = xrealloc(text, capacity);
		}
		size_t got = fread(text + size, 1, capacity - size, file);
		size += got;
		if (got == 0)
			break;
	}
	int failed = ferror(file);
	fclose(file);
	if (failed) {
		free(text);
		return NULL;
	}
	*length = size;
	return text;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s FILE [RUNS]\n", argv[0]);
		return 2;
	}
	int runs = argc == 3 ? atoi(argv[2]) : 3;
	if (runs < 1 || runs > 100) {
		fprintf(stderr, "%s: RUNS must be 1 to 100\n", argv[0]);
		return 2;
	}
	size_t length;
	char *text = read_file(argv[1], &length);
	if (!text) {
		perror(argv[1]);
		return 1;
	}
	size_t lines = 0;
	for (const char *p = text; (p = memchr(p, '\n', length - (size_t)(p - text))) != NULL; p++)
		lines++;
	if (length > 0 && text[length - 1] != '\n')
		lines++;
	size_t rows = lines > 0 ? lines - 1 : 0; /* the header is no row */

	double seconds[100];
	size_t images = 0;
	double peak_before = peak_bytes();
	for (int run = 0; run < runs; run++) {
		struct listing listing;
		struct listing_error err;
		double began = now_seconds();
		int status = listing_parse_kim_table(text, length, &listing, &err);
		seconds[run] = now_seconds() - began;
		if (status != 0) {
			fprintf(stderr, "%s: line %zu: %s\n", argv[1], err.line, err.message);
			free(text);
			return 1;
		}
		images = listing.count;
		listing_free(&listing);
	}
	free(text);

	qsort(seconds, (size_t)runs, sizeof seconds[0], compare_doubles);
	double median = seconds[runs / 2], best = seconds[0], grown = peak_bytes() - peak_before;
	printf("listing reader: %zu rows (%zu images, %.0f MB) in %.3f s: %.0f rows/s (median of %d; best %.0f rows/s); "
	       "peak memory beyond the text %.0f MB, %.0f bytes a row\n",
	       rows, images, (double)length / 1e6, median, (double)rows / median, runs, (double)rows / best, grown / 1e6,
	       rows ? grown / (double)rows : 0.0);
	return 0;
}
