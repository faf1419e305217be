/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_XALLOC_H
#define KIMB_XALLOC_H

/* Memory that is there, or the end of kimb: every allocation goes through these, and running out of
 * memory ends kimb here, in one place, with one line and exit status 1. kimb allocates only before
 * or between builder calls, so that nothing is ever half-removed for want of memory. */

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *pointer, size_t size);
char *xstrdup(const char *text);
char *xstrndup(const char *text, size_t length);

/* A printf-style string, malloc'd. */
char *xprintf(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Has jansson allocate with xmalloc too. Call once, before the first JSON is read. */
void xalloc_json(void);

#endif
