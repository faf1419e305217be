/* SPDX-License-Identifier: Apache-2.0 */
#include "array.h"

#include <stdint.h>
#include <string.h>

#include "xalloc.h"

void array_append(void *array_pointer, size_t *count, size_t element_size, const void *element)
{
	char *array;
	memcpy(&array, array_pointer, sizeof array);
	size_t n = *count;
	/* Full exactly when N is zero or a power of two; doubling keeps appends amortized O(1). */
	if ((n & (n - 1)) == 0) {
		size_t capacity = n ? 2 * n : 1;
		/* A size that does not fit is more than any memory: xrealloc ends kimb. */
		array = xrealloc(array, capacity <= SIZE_MAX / element_size ? capacity * element_size : SIZE_MAX);
		memcpy(array_pointer, &array, sizeof array);
	}
	memcpy(array + n * element_size, element, element_size);
	*count = n + 1;
}
