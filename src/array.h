/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_ARRAY_H
#define KIMB_ARRAY_H

/* Growing arrays without a capacity field: the capacity is COUNT rounded up to a power of two. */

#include <stddef.h>

/* Appends the ELEMENT_SIZE bytes at ELEMENT to the array *ARRAY_POINTER (any T **) of *COUNT elements.
 * Memory comes from xrealloc. */
void array_append(void *array_pointer, size_t *count, size_t element_size, const void *element);

#endif
