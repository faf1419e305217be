#include "array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int array_append(void *array_pointer, size_t *count, size_t element_size, const void *element)
{
	char *array;
	memcpy(&array, array_pointer, sizeof array);
	size_t n = *count;
	/* Full exactly when N is zero or a power of two; doubling keeps appends amortized O(1). */
	if ((n & (n - 1)) == 0) {
		size_t capacity = n ? 2 * n : 1;
		if (capacity > SIZE_MAX / element_size)
			return -1;
		char *grown = realloc(array, capacity * element_size);
		if (!grown)
			return -1;
		array = grown;
		memcpy(array_pointer, &array, sizeof array);
	}
	memcpy(array + n * element_size, element, element_size);
	*count = n + 1;
	return 0;
}
